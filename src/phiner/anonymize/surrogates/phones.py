"""Phone numbers: the same format and prefix, new digits."""

from __future__ import annotations

import random
import re

from phiner.anonymize.surrogates.common import (
    _differs,
    _fill,
    _random_digits,
)
from phiner.anonymize.surrogates.context import DocumentContext

# ----------------------------------------------------------------------------------------------------------------
# Phone numbers.

_COUNTRY = re.compile(r"^(?P<lead>\s*(?:\+|00)\s*)(?P<code>47|46|45|44|358|49|33|1)(?!\d{0,1}$)")


def surrogate_phone(original: str, context: DocumentContext) -> str:
    """The same format (spaces, dashes, parentheses, ``+47``/``0047``/``+1`` prefix kept), new digits."""
    m = _COUNTRY.match(original)
    prefix, code = (m.group(), m["code"]) if m else ("", "")
    body = original[len(prefix) :]
    national = "".join(ch for ch in body if ch.isdecimal())
    if not national:
        return "[PHONE]"
    plan = "nb" if code == "47" else "nanp" if code == "1" else ""
    if not plan and not code:
        plan = "nb" if len(national) == 8 else "nanp" if len(national) == 10 and national[0] in "23456789" else ""
    new = context.remember(
        "phone", national, lambda: _differs(lambda: _phone_digits(national, plan, context.rng), national)
    )
    return prefix + _fill(body, new, str.isdecimal)


def _phone_digits(national: str, plan: str, rng: random.Random) -> str:
    n = len(national)
    if plan == "nb":
        first = "49" if national[0] in "49" else "23567" if national[0] in "235678" else national[0]
        return _random_digits(rng, n, first=first)
    if plan == "nanp" and n == 10:
        return (
            _random_digits(rng, 3, first="23456789") + _random_digits(rng, 3, first="23456789") + _random_digits(rng, 4)
        )
    return _random_digits(rng, n, first="0" if national[0] == "0" else "123456789")
