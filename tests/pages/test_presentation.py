"""Presentation mode and ?hide= (issue 12 item 2)."""
import json

from ui.path import PATH

PG = next(stop.file for stop in PATH if stop.slug == "policy_gradient")


def test_present_folds_the_lessons_hides_the_sidebar_and_enlarges_chart_text(app):
    normal = app(PG)
    at = app(PG, present="1")
    assert not at.exception
    # every lesson paragraph folded into a "Lesson text" box; none left open on the page
    folded = [e for e in at.expander if e.label == "Lesson text"]
    assert len(folded) >= 4 and all(e.label != "Lesson text" for e in normal.expander)
    assert any("stSidebar" in h.proto.body and "display: none" in h.proto.body for h in at.get("html"))
    assert at.button(key="present_exit")
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert spec["layout"]["font"]["size"] >= 18
    assert "font" not in json.loads(normal.get("plotly_chart")[0].proto.spec)["layout"]


def test_leaving_presentation_mode_restores_the_page(app):
    at = app(PG, present="1")
    at.button(key="present_exit").click().run()
    assert not any(e.label == "Lesson text" for e in at.expander)
    assert "present" not in at.query_params


def test_hide_removes_the_named_controls_and_keeps_their_values(app):
    at = app(PG, hide="lr,gamma", pg_lr="0.003")
    assert not at.exception
    keys = {w.key for w in at.select_slider} | {w.key for w in at.slider}
    assert "pg_lr" not in keys and "pg_gamma" not in keys and "pg_episodes" in keys
    assert at.session_state["pg_lr"] == 0.003  # the run still trains with the URL's value
