"""Checks shared by the tests of texts said in both languages: the Dutch is Dutch, and both carry the same numbers."""

from __future__ import annotations

import re
from collections import Counter

#: English words that a Dutch sentence of the findings must not contain.
ENGLISH = (" of the ", " of them", " seeds end", "trapped", "Findings", " under ", " depends ", " changes ", " and ",
           " when ", " gives ", "sampled conditions", "Negligible", " after ", " year", "Within", "Without",
           " measure", " staff", " cost ")


def numbers(text: str, lang: str) -> Counter[str]:
    """The numbers of a text, written the English way (``1.234,5`` in Dutch counts as ``1,234.5``)."""
    found = re.findall(r"\d+(?:[.,]\d+)*", text)
    return Counter(n.translate(str.maketrans(".,", ",.")) if lang == "nl" else n for n in found)


def assert_dutch_twin(english: str, dutch: str) -> None:
    """``dutch`` says what ``english`` says: no English words, the same numbers."""
    assert english != dutch
    assert [word for word in ENGLISH if word in dutch] == [], dutch
    assert numbers(dutch, "nl") == numbers(english, "en"), (english, dutch)
