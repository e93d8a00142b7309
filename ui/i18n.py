"""Every user-facing string beyond the lessons, in the lesson language (issue 12 item 8).

gettext's model without its build step: the English text is the key, and
`lessons/<lang>/ui/*.json` map it to the translation (one file per page, plus one for what the
pages share). A key may hold `{name}` fields, so a text the code builds with an f-string, or
one that comes from `core` (a run's status message, a variant's label), is translated by
matching it against the key's pattern: `tr("arm 3 (r=0.5)")` finds "arm {i} (r={r})" and
fills "臂 {i}（r={r}）" with what the fields matched, each field itself translated when it is a
key (a variant's name inside a legend entry). So pages wrap what they show in `tr(...)` and
`core` stays free of languages. A text with no entry stays English; the language test
(tests/pages/test_language.py) renders every page in 中文 and fails on any English left.

Why not gettext itself: Python's gettext reads compiled .mo files, so every edit of a
translation would need a compile step (msgfmt or Babel) in the build and in CI; and gettext
has no way to translate a finished string from `core` whose fields are already filled in.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

LESSONS = Path(__file__).resolve().parent.parent / "lessons"
_FIELD = re.compile(r"\{([A-Za-z_]\w*)\}")
MAX_BUILT_TEXT = 2_000  # longer texts are looked up whole, never matched against the patterns


def current_lang() -> str:
    """The session's lesson language ("en" outside a Streamlit run: a test or a notebook)."""
    import streamlit as st
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    if get_script_run_ctx(suppress_warning=True) is None:
        return "en"
    return st.session_state.get("lang", "en")


@lru_cache(maxsize=8)
def catalog(lang: str) -> dict[str, str]:
    """English key -> translation, from every JSON file under lessons/<lang>/ui/."""
    out: dict[str, str] = {}
    for path in sorted((LESSONS / lang / "ui").glob("*.json")):
        out.update(json.loads(path.read_text(encoding="utf-8")))
    return out


@lru_cache(maxsize=8)
def _patterns(lang: str) -> list[tuple[re.Pattern, str]]:
    """The keys with fields, as anchored regexes; the longest literal text first, so the most
    specific key wins ("{label}: each seed" before "{label}")."""
    out = []
    for key, value in catalog(lang).items():
        if not _FIELD.search(key):
            continue
        parts, names = _FIELD.split(key), set()
        pattern, last = re.escape(parts[0]), len(parts) - 2
        for i in range(1, len(parts), 2):
            name, after = parts[i], re.escape(parts[i + 1])
            # the same field twice must match the same text
            group = f"(?P={name})" if name in names else f"(?P<{name}>.+?)"
            names.add(name)
            # Every field but the last ends where the text after it first appears, for good
            # (an atomic group): plain lazy fields backtrack over every split of a text that
            # almost matches, about len⁴ steps for a key with four fields (a URL value shaped
            # like these messages took 18 s to translate, holding the server's GIL).
            pattern += group + after if i == last or not after else f"(?>{group}{after})"
        literal = len(_FIELD.sub("", key))
        out.append((literal, re.compile(f"^{pattern}$", re.S), value))
    out.sort(key=lambda item: -item[0])
    return [(p, v) for _, p, v in out]


@lru_cache(maxsize=20_000)
def _translate(text: str, lang: str) -> str:
    table = catalog(lang)
    if text in table:
        return table[text]
    for pattern, value in _patterns(lang):
        match = pattern.match(text)
        if match:
            fields = {name: _translate(got, lang) for name, got in match.groupdict().items()}
            return _FIELD.sub(lambda m: fields.get(m.group(1), m.group(0)), value)
    return text


def tr(text, lang: str | None = None):
    """`text` in the session's language (itself when it has no entry, or is not a string)."""
    if not isinstance(text, str) or not text:
        return text
    lang = lang or current_lang()
    if lang == "en":
        return text
    if len(text) > MAX_BUILT_TEXT:  # no built string is this long: user input (a URL value, a
        return catalog(lang).get(text, text)  # typed name), kept out of the cache
    return _translate(text, lang)
