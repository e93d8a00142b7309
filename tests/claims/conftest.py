"""Claims tests: what a page's lesson says the student will see, checked on the data its
chart draws at the page's default settings.

Each `tests/claims/test_<page>.py` opens with the page's claims as a numbered list in plain
words (the one readable place for them), and tests each claim on the figures the page itself
renders in Streamlit's AppTest: the plotly spec the browser would receive, found by the
chart's widget key. Only budgets (updates, seeds) may be shortened through the URL; every
other setting is the page's default, so a default that cannot show its lesson fails here.
"""
import json
from contextlib import contextmanager

from streamlit.testing.v1 import AppTest

from core.runner import active_runs

from tests.pages.conftest import APP, app, arr, flat, wait_for_end, wait_for_records  # noqa: F401 (fixtures, helpers)


def figures(at: AppTest) -> dict[str, dict]:
    """The page's plotly figures as drawn, by widget key (`fig_ppo_ev`, ...)."""
    out = {}
    for chart in at.get("plotly_chart"):
        key = chart.proto.id.rsplit("-", 1)[-1]
        out[key] = json.loads(chart.proto.spec)
    return out


def figures_of_every_tab(at: AppTest, tabs_key: str) -> dict[str, dict]:
    """`figures`, with each tab of the tab group under `tabs_key` opened in turn: a live panel
    draws only the open tab (st.tabs with on_change="rerun")."""
    labels = [tab.label for tab in at.tabs]
    out = {}
    for label in labels:
        at.session_state[tabs_key] = label
        at.run()
        out.update(figures(at))
    at.session_state[tabs_key] = labels[0]
    at.run()
    return out


def trace(fig: dict, name: str) -> dict:
    """The trace of `fig` whose legend name is `name` (exactly one)."""
    found = [t for t in fig["data"] if t.get("name") == name]
    assert len(found) == 1, f"{len(found)} traces named {name!r} in {[t.get('name') for t in fig['data']]}"
    return found[0]



@contextmanager
def finished_run(page: str, run_key: str, timeout: float, **query):
    """An AppTest of `page` (URL `query`: budgets only) after its run under `run_key` has run
    to its end, redrawn; every run is stopped afterwards. For module-scoped fixtures that
    several claims read."""
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    at.switch_page(page).run()
    at.button(key=f"{run_key}_start").click().run()
    try:
        wait_for_end(at.session_state[run_key]["run"], timeout=timeout)
        at.run()
        yield at
    finally:
        for run in active_runs():
            run.stop()
            run.join(10)
