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
