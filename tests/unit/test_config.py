from dataclasses import dataclass

import pytest

from core.config import Knob, knob, knobs, parse_knob, validate


@dataclass
class Toy:
    lr: float = knob(0.01, "lr", lo=1e-4, hi=0.1, log=True, live=True)
    n: int = knob(4, "n", lo=1, hi=8)
    flag: bool = knob(False, "flag")
    env: str = knob("A", "env", choices=("A", "B"))
    device: str = "cpu"


def test_knobs_read_the_dataclass():
    ks = knobs(Toy)
    assert [k.name for k in ks] == ["lr", "n", "flag", "env"]
    assert [k.kind for k in ks] == ["float", "int", "bool", "choice"]
    assert ks[0].live and ks[0].log and not ks[1].live


@pytest.mark.parametrize("raw,value", [("0.05", 0.05), (" 1e-3 ", 0.001), ("0.1", 0.1)])
def test_valid_values_are_used(raw, value):
    assert parse_knob(knobs(Toy)[0], raw) == (value, None)


@pytest.mark.parametrize("raw,words", [("abc", "not a number"), ("99", "outside"),
                                       ("nan", "finite"), ("inf", "finite"), ("", "not a number"),
                                       ("-1", "outside")])
def test_bad_floats_give_the_default_and_a_message(raw, words):
    value, message = parse_knob(knobs(Toy)[0], raw)
    assert value == 0.01 and words in message and "lr" in message


def test_int_bool_and_choice():
    n, flag, env = knobs(Toy)[1:]
    assert parse_knob(n, "8") == (8, None)
    assert "whole number" in parse_knob(n, "2.5")[1] and parse_knob(n, "9")[1]
    assert parse_knob(flag, "TRUE") == (True, None) and parse_knob(flag, "off") == (False, None)
    assert parse_knob(flag, "maybe") == (False, parse_knob(flag, "maybe")[1]) and parse_knob(flag, "maybe")[1]
    assert parse_knob(env, "b") == ("B", None)
    assert parse_knob(env, "C")[0] == "A" and "one of" in parse_knob(env, "C")[1]


def test_validate_reports_out_of_range_fields():
    assert validate(Toy()) == []
    assert len(validate(Toy(lr=3.0, n=0))) == 2


def test_standalone_knob():
    k = Knob("seed", 0, "Seed", lo=0, hi=10)
    assert parse_knob(k, "11")[0] == 0


def all_configs():
    """Every config class in core/ whose fields carry knobs."""
    import dataclasses
    import importlib
    import pkgutil

    import core
    found = {}
    for info in pkgutil.walk_packages(core.__path__, "core."):
        module = importlib.import_module(info.name)
        for obj in vars(module).values():
            if dataclasses.is_dataclass(obj) and isinstance(obj, type) and knobs(obj):
                found[obj.__name__] = obj
    return sorted(found.values(), key=lambda c: c.__name__)


def test_every_knob_default_is_exactly_what_its_widget_can_show():
    """A default off its widget's grid is snapped to a neighbour: the page then trains at
    another value than the benchmark (PPO's lr 0.0025 became 0.003)."""
    from ui.params import log_grid
    from ui.sidebar import DEVICE, LANG, SEED

    configs = all_configs()
    assert len(configs) >= 8, [c.__name__ for c in configs]
    checked = [(c.__name__, k) for c in configs for k in knobs(c)] + [("sidebar", k) for k in (LANG, SEED, DEVICE)]
    for owner, k in checked:
        where = f"{owner}.{k.name} = {k.default!r}"
        if k.kind == "choice":
            assert k.default in k.choices, where
        elif k.kind in ("int", "float"):
            assert k.lo <= k.default <= k.hi, where
            if k.log:
                assert k.default in log_grid(k.lo, k.hi), where
            elif k.kind == "float" or k.step:
                step = k.step or 0.01  # Streamlit's float slider steps by 0.01 unless told
                steps = (k.default - k.lo) / step
                assert abs(steps - round(steps)) < 1e-9, where
