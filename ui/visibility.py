"""Whether the browser tab showing the page is hidden (another tab in front, a minimised
window), so a live panel in the background stops redrawing its charts.

Streamlit's `run_every` is a timer in the browser, and a background tab's timers still fire
once a second: each poll rebuilt every chart on the server and re-laid them out in a tab nobody
was looking at. A tiny custom component (Streamlit's components v2: inline JavaScript, no
iframe) reports the page's `document.hidden` whenever it changes; a change reruns the fragment
that mounted it, so the charts come back, current, the moment the student returns.
"""
from __future__ import annotations

import streamlit as st

_JS = """
export default function ({ setStateValue }) {
  const report = () => setStateValue("hidden", document.hidden);
  if (document.hidden) report();
  document.addEventListener("visibilitychange", report);
  return () => document.removeEventListener("visibilitychange", report);
}
"""
_page_visibility = st.components.v2.component("rlhf_playground.page_visibility", js=_JS)


def page_hidden(key: str) -> bool:
    """True while the tab is in the background (False until the browser says otherwise, and
    in tests without a browser)."""
    result = _page_visibility(key=key, default={"hidden": False}, on_hidden_change=lambda: None)
    return bool(getattr(result, "hidden", False))
