"""Every parser of what a user types, links or uploads, fuzzed with hypothesis (issue 13, "Bad
input and abuse"): a URL value for any knob of any page (`core.config.parse_knob`), the
live channel (`apply_live`), the message it makes in every lesson language (`ui.i18n.tr`),
an uploaded JSON file (`core.jsonfile.read_json`, `ui.export.parse_run_file`,
`core.rlhf.labeler.pairs_from_json`) and a typed prompt (`core.rlhf.model.prepare_prompt`).

Each parser either gives a value its consumer can use or refuses with a sentence, never
anything else; where the expected outcome is known independently (an integer in or out of its
range, a file of the right shape) the test says which one it must be. The page-level side
(the messages shown, the values kept) is tests/pages/test_fuzz_pages.py.
"""
from __future__ import annotations

import ast
import dataclasses
import importlib
import json
import math
import pkgutil
import re
import time
from pathlib import Path
from urllib.parse import urlencode

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import core
from core.config import Knob, apply_live, knobs, parse_knob
from core.jsonfile import read_json
from core.rlhf.labeler import gold_score, pairs_from_json, pairs_to_json
from core.rlhf.model import ASSETS, MAX_PROMPT_TOKENS, prepare_prompt, prompt_ids
from ui.export import CONFIG_FORMAT, MAX_RECORDS, RUN_FORMAT, metrics_json, parse_run_file
from ui.i18n import MAX_BUILT_TEXT, _translate, tr
from ui.params import _nearest, log_grid, url_text

ROOT = Path(__file__).resolve().parents[2]
FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ---- every knob the app has -----------------------------------------------------------------------
def config_classes() -> list[type]:
    """Every config dataclass with knobs under core/ (each page builds its widgets from these)."""
    found = {}
    for info in pkgutil.walk_packages(core.__path__, "core."):
        for obj in vars(importlib.import_module(info.name)).values():
            if dataclasses.is_dataclass(obj) and isinstance(obj, type) and knobs(obj):
                found[obj.__name__] = obj
    return sorted(found.values(), key=lambda c: c.__name__)


