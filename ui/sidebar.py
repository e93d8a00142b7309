"""The sidebar every page shares: device, random seed and lesson language (all in the URL)."""
from __future__ import annotations

import streamlit as st

from core.config import Knob
from core.device import available_devices, resolve_device
from ui.lessons import LANGUAGES
from ui.params import widget

DEVICE_LABELS = {"auto": "auto (best available)", "cuda": "cuda (GPU)", "mps": "mps (Apple GPU)",
                 "cpu": "cpu"}


def sidebar() -> None:
    with st.sidebar:
        st.markdown("### Settings")
        widget(Knob("lang", "en", "Lesson language", choices=tuple(LANGUAGES)), "lang",
               format_func=LANGUAGES.get)
        widget(Knob("seed", 0, "Random seed", "Same seed, same curve: every run and sample on "
                    "every page starts from it.", lo=0, hi=1_000_000), "seed")
        choices = ("auto", *available_devices())
        widget(Knob("device", "auto", "Device", "Where PyTorch trains. Tiny networks are "
                    "often fastest on cpu; the RLHF model gains from a GPU.", choices=choices),
               "device", format_func=DEVICE_LABELS.get)
        st.caption(f"Training on **{current_device()}**.")


def current_device() -> str:
    return resolve_device(st.session_state.get("device", "auto"))


def current_seed() -> int:
    return int(st.session_state.get("seed", 0))
