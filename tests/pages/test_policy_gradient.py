
import numpy as np
import pytest

from core.pg import ReinforceConfig, train_reinforce
from core.runner import FAILED, PAUSED, RUNNING, Run
from tests.pages.conftest import flat as array, plotly_specs, wait_for_records

PAGE = "views/policy_gradient.py"


def test_page_renders_bandit_charts_and_controls(app):
    at = app(PAGE)
    assert not at.exception and not at.warning
    titles = [spec["layout"]["title"]["text"] for spec in plotly_specs(at)]
    assert titles[0] == "π(a) over updates" and titles[1].startswith("Gradient at update")
    assert at.button(key="pg_run_start").disabled is False
    assert at.button(key="pg_run_stop").disabled is True


def test_bandit_sliders_change_the_figures(app):
    at = app(PAGE)
    at.slider(key="bandit_k").set_value(6).run()
    assert not at.exception
    paths = plotly_specs(at)[0]
    assert len(paths["data"]) == 6
    assert sorted(s.key for s in at.slider if s.key.startswith("r")) == [f"r{i}" for i in range(1, 7)]
    at.slider(key="r1").set_value(4.0).run()
    assert "arm 1 (r=4)" == plotly_specs(at)[0]["data"][0]["name"]


def test_positive_toggle_lifts_every_reward(app):
    at = app(PAGE)
    at.toggle(key="bandit_all_positive").set_value(True).run()
    names = [trace["name"] for trace in plotly_specs(at)[0]["data"]]
    assert names[0] == "arm 1 (r=5)"  # the worst arm lifted to 0, then + shift 5


def test_shrinking_updates_clamps_the_inspected_update(app):
    at = app(PAGE)
    at.slider(key="bandit_t").set_value(50).run()
    at.slider(key="bandit_updates").set_value(10).run()
    assert not at.exception
    assert at.slider(key="bandit_t").value == 10


@pytest.mark.parametrize("query,key,default", [
    ({"pg_lr": "abc"}, "pg_lr", 0.01), ({"pg_lr": "99"}, "pg_lr", 0.01), ({"pg_lr": "nan"}, "pg_lr", 0.01),
    ({"pg_episodes": "1e9"}, "pg_episodes", 8), ({"pg_gamma": "-1"}, "pg_gamma", 0.99),
    ({"pg_env_id": "Pong-v5"}, "pg_env_id", "CartPole-v1"), ({"pg_reward_to_go": "maybe"}, "pg_reward_to_go", True),
    ({"bandit_k": "99"}, "bandit_k", 4), ({"r1": "abc"}, "r1", -1.0), ({"bandit_t": "-3"}, "bandit_t", 60),
])
def test_bad_url_values_give_a_message_and_the_default(app, query, key, default):
    at = app(PAGE, **query)
    assert not at.exception
    name = next(iter(query))
    assert any(f"{name}=" in w.value for w in at.warning), [w.value for w in at.warning]
    widget = next(w for w in at.main if getattr(w, "key", None) == key)
    assert widget.value == default
    assert name not in at.query_params  # the URL now says what the page uses


def test_good_url_values_are_used_and_kept(app):
    at = app(PAGE, pg_lr="0.003", pg_episodes="16", pg_env_id="Acrobot-v1", pg_reward_to_go="false", bandit_k="3")
    assert not at.exception and not at.warning
    assert at.select_slider(key="pg_lr").value == 0.003
    assert at.slider(key="pg_episodes").value == 16
    assert at.selectbox(key="pg_env_id").value == "Acrobot-v1"
    assert at.toggle(key="pg_reward_to_go").value is False
    assert at.query_params["pg_episodes"] in ("16", ["16"])


def test_start_trains_with_the_sliders_config_and_yields_records(app):
    at = app(PAGE)
    at.slider(key="pg_episodes").set_value(4).run()
    at.button(key="pg_run_start").click().run()
    entry = at.session_state["pg_run"]
    assert entry["config"].episodes == 4
    run = entry["run"]
    wait_for_records(run, 3)
    at.run()
    assert not at.exception
    assert "Return per episode" in [s["layout"]["title"]["text"] for s in plotly_specs(at)]
    assert [m.label for m in at.metric][-4:][0] == "Update"


