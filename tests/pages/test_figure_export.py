"""Any chart a page shows can be taken home as PNG, SVG or HTML (issue 12 item 5)."""
import os

import plotly.graph_objects as go
import pytest

from ui import figure_export
from ui.figure_export import chrome_path, file_name, html, image


def small_figure() -> go.Figure:
    return go.Figure(go.Scatter(x=[1, 2, 3], y=[3, 1, 2], name="回报"), layout=dict(title=dict(text="A <b>title</b>"), height=300))


def test_html_is_self_contained_and_interactive():
    data = html(small_figure())
    assert b"<html>" in data[:100] and b"Plotly.newPlot" in data
    assert b'<script src="http' not in data and len(data) > 1_000_000  # plotly.js inside: opens offline


def test_file_names_are_safe_and_keep_the_title():
    assert file_name("Return per episode", "png") == "Return_per_episode.png"
    assert file_name("KL(π ‖ π_ref) / nats", "svg") == "KL_π_π_ref_nats.svg"
    assert file_name("../../etc", "html") == "etc.html" and file_name("", "png") == "figure.png"


@pytest.mark.skipif(chrome_path() is None and not os.environ.get("REQUIRE_BROWSER_TESTS"),
                    reason="PNG and SVG need Chrome or Chromium (apt-get install chromium)")
@pytest.mark.parametrize("fmt,magic", [("png", b"\x89PNG"), ("svg", b"<svg")])
def test_png_and_svg_are_drawn_by_the_machines_chromium(fmt, magic):
    data = image(small_figure(), fmt)
    assert data[:200].find(magic) >= 0
    if fmt == "svg":
        assert b"title</tspan>" in data  # the text stays text


def test_every_page_offers_its_charts_by_title(app):
    at = app("views/policy_gradient.py")
    figures = at.session_state[figure_export.REGISTRY]
    box = at.selectbox(key="figure_export_title")
    assert list(box.options) == list(figures) and len(figures) >= 2
    specs = {figure_export._plain(fig.layout.title.text) for fig in figures.values()}
    assert all(title in specs for title in box.options)


def test_the_list_follows_the_page_and_the_language(app):
    at = app("views/policy_gradient.py", lang="zh")
    zh = list(at.selectbox(key="figure_export_title").options)
    assert all(any("\u4e00" <= c <= "\u9fff" for c in title) for title in zh), zh
    at = app("views/off_policy.py")
    titles = list(at.selectbox(key="figure_export_title").options)
    assert not set(titles) & set(zh)
