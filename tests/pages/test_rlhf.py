import pytest

from tests.pages.conftest import plotly_specs, wait_for_end, wait_for_records

PAGE = "pages/rlhf.py"


def test_page_renders_samples(app):
    at = app(PAGE)
    assert not at.exception and not at.warning
    assert len(at.dataframe[0].value) == 4  # four samples of the pretrained model


@pytest.mark.parametrize("typed", ["", "the movie was " * 700, "🎬🍿", "这部电影很好看"])
def test_any_typed_prompt(app, typed):
    at = app(PAGE)
    at.text_input(key="rlhf_prompt").set_value(typed).run()
    assert not at.exception
    assert len(at.dataframe[0].value) == 4
    if typed.strip() == "" or len(typed) > 1000 or not typed.isascii():
        assert at.info


def test_walk_the_steps(app):
    at = app(PAGE, rlhf_pairs="300", rm_epochs="2", rlhf_ppo_prompts="8", rlhf_ppo_new_tokens="8", rlhf_ppo_max_updates="3")
    at.button(key="rlhf_label").click().run()
    assert "labelled pairs" in " ".join(c.value for c in at.caption)
    at.button(key="rlhf_pick_A is better").click().run()
    assert "(1 by you)" in " ".join(c.value for c in at.caption)
    at.button(key="rlhf_rm_run_start").click().run()
    rm_run = at.session_state["rlhf_rm_run"]["run"]
    wait_for_end(rm_run)
    assert rm_run.status == "finished", rm_run.message
    at.run()
    assert not at.exception
    assert "Accuracy" in [s["layout"]["title"]["text"] for s in plotly_specs(at)]
    at.text_input(key="rlhf_score").set_value("the movie was great and charming .").run()
    assert any(m.label == "Reward model" for m in at.metric)
    at.button(key="rlhf_ppo_run_start").click().run()
    ppo_run = at.session_state["rlhf_ppo_run"]["run"]
    wait_for_records(ppo_run, 2, timeout=120)
    at.run()
    assert not at.exception
    titles = [s["layout"]["title"]["text"] for s in plotly_specs(at)]
    assert "Reward" in titles and "KL(π ‖ π_ref) per completion" in titles
    ppo_run.stop()
    ppo_run.join(30)


def test_a_bad_model_folder_says_so_and_falls_back(app, tmp_path):
    at = app(PAGE)
    at.text_input(key="rlhf_source").set_value(str(tmp_path / "nothing-here")).run()
    assert not at.exception
    assert any("Could not load" in e.value for e in at.error)
    assert len(at.dataframe[0].value) == 4


def test_reward_and_ppo_wait_for_their_inputs(app):
    at = app(PAGE)
    infos = " ".join(i.value for i in at.info)
    assert "Label at least 10 pairs" in infos and "Train a reward model first" in infos
