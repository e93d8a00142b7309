"""Take a figure home (issue 12 item 5): any chart the page shows, as PNG, SVG or HTML.

Every figure builder in ui.charts registers what it built, by its title, for the page being
drawn (`register`); app.py empties the list before each page run and draws `figure_downloads`
at the page's end, each button holding its figure as the page last drew it (a run that ends
redraws the page, so a stopped run's charts are complete; the file is made only when the
button is clicked, outside the script run). HTML is plotly's own self-contained file (its JavaScript inside: it opens offline and
stays interactive); PNG and SVG are rendered on the server by kaleido, plotly's exporter,
which drives the Chrome or Chromium the machine has. Without one, the page says so and offers
HTML, and each chart's camera icon still saves a PNG in the browser.
"""
from __future__ import annotations

import functools
import re

import plotly.graph_objects as go
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from ui.i18n import tr

REGISTRY = "_page_figures"
FORMATS = {"PNG": ("png", "image/png"), "SVG": ("svg", "image/svg+xml"), "HTML": ("html", "text/html")}


def register(fig: go.Figure) -> None:
    """Remember `fig` as one of this page run's charts (a no-op outside a Streamlit run)."""
    if get_script_run_ctx(suppress_warning=True) is None:  # a figure built in a test or a notebook
        return
    figures = st.session_state.setdefault(REGISTRY, {})
    title = fig.layout.title.text if fig.layout.title is not None else None
    figures[_plain(title) or f"figure {len(figures) + 1}"] = fig


def clear() -> None:
    st.session_state[REGISTRY] = {}


def _plain(title: str | None) -> str:
    return re.sub(r"<[^>]+>", " ", title or "").strip()


@functools.lru_cache(maxsize=1)
def chrome_path() -> str | None:
    """The Chrome or Chromium kaleido would drive (None: PNG and SVG cannot be made here).
    Only a browser installed on the machine counts: nothing is ever downloaded."""
    try:
        from choreographer.browsers.chromium import Chromium
    except ImportError:
        return None
    return Chromium.find_browser(skip_local=True)


def image(fig: go.Figure, fmt: str) -> bytes:
    """`fig` as a PNG (twice the on-screen resolution) or an SVG, at its own height."""
    import plotly.io as pio

    height = fig.layout.height or 400
    return pio.to_image(fig, format=fmt, width=900, height=height, scale=2 if fmt == "png" else 1)


def html(fig: go.Figure) -> bytes:
    return fig.to_html(include_plotlyjs=True, full_html=True).encode("utf-8")


def file_name(title: str, ext: str) -> str:
    stem = re.sub(r"[^\w\-]+", "_", title, flags=re.U).strip("_")[:60] or "figure"
    return f"{stem}.{ext}"


def _data(fig: go.Figure, fmt: str) -> bytes:
    # called when the button is clicked, outside the script run: it gets the figure itself
    return html(fig) if fmt == "html" else image(fig, fmt)


def figure_downloads() -> None:
    """A popover at the page's end: pick a chart and a format, download it."""
    figures = st.session_state.get(REGISTRY) or {}
    if not figures:
        return
    with st.popover(tr("Download a figure"), icon=":material/image:"):
        title = st.selectbox(tr("Figure"), list(figures), key="figure_export_title")
        formats = list(FORMATS) if chrome_path() else ["HTML"]
        choice = st.radio(tr("Format"), formats, key="figure_export_format", horizontal=True)
        if choice not in formats:
            choice = "HTML"
        if len(formats) == 1:
            st.caption(tr("PNG and SVG need Chrome or Chromium on the server; the camera icon on "
                          "each chart saves a PNG in your browser."))
        ext, mime = FORMATS[choice]
        st.download_button(tr("Download"), functools.partial(_data, figures[title], ext), file_name(title, ext), mime,
                           key="figure_export_download", icon=":material/download:")
