"""Home: the RL loop drawn, the map of the path, and how to use the playground."""
import re
from pathlib import Path

import streamlit as st

from ui.i18n import tr
from ui.lessons import lesson
from ui.params import show_url_messages
from ui.path import PATH

# the loop as a static SVG (assets/rl_loop.svg): the graphviz chart it replaces made the
# browser load a layout engine on the first visit, most of a second of the home page's first render
RL_LOOP = (Path(__file__).resolve().parent.parent / "assets" / "rl_loop.svg").read_text(encoding="utf-8")


def in_lesson_language(svg: str) -> str:
    """The loop's labels (each `<text>`) through the UI catalog (ui.i18n)."""
    return re.sub(r"(<text[^>]*>)([^<]+)(</text>)", lambda m: m.group(1) + tr(m.group(2)) + m.group(3), svg)


show_url_messages()
st.title("🎢 RLHF Playground")
lesson("home", "intro")
# at least 640 px wide, scrolling sideways on a phone: scaled to 390 px its labels were 6 px tall
st.markdown(f"<div style=\"overflow-x: auto\"><div style=\"max-width: 760px; min-width: 640px\">"
            f"{in_lesson_language(RL_LOOP)}</div></div>", unsafe_allow_html=True)
lesson("home", "loop")

st.subheader(tr("The path"))
# row by row: on a phone the columns of a row stack, so the cards read 1, 2, 3, ... (one
# st.columns(4) for all seven put card 5 under card 1: 1, 5, 2, 6, 3, 7, 4)
for row in range(0, len(PATH), 4):
    cols = st.columns(4)
    for i, stop in enumerate(PATH[row:row + 4], start=row):
        with cols[i - row].container(border=True, height=210):
            st.markdown(f"**{i + 1}. {stop.icon} {tr(stop.title)}**")
            st.caption(tr(stop.blurb))
            st.page_link(stop.file, label=tr("Open →"))

st.subheader(tr("How to use it"))
students, instructors = st.columns(2)
with students:
    lesson("home", "students")
with instructors:
    lesson("home", "instructors")