def page_knobs() -> list[Knob]:
    """The knobs a page defines on its own (`widget(Knob(...))` in views/), read from the source:
    the views run Streamlit when imported. Knobs built from a value of the page (the bandit's
    "inspect update t") are fuzzed through the page, in tests/pages/test_fuzz_pages.py."""
    out = []
    for path in sorted((ROOT / "views").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Knob":
                try:
                    out.append(Knob(*[ast.literal_eval(a) for a in node.args],
                                    **{kw.arg: ast.literal_eval(kw.value) for kw in node.keywords}))
                except ValueError:
                    continue
    return out


def all_knobs() -> list[Knob]:
    from ui.presentation import PRESENT
    from ui.sidebar import DEVICE, LANG, SEED

    return [k for c in config_classes() for k in knobs(c)] + page_knobs() + [LANG, SEED, DEVICE, PRESENT]


KNOBS = all_knobs()
CONFIGS = config_classes()


def test_the_fuzzed_knobs_are_every_page_s():
    assert len(CONFIGS) >= 10, [c.__name__ for c in CONFIGS]
    names = {k.name for k in KNOBS}
    assert {"lr", "gamma", "seed", "lang", "device", "present", "rlhf_top_k", "is_n", "gae_lam"} <= names
    # parse_knob reads choices, booleans, ints and floats: a knob of any other kind would be
    # parsed as a float, so there must be none
    assert {k.kind for k in KNOBS} == {"choice", "bool", "int", "float"}


def is_valid(k: Knob, value) -> bool:
    """What the knob's widget can show (and its trainer accepts)."""
    if k.kind == "choice":
        return value in k.choices
    if k.kind == "bool":
        return type(value) is bool
    if k.kind == "int":
        ok = type(value) is int
    else:
        ok = type(value) is float and math.isfinite(value)
    return ok and (k.lo is None or k.lo <= value) and (k.hi is None or value <= k.hi)


SPECIAL = ["", " ", "\t\n", "nan", "NaN", "-nan", "inf", "-inf", "Infinity", "1e999", "-1e999", "1e-400",
           "-0", "+0", "0x10", "0b1", "1_000", "1,5", "1.5.2", "１２", "٣", "½", "Ⅻ", "2³", "true", "None",
           "null", "[]", "{}", "%00", "\x00", "\u200b1", "1\u00a0", "'; DROP TABLE runs;--", "🤖",
           "<script>alert(1)</script>", "`x=1` is outside [0, 1]; using the default 0.",
           "9" * 5000, "1" + "0" * 400, "0." + "0" * 400 + "1", "a" * 3000]


def raw_for(k: Knob) -> st.SearchStrategy[str]:
    """URL text aimed at `k`: values it accepts, values just outside, and junk."""
    junk = st.sampled_from(SPECIAL) | st.text(max_size=30)
    if k.kind == "choice":
        good = st.sampled_from([str(c) for c in k.choices]).flatmap(
            lambda s: st.sampled_from([s, s.upper(), s.lower(), s.title(), f"  {s}\t", s + "x", s[:-1]]))
    elif k.kind == "bool":
        good = st.sampled_from(["1", "0", "true", "false", "TRUE", "False", "yes", "No", "on", "OFF", " on ",
                                "2", "-1", "y", "t", "truee"])
    elif k.kind == "int":
        good = (st.integers(int(k.lo) - 3, int(k.hi) + 3) | st.integers(-10 ** 30, 10 ** 30)).flatmap(
            lambda n: st.sampled_from([str(n), f" {n} ", f"+{n}" if n >= 0 else str(n), f"{n}.0", f"{n}e0"]))
    else:
        span = k.hi - k.lo
        good = (st.floats(k.lo, k.hi) | st.floats(k.lo - span, k.hi + span)
                | st.floats(allow_nan=True, allow_infinity=True)).flatmap(
            lambda x: st.sampled_from([repr(x), f"{x:g}", f"{x:.3e}", f" {x!r} "]))
    return st.one_of(good, good, junk)


@st.composite
def knob_and_raw(draw):
    k = draw(st.sampled_from(KNOBS))
    return k, draw(raw_for(k))


@FAST
@given(knob_and_raw())
def test_parse_knob_gives_a_valid_value_or_the_default_and_a_sentence(case):
    k, raw = case
    value, message = parse_knob(k, raw)
    if message is None:
        assert is_valid(k, value), (k.name, raw, value)
    else:
        assert value == k.default and type(value) is type(k.default)
        assert message.startswith(f"`{k.name}=") and str(k.default) in message, message
    # what the page does next: snap a learning rate to its slider's grid, write the URL back
    if message is None and k.log:
        grid = log_grid(k.lo, k.hi)
        snapped = _nearest(grid, value)
        assert snapped in grid and k.lo <= snapped <= k.hi
    shown, again = parse_knob(k, url_text(value))
    assert again is None, (k.name, url_text(value), again)  # the rewritten URL is always readable
    if k.kind == "float":  # the URL keeps six significant digits (every slider step has fewer)
        assert shown == pytest.approx(value, rel=1e-5, abs=1e-12)
    else:
        assert shown == value


@FAST
@given(knob_and_raw())
def test_parse_knob_accepts_exactly_the_numbers_in_range_and_the_named_choices(case):
    """The verdict on a plain number, word or choice, known without the parser."""
    k, raw = case
    value, message = parse_knob(k, raw)
    text = raw.strip()
    if k.kind == "choice":
        matches = [c for c in k.choices if str(c).lower() == text.lower()]
        assert (value, message is None) == ((matches[0], True) if matches else (k.default, False))
    elif k.kind == "bool":
        word = text.lower()
        expected = True if word in ("1", "true", "yes", "on") else False if word in ("0", "false", "no", "off") else None
        assert (value, message is None) == ((expected, True) if expected is not None else (k.default, False))
    elif k.kind == "int" and re.fullmatch(r"[+-]?[0-9]{1,100}", text):
        n = int(text)
        assert (message is None) == (k.lo <= n <= k.hi) and value == (n if message is None else k.default)
    elif k.kind == "float":
        try:
            x = float(text)
        except ValueError:
            assert message is not None and "not a number" in message
            return
        inside = math.isfinite(x) and k.lo <= x <= k.hi
        assert (message is None) == inside and value == (x if inside else k.default), (raw, message)
        if not math.isfinite(x):
            assert "not a finite number" in message


@FAST
@given(st.sampled_from(CONFIGS), st.data())
def test_a_live_change_is_applied_whole_or_refused(config_cls, data):
    """The live channel (a knob moved mid-run) takes only live knobs with valid values, and
    never touches the config it was given."""
    config = config_cls()
    ks = {k.name: k for k in knobs(config_cls)}
    live = sorted(n for n, k in ks.items() if k.live)
    names = data.draw(st.lists(st.sampled_from(live) if live and data.draw(st.booleans())
                               else st.sampled_from(sorted(ks) + ["device", "nope", ""]), max_size=3, unique=True))
    changes = {}
    for name in names:
        k = ks.get(name)
        changes[name] = data.draw(st.integers() if k is None else st.one_of(
            st.just(k.default), raw_for(k).map(lambda raw, k=k: parse_knob(k, raw)[0]), raw_for(k)))
    before = dataclasses.asdict(config)
    ok = all(n in live and parse_knob(ks[n], str(v))[1] is None for n, v in changes.items())
    try:
        new = apply_live(config, changes)
    except ValueError as exc:
        assert not ok and str(exc)
    else:
        assert ok
        assert all(is_valid(ks[n], getattr(new, n)) for n in changes)
    assert dataclasses.asdict(config) == before


# ---- the messages, in every language ---------------------------------------------------------------
@FAST
@given(knob_and_raw(), st.sampled_from(["en", "zh"]))
def test_every_url_message_is_shown_in_every_language(case, lang):
    k, raw = case
    _, message = parse_knob(k, raw)
    assume(message is not None)
    # as ui.params shows it: under the widget's key (a prefixed name, never itself a word the
    # catalog translates, as the bare knob names "samples" and "baseline" are)
    message = message.replace(f"`{k.name}=", f"`url_{k.name}=")
    text = f"Ignored a URL parameter: {message}"
    shown = tr(text, lang)
    assert isinstance(shown, str) and f"`url_{k.name}=" in shown
    english = lang == "en" or len(text) > MAX_BUILT_TEXT  # a longer one is a URL value, not a sentence
    assert shown.startswith("Ignored a URL parameter: " if english else "已忽略一个网址参数：")


# A URL value shaped like the messages themselves: each lazy {field} of a pattern could end at
# any of hundreds of places, and a match that fails at the last character tried them all
# (18 s for a 6,000-character value in 中文, about len⁴; the GIL held, every session frozen).
CRAFTED = [("`a=b` is not one of , ; using " * n) for n in (40, 80, 200)] + [
    "`" + "=" * 300 + ("` is outside [" + ", " * 10 + "]; using the default x") * 15]


@pytest.mark.parametrize("raw", CRAFTED, ids=[f"{len(r)}-chars" for r in CRAFTED])
def test_a_crafted_url_value_is_translated_at_once(raw):
    seed = next(k for k in KNOBS if k.name == "seed")
    _, message = parse_knob(seed, raw)
    for text in (f"Ignored a URL parameter: {message}", message, raw, raw[:-1]):
        _translate.cache_clear()
        start = time.perf_counter()
        shown = tr(text, "zh")
        assert time.perf_counter() - start < 0.5, len(text)
        assert isinstance(shown, str)
    if len(message) < MAX_BUILT_TEXT:  # still translated, not just let through
        assert tr(f"Ignored a URL parameter: {message}", "zh").startswith("已忽略一个网址参数：`seed=")


def test_a_long_text_is_looked_up_whole_and_kept_out_of_the_cache():
    _translate.cache_clear()
    long = "Ignored a URL parameter: `seed=" + "x" * MAX_BUILT_TEXT + "` is not a whole number; using the default 0."
    assert tr(long, "zh") == long
    assert _translate.cache_info().currsize == 0
    assert tr("Start", "zh") == "开始"


# ---- uploaded JSON ---------------------------------------------------------------------------------
ESCAPES = st.sampled_from(["\\ud800", "\\udfff", "\\uDBFF", "\\ud83d\\ude00", "\\ud83d", "\\ude00x",
                           "\\\\ud800", "\\u00e9", "\\u0000", "\\n", "\\\"", "\\/"])
STRING_BODY = st.lists(ESCAPES | st.text(alphabet=st.characters(blacklist_characters='"\\',
                                                                 blacklist_categories=("Cs", "Cc")),
                                         max_size=5), max_size=5).map("".join)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20)


