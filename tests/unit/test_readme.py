"""The README stays a newcomer's path: short, with working links into docs/, nothing outside."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
MAX_README_LINES = 360

FENCE = re.compile(r"^(```|~~~).*?^\1[ \t]*$", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"(`+)(?!`).+?(?<!`)\1(?!`)", re.DOTALL)
INLINE_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE_LINK = re.compile(r"^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$", re.MULTILINE)
HTML_LINK = re.compile(r"""<(?:a|img)\b[^>]*\b(?:href|src)=["']([^"']+)["']""", re.IGNORECASE)
EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)  # https:, mailto:, ...
ISSUE_REFERENCE = re.compile(r"(?<![\w&/])#\d+\b")
OUTSIDE = ".." + "/shared"  # split so this file is not itself a pointer outside the repository


def pages() -> list[Path]:
    return [README, *sorted((ROOT / "docs").glob("*.md"))]


def prose(text: str) -> str:
    """The text without fenced code blocks and code spans (examples there are not links)."""
    return CODE_SPAN.sub("", FENCE.sub("", text))


def relative_links(text: str) -> list[str]:
    body = prose(text)
    found = [
        *INLINE_LINK.findall(body),
        *REFERENCE_LINK.findall(body),
        *HTML_LINK.findall(body),
    ]
    return [link for link in found if not EXTERNAL.match(link) and not link.startswith("#")]


def test_the_link_finder_reads_the_forms_the_pages_use() -> None:
    text = (
        "See [docs](docs/a.md#part), ![shot](docs/b.png), [site](https://x.example) and "
        "[top](#top). `[label](url)` is code.\n\n```md\n[x](not/a/link.md)\n```\n"
        '[ref]: docs/c.md\n<img src="docs/d.png">\n'
    )
    assert relative_links(text) == ["docs/a.md#part", "docs/b.png", "docs/c.md", "docs/d.png"]


def test_the_readme_is_short() -> None:
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= MAX_README_LINES, f"README.md has {len(lines)} lines"


@pytest.mark.parametrize("page", pages(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_relative_link_points_to_an_existing_file(page: Path) -> None:
    broken = []
    for link in relative_links(page.read_text(encoding="utf-8")):
        target = unquote(link.split("#", 1)[0].split("?", 1)[0])
        if not (page.parent / target).exists():
            broken.append(link)
    assert broken == [], f"{page.relative_to(ROOT)}: links to missing files: {broken}"


def test_the_readme_points_nowhere_outside_the_repository() -> None:
    assert OUTSIDE not in README.read_text(encoding="utf-8")


def test_the_readme_names_no_issue_numbers() -> None:
    found = ISSUE_REFERENCE.findall(README.read_text(encoding="utf-8"))
    assert found == [], f"README.md refers to issues: {found}"
