"""Find your way: a "next" link at the end of every page, and the glossary in the sidebar, in
the lesson language (issue 12 item 7)."""
from __future__ import annotations

import streamlit as st

from ui.i18n import tr
from ui.lessons import lesson_text
from ui.path import next_stop

_WORDS = {"en": {"next": "Next: ", "home": "Back to the start", "glossary": "Glossary"},
          "zh": {"next": "下一页：", "home": "回到起点", "glossary": "术语表"}}


def _word(name: str) -> str:
    return _WORDS.get(st.session_state.get("lang", "en"), _WORDS["en"])[name]


def next_link(url_path: str) -> None:
    """A link to the next page of the path (from the last one, back to the start)."""
    stop = next_stop(url_path)
    st.divider()
    if stop is not None:
        st.page_link(stop.file, label=f"{_word('next')}{tr(stop.title)}", icon=stop.icon)
    else:
        st.page_link("views/home.py", label=_word("home"), icon="🏠")


def glossary() -> None:
    with st.expander(_word("glossary")):
        st.markdown(lesson_text("glossary"))