def encodable(doc) -> bool:
    """Whether a parsed document can be written out as UTF-8 again (a download, a URL)."""
    try:
        json.dumps(doc, ensure_ascii=False, allow_nan=True).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@FAST
@given(st.binary(max_size=300) | st.text(max_size=300)
       | st.builds(lambda a, b: f'{{"{a}": ["{b}"]}}', STRING_BODY, STRING_BODY)
       | st.builds(lambda n, o, c: o * n + c * n, st.integers(0, 30_000), st.sampled_from(["[", '{"a": ']),
                   st.sampled_from(["]", "}", ""])))
def test_an_upload_is_a_document_that_can_be_written_out_again_or_a_sentence(data):
    try:
        doc = read_json(data, "a labels file")
    except ValueError as exc:
        assert str(exc) and str(exc)[0].islower() and str(exc).endswith(".")
        return
    assert encodable(doc)


@FAST
@given(STRING_BODY, STRING_BODY)
def test_a_lone_surrogate_escape_is_refused_and_a_pair_is_kept(key, value):
    text = f'{{"{key}": "{value}"}}'
    parsed = json.loads(text)  # what the standard parser makes of it
    try:
        doc = read_json(text.encode("utf-8"), "a run file")
    except ValueError as exc:
        assert "broken character" in str(exc) and not encodable(parsed)
    else:
        assert encodable(parsed) and doc == parsed


