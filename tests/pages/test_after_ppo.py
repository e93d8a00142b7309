"""The page after PPO: its default render, the lean slider's extremes, and each run with a short
budget through the page (charts drawn, no exception)."""
import pytest

from tests.pages.conftest import plotly_specs, wait_for_end

PAGE = "views/after_ppo.py"


def titles(at) -> list[str]:
    return [s["layout"]["title"]["text"] for s in plotly_specs(at)]


def test_page_renders_the_estimators_at_its_defaults(app):
    at = app(PAGE)
    assert not at.exception and not at.warning
    assert {"Each estimator's mean against the exact KL", "How far one token's estimate strays",
            "Every sampled token's estimate at lean 2"} <= set(titles(at))
    table = at.dataframe[0].value
    assert list(table["estimator"]) == ["k1", "k2", "k3"]
    assert len(at.dataframe[1].value) == 3


def test_at_lean_zero_every_estimate_is_zero_and_no_gradient_has_a_direction(app):
    at = app(PAGE, ap_kl_lean="0")
    assert not at.exception
    table = at.dataframe[0].value
    assert (table["exact KL"] == 0).all() and (table["mean"].abs() < 1e-6).all()
    assert (at.dataframe[1].value["cos with ∇KL(π‖π_ref)"] == "—").all()


@pytest.mark.parametrize("key,query,chart", [
    ("ap_noise_run", {"ap_noise_batches": "4", "ap_noise_group": "2"}, "Gradient noise of each baseline over 4 batches"),
    ("ap_group_run", {"ap_group_max_updates": "2", "ap_group_prompts": "2", "ap_group_estimator": "grpo"},
     "KL(π ‖ π_ref) per completion"),
    ("ap_dpo_run", {"ap_dpo_max_updates": "2", "ap_dpo_batch": "8"}, "Implicit reward's accuracy"),
    ("ap_bon_run", {"ap_bon_n_max": "16", "ap_bon_repeats": "1", "ap_bon_rm_pairs": "981", "ap_bon_rm_flip": "0"},
     "Best-of-N: the proxy against the gold"),
])
def test_each_run_draws_its_charts(app, key, query, chart):
    at = app(PAGE, **query)
    at.button(key=f"{key}_start").click().run()
    run = at.session_state[key]["run"]
    wait_for_end(run, timeout=180)
    assert run.status == "finished", run.message
    at.run()
    assert not at.exception
    assert chart in titles(at)


def test_best_of_n_with_a_hurried_labeler_trains_its_own_reward_model(app):
    at = app(PAGE, ap_bon_n_max="16", ap_bon_repeats="1", ap_bon_rm_pairs="40", ap_bon_rm_flip="0.3")
    at.button(key="ap_bon_run_start").click().run()
    run = at.session_state["ap_bon_run"]["run"]
    wait_for_end(run, timeout=180)
    assert run.status == "finished", run.message
    records = run.poll()
    assert [r["n"] for r in records] == [1, 2, 4, 8, 16]


def test_the_frontier_draws_every_method_and_switches_to_the_proxy(app):
    at = app(PAGE, ap_frontier_updates="5", ap_frontier_n_max="16")
    at.button(key="ap_frontier_run_start").click().run()
    run = at.session_state["ap_frontier_run"]["run"]
    wait_for_end(run, timeout=400)
    assert run.status == "finished", run.message
    at.run()
    assert not at.exception
    spec = next(s for s in plotly_specs(at) if s["layout"]["title"]["text"] == "Every method on one frontier")
    assert [t["name"] for t in spec["data"]] == ["PPO β=0.05", "PPO β=0.5", "GRPO", "RLOO", "DPO β=0.1", "DPO β=0.5",
                                                 "best-of-N"]
    assert "gold" in spec["layout"]["yaxis"]["title"]["text"]
    at.segmented_control(key="ap_frontier_view").set_value("proxy").run()
    spec = next(s for s in plotly_specs(at) if s["layout"]["title"]["text"] == "Every method on one frontier")
    assert "proxy" in spec["layout"]["yaxis"]["title"]["text"]
