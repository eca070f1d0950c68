"""Sections of the model description, ``docs/ODD.md``, found by their headings (for the report and the dashboard)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from markdown_it import MarkdownIt

from model.experiments.provenance import shipped

ODD_PATH = shipped("docs/ODD.md")

#: Markdown without raw HTML, with tables (the ODD's steering table).
MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable("table")


def find_odd_sections(markdown: str, titles: Sequence[str]) -> list[tuple[str, str] | None]:
    """Find sections by part of their heading (case-insensitive); the first match wins.

    Args:
        markdown: The text of ``docs/ODD.md``.
        titles: Part of each wanted section's heading.

    Returns:
        Per title: the heading as written and the section's body (markdown up to the next heading of
        the same or a higher level, without a closing rule), or ``None`` when there is no such section.
        Headings are found by parsing, so a ``#`` in a code block is not one.
    """
    lines = markdown.splitlines(keepends=True)
    tokens = MARKDOWN.parse(markdown)
    headings = [(int(tok.tag[1:]), tok.map[0], tok.map[1], tokens[i + 1].content)
                for i, tok in enumerate(tokens) if tok.type == "heading_open"]
    found: list[tuple[str, str] | None] = []
    for title in titles:
        match = next((i for i, h in enumerate(headings) if title.lower() in h[3].lower()), None)
        if match is None:
            found.append(None)
            continue
        level, _, body_start, heading = headings[match]
        end = next((start for lv, start, _, _ in headings[match + 1:] if lv <= level), len(lines))
        body = "".join(lines[body_start:end]).rstrip()
        found.append((heading, re.sub(r"\n\s*(-{3,}|\*{3,}|_{3,})\s*$", "", body).strip()))  # closing rule
    return found