def test_pause_resume_stop_reset(app):
    at = app(PAGE)
    at.button(key="pg_run_start").click().run()
    run = at.session_state["pg_run"]["run"]
    wait_for_records(run)
    at.button(key="pg_run_pause").click().run()
    assert run.status == PAUSED and at.button(key="pg_run_pause").label == "Resume"
    at.button(key="pg_run_pause").click().run()
    assert run.status == RUNNING
    at.button(key="pg_run_stop").click().run()
    assert run.join(10) and not run.active
    at.button(key="pg_run_reset").click().run()
    assert "pg_run" not in at.session_state
    assert any("Press **Start**" in i.value for i in at.info)


def test_live_knobs_follow_the_sliders_and_others_wait(app):
    at = app(PAGE)
    at.button(key="pg_run_start").click().run()
    entry = at.session_state["pg_run"]
    at.select_slider(key="pg_lr").set_value(0.003).run()
    assert entry["config"].lr == 0.003
    at.slider(key="pg_hidden").set_value(64).run()
    assert entry["config"].hidden == 32
    assert any("Applies to the next run" in c.value and "Hidden units" in c.value for c in at.caption)


def test_a_diverging_run_says_so_and_the_page_lives_on(app):
    at = app(PAGE)
    config = ReinforceConfig(max_updates=2, episodes=2)

    def diverging():
        for record in train_reinforce(config, 0):
            yield {**record, "loss": float("nan")} if record["update"] == 2 else record

    run = Run(diverging)
    run.start()
    assert run.join(5) and run.status == FAILED
    at.session_state["pg_run"] = {"run": run, "config": config}
    at.run()
    assert not at.exception
    assert any("diverged" in e.value for e in at.error)


def test_replay_plays_the_current_policy(app):
    at = app(PAGE)
    assert at.button(key="pg_replay").disabled
    at.button(key="pg_run_start").click().run()
    wait_for_records(at.session_state["pg_run"]["run"])
    at.run()
    at.button(key="pg_replay").click().run()
    assert not at.exception
    assert at.image and "return" in at.image[0].captions[0]


def test_lesson_switches_language(app):
    at = app(PAGE, lang="zh")
    assert "多臂老虎机" in " ".join(m.value for m in at.markdown)


def test_legend_tells_shifted_rewards_apart(app):
    """Issue 10 item 7: with a shift of 15 the arms paid 15.5, 16 and 16.5 all read "r=16"."""
    at = app(PAGE, bandit_all_positive="true", bandit_shift="15")
    names = [trace["name"] for trace in plotly_specs(at)[0]["data"]]
    assert names == ["arm 1 (r=15)", "arm 2 (r=15.5)", "arm 3 (r=16)", "arm 4 (r=16.5)"]


def test_a_collapsed_policy_draws_a_zero_gradient_not_float_noise(app):
    """Issue 10 item 7: a policy collapsed onto one arm has a gradient of ~1e-17: drawn as
    zero on an axis the size of the rewards, not as a cloud labelled x10^-17."""
    at = app(PAGE, bandit_all_positive="true", bandit_shift="15", bandit_lr="5")
    cloud = next(s for s in plotly_specs(at) if s["layout"]["title"]["text"].startswith("Gradient at"))
    values = np.concatenate([array(t["y"]) for t in cloud["data"]])
    scale = 16.5
    assert np.all((values == 0) | (np.abs(values) > 1e-9 * scale))
    assert np.abs(values).max() < 1e-6  # the setting does collapse the policy (the test's premise)
    lo, hi = cloud["layout"]["yaxis"]["range"]
    assert hi - lo >= 0.02 * scale and lo < 0 < hi


def test_reset_clears_the_replay(app):
    """Issue 10 item 7: the replay of the old run's policy stayed after Reset."""
    at = app(PAGE, pg_episodes="2")
    at.button(key="pg_run_start").click().run()
    wait_for_records(at.session_state["pg_run"]["run"])
    at.run()
    at.button(key="pg_replay").click().run()
    assert at.image
    at.button(key="pg_run_stop").click().run()
    at.session_state["pg_run"]["run"].join(10)
    at.button(key="pg_run_reset").click().run()
    assert not at.exception
    assert not at.image and "pg_replay_gif" not in at.session_state
