"""RLHF Playground: the entry point. Page config, navigation over views/, the shared sidebar
and process-wide setup. Run with `streamlit run app.py`."""
import os

import streamlit as st

from ui.figure_export import clear as clear_figures, figure_downloads
from ui.i18n import tr
from ui.path import PATH
from ui.sidebar import seed_settings, sidebar
from ui.presentation import presentation_chrome
from ui.quiz import check_yourself
from ui.warm import warm_in_background
from ui.wayfinding import next_link


st.set_page_config(page_title="RLHF Playground", page_icon="🎢", layout="wide")
if not os.environ.get("RAY_ADDRESS"):  # a cluster named in .streamlit/secrets.toml (core.cluster)
    try:
        ray_address = st.secrets.get("ray_address")
    except Exception:  # no secrets file: runs train on this server
        ray_address = None
    if ray_address:
        os.environ["RAY_ADDRESS"] = str(ray_address)
seed_settings()  # the page needs the language; its widgets are drawn below
presentation_chrome()  # in presentation mode: no sidebar, a way out at the top
# On a phone, Streamlit stacks every column, so a row of four numbers took a screen between a
# Start button and its chart: rows of metrics go two by two there instead.
st.html("<style>@media (max-width: 640px) {[data-testid='stHorizontalBlock']:has("
        "> [data-testid='stColumn'] [data-testid='stMetric']) > [data-testid='stColumn'] "
        "{min-width: calc(50% - 0.5rem) !important; flex: 1 1 calc(50% - 0.5rem) !important;}}</style>")

pages = [st.Page("views/home.py", title=tr("Home"), icon="🏠", default=True)]
pages += [st.Page(stop.file, title=tr(stop.title), icon=stop.icon, url_path=stop.url_path)
          for stop in PATH]
if os.environ.get("RLHF_PLAYGROUND_ADMIN_TOKEN"):  # the instructor's view of every run (views/admin.py)
    pages.append(st.Page("views/admin.py", title="Admin", icon="🛠️", url_path="admin", visibility="hidden"))
page = st.navigation(pages)
clear_figures()  # the page registers the charts it draws (ui.figure_export)
try:
    page.run()
finally:
    figure_downloads()
    # After the page, so a cold first visit shows content before torch loads (no run can
    # start before this: a run starts on a button press, in a later rerun).
    check_yourself(next((s.slug for s in PATH if s.url_path == page.url_path), ""))
    next_link(page.url_path)
    sidebar()
    warm_in_background()  # torch, pandas, plotly for the next pages: after this one is drawn
