"""Identifiers: a valid fødselsnummer for the shifted birth date, a US SSN in the valid ranges, any other of the same shape."""

from __future__ import annotations

import datetime as dt
import random
import re

from phiner.anonymize.surrogates.common import (
    _differs,
    _fill,
    _scramble,
    _shift,
)
from phiner.anonymize.surrogates.context import DocumentContext
from phiner.core.errors import Errors, PhinerError

# ----------------------------------------------------------------------------------------------------------------
# Identifiers: Norwegian fødselsnummer, US SSN, anything else.

_FNR = re.compile(r"^(?P<date>[0-9]{6})(?P<gap>\s?)(?P<rest>[0-9]{5})$")
_SSN = re.compile(r"^(?P<area>[0-9]{3})(?P<sep>[- ])(?P<group>[0-9]{2})(?P=sep)(?P<serial>[0-9]{4})$")
_FNR_W1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
_FNR_W2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
RANDOM_BIRTH = (dt.date(1930, 1, 1), dt.date(2020, 12, 31))
"""Range of the birth date drawn for a fødselsnummer whose own date is not valid."""


def fnr_check_digits(first9: str) -> str | None:
    """The two mod-11 check digits of nine fødselsnummer digits, or None where a check digit would be 10."""
    digits = [int(d) for d in first9]
    k1 = (11 - sum(d * w for d, w in zip(digits, _FNR_W1)) % 11) % 11
    if k1 == 10:
        return None
    k2 = (11 - sum(d * w for d, w in zip(digits + [k1], _FNR_W2)) % 11) % 11
    return None if k2 == 10 else f"{k1}{k2}"


def _individual_ranges(year: int) -> list[tuple[int, int]]:
    """Individual-number ranges valid for births in ``year``."""
    if 1854 <= year <= 1899:
        return [(500, 749)]
    if 1900 <= year <= 1939:
        return [(0, 499)]
    if 1940 <= year <= 1999:
        return [(0, 499), (900, 999)]
    if 2000 <= year <= 2039:
        return [(500, 999)]
    return []


def fnr_birth_date(fnr: str) -> dt.date | None:
    """The birth date an 11-digit fødselsnummer encodes, or None (D- and H-numbers, bad dates or ranges)."""
    digits = re.sub(r"\s", "", fnr)
    if not re.fullmatch(r"[0-9]{11}", digits):
        return None
    day, month, yy, individual = int(digits[:2]), int(digits[2:4]), int(digits[4:6]), int(digits[6:9])
    for century in (1800, 1900, 2000):
        year = century + yy
        if any(lo <= individual <= hi for lo, hi in _individual_ranges(year)):
            try:
                return dt.date(year, month, day)
            except ValueError:
                return None
    return None


def make_fnr(birth: dt.date, rng: random.Random, *, male: bool | None = None) -> str:
    """A valid fødselsnummer (both check digits) for ``birth``; the sex digit odd for men, even for women."""
    ranges = _individual_ranges(birth.year)
    if not ranges:
        raise PhinerError(Errors.E161.format(year=birth.year))
    while True:
        lo, hi = rng.choice(ranges)
        individual = rng.randint(lo, hi)
        if male is not None and individual % 2 != int(male):
            continue
        first9 = f"{birth:%d%m}{birth.year % 100:02d}{individual:03d}"
        checks = fnr_check_digits(first9)
        if checks is not None:
            return first9 + checks


def surrogate_id(original: str, context: DocumentContext) -> str:
    """A fødselsnummer -> a valid one for the shifted birth date; a US SSN -> one in the valid ranges;
    any other identifier -> random digits and letters of the same shape."""
    if m := _FNR.match(original):
        number = context.remember("fnr", m["date"] + m["rest"], lambda: _fnr_surrogate(m["date"] + m["rest"], context))
        return number[:6] + m["gap"] + number[6:]
    if m := _SSN.match(original):
        plain = m["area"] + m["group"] + m["serial"]
        number = context.remember("ssn", plain, lambda: _differs(lambda: _ssn_digits(context.rng), plain))
        return f"{number[:3]}{m['sep']}{number[3:5]}{m['sep']}{number[5:]}"
    if not any(ch.isalnum() for ch in original):
        return "[ID]"
    compact = "".join(ch for ch in original if ch.isalnum())
    new = context.remember("id", compact, lambda: _differs(lambda: _scramble(compact, context.rng), compact))
    return _fill(original, iter(new), str.isalnum)


def _fnr_surrogate(digits: str, context: DocumentContext) -> str:
    male = int(digits[8]) % 2 == 1
    birth = fnr_birth_date(digits)
    shifted = _shift(birth, context) if birth else None
    if shifted is None or not _individual_ranges(shifted.year):
        lo, hi = RANDOM_BIRTH
        shifted = lo + dt.timedelta(days=context.rng.randint(0, (hi - lo).days))
    return _differs(lambda: make_fnr(shifted, context.rng, male=male), digits)


def _ssn_digits(rng: random.Random) -> str:
    area = rng.choice([a for a in range(1, 900) if a != 666])
    return f"{area:03d}{rng.randint(1, 99):02d}{rng.randint(1, 9999):04d}"
