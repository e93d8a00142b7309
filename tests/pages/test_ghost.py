"""The previous run as a ghost (issue 12 item 4): after a new Start or a Reset, the main chart
draws the replaced run faintly, under one legend entry, and a toggle hides it."""
import json

import pytest

from tests.pages.conftest import flat, wait_for_end

BUDGET = {"pg_episodes": "2", "pg_max_updates": "3"}


def returns_chart(at) -> dict:
    for chart in at.get("plotly_chart"):
        if chart.proto.id.endswith("fig_pg_returns"):
            return json.loads(chart.proto.spec)
    raise AssertionError("no returns chart")


def ghost_traces(at) -> list[dict]:
    return [t for t in returns_chart(at)["data"] if t.get("name") == "previous run"]


def test_a_new_start_keeps_the_last_run_as_a_ghost_and_the_toggle_hides_it(app):
    at = app("views/policy_gradient.py", **BUDGET)
    at.button(key="pg_run_start").click().run()
    first = at.session_state["pg_run"]["run"]
    wait_for_end(first, timeout=120)
    at.run()
    assert not ghost_traces(at)  # nothing before a second run
    first_means = [r["return_mean"] for r in first.poll()]
    at.select_slider(key="pg_lr").set_value(0.002).run()
    at.button(key="pg_run_start").click().run()
    wait_for_end(at.session_state["pg_run"]["run"], timeout=120)
    at.run()
    ghosts = ghost_traces(at)
    assert len(ghosts) == 2  # the batch mean and the mean of the last 20, as lines
    assert sum(t.get("showlegend", True) is not False for t in ghosts) == 1  # one legend entry
    assert flat(ghosts[0]["y"]) == pytest.approx(first_means, rel=1e-6)  # the first run's curve
    at.toggle(key="pg_run_show_ghost").set_value(False).run()
    assert not ghost_traces(at)
