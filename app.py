"""RLHF Playground: the entry point. Page config, navigation over pages/, the shared sidebar
and process-wide setup. Run with `streamlit run app.py`."""
import streamlit as st
import torch

from ui.path import PATH
from ui.sidebar import sidebar


@st.cache_resource
def _process_setup() -> bool:
    # One thread per run: on a small machine this is faster for tiny nets and keeps the
    # sessions of a class from fighting over cores.
    torch.set_num_threads(1)
    return True


st.set_page_config(page_title="RLHF Playground", page_icon="🎢", layout="wide")
_process_setup()

pages = [st.Page("pages/home.py", title="Home", icon="🏠", default=True)]
pages += [st.Page(stop.file, title=stop.title, icon=stop.icon, url_path=stop.url_path)
          for stop in PATH if stop.ready]
page = st.navigation(pages)
sidebar()
page.run()
