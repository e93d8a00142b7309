import json

import pytest

from tests.pages.conftest import SHARED_KEYS, plotly_specs, wait_for_end, wait_for_records

PAGE = "views/rlhf.py"


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


def _caption(at) -> str:
    return " ".join(c.value for c in at.caption)


GOOD = json.dumps({"format": "rlhf-playground-labels", "version": 1, "pairs": [
    {"prompt": "the movie was", "a": "great .", "b": "dull .", "preferred": 0, "source": "you"}] * 3})
BAD = [("empty.json", b"", "empty"),
       ("deep.json", b"[" * 50_000 + b"]" * 50_000, "nested too deeply"),
       ("bool.json", json.dumps({"format": "rlhf-playground-labels", "pairs": [
           {"prompt": "p", "a": "x", "b": "y", "preferred": True}]}).encode(), "preferred = 0 or 1"),
       ("junk.json", b"\x00\xff junk", "not a JSON"),
       ("other.json", b'{"format": "something else"}', "not a labels file")]


def test_labels_import_counts_at_once_and_every_bad_file_is_refused_with_a_message(app):
    at = app(PAGE)
    assert "0 labelled pairs" in _caption(at)
    at.file_uploader(key="rlhf_import").set_value(("good.json", GOOD.encode(), "application/json")).run()
    assert not at.exception
    assert "3 labelled pairs" in _caption(at)  # in the same run as the import, not one later
    assert any("Imported 3 pairs" in s.value for s in at.success)
    for name, content, words in BAD:
        at.file_uploader(key="rlhf_import").set_value((name, content, "application/json")).run()
        assert not at.exception, name
        errors = " ".join(e.value for e in at.error)
        assert f"Could not import {name}" in errors and words in errors, (name, errors)
        assert "Your labels are unchanged" in errors  # no count: the note outlives later labelling
        assert "3 labelled pairs" in _caption(at), name
        assert len(at.session_state["rlhf_pair_data"]) == 3


def test_a_long_paste_is_kept_and_its_cut_is_said(app):
    """The prompt box has no character limit (the browser silently refused a longer paste and
    kept the old prompt); the page uses the end of the text and says so."""
    at = app(PAGE)
    box = at.text_input(key="rlhf_prompt")
    assert box.proto.max_chars == 0
    typed = "the movie was great and " * 850  # about 20,000 characters
    box.set_value(typed).run()
    assert not at.exception
    assert at.text_input(key="rlhf_prompt").value == typed
    assert any("longer than 10,000 characters" in i.value for i in at.info)
    assert len(at.dataframe[0].value) == 4


def test_no_start_is_asked_for_where_there_is_no_start_button(app):
    at = app(PAGE, rlhf_pairs="40")
    starts = [b.key for b in at.button if b.key and b.key.endswith("_start")]
    assert starts == []
    assert not any("Start" in i.value for i in at.info)
    at.button(key="rlhf_label").click().run()  # enough pairs: step 3 gets its Start, and says so
    assert [b.key for b in at.button if b.key and b.key.endswith("_start")] == ["rlhf_rm_run_start"]
    assert sum("Start" in i.value for i in at.info) == 1


def test_every_widget_key_is_this_pages(app):
    at = app(PAGE)
    keys = [w.key for kind in ("button", "slider", "select_slider", "text_input", "number_input",
                               "checkbox", "toggle", "selectbox", "file_uploader")
            for w in getattr(at, kind) if getattr(w, "key", None)]
    assert keys and all(k.startswith(("rlhf_", "rm_")) or k in SHARED_KEYS for k in keys), keys


def test_skip_ahead_loads_labels_and_a_reward_model_and_reaches_ppo(app):
    """Issue 12 item 3: one click from the pretrained model to PPO."""
    at = app(PAGE, rlhf_ppo_prompts="4", rlhf_ppo_new_tokens="4", rlhf_ppo_epochs="1")
    assert not at.get("button") or "rlhf_ppo_run_start" not in [b.key for b in at.button]
    at.button(key="rlhf_skip").click().run()
    assert not at.exception
    assert any("Loaded 981 labelled pairs" in s.value for s in at.success)
    assert any("981 labelled pairs" in c.value for c in at.caption)
    assert any("Using the shipped reward model" in c.value for c in at.caption)
    at.button(key="rlhf_ppo_run_start").click().run()
    run = at.session_state["rlhf_ppo_run"]["run"]
    wait_for_records(run, 1, timeout=120)
    assert run.status != "failed", run.message

