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
from phiner.core.vocab import NB_PLACES, NB_STREETS, NB_TOWNS, us_cities

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
    if _ABBREVIATION.fullmatch(part):  # "VAMC", "UNN", "GH": letters of the same shape, never a town
        return _differs(lambda: _scramble(part, rng), part)
    if _organisation(part):
        return _organisation_surrogate(part, context)
    return _city(part, context)


# ----------------------------------------------------------------------------------------------------------------
# Hospitals, clinics and companies: the words that say what kind of place it is stay, the words that name it are
# replaced by a town of the note's country (a hospital) or a family name (a company), so that a hospital stays a
# hospital: "Mercy Hospital" -> "Bristol Hospital", "Sykehuset Innlandet" -> "Sykehuset Hamar".

_NB_CARE = frozenset(
    """hospitalet sykehus sykehuset universitetssykehus universitetssykehuset sjukehus sjukehuset klinikk klinikken
    legesenter legesenteret legekontor legekontoret helsesenter helsesenteret helseforetak sykehjem sykehjemmet hf
    avdeling avd. poliklinikken rehabiliteringssenter distriktspsykiatrisk senter dps""".split()
)
_CARE_WORDS = _NB_CARE | frozenset(
    """hospital hospitals poliklinikk medical center centre clinic clinics general memorial regional community
    university health healthcare institute infirmary nursing home rehab rehabilitation hospice va children's
    childrens county care of and the for""".split()
)
_COMPANY_WORDS = frozenset("inc inc. llc ltd ltd. corp corp. corporation company co. as asa ab gmbh plc group".split())
_COMPOUND_CARE = {
    "sykehuset": "sykehus",
    "sykehus": "sykehus",
    "hospitalet": "sykehus",
    "sjukehus": "sjukehus",
    "klinikken": "klinikk",
    "legesenteret": "legesenter",
    "legesenter": "legesenter",
}
_KIND_WORDS = (_CARE_WORDS | _COMPANY_WORDS) - {"of", "and", "the", "for", "va"}
"""The words that make a place an organisation (the connecting words and ``VA`` alone do not)."""
_ABBREVIATION = re.compile(r"[A-ZÆØÅ]{2,5}")
_ORG_WORD = re.compile(r"[^\W\d_]+(?:['’.][^\W\d_]*)*")


def _organisation(part: str) -> bool:
    """``part`` names a hospital, clinic or company by one of its words (``Mercy Hospital``, ``Ahus
    legesenter``, ``Acme Inc``) or a Norwegian compound (``Rikshospitalet``)."""
    words = [w.casefold() for w in _ORG_WORD.findall(part)]
    if any(w in _KIND_WORDS for w in words):
        return True
    return len(words) == 1 and words[0].endswith(tuple(_COMPOUND_CARE)) and words[0] not in _COMPOUND_CARE


def _organisation_surrogate(part: str, context: DocumentContext) -> str:
    words = list(_ORG_WORD.finditer(part))
    company = any(w.group().casefold() in _COMPANY_WORDS for w in words)
    if len(words) == 1 and words[0].group().casefold() not in _CARE_WORDS | _COMPANY_WORDS:
        word = words[0].group()  # a compound: "Rikshospitalet" -> "Hamar sykehus"
        kind = next(k for k in _COMPOUND_CARE if word.casefold().endswith(k))
        return _match_case(word, _town(word, context, "sykehus") + " " + _COMPOUND_CARE[kind])
    name_words = [w for w in words if w.group().casefold() not in _CARE_WORDS | _COMPANY_WORDS]
    if not name_words:  # "University Hospital": a town names it
        return _town(part, context, part) + " " + part
    name = " ".join(w.group() for w in name_words)
    with context.drawing("organisation", name.casefold()):
        if company:
            replacement = _fresh(context.rng, _family_names(context.locale or "nb"), [name])
        else:
            replacement = _town(name, context, part)
    # the first naming word takes the surrogate, the others go; the kind words and the spacing stay
    out, last = [], 0
    for i, w in enumerate(name_words):
        out.append(part[last : w.start()])
        out.append(_match_case(w.group(), replacement) if i == 0 else "")
        last = w.end()
    out.append(part[last:])
    return re.sub(r"\s{2,}", " ", "".join(out)).strip()


def _town(place: str, context: DocumentContext, whole: str = "") -> str:
    """A town of the country of ``whole`` (the organisation ``place`` names: Norwegian where its words are),
    else of the note's, the same for the same name in the document."""
    words = {w.casefold() for w in _ORG_WORD.findall(whole or place)}
    norwegian = bool(words & _NB_CARE) or _looks_norwegian(place) or (context.locale or "nb") == "nb"

    def make() -> str:
        if norwegian:
            return _fresh(context.rng, _NB_CITIES, [place, *_used(context, "town")])
        return _fresh(context.rng, english_cities(), [place, *_used(context, "town")])

    return context.remember("town", place.strip().casefold(), make)


def _family_names(locale: str) -> tuple[str, ...]:
    from phiner.anonymize.surrogates.names import _LAST

    return _LAST[locale]


def english_cities() -> tuple[str, ...]:
    """Real US cities for English places (:func:`phiner.core.vocab.us_cities`): a surrogate that reads like a real
    town, not an invented one."""
    return us_cities()


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
        return _fresh(context.rng, english_cities(), [place, *_used(context, "city")])

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