@pytest.mark.parametrize("data,words", [
    (b"\xef\xbb\xbf" + b'{"a": 1}', None),  # a BOM (Windows editors write one)
    (b'{"a": ' + b"9" * 5000 + b"}", "not a JSON file"),  # more digits than Python reads
    (b'{"a": NaN, "b": -Infinity}', None),
    (b'{"a": "\\ud800"}', "broken character"),
    (b'["\\udc00\\ud800"]', "broken character"),  # a pair in the wrong order
    (b'{"\\ud83d\\ude00": "\\ud83d\\ude00"}', None),
])
def test_json_edge_cases(data, words):
    if words is None:
        assert encodable(read_json(data, "a run file"))
    else:
        with pytest.raises(ValueError, match=words):
            read_json(data, "a run file")


# ---- a run panel's metrics and config files ------------------------------------------------------
NUMBERS = (st.integers(-10 ** 20, 10 ** 20) | st.floats() | st.none() | st.booleans()
           | st.sampled_from(["1", "", "\ud800"]) | st.lists(st.integers(), max_size=2))
RECORD_KEYS = st.sampled_from(["update", "time_s", "env_steps", "return_mean", "return_avg20", "loss",
                               "x[a|seed 0]", "x[b|seed 1]", "x[a|seed -1]", "y[0,1]", "z[", "[", "|", "",
                               "\ud800"])
