import pytest

from ui.run_panel import ONE_AT_A_TIME
from tests.pages.conftest import plotly_specs, wait_for_end, wait_for_records

PAGE = "views/critics.py"


def test_page_renders_the_alpha_figure(app):
    at = app(PAGE)
    assert not at.exception and not at.warning
    alphas = next(s for s in plotly_specs(at) if "Mean RMS error" in s["layout"]["title"]["text"])
    assert len(alphas["data"]) == 7


def test_live_mc_vs_td_yields_records_and_draws_values(app):
    at = app(PAGE, cr_runs="10", cr_episodes="20", cr_pace="500")
    at.button(key="cr_run_start").click().run()
    run = at.session_state["cr_run"]["run"]
    wait_for_records(run, 21)
    at.run()
    assert not at.exception
    titles = [s["layout"]["title"]["text"] for s in plotly_specs(at)]
    assert any(t.startswith("Run 1's estimates") for t in titles)
    assert run.latest["v_td"].shape == (5,)


def test_batch_mode_and_live_alpha(app):
    at = app(PAGE, cr_runs="5", cr_episodes="400", cr_pace="5", cr_batch="true")
    assert at.toggle(key="cr_batch").value is True
    at.button(key="cr_run_start").click().run()
    entry = at.session_state["cr_run"]
    at.slider(key="cr_alpha_td").set_value(0.1).run()
    assert entry["config"].alpha_td == 0.1  # live knob


def test_nstep_sweep_runs(app):
    at = app(PAGE, ns_runs="10", ns_max_n_power="3", ns_alpha_points="5")
    at.button(key="cr_sweep_start").click().run()
    run = at.session_state["cr_sweep"]["run"]
    wait_for_end(run, timeout=60)
    at.run()
    sweep = next(s for s in plotly_specs(at) if "Figure 7.2" in s["layout"]["title"]["text"])
    assert [t["name"] for t in sweep["data"]] == ["n = 1", "n = 2", "n = 4", "n = 8"]


def test_one_run_at_a_time_on_a_page(app):
    """Issue 13: a session trains one run per page; a second Start says why it is refused and
    stops nothing, and works again once the first run has ended."""
    at = app(PAGE, cr_runs="5", cr_episodes="400", cr_pace="5", ns_runs="10", ns_max_n_power="3",
             ns_alpha_points="5")
    at.button(key="cr_run_start").click().run()
    first = at.session_state["cr_run"]["run"]
    at.button(key="cr_sweep_start").click().run()
    assert "cr_sweep" not in at.session_state and first.active
    assert [w.value for w in at.warning] == [ONE_AT_A_TIME]
    at.button(key="cr_run_stop").click().run()
    assert first.join(10)
    at.run()
    assert not at.warning  # the refusal is gone once the other run has ended
    at.button(key="cr_sweep_start").click().run()
    assert at.session_state["cr_sweep"]["run"].active and not at.warning


@pytest.mark.parametrize("query", [{"cr_runs": "1000"}, {"cr_alpha_td": "-0.1"}, {"ns_max_n_power": "x"}])
def test_bad_url_values(app, query):
    at = app(PAGE, **query)
    assert not at.exception
    assert any(f"{next(iter(query))}=" in w.value for w in at.warning)
