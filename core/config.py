"""Configs whose fields carry their own range, default and help text.

One source of truth serves the sliders, the URL presets and validation: a page builds its
widgets from `knobs(ConfigClass)`, and a value typed into the URL goes through `parse_knob`,
which either returns a valid value or says in words why it refused it.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any, Sequence


@dataclass(frozen=True)
class Knob:
    """What a config field needs to become a widget and a URL parameter."""

    name: str
    default: Any
    label: str
    help: str = ""
    lo: float | None = None
    hi: float | None = None
    step: float | None = None
    choices: tuple = ()
    log: bool = False  # a log-scale slider (learning rates)
    live: bool = False  # safe to change while a run trains

    @property
    def kind(self) -> str:
        if self.choices:
            return "choice"
        if isinstance(self.default, bool):
            return "bool"
        if isinstance(self.default, int):
            return "int"
        if isinstance(self.default, float):
            return "float"
        return "str"


def knob(default, label: str, help: str = "", *, lo=None, hi=None, step=None,
         choices: Sequence = (), log: bool = False, live: bool = False):
    """A dataclass field that also describes its widget (see `Knob`)."""
    meta = dict(label=label, help=help, lo=lo, hi=hi, step=step, choices=tuple(choices),
                log=log, live=live)
    return field(default=default, metadata={"knob": meta})


def knobs(config_cls_or_obj) -> list[Knob]:
    """The knobs of a config class, in field order (fields without metadata are skipped)."""
    out = []
    for f in dataclasses.fields(config_cls_or_obj):
        meta = f.metadata.get("knob")
        if meta is not None:
            out.append(Knob(name=f.name, default=f.default, **meta))
    return out


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def parse_knob(k: Knob, raw: str) -> tuple[Any, str | None]:
    """Turn a URL string into a value for `k`.

    Returns (value, None) when `raw` is acceptable, else (k.default, message): a value that
    cannot be read, or lies outside the knob's range, is refused and the default is used, so
    a shared link never silently means something other than what it says.
    """
    text = str(raw).strip()
    try:
        if k.kind == "choice":
            for c in k.choices:
                if str(c).lower() == text.lower():
                    return c, None
            return k.default, (f"`{k.name}={raw}` is not one of "
                               f"{', '.join(map(str, k.choices))}; using {k.default}.")
        if k.kind == "bool":
            if text.lower() in _TRUE:
                return True, None
            if text.lower() in _FALSE:
                return False, None
            return k.default, f"`{k.name}={raw}` is not true/false; using {k.default}."
        value = int(text) if k.kind == "int" else float(text)
    except ValueError:
        what = "a whole number" if k.kind == "int" else "a number"
        return k.default, f"`{k.name}={raw}` is not {what}; using the default {k.default}."
    if k.kind == "float" and not math.isfinite(value):
        return k.default, f"`{k.name}={raw}` is not a finite number; using the default {k.default}."
    if (k.lo is not None and value < k.lo) or (k.hi is not None and value > k.hi):
        return k.default, (f"`{k.name}={raw}` is outside [{k.lo}, {k.hi}]; "
                           f"using the default {k.default}.")
    return value, None


def validate(config) -> list[str]:
    """Problems with a config's knob values, as sentences (an empty list means valid)."""
    problems = []
    for k in knobs(config):
        value = getattr(config, k.name)
        _, message = parse_knob(k, str(value))
        if message:
            problems.append(message)
    return problems


def apply_live(config, changes: dict | None):
    """`config` with the live knobs in `changes` applied (a new object; `config` is untouched).

    The live channel of a run: the runner sends a trainer the knobs the student moved with
    `generator.send(changes)`, and the trainer rebinds `config = apply_live(config, changes)`
    right after its `yield`. A change to a knob that is not live, or not a knob of this config,
    or a value its range refuses, raises ValueError: the page only sends what it may change.
    """
    if not changes:
        return config
    live = {k.name: k for k in knobs(config) if k.live}
    accepted = {}
    for name, value in changes.items():
        if name not in live:
            raise ValueError(f"{name!r} is not a live knob of {type(config).__name__}")
        value, message = parse_knob(live[name], str(value))
        if message:
            raise ValueError(message)
        accepted[name] = value
    return dataclasses.replace(config, **accepted)
