"""Find your way (issue 12 item 7): a "next" link at the end of every page, in path order, and
a glossary of the path's terms in the sidebar of every page, in the lesson language."""
import pytest

from ui.path import PATH, next_stop

PAGES = [None] + [stop.file for stop in PATH]
TERMS_EN = ("Return", "Baseline", "Advantage", "Ratio", "KL", "Clip", "Reward model", "Gold")


def test_next_stop_follows_the_path():
    assert next_stop("") == PATH[0]
    for here, there in zip(PATH, PATH[1:]):
        assert next_stop(here.url_path) == there
    assert next_stop(PATH[-1].url_path) is None
    assert next_stop("no-such-page") is None


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p or "home")
def test_every_page_ends_with_its_next_link_and_has_the_glossary(app, page):
    at = app(page)
    assert not at.exception
    links = at.get("page_link")
    last = links[-1].proto
    here = "" if page is None else next(s.url_path for s in PATH if s.file == page)
    after = next_stop(here)
    if after is None:
        assert last.label == "Back to the start"
    else:
        assert last.label == f"Next: {after.title}" and last.page.endswith(after.url_path)
    glossary = " ".join(m.value for m in at.sidebar.markdown)
    for term in TERMS_EN:
        assert f"**{term}**" in glossary


def test_the_glossary_and_links_speak_chinese(app):
    at = app(PATH[0].file, lang="zh")
    assert at.get("page_link")[-1].proto.label.startswith("下一页")
    glossary = " ".join(m.value for m in at.sidebar.markdown)
    assert "**回报**（Return）" in glossary and "**金标准分数**（Gold）" in glossary
