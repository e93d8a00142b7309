"""Home: the RL loop drawn, the map of the path, and how to use the playground."""
from pathlib import Path

import streamlit as st

from ui.lessons import lesson
from ui.params import show_url_messages
from ui.path import PATH

# the loop as a static SVG (assets/rl_loop.svg): the graphviz chart it replaces made the
# browser load a layout engine on the first visit, most of a second of the home page's first render
RL_LOOP = (Path(__file__).resolve().parent.parent / "assets" / "rl_loop.svg").read_text(encoding="utf-8")

show_url_messages()
st.title("🎢 RLHF Playground")
lesson("home", "intro")
st.markdown(f"<div style=\"max-width: 760px\">{RL_LOOP}</div>", unsafe_allow_html=True)
lesson("home", "loop")

st.subheader("The path")
# row by row: on a phone the columns of a row stack, so the cards read 1, 2, 3, ... (one
# st.columns(4) for all seven put card 5 under card 1: 1, 5, 2, 6, 3, 7, 4)
for row in range(0, len(PATH), 4):
    cols = st.columns(4)
    for i, stop in enumerate(PATH[row:row + 4], start=row):
        with cols[i - row].container(border=True, height=210):
            st.markdown(f"**{i + 1}. {stop.icon} {stop.title}**")
            st.caption(stop.blurb)
            st.page_link(stop.file, label="Open →")

st.subheader("How to use it")
students, instructors = st.columns(2)
with students:
    lesson("home", "students")
with instructors:
    lesson("home", "instructors")
