import numpy as np
import pytest

from tests.pages.conftest import plotly_specs, wait_for_end, wait_for_records

PAGE = "views/baseline.py"


def titles(at):
    return [spec["layout"]["title"]["text"] for spec in plotly_specs(at)]


def test_page_renders_closed_form_beside_samples(app):
    at = app(PAGE)
    assert not at.exception and not at.warning
    assert "Variance of the estimator against the baseline b" in titles(at)
    table = at.dataframe[0].value
    closed, sampled = table.columns[2], table.columns[3]
    assert list(table["baseline"]) == ["b = 0", "b = E[R]", "b*"]
    # 20,000 samples: the empirical variance is within 5% of the closed form for each b
    np.testing.assert_allclose(table[sampled], table[closed], rtol=0.05)


def test_shift_moves_variance_only_without_a_baseline(app):
    at = app(PAGE)
    before = at.dataframe[0].value.iloc[:, 2].tolist()
    at.slider(key="bl_shift").set_value(20.0).run()
    after = at.dataframe[0].value.iloc[:, 2].tolist()
    assert after[0] > 10 * before[0]
    assert after[1] == pytest.approx(before[1]) and after[2] == pytest.approx(before[2])


def test_more_arms_and_noise(app):
    at = app(PAGE, bl_k="5", bl_noise="2")
    assert not at.exception and not at.warning
    assert sorted(s.key for s in at.slider if s.key.startswith("blt")) == [f"blt{i}" for i in range(1, 6)]


@pytest.mark.parametrize("query", [{"bl_shift": "1e9"}, {"bl_k": "x"}, {"blr2": "nan"},
                                   {"cp_seeds": "0"}, {"cp_lr": "-1"}])
def test_bad_url_values_give_a_message(app, query):
    at = app(PAGE, **query)
    assert not at.exception
    assert any(f"{next(iter(query))}=" in w.value for w in at.warning)


def test_k_seeds_start_and_each_yields_records(app):
    at = app(PAGE)
    at.slider(key="cp_seeds").set_value(2).run()
    at.slider(key="cp_episodes").set_value(2).run()
    at.button(key="bl_run_start").click().run()
    run = at.session_state["bl_run"]["run"]
    wait_for_records(run, 2)
    record = run.latest
    assert record["variants"] == ["none", "batch_mean", "value"]
    assert record["return_avg20"].shape == (3, 2) and np.all(record["grad_variance"] > 0)
    at.run()
    assert not at.exception
    assert {"Mean return of the last 20 episodes", "Where each seed is now"} <= set(titles(at))


def test_variance_meter_is_a_matched_ratio_with_seeds_in_the_legend(app):
    """Issue 10 item 4: raw variances of three different policies overlapped on a 1µ-1M log
    axis; the meter now draws each baseline's variance over the no-baseline variance of the
    same episodes, with the seeds as named dots."""
    at = app(PAGE, cp_seeds="2", cp_episodes="4", cp_max_updates="3")
    at.button(key="bl_run_start").click().run()
    run = at.session_state["bl_run"]["run"]
    wait_for_end(run, timeout=120)
    at.run()
    meter = next(s for s in plotly_specs(at) if s["layout"]["title"]["text"].startswith("Gradient variance"))
    names = [t["name"] for t in meter["data"]]
    assert names[0] == "no baseline (1 by definition)"
    for label in ("batch-mean return", "learned V(s)"):
        assert f"{label}: mean over seeds" in names and f"{label}: each seed" in names
    legend = [t["name"] for t in meter["data"] if t.get("showlegend", True)]
    assert "a dot: one seed at one update" in legend
    # a ratio on a log axis around 1 (a linear one let an early spike of the untrained critic
    # squash every ratio below 1 onto the floor)
    assert meter["layout"]["yaxis"]["type"] == "log" and 1.0 in meter["layout"]["yaxis"]["tickvals"]
    record = run.latest
    np.testing.assert_allclose(record["variance_ratio"], record["grad_variance"] / record["grad_variance_none"])
    spread = next(s for s in plotly_specs(at) if s["layout"]["title"]["text"] == "Where each seed is now")
    assert all(t.get("showlegend", True) for t in spread["data"] if t["type"] == "scatter")
    assert [t["name"] for t in spread["data"] if t["type"] == "scatter"] == [
        f"{label}: one dot per seed" for label in ("no baseline", "batch-mean return", "learned V(s)")]
