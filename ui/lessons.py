"""The words of each page live in lessons/<lang>/<page>.md, split into named sections by
`<!-- section: name -->` lines, so a page shows each paragraph beside the widget it explains."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import streamlit as st

LESSONS = Path(__file__).resolve().parent.parent / "lessons"
LANGUAGES = {"en": "English", "zh": "中文"}
_SECTION = re.compile(r"^<!--\s*section:\s*([\w-]+)\s*-->\s*$", re.M)


@lru_cache(maxsize=64)
def _sections(lang: str, page: str) -> dict[str, str]:
    path = LESSONS / lang / f"{page}.md"
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    parts = _SECTION.split(text)
    out = {"intro": parts[0].strip()}
    for name, body in zip(parts[1::2], parts[2::2]):
        out[name] = body.strip()
    return out


def lesson_text(page: str, section: str = "intro", lang: str | None = None) -> str:
    """The section in the chosen language, falling back to English."""
    lang = lang or st.session_state.get("lang", "en")
    text = _sections(lang, page).get(section, "")
    return text or _sections("en", page).get(section, "")


def lesson(page: str, section: str = "intro") -> None:
    """The section, or in presentation mode the section folded under its heading."""
    from ui.presentation import presenting

    if presenting():
        lang = st.session_state.get("lang", "en")
        with st.expander("Lesson text" if lang == "en" else "课文"):
            st.markdown(lesson_text(page, section))
    else:
        st.markdown(lesson_text(page, section))
