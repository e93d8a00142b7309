"""Home: the RL loop drawn, the map of the path, and how to use the playground."""
import streamlit as st

from ui.lessons import lesson
from ui.params import show_url_messages
from ui.path import PATH

RL_LOOP = """
digraph {
  rankdir=LR; bgcolor="transparent"; nodesep=0.5; ranksep=1.6; size="11,3";
  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=16, width=2.2, height=1.0];
  agent [label="Agent\\npolicy π_θ(a|s)", fillcolor="#dbe8f6"];
  env [label="Environment\\np(s'|s,a), r(s,a)", fillcolor="#fde3c8"];
  agent -> env [label="  action aₜ  ", fontname="Helvetica", color="#4C78A8", penwidth=2];
  env -> agent [label="  state sₜ₊₁, reward rₜ  ", fontname="Helvetica", color="#F58518", penwidth=2];
  traj [shape=note, fillcolor="#e3f1df", fontname="Helvetica", fontsize=14,
        label="trajectory τ = (s₀, a₀, r₀, s₁, a₁, r₁, …)\\nreturn R(τ) = Σₜ γᵗ rₜ\\ngoal: max_θ J(θ) = E_τ~π_θ [R(τ)]"];
  env -> traj [style=dashed, arrowhead=none, color="gray"];
}
"""

show_url_messages()
st.title("🎢 RLHF Playground")
lesson("home", "intro")
st.graphviz_chart(RL_LOOP, width="content")
lesson("home", "loop")

st.subheader("The path")
cols = st.columns(4)
for i, stop in enumerate(PATH):
    with cols[i % 4].container(border=True, height=210):
        st.markdown(f"**{i + 1}. {stop.icon} {stop.title}**")
        st.caption(stop.blurb)
        st.page_link(stop.file, label="Open →")

st.subheader("How to use it")
students, instructors = st.columns(2)
with students:
    lesson("home", "students")
with instructors:
    lesson("home", "instructors")