record = st.dictionaries(RECORD_KEYS, NUMBERS, max_size=6) | st.fixed_dictionaries(
    {"update": st.integers(0, 10 ** 6) | st.floats()}, optional={"x[a|seed 0]": NUMBERS, "loss": NUMBERS})
config_fields = st.dictionaries(st.sampled_from(["lr", "episodes", "gamma", "env_id", "hidden", "device",
                                                 "baseline", "", "\ud800", "nope"]), NUMBERS | json_values,
                                max_size=6)
run_docs = st.fixed_dictionaries(
    {"format": st.sampled_from([RUN_FORMAT, CONFIG_FORMAT, RUN_FORMAT, "rlhf-playground-labels", None, 1])},
    optional={"version": st.integers(0, 2), "page": st.sampled_from(["pg", "ppo", "", None, 3, ["pg"]]),
              "records": st.lists(record | json_values, max_size=4) | json_values,
              "config": config_fields | json_values})


def expected_kind(doc) -> str | None:
    """What parse_run_file must make of a parsed document, from its documented contract."""
    if not isinstance(doc, dict) or doc.get("format") not in (RUN_FORMAT, CONFIG_FORMAT) \
            or not isinstance(doc.get("page"), str):
        return None
    if doc["format"] == CONFIG_FORMAT:
        return "config" if isinstance(doc.get("config"), dict) else None
    records = doc.get("records")
    if not isinstance(records, list) or not 0 < len(records) <= MAX_RECORDS:
        return None
    for row in records:
        if not isinstance(row, dict) or "update" not in row or not all(
                v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)) for v in row.values()):
            return None
    return "metrics"


@FAST
@given(run_docs, st.booleans())
def test_a_run_file_is_read_as_its_contract_says(doc, bom):
    data = json.dumps(doc, ensure_ascii=True).encode("utf-8")
    data = b"\xef\xbb\xbf" + data if bom else data
    try:
        kind, out = parse_run_file(data)
    except ValueError as exc:
        assert str(exc)
        assert expected_kind(doc) is None or not encodable(doc), (doc, exc)
        return
    assert encodable(doc) and kind == expected_kind(doc)
    assert out["page"] == doc["page"]
    if kind == "config":
        # a config restores its settings through the URL: every value must fit in one
        assert json.dumps(out["config"], sort_keys=True) == json.dumps(doc["config"], sort_keys=True)
        urlencode({"k" + name: url_text(value) for name, value in out["config"].items()})
    else:
        assert len(out["records"]) == len(doc["records"])
        for row, got in zip(doc["records"], out["records"]):
            assert got["update"] == row["update"] or (row["update"] != row["update"])  # NaN
            for key, value in got.items():
                if isinstance(value, np.ndarray):
                    assert value.dtype == float and value.ndim == 2 and value.shape[1] == len(got["seeds"])


@FAST
@given(st.binary(max_size=400) | st.text(max_size=400).map(lambda s: s.encode("utf-8"))
       | json_values.map(lambda v: json.dumps(v).encode()))
def test_a_run_file_of_junk_is_refused_with_a_sentence(data):
    try:
        kind, out = parse_run_file(data)
    except ValueError as exc:
        assert str(exc).endswith(".")
    else:
        assert kind in ("metrics", "config") and isinstance(out["page"], str)


variant_names = st.lists(st.text(alphabet=st.characters(blacklist_characters="[]|", blacklist_categories=("Cs",)),
                                 min_size=1, max_size=6), min_size=1, max_size=3, unique=True)


@FAST
@given(variant_names, st.lists(st.integers(-3, 1000), min_size=1, max_size=3, unique=True),
       st.integers(1, 4), st.data())
