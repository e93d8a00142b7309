"""Widgets generated from a config's knobs, kept in sync with the URL.

Why not Streamlit's own `bind="query-params"`: it drops an unreadable value and clamps an
out-of-range one without a word. Here every value in the URL goes through `core.config.parse_knob`
first; a refused value gives a visible message and the default, and the URL is rewritten to
what the page really uses, so a copied link always reproduces the page.
"""
from __future__ import annotations

import math
from typing import Any, Iterable

import numpy as np
import streamlit as st

from core.config import Knob, knobs, parse_knob
from ui.i18n import current_lang, tr
from ui.presentation import is_hidden

_MESSAGES = "_url_messages"
_KEPT = "_kept_settings"  # every widget's last value, by key: survives leaving the page


def log_grid(lo: float, hi: float) -> list[float]:
    """Round numbers from lo to hi, seven per decade (1, 1.5, 2, 2.5, 3, 5, 7 x 10^k): 2.5
    is there for the learning rates papers use (PPO's 2.5e-4, ...)."""
    values = []
    for exponent in range(math.floor(math.log10(lo)) - 1, math.ceil(math.log10(hi)) + 1):
        for mantissa in (1, 1.5, 2, 2.5, 3, 5, 7):
            v = float(f"{mantissa * 10.0 ** exponent:.6g}")
            if lo * (1 - 1e-9) <= v <= hi * (1 + 1e-9):
                values.append(v)
    return values


def _nearest(grid: list[float], value: float) -> float:
    return min(grid, key=lambda g: abs(math.log(g) - math.log(value)))


def seed_from_url(k: Knob, key: str) -> None:
    """Put the URL's value (or the default, with a message) into session state once.

    The value comes from, in order: the widget's state; the URL; the value this session last
    had on this widget (Streamlit forgets a widget's state when its page is left, and comes
    back with an empty URL: without this, coming back to a page would reset its sliders while
    its run's chart stays); the knob's default.

    A knob whose range depends on another (inspect update t <= updates) may find its kept
    value outside a range that just shrank: it is clamped, as the slider would show it."""
    if key in st.session_state:
        value = st.session_state[key]
        if k.kind in ("int", "float") and k.lo is not None and not k.log:
            st.session_state[key] = min(max(value, k.lo), k.hi)
        return
    raw = st.query_params.get(key)
    value = st.session_state.get(_KEPT, {}).get(key, k.default)
    if raw is not None:
        value, message = parse_knob(k, raw)
        if message:
            st.session_state.setdefault(_MESSAGES, []).append(message.replace(f"`{k.name}=", f"`{key}="))
    if k.log:
        value = _nearest(log_grid(k.lo, k.hi), value)
    st.session_state[key] = value


def widget(k: Knob, key: str, container=None, disabled: bool = False,
           format_func=str) -> Any:
    """One widget for one knob, seeded from the URL and written back to it."""
    container = container if container is not None else st
    seed_from_url(k, key)
    if is_hidden(key, k.name):  # ?hide=: no control; the value from the URL or the default
        return st.session_state[key]
    label = tr(k.label)  # label, help and choices in the lesson language (ui.i18n)
    common = dict(key=key, help=tr(k.help) or None, disabled=disabled)
    if k.kind == "choice":
        lang = current_lang()  # bound now: AppTest calls format_func outside the script run
        value = container.selectbox(label, list(k.choices), format_func=lambda v: tr(format_func(v), lang),
                                    **common)
    elif k.kind == "bool":
        value = container.toggle(label, **common)
    elif k.log:
        value = container.select_slider(label, options=log_grid(k.lo, k.hi),
                                        format_func=lambda v: f"{v:g}", **common)
    elif k.kind == "int" and k.hi - k.lo > 10_000:
        value = container.number_input(label, min_value=int(k.lo), max_value=int(k.hi),
                                       step=1, **common)
    elif k.kind == "int":
        value = container.slider(label, min_value=int(k.lo), max_value=int(k.hi),
                                 step=int(k.step or 1), **common)
    else:
        value = container.slider(label, min_value=float(k.lo), max_value=float(k.hi),
                                 step=float(k.step) if k.step else None, **common)
    st.session_state.setdefault(_KEPT, {})[key] = value
    _write_url(key, value, k.default)
    return value


def url_text(value: Any) -> str:
    """A value as the URL writes it: true/false, 0.003, 64."""
    return str(value).lower() if isinstance(value, bool) else f"{value:g}" if isinstance(value, float) else str(value)


def _write_url(key: str, value: Any, default: Any) -> None:
    if value == default:
        if key in st.query_params:
            del st.query_params[key]
    else:
        text = url_text(value)
        if st.query_params.get(key) != text:
            st.query_params[key] = text


def config_widgets(config_cls, *, prefix: str = "", columns: int = 1, exclude: Iterable[str] = (),
                   disabled: Iterable[str] = (), **fixed) -> Any:
    """Build `config_cls` from one widget per knob (laid out in `columns`); `fixed` sets
    non-knob fields such as the device."""
    ks = [k for k in knobs(config_cls) if k.name not in set(exclude)]
    cols = st.columns(columns) if columns > 1 else [st.container()]
    values = {}
    for i, k in enumerate(ks):
        values[k.name] = widget(k, prefix + k.name, cols[i % len(cols)],
                                disabled=k.name in set(disabled))
    return config_cls(**values, **fixed)


def float_sliders(label: str, key_prefix: str, defaults: np.ndarray, lo: float, hi: float,
                  step: float, help: str = "", columns: int = 4) -> np.ndarray:
    """A row of float sliders (one per entry of `defaults`), each bound to the URL as
    `{key_prefix}{i+1}`: e.g. the true reward of each bandit arm."""
    cols = st.columns(min(columns, len(defaults)))
    out = []
    for i, default in enumerate(defaults):
        k = Knob(name=f"{key_prefix}{i + 1}", default=float(round(default, 2)),
                 label=f"{label} {i + 1}", help=help, lo=lo, hi=hi, step=step)
        out.append(widget(k, k.name, cols[i % len(cols)]))
    return np.array(out, dtype=float)


def show_url_messages() -> None:
    """Show (once) what the URL asked for that the page could not use."""
    for message in st.session_state.pop(_MESSAGES, []):
        st.warning(tr(f"Ignored a URL parameter: {message}"), icon="⚠️")
