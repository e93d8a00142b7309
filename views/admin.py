"""The instructor's view of a shared server (issue 13): every run training on it, and a way to
stop one. Behind a token: the page exists only when the server was started with
RLHF_PLAYGROUND_ADMIN_TOKEN set, and it shows nothing without `?token=<that token>`."""
import hmac
import os

import streamlit as st

from core.runner import active_runs
from ui.i18n import tr

TOKEN_ENV = "RLHF_PLAYGROUND_ADMIN_TOKEN"

st.title(tr("🛠️ Runs on this server"))
expected = os.environ.get(TOKEN_ENV, "")
given = st.query_params.get("token", "")
if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
    st.error(tr("This view needs the server's admin token: open it as /admin?token=<token>."))
    st.stop()

runs = sorted(active_runs(), key=lambda run: -run.elapsed_s)
st.caption(tr(f"{len(runs)} active runs. A run stopped here ends as if its student pressed Stop."))
for i, run in enumerate(runs):
    place = getattr(run, "queue_position", None)
    cols = st.columns([3, 2, 2, 2, 1], vertical_alignment="center")
    cols[0].markdown(f"`{run.name}`")
    cols[1].write(tr(run.status) if place is None else tr(f"waiting ({place} in the queue)"))
    cols[2].write(tr(f"{run.n_seen} updates"))
    cols[3].write(f"{run.elapsed_s:.0f} s")
    if cols[4].button(tr("Stop"), key=f"admin_stop_{i}_{id(run)}"):
        run.stop("Stopped by the instructor.")  # stored in English: each student reads it in their language
        st.rerun()