def test_a_comparison_comes_back_as_the_arrays_it_was(variants, seeds, n, data):
    cells = st.floats(allow_nan=True, allow_infinity=True, width=32)
    records = [{"update": u + 1, "time_s": 0.5 * u, "variants": variants, "seeds": seeds,
                "return_avg20": np.array(data.draw(st.lists(st.lists(cells, min_size=len(seeds), max_size=len(seeds)),
                                                            min_size=len(variants), max_size=len(variants))))}
               for u in range(n)]
    kind, doc = parse_run_file(metrics_json(records, "ppo").encode())
    assert kind == "metrics" and doc["page"] == "ppo"
    for before, after in zip(records, doc["records"]):
        assert after["update"] == before["update"] and after["seeds"] == seeds
        finite = np.where(np.isfinite(before["return_avg20"]), before["return_avg20"], np.nan)
        rows = [variants.index(v) for v in after["variants"]]
        np.testing.assert_array_equal(after["return_avg20"], finite[rows])
        assert sorted(after["variants"]) == sorted(variants)


# ---- an uploaded labels file -----------------------------------------------------------------------
pair = st.fixed_dictionaries({"prompt": STRING_BODY, "a": STRING_BODY, "b": STRING_BODY,
                              "preferred": st.sampled_from([0, 1, 1, 0, True, 2, None, "0"])},
                             optional={"source": STRING_BODY | st.none() | st.integers()})


@FAST
@given(st.lists(pair, max_size=4), st.sampled_from(["rlhf-playground-labels", "rlhf-playground-labels", "x"]))
def test_a_labels_file_is_imported_whole_and_can_be_exported_again_or_refused(pairs, fmt):
    # the pairs as JSON text, the strings' escapes written out by hand (lone surrogates among them)
    def js(v):
        return f'"{v}"' if isinstance(v, str) else json.dumps(v)

    body = ", ".join("{" + ", ".join(f'"{k}": {js(v)}' for k, v in p.items()) + "}" for p in pairs)
    text = f'{{"format": "{fmt}", "version": 1, "pairs": [{body}]}}'
    parsed = json.loads(text)
    try:
        got = pairs_from_json(text.encode("utf-8"))
    except ValueError as exc:
        assert str(exc).endswith(".")
        ok = fmt == "rlhf-playground-labels" and encodable(parsed) and all(
            type(p["preferred"]) is int and p["preferred"] in (0, 1) for p in parsed["pairs"])
        assert not ok, exc
        return
    assert len(got) == len(pairs)
    exported = pairs_to_json(got).encode("utf-8")  # the page's "Export labels" button
    assert pairs_from_json(exported) == got
    assert all(math.isfinite(gold_score(p["prompt"] + " " + p["a"])) for p in got)


# ---- a typed prompt --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tokenizer():
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(ASSETS))


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.text(max_size=200) | st.sampled_from(SPECIAL + ["the movie was   great\n\t.", "\u3000", "\x1c\x1d"])
       | st.builds(lambda piece, n: piece * n, st.text(min_size=1, max_size=8), st.integers(100, 3000))
       | st.none())
def test_a_typed_prompt_becomes_one_the_model_reads_and_each_change_is_said(tokenizer, text):
    prompt, notes = prepare_prompt(text, tokenizer)
    text = "" if text is None else text
    assert prompt == " ".join(text[-10_000:].split())  # whitespace tidied, the end kept
    n_tokens = len(tokenizer.encode(prompt)) if prompt else 0
    said = " ".join(notes)
    assert ("longer than 10,000 characters" in said) == (len(text) > 10_000)
    assert ("prompt is empty" in said) == (not prompt)
    assert (f"only the last {MAX_PROMPT_TOKENS}" in said) == (n_tokens > MAX_PROMPT_TOKENS)
    assert ("characters like these" in said) == any(ord(c) > 127 for c in prompt)
    ids, mask = prompt_ids(tokenizer, [prompt])
    assert ids.shape[1] <= MAX_PROMPT_TOKENS + 1 and int(mask.sum()) == ids.shape[1]
    assert math.isfinite(gold_score(prompt))
