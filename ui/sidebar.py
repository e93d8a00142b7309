"""The sidebar every page shares: lesson language, random seed and device (all in the URL).

app.py seeds these from the URL before the page runs (the page needs the language) and draws
the widgets after it, so a cold first visit shows the page before torch is imported for the
device list.
"""
from __future__ import annotations

import sys

import streamlit as st

from core.config import Knob
from core.device import DEVICES
from core.runner import backend
from ui.i18n import tr
from ui.lessons import LANGUAGES
from ui.params import seed_from_url, show_url_messages, widget
from ui.presentation import PRESENT
from ui.wayfinding import glossary

DEVICE_LABELS = {"auto": "auto (best available)", "cuda": "cuda (NVIDIA GPU)",
                 "mps": "mps (Apple GPU)", "cpu": "cpu"}
LANG = Knob("lang", "en", "Lesson language", choices=tuple(LANGUAGES))
SEED = Knob("seed", 0, "Random seed", "Same seed, same curve: every run and sample on every page "
            "starts from it.", lo=0, hi=1_000_000)
DEVICE = Knob("device", "auto", "Device", "Where PyTorch trains. Tiny networks are often "
              "fastest on cpu; the RLHF model gains from a GPU.", choices=("auto", *DEVICES))


def seed_settings() -> None:
    """Read the shared settings from the URL before the page runs."""
    for k in (LANG, SEED, DEVICE, PRESENT):
        seed_from_url(k, k.name)


def sidebar() -> None:
    with st.sidebar:
        st.markdown(tr("### Settings"))
        widget(LANG, LANG.name, format_func=LANGUAGES.get)
        widget(SEED, SEED.name)
        widget(DEVICE, DEVICE.name, format_func=DEVICE_LABELS.get)
        widget(PRESENT, PRESENT.name)
        preference = st.session_state[DEVICE.name]
        if "torch" in sys.modules:
            device = current_device()
            if preference not in ("auto", device):
                st.warning(tr(f"{preference} is not available on this server; training on {device}."))
            st.caption(tr(f"Training on **{device}**."))
        else:  # a first visit to a page that trains nothing: torch is still loading
            st.caption(tr("Training on the best device this server has (cpu unless a GPU is found)."))
        if backend() == "ray":  # core.cluster: runs are actors on a Ray cluster, not this server's workers
            st.caption(tr("Runs train on the Ray cluster this server is connected to."))
        show_url_messages()
        glossary()


def current_device() -> str:
    """The device runs train on. Resolving it imports torch (a second, holding the GIL): the
    sidebar asks only once torch is loaded, so a cold home page is not held back by it."""
    from core.device import resolve_device

    _one_torch_thread()
    return resolve_device(st.session_state.get(DEVICE.name, "auto"))


@st.cache_resource
def _one_torch_thread() -> bool:
    # the server's own torch work (demos drawn on a page) in one thread: on a small machine
    # that is faster for tiny nets and keeps a class's sessions from fighting over cores
    import torch

    torch.set_num_threads(1)
    return True


def current_seed() -> int:
    return int(st.session_state.get(SEED.name, 0))
