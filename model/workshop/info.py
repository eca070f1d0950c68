"""The dashboard's info tab: what the model is, how to use the page, things to try, and excerpts of ``docs/ODD.md``."""

from __future__ import annotations

import re

from model.i18n import INFO, t
from model.reporting.odd import MARKDOWN, ODD_PATH, find_odd_sections


def odd_section(text: str, title: str) -> str:
    """Return the body of the ODD section whose heading contains ``title``, up to the next one of its level.

    Raises:
        ValueError: The document has no such section (its headings changed).

    """
    section = find_odd_sections(text, [title])[0]
    if section is None:
        raise ValueError(f"{ODD_PATH.name} has no section {title!r}")
    return section[1]




def info_markdown(lang: str) -> str:
    """Return the info tab: what it is, how to use it and things to try, then excerpts of ``docs/ODD.md``.

    The excerpts (purpose, the weekly schedule, the steering modes and the limitations) are read
    from the model description itself, so the tab says what the ODD says (in English).
    """
    odd = ODD_PATH.read_text(encoding="utf-8")
    purpose = next(p for p in odd_section(odd, "1 Purpose").split("\n\n") if p.startswith("**Purpose.**"))
    steps = "\n".join(x for x in odd_section(odd, "3 Process overview").splitlines() if re.match(r"\d+\. ", x))
    steering = "\n".join(x for x in odd_section(odd, "9.1 Steering modes").splitlines() if x.startswith("|"))
    limits = odd_section(odd, "11 What the model leaves out")
    parts = [INFO[lang], f"## {t('from_odd', lang)}", f"### {t('odd_purpose', lang)}", purpose,
             f"### {t('odd_process', lang)}", steps, f"### {t('odd_steering', lang)}", steering,
             f"### {t('odd_limits', lang)}", limits]
    return "\n\n".join(parts)


def info_html(lang: str) -> str:
    """Return the info tab as HTML (rendered here: Solara's Markdown component fetches KaTeX from a CDN)."""
    return MARKDOWN.render(info_markdown(lang))
