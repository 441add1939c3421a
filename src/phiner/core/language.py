"""A note's language (``nb`` or ``en``), told from its common function words, for what depends on it: surrogate
names and date orders, and which ages are PHI.

>>> detect_locale("Pasienten ble innlagt på medisinsk avdeling.")
'nb'
>>> detect_locale("THE PT WAS ADMITTED WITH CHEST PAIN")
'en'
"""

from __future__ import annotations

import re

_NB_WORDS = frozenset(
    "og er på med ikke han hun av som det har år kl ble fra etter pasienten innlagt mot "
    "ved hos uten også eller skal dager uker".split()
)
_EN_WORDS = frozenset(
    "the and is with was of to he she has on in at her his were been admitted patient "
    "without also or will days weeks".split()
)
_WORD = re.compile(r"[^\W\d_]+")


def detect_locale(text: str) -> str:
    """``nb`` or ``en`` from common function words (and æøå); ``nb`` when nothing tells."""
    nb = en = 0
    for word in _WORD.findall(text.casefold()):
        nb += word in _NB_WORDS or any(ch in "æøå" for ch in word)
        en += word in _EN_WORDS
    return "en" if en > nb else "nb"
