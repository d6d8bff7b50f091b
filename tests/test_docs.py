"""The docs pages: each in English and Korean with the same commands, one link from both READMEs, no broken links.

Every subject the front page leaves out has a page docs/NAME.md and its Korean twin docs/NAME.ko.md. A
twin says the same in the other language, so its sections hold the same code blocks in the same order;
each page links back to its README and across to its twin; every relative link (and #anchor) in the
READMEs and the pages points at a file (and a heading) that exists.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parent.parent
DOCS = REPOSITORY / "docs"
ENGLISH_PAGES = sorted(path for path in DOCS.glob("*.md") if not path.name.endswith(".ko.md"))
MARKDOWN = [REPOSITORY / "README.md", REPOSITORY / "README.ko.md", *sorted(DOCS.glob("*.md"))]


def korean_twin(page: Path) -> Path:
    return page.with_name(page.name.removesuffix(".md") + ".ko.md")


def without_code_blocks(text: str) -> str:
    """The text without fenced code blocks, where a line starting with `#` is a comment, not a heading."""
    return re.sub(r"```.*?```", "", text, flags=re.DOTALL)


def prose(text: str) -> str:
    """The text without code blocks and inline code, where a `](` is not a link."""
    return re.sub(r"`[^`\n]*`", "", without_code_blocks(text))


def links(path: Path) -> list[str]:
    """The targets of a markdown file's links and images."""
    return re.findall(r"\]\(([^)\s]+)\)", prose(path.read_text(encoding="utf-8")))


def relative_links(path: Path) -> list[str]:
    return [target for target in links(path) if not re.match(r"[a-z]+:", target)]


def anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped (letters of any script kept), spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    return {anchor(heading) for heading in re.findall(r"^#+ (.+)$", without_code_blocks(path.read_text(encoding="utf-8")), re.MULTILINE)}


def section_code(path: Path) -> list[list[str]]:
    return [re.findall(r"```[a-z]*\n(.*?)```", section, re.DOTALL) for section in path.read_text(encoding="utf-8").split("\n## ")]


def test_there_are_pages_and_every_page_has_a_twin() -> None:
    assert len(ENGLISH_PAGES) >= 8
    korean = sorted(DOCS.glob("*.ko.md"))
    assert sorted(korean_twin(page) for page in ENGLISH_PAGES) == korean


@pytest.mark.parametrize("page", ENGLISH_PAGES, ids=lambda page: page.stem)
def test_the_korean_page_has_the_same_sections_and_code(page: Path) -> None:
    english, korean = section_code(page), section_code(korean_twin(page))
    assert len(korean) == len(english)
    assert korean == english


@pytest.mark.parametrize("page", ENGLISH_PAGES, ids=lambda page: page.stem)
def test_each_page_is_one_link_from_its_readme_and_links_back_and_across(page: Path) -> None:
    twin = korean_twin(page)
    assert f"docs/{page.name}" in relative_links(REPOSITORY / "README.md")
    assert f"docs/{twin.name}" in relative_links(REPOSITORY / "README.ko.md")
    assert "../README.md" in relative_links(page) and twin.name in relative_links(page)
    assert "../README.ko.md" in relative_links(twin) and page.name in relative_links(twin)


@pytest.mark.parametrize("path", MARKDOWN, ids=lambda path: str(path.relative_to(REPOSITORY)))
def test_every_relative_link_points_at_a_file_and_heading_that_exist(path: Path) -> None:
    for target in relative_links(path):
        file_part, _, fragment = target.partition("#")
        destination = (path.parent / file_part).resolve() if file_part else path
        assert destination.exists(), f"{path.name}: {target} does not exist"
        if fragment:
            assert fragment in anchors(destination), f"{path.name}: {target} names no heading of {destination.name}"


def test_the_anchor_rule_is_githubs() -> None:
    assert anchor("Past 0.99") == "past-099"
    assert anchor("Pictures: `tensorboard` and `plot`") == "pictures-tensorboard-and-plot"
    assert anchor("잘못된 입력") == "잘못된-입력"
