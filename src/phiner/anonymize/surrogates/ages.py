"""Ages: kept or shifted, and ages over the cap become 90+."""

from __future__ import annotations

import re

from phiner.anonymize.surrogates.context import DocumentContext

# ----------------------------------------------------------------------------------------------------------------
# Ages.

_AGE = re.compile(r"^(?P<pre>\D*?)(?P<num>\d{1,3})(?P<post>\D*)$")


def surrogate_age(original: str, context: DocumentContext) -> str:
    """Ages above the cap (89) -> ``90+``; others kept, or shifted by ``age_shift``. Words around kept."""
    m = _AGE.match(original)
    if not m:
        return "[AGE]"
    settings = context.settings
    age = int(m["num"])
    shifted = max(0, age + settings.age_shift)
    post = m["post"]
    if age > settings.age_cap or shifted > settings.age_cap:
        return f"{m['pre']}{settings.age_cap + 1}+{post.removeprefix('+')}"
    return f"{m['pre']}{shifted}{post}"
