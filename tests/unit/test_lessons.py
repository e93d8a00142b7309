"""Every lesson exists in both languages with the same sections, and its math is well formed
(Streamlit renders a $$ block only when it opens and closes on one line)."""
import re
from pathlib import Path

import pytest

from ui.path import PATH

LESSONS = Path(__file__).resolve().parents[2] / "lessons"
PAGES = ["home", "glossary"] + [stop.slug for stop in PATH]
SECTION = re.compile(r"^<!--\s*section:\s*([\w-]+)\s*-->\s*$", re.M)


def test_every_stop_on_the_path_has_its_page():
    root = LESSONS.parent
    for stop in PATH:
        assert (root / stop.file).exists(), stop.file


@pytest.mark.parametrize("page", PAGES)
def test_both_languages_have_the_same_sections(page):
    en = (LESSONS / "en" / f"{page}.md").read_text(encoding="utf-8")
    zh = (LESSONS / "zh" / f"{page}.md").read_text(encoding="utf-8")
    assert SECTION.findall(en) == SECTION.findall(zh)
    assert re.search(r"[\u4e00-\u9fff]", zh), "the zh lesson is in Chinese"


@pytest.mark.parametrize("path", sorted(LESSONS.glob("*/*.md")), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_display_math_opens_and_closes_on_one_line(path):
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if "$$" in line:
            assert line.count("$$") % 2 == 0, f"{path.name}:{number} splits a $$ block"
        assert line.count("$") % 2 == 0, f"{path.name}:{number} has an unclosed $"
