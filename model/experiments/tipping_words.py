"""The words of the tipping experiment (:mod:`model.experiments.tipping`) in Dutch and English.

How its findings, figure and document name measures, lists of numbers, loop strengths, years and the final
period; the texts are in the catalogue (``tipping.f_*``, ``tipping.last_*``), the numbers written with the
language's decimal sign (:func:`model.i18n.formatted`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from model.core.time import WEEKS_PER_YEAR
from model.i18n import formatted, intervention_name, steering_name
from model.messages import render

if TYPE_CHECKING:
    from model.experiments.tipping import TippingDesign


def rescue_name(rescue: str, design: TippingDesign, lang: str = "en") -> str:
    """A rescue in words in ``lang``, e.g. ``extra staff for 1 year`` or ``a switch to enforcing``."""
    kind, _, mode = rescue.partition(":")
    if mode:
        return render("tipping.f_switch", lang, {"mode": steering_name(mode, lang).lower()})
    if rescue == "none":
        return render("tipping.f_no_measure", lang)
    measure = intervention_name(kind, lang)
    if design.rescue_years:
        return render("tipping.f_for", lang, {"measure": measure, "years": years(design.rescue_years, lang)})
    return render("tipping.f_from_then", lang, {"measure": measure})


def number_list(values: Sequence[float], lang: str = "en", prefix: str = "") -> str:
    """Numbers as words: ``1, 1.3 and 2`` (``1, 1,3 en 2`` in Dutch)."""
    words = [prefix + formatted(v, "g", lang) for v in values]
    return words[0] if len(words) == 1 else render("design.both", lang, {"first": ", ".join(words[:-1]),
                                                                           "second": words[-1]})


def strengths(values: Sequence[float], lang: str) -> str:
    """Loop strengths as words: ``loop strength 2`` or ``loop strengths 1, 1.3 and 2``."""
    return render("tipping.f_strengths" if len(values) > 1 else "tipping.f_strength", lang,
                  {"values": number_list(values, lang)})


def years(value: float, lang: str = "en") -> str:
    """A number of years in words: ``1 year``, ``0.2 years``."""
    return render("tipping.f_year" if value == 1 else "tipping.f_years", lang, {"years": formatted(value, "g", lang)})


def period(final_weeks: int, lang: str) -> str:
    """The final period over which the trap is measured, in words: ``last year`` or ``last 8 weeks``."""
    if final_weeks == WEEKS_PER_YEAR:
        return render("tipping.last_year", lang)
    return render("tipping.last_weeks", lang, {"weeks": final_weeks})
