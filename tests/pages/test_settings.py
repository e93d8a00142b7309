"""Settings belong to their page, survive a visit elsewhere, and sit on their widget's grid."""
import pytest

from tests.pages.conftest import APP, SHARED_KEYS, keyed_widgets
from ui.path import PATH

PAGES = [stop.file for stop in PATH]
SHARED = SHARED_KEYS


@pytest.fixture(scope="module")
def page_keys():
    from streamlit.testing.v1 import AppTest

    keys = {}
    for page in PAGES:
        at = AppTest.from_file(APP, default_timeout=120).run()
        at.switch_page(page).run()
        assert not at.exception, page
        keys[page] = set(keyed_widgets(at)) - SHARED
        # every widget at its default: nothing to write into the URL (a default off its
        # widget's grid is snapped to another value, which the URL then shows)
        assert dict(at.query_params) == {}, (page, dict(at.query_params))
    return keys


def test_widget_keys_are_unique_across_pages(page_keys):
    for a in PAGES:
        assert page_keys[a], f"{a} has no keyed widgets?"
        for b in PAGES:
            if a < b:
                assert not page_keys[a] & page_keys[b], (a, b, page_keys[a] & page_keys[b])


def test_settings_survive_a_visit_to_another_page(app):
    at = app("views/ppo.py")
    at.select_slider(key="ppo_lr").set_value(0.0005).run()
    at.slider(key="ppo_epochs").set_value(3).run()
    at.query_params.clear()  # what a browser does on a page switch (AppTest keeps them)
    at.switch_page("views/rlhf.py").run()
    assert not at.exception
    # nothing of the PPO page leaks into the RLHF page or its URL
    from core.rlhf.ppo_lm import RLHFConfig
    assert at.select_slider(key="rlhf_ppo_lr").value == RLHFConfig().lr
    assert at.slider(key="rlhf_ppo_epochs").value == RLHFConfig().epochs
    assert dict(at.query_params) == {}
    at.query_params.clear()
    at.switch_page("views/ppo.py").run()
    assert at.select_slider(key="ppo_lr").value == 0.0005
    assert at.slider(key="ppo_epochs").value == 3
    assert at.query_params["ppo_epochs"] in ("3", ["3"])  # the URL says it again
