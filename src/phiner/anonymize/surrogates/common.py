"""Helpers every kind of surrogate uses: case, digits, fresh draws, Faker, shapes, the date shift."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterable

from faker import Faker

from phiner.anonymize.surrogates.context import DocumentContext
from phiner.core.vocab import FAKER_LOCALES

# ----------------------------------------------------------------------------------------------------------------
# Small helpers.


def _match_case(template: str, value: str) -> str:
    """``value`` in the case style of ``template``: ALL CAPS, all lower, or as made."""
    letters = [ch for ch in template if ch.isalpha()]
    if len(letters) > 1 and all(ch.isupper() for ch in letters):
        return value.upper()
    if letters and all(ch.islower() for ch in letters):
        return value.lower()
    return value


def _random_digits(rng: random.Random, n: int, *, first: str = "0123456789") -> str:
    if n <= 0:
        return ""
    return rng.choice(first) + "".join(rng.choice("0123456789") for _ in range(n - 1))


def _differs(make: Callable[[], str], original: str, tries: int = 20) -> str:
    """``make()`` until it differs from ``original`` (a coincidence would leak the value)."""
    value = make()
    for _ in range(tries):
        if value != original:
            return value
        value = make()
    return value


def _fresh(rng: random.Random, pool: list[str] | tuple[str, ...], avoid: Iterable[str], tries: int = 30) -> str:
    """A pool item not in ``avoid`` (casefolded), or any item once the pool runs dry."""
    avoid = {a.casefold() for a in avoid}
    for _ in range(tries):
        value = rng.choice(pool)
        if value.casefold() not in avoid:
            return value
    return rng.choice(pool)


_FAKERS: dict[str, Faker] = {}


def _faker(locale: str, rng: random.Random) -> Faker:
    """A shared Faker for ``locale``, reseeded from ``rng`` so that its output follows the document's seed."""
    if locale not in _FAKERS:
        _FAKERS[locale] = Faker(FAKER_LOCALES[locale])
    faker = _FAKERS[locale]
    faker.seed_instance(rng.getrandbits(64))
    return faker


def _scramble(text: str, rng: random.Random) -> str:
    """Every digit and letter replaced by a random one of its kind (and case); the rest kept."""
    out = []
    for ch in text:
        if ch.isdecimal():
            out.append(rng.choice("0123456789"))
        elif ch.isalnum():
            letter = rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ")
            out.append(letter.lower() if ch.islower() else letter)
        else:
            out.append(ch)
    return "".join(out)


def _fill(template: str, chars: Iterable[str], slot: Callable[[str], bool]) -> str:
    """``template`` with each character for which ``slot`` holds replaced by the next of ``chars``."""
    chars = iter(chars)
    return "".join(next(chars) if slot(ch) else ch for ch in template)


def _shift(day: dt.date, context: DocumentContext) -> dt.date | None:
    try:
        return day + context.date_offset
    except OverflowError:
        return None
