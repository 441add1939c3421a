"""Places and addresses: a place of the same country, an address of the same shape."""

from __future__ import annotations

import re

from phiner.anonymize.surrogates.common import (
    _differs,
    _faker,
    _fresh,
    _match_case,
    _random_digits,
    _scramble,
)
from phiner.anonymize.surrogates.context import DocumentContext
from phiner.core.vocab import NB_PLACES, NB_STREETS, NB_TOWNS

# ----------------------------------------------------------------------------------------------------------------
# Places.

_NB_CITIES = (
    (
        "Oslo",
        "Bergen",
        "Trondheim",
        "Stavanger",
        "Kristiansand",
        "Sandefjord",
        "Sarpsborg",
        "Porsgrunn",
        "Horten",
        "Lillestrøm",
    )
    + tuple(NB_TOWNS)
    + tuple(NB_PLACES)
)
_NB_CITY_SET = frozenset(c.casefold() for c in _NB_CITIES)
_NB_SUFFIXES = (
    "vik",
    "dal",
    "sund",
    "fjord",
    "by",
    "heim",
    "stad",
    "ås",
    "øy",
    "nes",
    "berg",
    "vang",
    "ness",
    "sjøen",
    "strand",
    "havn",
    "voll",
    "rud",
    "holm",
    "våg",
    "eid",
    "moen",
    "bu",
)
_STREET_LAST = re.compile(r"^(?P<street>.*?[^\W\d_].*?)(?P<gap>\s*)(?P<num>\d+)(?P<sp>\s?)(?P<letter>[A-Za-z]?)$")
_STREET_FIRST = re.compile(r"^(?P<num>\d+)(?P<rest>\s+\D.*)$")
_POST_CITY = re.compile(r"^(?P<code>\d{4,5})(?P<gap>\s+)(?P<city>\D+)$")
_STATE_ZIP = re.compile(r"^(?P<state>[A-Z]{2})(?P<gap>\s+)(?P<zip>\d{5})(?P<plus>-\d{4})?$")


def surrogate_location(original: str, context: DocumentContext) -> str:
    """A place of the same country (Norwegian for a Norwegian-looking one); an address of the same shape."""

    def make() -> str:
        pieces = re.split(r"(\s*,\s*)", original)
        return "".join(piece if i % 2 else _location_part(piece, context) for i, piece in enumerate(pieces))

    return context.remember("loc", original, make)


def _location_part(part: str, context: DocumentContext) -> str:
    if not part:
        return part
    rng = context.rng
    if m := _POST_CITY.match(part):
        code = _differs(lambda: _random_digits(rng, len(m["code"]), first="123456789"), m["code"])
        return code + m["gap"] + _city(m["city"], context)
    if m := _STATE_ZIP.match(part):
        faker = _faker("en", rng)
        zipcode = _random_digits(rng, 5, first="123456789") + ("-" + _random_digits(rng, 4) if m["plus"] else "")
        return faker.state_abbr(include_territories=False) + m["gap"] + zipcode
    if m := _STREET_FIRST.match(part):
        number = _random_digits(rng, len(m["num"]), first="123456789")
        street = _faker("en", rng).street_name()
        return number + m["rest"][: len(m["rest"]) - len(m["rest"].lstrip())] + street
    if m := _STREET_LAST.match(part):
        number = _random_digits(rng, len(m["num"]), first="123456789")
        letter = rng.choice("ABCD") if m["letter"] else ""
        return _street(m["street"], context) + m["gap"] + number + m["sp"] + letter
    if any(ch.isdecimal() for ch in part):
        return _scramble(part, rng)
    return _city(part, context)


def _looks_norwegian(place: str) -> bool:
    cf = place.casefold()
    return (
        cf in _NB_CITY_SET
        or any(ch in "æøå" for ch in cf)
        or cf.endswith(_NB_SUFFIXES)
        or cf.endswith(("gata", "gaten", "veien", "vegen", "vei", "veg", "bakken", "plass"))
    )


def _place_locale(place: str, context: DocumentContext) -> str:
    if _looks_norwegian(place):
        return "nb"
    return context.locale or "nb"


def _city(place: str, context: DocumentContext) -> str:
    """A city for ``place``, the same for the same place in the document."""

    def make() -> str:
        if _place_locale(place, context) == "nb":
            return _fresh(context.rng, _NB_CITIES, [place, *_used(context, "city")])
        return _differs(lambda: _faker("en", context.rng).city(), place)

    return _match_case(place, context.remember("city", place.strip().casefold(), make))


def _street(street: str, context: DocumentContext) -> str:
    def make() -> str:
        if _place_locale(street, context) == "nb":
            if context.rng.random() < 0.5:
                return _fresh(context.rng, NB_STREETS, [street])
            return _faker("nb", context.rng).street_name()
        return _faker("en", context.rng).street_name()

    return _match_case(street, context.remember("street", street.strip().casefold(), make))


def _used(context: DocumentContext, kind: str) -> list[str]:
    return [value for (k, _), value in context._values.items() if k == kind]
