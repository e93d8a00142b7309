"""Scenarios (issue 12 item 1): on every page a list of named settings with what to look for,
in both languages; a scenario is a URL too, and "Reset to defaults" is one click."""
import pytest

from ui.path import PATH
from ui.scenarios import PAGE_KEYS, SCENARIOS

PAGE_FILES = {stop.slug: stop.file for stop in PATH}
CASES = [(page, s) for page, scenarios in SCENARIOS.items() for s in scenarios]


def widget_value(at, key):
    for kind in ("slider", "select_slider", "toggle", "selectbox", "number_input"):
        try:
            return getattr(at, kind)(key=key).value
        except KeyError:
            continue
    raise KeyError(key)


def test_every_page_of_the_path_has_scenarios_in_both_languages():
    assert set(SCENARIOS) == set(PAGE_FILES)
    for page, scenarios in SCENARIOS.items():
        assert scenarios, page
        assert len({s.slug for s in scenarios}) == len(scenarios)
        for s in scenarios:
            for text in (s.title, s.look_for):
                assert set(text) == {"en", "zh"} and all(text.values()), (page, s.slug)
            assert all(PAGE_KEYS[page].match(key) for key in s.settings), (page, s.slug)


@pytest.mark.parametrize("page,scenario", CASES, ids=[f"{p}-{s.slug}" for p, s in CASES])
def test_a_scenario_link_sets_its_settings_and_says_what_to_look_for(app, page, scenario):
    at = app(PAGE_FILES[page], scenario=scenario.slug)
    assert not at.exception
    url_notes = [w.value for w in at.warning if "URL parameter" in w.value]
    assert not url_notes, url_notes  # every setting parsed cleanly
    for key, raw in scenario.settings.items():
        value = widget_value(at, key)
        expected = (raw == "true") if isinstance(value, bool) else float(raw)
        assert value == pytest.approx(expected), key
    assert at.selectbox(key=f"{page}_scenario").value == scenario.slug
    assert any(scenario.look_for["en"] in m.value for m in at.markdown)
    assert at.query_params["scenario"] == [scenario.slug] or at.query_params["scenario"] == scenario.slug


def test_picking_a_scenario_resets_the_rest_and_reset_restores_the_defaults(app):
    at = app(PAGE_FILES["critics"], cr_alpha_mc="0.1")
    assert at.slider(key="cr_alpha_mc").value == pytest.approx(0.1)
    at.selectbox(key="critics_scenario").set_value("td-large-alpha").run()
    assert at.slider(key="cr_alpha_td").value == pytest.approx(0.5)
    assert at.slider(key="cr_alpha_mc").value == pytest.approx(0.02)  # the scenario's page: defaults elsewhere
    at.button(key="critics_reset_defaults").click().run()
    assert at.slider(key="cr_alpha_td").value == pytest.approx(0.05)
    assert at.selectbox(key="critics_scenario").value is None
    assert "scenario" not in at.query_params and "cr_alpha_td" not in at.query_params


def test_the_scenario_speaks_the_lesson_language(app):
    scenario = SCENARIOS["baseline"][0]
    at = app(PAGE_FILES["baseline"], scenario=scenario.slug, lang="zh")
    assert any(scenario.look_for["zh"] in m.value for m in at.markdown)


def test_a_link_with_a_changed_setting_keeps_the_change(app):
    at = app(PAGE_FILES["critics"], scenario="td-large-alpha", cr_alpha_td="0.3")
    assert at.slider(key="cr_alpha_td").value == pytest.approx(0.3)


def test_an_unknown_scenario_says_so_and_changes_nothing(app):
    at = app(PAGE_FILES["ppo"], scenario="no-such-thing")
    assert not at.exception
    assert any("no-such-thing" in w.value and "no-constraint" in w.value for w in at.warning)
    assert at.selectbox(key="ppo_scenario").value is None
