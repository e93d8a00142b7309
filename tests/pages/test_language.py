"""A full second language (issue 12 item 8): in 中文 mode no page shows an English UI string.

Every page is rendered in zh at its defaults, and again with its runs started and their first
records drawn (status lines, tables, live charts, export buttons); every text a student reads
(tests/pages/language.py) must be free of English words outside formulas, code and names.
The catalog itself is checked too: each translation keeps its key's `{fields}`.
"""
import json
import re
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.runner import active_runs
from tests.pages.language import english_words, untranslated
from ui.i18n import LESSONS, _FIELD, catalog, tr
from ui.path import PATH

ROOT = Path(__file__).resolve().parents[2]
PAGES = ["views/home.py"] + [stop.file for stop in PATH]


def open_zh(app, page: str) -> AppTest:
    """The page through app.py (sidebar, quiz and next link included), in 中文."""
    return app(None if page == "views/home.py" else page, lang="zh")


def report(found: dict) -> str:
    return "\n".join(f"{text!r}: {words}" for text, words in found.items())


def test_the_scanner_finds_english_and_spares_formulas_code_and_names():
    assert english_words("Press **Start** to train") == ["Press", "Start", "to", "train"]
    assert english_words("按 **开始**：$\\pi_\\theta(a)$、`approx_kl`、PPO-clip、CartPole-v1、KL") == []
    assert english_words("<span>回报</span> :material/play_arrow: ?present=1") == []


def test_every_translation_keeps_its_fields():
    for path in sorted((LESSONS / "zh" / "ui").glob("*.json")):
        for key, value in json.loads(path.read_text(encoding="utf-8")).items():
            assert value.strip(), (path.name, key)
            assert sorted(_FIELD.findall(key)) == sorted(_FIELD.findall(value)), (path.name, key)


def test_every_scenario_and_question_speaks_chinese_in_chinese():
    from ui.quiz import QUESTIONS
    from ui.scenarios import SCENARIOS

    texts = [t for page in SCENARIOS.values() for s in page for t in (s.title["zh"], s.look_for["zh"])]
    texts += [t for page in QUESTIONS.values() for q in page
              for t in (q.prompt["zh"], q.why["zh"], *q.options["zh"])]
    found = {t[:80]: english_words(t) for t in texts if english_words(t)}
    assert not found, report(found)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_bold_renders_as_bold(lang):
    """CommonMark closes `**` only where it is right-flanking: `**回报（Return）**的` stays two
    literal asterisks on the page (punctuation before, a character after). Every lesson and
    every UI text must render without a stray `**`."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark")
    texts = {p.name: p.read_text(encoding="utf-8") for p in (LESSONS / lang).glob("*.md")}
    if lang == "zh":
        texts.update({key: value for key, value in catalog("zh").items()})
    found = [name for name, text in texts.items()
             if "**" in md.render(re.sub(r"\$\$.+?\$\$|\$[^$\n]+?\$", "x", text, flags=re.S))]
    assert not found, found


def test_a_built_string_is_translated_through_its_pattern():
    assert "{label}: mean over seeds" in catalog("zh")
    assert tr("batch-mean baseline: mean over seeds", "zh").endswith("各种子的均值")
    assert tr("something no catalog has", "zh") == "something no catalog has"
    assert tr("Start", "en") == "Start" and tr("Start", "zh") == "开始"


@pytest.mark.parametrize("page", PAGES)
def test_no_english_on_a_page_in_chinese(app, page):
    at = open_zh(app, page)
    assert not at.exception
    found = untranslated(at)
    assert not found, f"{page} in 中文 shows English:\n{report(found)}"


def _start_everything(at: AppTest) -> AppTest:
    """Press what starts the page's runs (RLHF: skip ahead to PPO first)."""
    skip = [b for b in at.button if b.key == "rlhf_skip"]
    if skip:
        at = skip[0].click().run()
    for key in [b.key for b in at.button if b.key and b.key.endswith("_start") and not b.disabled]:
        at = at.button(key=key).click().run()
    return at


@pytest.mark.parametrize("page", [stop.file for stop in PATH])
def test_no_english_while_a_run_trains_in_chinese(app, page):
    at = open_zh(app, page)
    at = _start_everything(at)
    runs = active_runs()
    assert runs, f"{page}: no run started"
    end = time.monotonic() + 90
    while time.monotonic() < end and not all(r.n_seen >= 2 or not r.active for r in runs):
        for r in runs:
            r.poll()
        time.sleep(0.2)
    at.run()
    assert not at.exception
    found = untranslated(at)
    assert not found, f"{page} in 中文, training, shows English:\n{report(found)}"
