"""Presentation mode (issue 12 item 2): for a projector in front of a class.

`?present=1` (or the sidebar switch) folds each lesson paragraph into a collapsed "Lesson
text" box under its heading, hides the sidebar, and draws chart text larger. `?hide=lr,gamma`
(like TensorFlow Playground's `_hide`) hides the controls of those knobs on every page, by
the knob's name: `lr` hides `pg_lr`, `ppo_lr`, ...; a hidden knob keeps its value, from the URL
or its default, so the run trains with it. Both are in the URL, so a prepared link opens the
lecture's view directly.
"""
from __future__ import annotations

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from core.config import Knob
from ui.i18n import tr

PRESENT = Knob("present", False, "Presentation mode", "Lesson text folded, sidebar hidden, larger "
               "chart text: for a projector. Also ?present=1 in the URL.")
CHART_FONT_SCALE = 1.5


def presenting() -> bool:
    """True while this session is in presentation mode (False outside a Streamlit run)."""
    if get_script_run_ctx(suppress_warning=True) is None:  # a figure built in a test or a notebook
        return False
    return bool(st.session_state.get(PRESENT.name, False))


def hidden_knobs() -> set[str]:
    """The knob names `?hide=` lists (comma-separated)."""
    try:
        raw = st.query_params.get("hide", "")
    except Exception:
        return set()
    return {name.strip() for name in raw.split(",") if name.strip()}


def is_hidden(key: str, name: str) -> bool:
    """Whether the control of knob `name` (widget key `key`) is hidden by `?hide=`: the URL
    names the knob (`lr`) or the exact widget key (`ppo_lr`)."""
    hide = hidden_knobs()
    return bool(hide) and (name in hide or key in hide or any(key.endswith("_" + h) for h in hide))


def _exit() -> None:
    st.session_state[PRESENT.name] = False
    st.session_state.setdefault("_kept_settings", {})[PRESENT.name] = False
    if PRESENT.name in st.query_params:
        del st.query_params[PRESENT.name]


def presentation_chrome() -> None:
    """In presentation mode: hide the sidebar and offer the way out (the sidebar's switch is
    hidden with it)."""
    if not presenting():
        return
    st.html("<style>[data-testid='stSidebar'], [data-testid='stSidebarCollapsedControl']"
            "{display: none !important;} .stMainBlockContainer {font-size: 1.15rem;}</style>")
    st.button(tr("Leave presentation mode"), key="present_exit", icon=":material/close_fullscreen:",
              on_click=_exit)
