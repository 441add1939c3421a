"""Realistic surrogate values for PHI, consistent within a document.

A :class:`DocumentContext` holds one document's state: a seeded RNG, one random date offset, and the maps
from original names, places and numbers to their surrogates, so that a value that recurs gets the same
surrogate everywhere in the document. :func:`surrogate` turns one span's text into its replacement::

    >>> ctx = DocumentContext.for_document(seed=1, key="note-1", locale="nb")
    >>> surrogate("AGE", "93", ctx)
    '90+'

Each context derives from a secret and an identity: the document's own (its id, its path, or a hash of its
text), or its patient's, so that every document of one patient shares one date offset and one name map. Every
value's surrogate is drawn from ``HMAC-SHA256(context key, kind, value)``: the same patient gets the same
surrogates in any document, file, run or machine, with no shared state, and nothing about a context follows
from the identity without the secret. :meth:`DocumentContext.key` exports the date offset and the maps (a
re-identification key); nothing here logs them, and ``repr`` of a context shows neither them nor the secret.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import random
import re
import secrets
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from faker import Faker
from faker.providers.person.en_US import Provider as _EnPerson
from faker.providers.person.no_NO import Provider as _NoPerson

from phiner.core.errors import PhinerError
from phiner.core.vocab import FAKER_LOCALES, MONTHS, NB_MONTHS, NB_PLACES, NB_STREETS, NB_TOWNS

LOCALES: tuple[str, ...] = tuple(FAKER_LOCALES)
"""Document locales: ``nb`` (Norwegian bokmål) and ``en``."""



# ----------------------------------------------------------------------------------------------------------------
# Settings and the per-document context.

@dataclass(frozen=True)
class SurrogateSettings:
    """How surrogates are drawn: the date offset's range in days (either sign), an age shift, the age cap."""

    date_shift_min: int = 30
    date_shift_max: int = 365
    age_shift: int = 0
    age_cap: int = 89
    """Ages above this become ``90+`` (HIPAA safe harbour)."""

    def __post_init__(self) -> None:
        if not 0 <= self.date_shift_min <= self.date_shift_max:
            raise PhinerError(f"date shift range should satisfy 0 <= min <= max, got "
                              f"[{self.date_shift_min}, {self.date_shift_max}]")
        if self.age_cap < 0:
            raise PhinerError(f"age_cap should be >= 0, got {self.age_cap}")


class DocumentContext:
    """One document's surrogate state: seeded RNG, date offset, and original -> surrogate maps."""

    def __init__(self, seed: int | str | None = None, key: str = "", *, locale: str | None = None,
                 settings: SurrogateSettings | None = None, secret: bytes | None = None,
                 patient: str | None = None) -> None:
        if locale is not None and locale not in LOCALES:
            raise PhinerError(f"locale {locale!r} is unknown; expected one of {', '.join(LOCALES)}")
        self.document = str(key)
        self.patient = None if patient is None else str(patient)
        self.locale = locale
        self.settings = settings or SurrogateSettings()
        scope = f"patient\0{self.patient}" if self.patient is not None else f"document\0{self.document}"
        self._secret_key = _hmac(resolve_secret(seed, secret), "phiner-context/v1", scope)
        self.rng = _rng(self._secret_key, "document")
        self.date_offset = _draw_offset(_rng(self._secret_key, "date-offset"), self.settings)
        self.names: dict[str, str] = {}  # casefolded name token -> surrogate token
        self._name_display: dict[str, str] = {}  # casefolded name token -> first spelling seen
        self._links: dict[str, set[str]] = {}  # given <-> family tokens seen together in one name
        self._values: dict[tuple[str, str], str] = {}  # (kind, normalised original) -> surrogate
        self._spans: dict[str, str] = {}  # whole span text, normalised -> surrogate, whatever its label

    @classmethod
    def for_document(cls, seed: int | str | None, key: str, *, locale: str | None = None,
                     settings: SurrogateSettings | None = None, secret: bytes | None = None,
                     patient: str | None = None) -> DocumentContext:
        """The context of document ``key`` (or of its ``patient``) under ``secret`` (or a test ``seed``):
        the same arguments give the same surrogates."""
        return cls(seed, key, locale=locale, settings=settings, secret=secret, patient=patient)

    @contextmanager
    def drawing(self, *slot: str) -> Iterator[random.Random]:
        """``self.rng`` seeded for one value (``slot``) while the block runs: a value's surrogate depends on
        the secret, the identity and the value, not on what else the document holds or in what order."""
        outer = self.rng
        self.rng = _rng(self._secret_key, "value", *slot)
        try:
            yield self.rng
        finally:
            self.rng = outer

    def __repr__(self) -> str:  # no identity, maps, offset or secret: a repr ends up in logs
        return f"DocumentContext(locale={self.locale!r})"

    def ensure_locale(self, text: str) -> str:
        """The document locale, detected from ``text`` when no hint was given."""
        if self.locale is None:
            self.locale = detect_locale(text)
        return self.locale

    def remember(self, kind: str, original: str, make: Callable[[], str]) -> str:
        """The surrogate of ``original`` of this kind, made once per document."""
        slot = (kind, original)
        if slot not in self._values:
            with self.drawing(kind, original):
                self._values[slot] = make()
        return self._values[slot]

    def key(self) -> dict[str, Any]:
        """The re-identification key of this document: date offset, age shift, name map and value maps.

        It holds original PHI: store it as the secret it is, never log it.
        """
        values: dict[str, dict[str, str]] = {}
        for (kind, original), replacement in self._values.items():
            values.setdefault(kind, {})[original] = replacement
        return {
            "document": self.document,
            **({"patient": self.patient} if self.patient is not None else {}),
            "date_offset_days": self.date_offset.days,
            "age_shift": self.settings.age_shift,
            "names": {self._name_display[cf]: sur for cf, sur in self.names.items()},
            "values": values,
        }


SECRET_ENV = "PHINER_SECRET"
"""Environment variable that may hold the surrogate secret (else ``--secret-file``)."""
MIN_SECRET_BYTES = 16


def resolve_secret(seed: int | str | None = None, secret: bytes | None = None) -> bytes:
    """The secret contexts derive from: ``secret``; else one made from a test ``seed`` (anyone who knows the
    seed can recompute every surrogate: for tests and examples only); else a fresh random one."""
    if secret is not None:
        if not isinstance(secret, bytes) or len(secret) < MIN_SECRET_BYTES:
            raise PhinerError(f"the surrogate secret should be at least {MIN_SECRET_BYTES} bytes")
        return secret
    if seed is not None:
        return f"phiner-seed:{seed}".encode()
    return secrets.token_bytes(32)


def load_secret(path: str | os.PathLike | None = None, env: str = SECRET_ENV) -> bytes | None:
    """The secret from a file (its bytes, surrounding white space dropped) or from ``env``; None if neither.

    Errors name the file or the variable, never what it holds.
    """
    if path is not None:
        try:
            value = open(path, "rb").read().strip()
        except OSError as err:
            raise PhinerError(f"{path}: cannot read the secret file ({err.strerror})") from None
        where = str(path)
    elif os.environ.get(env) is not None:
        value, where = os.environ[env].strip().encode("utf-8", "surrogateescape"), f"${env}"
    else:
        return None
    if len(value) < MIN_SECRET_BYTES:
        raise PhinerError(f"{where}: the secret should be at least {MIN_SECRET_BYTES} bytes "
                          "(make one with: python -c 'import secrets; print(secrets.token_hex(32))')")
    return value


def _hmac(key: bytes, *parts: str) -> bytes:
    message = "\0".join(parts).encode("utf-8", "surrogatepass")
    return hmac.new(key, message, hashlib.sha256).digest()


def _rng(key: bytes, *parts: str) -> random.Random:
    return random.Random(int.from_bytes(_hmac(key, *parts), "big"))


def document_id(text: str) -> str:
    """The identity of a document that has no id or path: a hash of its text."""
    return "sha256:" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _draw_offset(rng: random.Random, settings: SurrogateSettings) -> dt.timedelta:
    days = rng.randint(settings.date_shift_min, settings.date_shift_max)
    return dt.timedelta(days=days if rng.random() < 0.5 else -days)


_NB_WORDS = frozenset("og er på med ikke han hun av som det har år kl ble fra etter pasienten innlagt mot "
                      "ved hos uten også eller skal dager uker".split())
_EN_WORDS = frozenset("the and is with was of to he she has on in at her his were been admitted patient "
                      "without also or will days weeks".split())
_WORD = re.compile(r"[^\W\d_]+")


def detect_locale(text: str) -> str:
    """``nb`` or ``en`` from common function words (and æøå); ``nb`` when nothing tells."""
    nb = en = 0
    for word in _WORD.findall(text.casefold()):
        nb += word in _NB_WORDS or any(ch in "æøå" for ch in word)
        en += word in _EN_WORDS
    return "en" if en > nb else "nb"


def surrogate(label: str, original: str, context: DocumentContext) -> str:
    """The surrogate of one span's text; labels without a generator get a ``[LABEL]`` tag."""
    handler = _HANDLERS.get(label)
    if handler is None:
        return f"[{label}]"
    same = " ".join(original.split()).casefold()
    if same in context._spans:  # the same string under another label keeps its first surrogate
        return _match_case(original, context._spans[same])
    value = handler(original, context)
    if any(ch.isalnum() for ch in same):
        context._spans[same] = value
    return value


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


# ----------------------------------------------------------------------------------------------------------------
# Names.

_FIRST_F = {"nb": tuple(_NoPerson.first_names_female), "en": tuple(_EnPerson.first_names_female)}
_FIRST_M = {"nb": tuple(_NoPerson.first_names_male), "en": tuple(_EnPerson.first_names_male)}
_LAST = {"nb": tuple(_NoPerson.last_names), "en": tuple(_EnPerson.last_names)}
_FEMALE = frozenset(n.casefold() for names in _FIRST_F.values() for n in names)
_MALE = frozenset(n.casefold() for names in _FIRST_M.values() for n in names)
_FAMILY = frozenset(n.casefold() for names in _LAST.values() for n in names)
_GIVEN = _FEMALE | _MALE
_KEEP_WORDS = frozenset("dr lege fru herr frk prof mr mrs ms miss mx sir van von der de da af av".split())
_NAME_TOKEN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*|\d+")


def surrogate_name(original: str, context: DocumentContext) -> str:
    """A person name with each name token mapped consistently within the document.

    "Kari Nordmann" -> "Ingrid Berg", then "Nordmann" -> "Berg" and "K. Nordmann" -> "I. Berg". Titles,
    spaces, hyphens and punctuation stay; ALL CAPS and lower case stay.
    """
    tokens = list(_NAME_TOKEN.finditer(original))
    roles = _name_roles(original, tokens)
    out, last = [], 0
    for match in tokens:
        out.append(original[last:match.start()])
        out.append(_name_token(match.group(), roles, match.start(), context))
        last = match.end()
    out.append(original[last:])
    _link(roles, context)
    return "".join(out)


def _is_name_word(word: str) -> bool:
    return not word.isdecimal() and word.casefold().rstrip(".") not in _KEEP_WORDS


def _name_roles(original: str, tokens: list[re.Match[str]]) -> dict[int, tuple[str, str]]:
    """Token start -> (role, word) of each name word; the role is "given" or "family".

    Words joined by a hyphen form one part; the last part is the family name, unless a comma puts the
    family name first ("Nordmann, Kari"). A lone part is looked up in the name lists.
    """
    words = [m for m in tokens if _is_name_word(m.group())]
    parts: list[list[re.Match[str]]] = []
    for m in words:
        if parts and original[parts[-1][-1].end():m.start()] == "-":
            parts[-1].append(m)
        else:
            parts.append([m])
    if not parts:  # punctuation, titles or digits only: nothing to map
        return {}
    comma = original.find(",")
    roles: dict[int, str] = {}
    if len(parts) == 1:
        for m in parts[0]:
            roles[m.start()] = "given" if m.group().casefold() in _GIVEN else "family"
    elif comma >= 0 and parts[0][-1].end() <= comma < parts[-1][0].start():
        for part in parts:
            for m in part:
                roles[m.start()] = "family" if m.end() <= comma else "given"
    else:
        for i, part in enumerate(parts):
            for m in part:
                roles[m.start()] = "family" if i == len(parts) - 1 else "given"
    return {m.start(): (roles[m.start()], m.group()) for m in words}


def _name_token(word: str, roles: dict[int, tuple[str, str]], start: int,
                context: DocumentContext) -> str:
    if start not in roles:  # a title or a particle: kept
        if word.isdecimal():
            return context.remember("name-digits", word, lambda: _random_digits(context.rng, len(word)))
        return word
    role = roles[start][0]
    cf = word.casefold()
    if len(word) == 1:
        return _match_case(word, _initial(word, role, roles, context))
    if word.isupper() and len(word) <= 3 and cf not in _GIVEN | _FAMILY:
        return context.remember("initials", cf, lambda: _random_letters(context, len(word)))
    if cf not in context.names:
        with context.drawing("name", role, cf):
            context.names[cf] = _new_name(cf, role, context)
        context._name_display[cf] = word
    return _match_case(word, context.names[cf])


def _new_name(cf: str, role: str, context: DocumentContext) -> str:
    locale = context.locale or "nb"
    rng = context.rng
    if role == "family":
        pool = _LAST[locale]
    elif cf in _FEMALE or (cf not in _MALE and rng.random() < 0.5):
        pool = _FIRST_F[locale]
    else:
        pool = _FIRST_M[locale]
    return _fresh(rng, pool, [cf, *context.names.values(), *context.names])


def _initial(letter: str, role: str, roles: dict[int, tuple[str, str]],
             context: DocumentContext) -> str:
    """The initial of the surrogate of a name seen before with this initial and the same partner name."""
    partners = [w.casefold() for r, w in roles.values() if r != role and len(w) > 1]
    for partner in partners:
        for known in sorted(context._links.get(partner, ())):
            if known.startswith(letter.casefold()) and known in context.names:
                return context.names[known][0]
    slot = f"{role}:{letter.casefold()}:{' '.join(partners)}"
    return context.remember("initial", slot, lambda: _random_letters(context, 1, avoid=letter.upper()))


def _random_letters(context: DocumentContext, n: int, avoid: str = "") -> str:
    pool = _FIRST_F[context.locale or "nb"] + _FIRST_M[context.locale or "nb"]
    return "".join(_fresh(context.rng, [p[0].upper() for p in pool], [avoid]) for _ in range(n))


def _link(roles: dict[int, tuple[str, str]], context: DocumentContext) -> None:
    """Remember which given and family names were written together, for later initials."""
    given = [w.casefold() for r, w in roles.values() if r == "given" and len(w) > 1]
    family = [w.casefold() for r, w in roles.values() if r == "family" and len(w) > 1]
    for g in given:
        for f in family:
            context._links.setdefault(g, set()).add(f)
            context._links.setdefault(f, set()).add(g)


# ----------------------------------------------------------------------------------------------------------------
# Places.

_NB_CITIES = ("Oslo", "Bergen", "Trondheim", "Stavanger", "Kristiansand", "Sandefjord", "Sarpsborg", "Porsgrunn",
              "Horten", "Lillestrøm") + tuple(NB_TOWNS) + tuple(NB_PLACES)
_NB_CITY_SET = frozenset(c.casefold() for c in _NB_CITIES)
_NB_SUFFIXES = ("vik", "dal", "sund", "fjord", "by", "heim", "stad", "ås", "øy", "nes", "berg", "vang", "ness",
                "sjøen", "strand", "havn", "voll", "rud", "holm", "våg", "eid", "moen", "bu")
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
    return (cf in _NB_CITY_SET or any(ch in "æøå" for ch in cf) or cf.endswith(_NB_SUFFIXES)
            or cf.endswith(("gata", "gaten", "veien", "vegen", "vei", "veg", "bakken", "plass")))


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
        raise PhinerError(f"a fødselsnummer cannot encode the birth year {birth.year}")
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


def _fill(template: str, chars: Iterable[str], slot: Callable[[str], bool]) -> str:
    """``template`` with each character for which ``slot`` holds replaced by the next of ``chars``."""
    chars = iter(chars)
    return "".join(next(chars) if slot(ch) else ch for ch in template)


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


# ----------------------------------------------------------------------------------------------------------------
# Phone numbers.

_COUNTRY = re.compile(r"^(?P<lead>\s*(?:\+|00)\s*)(?P<code>47|46|45|44|358|49|33|1)(?!\d{0,1}$)")


def surrogate_phone(original: str, context: DocumentContext) -> str:
    """The same format (spaces, dashes, parentheses, ``+47``/``0047``/``+1`` prefix kept), new digits."""
    m = _COUNTRY.match(original)
    prefix, code = (m.group(), m["code"]) if m else ("", "")
    body = original[len(prefix):]
    national = "".join(ch for ch in body if ch.isdecimal())
    if not national:
        return "[PHONE]"
    plan = "nb" if code == "47" else "nanp" if code == "1" else ""
    if not plan and not code:
        plan = "nb" if len(national) == 8 else "nanp" if len(national) == 10 and national[0] in "23456789" else ""
    new = context.remember("phone", national,
                           lambda: _differs(lambda: _phone_digits(national, plan, context.rng), national))
    return prefix + _fill(body, new, str.isdecimal)


def _phone_digits(national: str, plan: str, rng: random.Random) -> str:
    n = len(national)
    if plan == "nb":
        first = "49" if national[0] in "49" else "23567" if national[0] in "235678" else national[0]
        return _random_digits(rng, n, first=first)
    if plan == "nanp" and n == 10:
        return _random_digits(rng, 3, first="23456789") + _random_digits(rng, 3, first="23456789") + \
            _random_digits(rng, 4)
    return _random_digits(rng, n, first="0" if national[0] == "0" else "123456789")


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


# ----------------------------------------------------------------------------------------------------------------
# Dates.

_EN_ABBR = tuple(m[:3] for m in MONTHS)
_NB_ABBR = ("jan", "feb", "mar", "apr", "mai", "jun", "jul", "aug", "sep", "okt", "nov", "des")
_ORDINALS = frozenset({"st", "nd", "rd", "th"})
_FILLERS = frozenset({"of", "den", "the"})
_DATE_TOKEN = re.compile(r"[0-9]+|[^\W\d_]+|\s+|.", re.S)
NO_YEAR = 2000
"""Placeholder year (a leap year) of dates written without one, e.g. ``14. desember``."""
TWO_DIGIT_PIVOT = 40
"""Two-digit years up to this are 20yy, the rest 19yy (only the last two digits are written back)."""


def _month_table() -> dict[str, list[tuple[str, int, bool]]]:
    table: dict[str, list[tuple[str, int, bool]]] = {}
    for lang, full, abbr in (("en", MONTHS, _EN_ABBR), ("nb", NB_MONTHS, _NB_ABBR)):
        for i, (name, short) in enumerate(zip(full, abbr), start=1):
            table.setdefault(name.casefold(), []).append((lang, i, False))
            if short.casefold() != name.casefold():
                table.setdefault(short.casefold(), []).append((lang, i, True))
        table.setdefault("sept", []).append((lang, 9, True))
    return table


_MONTHS = _month_table()


@dataclass
class ParsedDate:
    """A date read from text, with what it takes to write another date the same way."""

    date: dt.date
    tokens: list[str]
    day: int | None = None  # token indexes of the fields
    month: int | None = None
    year: int | None = None
    month_lang: str = ""  # "" for a numeric month
    month_abbr: bool = False
    pad: bool = True

    def render(self, day: dt.date) -> str:
        """``day`` written in this date's format (same order, separators, padding, month language, case)."""
        out = list(self.tokens)
        if self.day is not None:
            out[self.day] = self._number(self.tokens[self.day], day.day)
            if self.day + 1 < len(out) and self.tokens[self.day + 1].casefold() in _ORDINALS:
                out[self.day + 1] = _match_case(self.tokens[self.day + 1], _ordinal(day.day))
        if self.month is not None:
            out[self.month] = self._month(day.month)
        if self.year is not None:
            width = len(self.tokens[self.year])
            out[self.year] = f"{day.year % 100:02d}" if width == 2 else f"{day.year:0{width}d}"
        return "".join(out)

    def _number(self, token: str, value: int) -> str:
        padded = token.startswith("0") or (len(token) == 2 and self.pad)
        return f"{value:02d}" if padded else str(value)

    def _month(self, month: int) -> str:
        token = self.tokens[self.month]
        if not self.month_lang:
            return self._number(token, month)
        names = MONTHS if self.month_lang == "en" else NB_MONTHS
        if self.month_abbr:
            short = "sept" if token.casefold() == "sept" and month == 9 else \
                (_EN_ABBR if self.month_lang == "en" else _NB_ABBR)[month - 1]
            name = short
        else:
            name = names[month - 1]
        if len(token) > 1 and token.isupper():
            return name.upper()
        return name[0].upper() + name[1:].lower() if token[0].isupper() else name.lower()


def _ordinal(n: int) -> str:
    return "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")


def parse_date(text: str, locale: str | None = None) -> ParsedDate | None:
    """Read a date in one of the supported formats, or None.

    Numeric (``14.12.2018``, ``14.12.18``, ``2018-12-14``, ``14/12/2018``, ``20181214``) and with a month
    name in English or Norwegian, full or abbreviated, any case (``14. desember 2018``, ``14. des. 2018``,
    ``December 14, 2018``, ``Dec 14, 2018``, ``14 December 2018``, ``January 01. 1982``, ``14th of May 2018``,
    ``14. desember``).

    >>> parse_date("14. desember 2018").date
    datetime.date(2018, 12, 14)
    """
    tokens = _DATE_TOKEN.findall(text)
    words = [i for i, t in enumerate(tokens) if t[0].isalpha()]
    numbers = [i for i, t in enumerate(tokens) if t.isdigit() and t.isascii()]
    if any(t[0].isdecimal() and i not in numbers for i, t in enumerate(tokens)):
        return None
    try:
        if not words:
            return _parse_numeric(tokens, numbers)
        return _parse_named(tokens, words, numbers, locale)
    except ValueError:
        return None


def _year(token: str) -> int:
    if len(token) == 2:
        yy = int(token)
        return 2000 + yy if yy <= TWO_DIGIT_PIVOT else 1900 + yy
    if len(token) != 4:
        raise ValueError("a year has two or four digits")
    return int(token)


def _parse_numeric(tokens: list[str], numbers: list[int]) -> ParsedDate | None:
    if len(numbers) == 1 and len(tokens[numbers[0]]) == 8:
        return _parse_compact(tokens, numbers[0])
    if len(numbers) != 3:
        return None
    a, b, c = (tokens[i] for i in numbers)
    pad = len(a) != 1 and len(b) != 1 and len(c) != 1
    if len(a) == 4 and len(b) <= 2 and len(c) <= 2:
        day = dt.date(int(a), int(b), int(c))
        return ParsedDate(day, tokens, day=numbers[2], month=numbers[1], year=numbers[0], pad=pad)
    if len(a) > 2 or len(b) > 2:
        return None
    year = _year(c)
    try:
        return ParsedDate(dt.date(year, int(b), int(a)), tokens, day=numbers[0], month=numbers[1],
                          year=numbers[2], pad=pad)
    except ValueError:  # not day-month-year; maybe month/day/year
        return ParsedDate(dt.date(year, int(a), int(b)), tokens, day=numbers[1], month=numbers[0],
                          year=numbers[2], pad=pad)


def _parse_compact(tokens: list[str], index: int) -> ParsedDate | None:
    # 20181214 or 14122018, written back as one token: split it into three fields.
    digits = tokens[index]
    head, tail = tokens[:index], tokens[index + 1:]
    for order in ("ymd", "dmy"):
        parts = (digits[:4], digits[4:6], digits[6:]) if order == "ymd" else (digits[:2], digits[2:4], digits[4:])
        split = head + list(parts) + tail
        at = dict(zip(order, range(index, index + 3)))
        try:
            day = dt.date(int(split[at["y"]]), int(split[at["m"]]), int(split[at["d"]]))
        except ValueError:
            continue
        return ParsedDate(day, split, day=at["d"], month=at["m"], year=at["y"], pad=True)
    return None


def _parse_named(tokens: list[str], words: list[int], numbers: list[int], locale: str | None) -> ParsedDate | None:
    months = [i for i in words if tokens[i].casefold() in _MONTHS]
    if len(months) != 1:
        return None
    month_at = months[0]
    for i in words:
        if i != month_at and not _filler(tokens, i, numbers):
            return None
    years = [i for i in numbers if len(tokens[i]) == 4]
    days = [i for i in numbers if len(tokens[i]) <= 2]
    if len(years) > 1 or len(days) > 1 or len(years) + len(days) != len(numbers) or not days:
        return None
    day_at, year_at = days[0], (years[0] if years else None)
    lang, month, abbr = _month_reading(tokens, month_at, day_at, locale)
    year = int(tokens[year_at]) if year_at is not None else NO_YEAR
    parsed_day = dt.date(year, month, int(tokens[day_at]))
    dotted = day_at + 1 < len(tokens) and tokens[day_at + 1] == "."
    return ParsedDate(parsed_day, tokens, day=day_at, month=month_at, year=year_at, month_lang=lang,
                      month_abbr=abbr, pad=month_at < day_at and dotted)


def _filler(tokens: list[str], i: int, numbers: list[int]) -> bool:
    word = tokens[i].casefold()
    return word in _FILLERS or (word in _ORDINALS and i - 1 in numbers)


def _month_reading(tokens: list[str], month_at: int, day_at: int, locale: str | None) -> tuple[str, int, bool]:
    """(language, month, abbreviated) of the month word; a word of both languages is told by its setting."""
    readings = _MONTHS[tokens[month_at].casefold()]
    langs = {lang for lang, _, _ in readings}
    if len(langs) == 1:
        lang = langs.pop()
    elif month_at < day_at or (day_at + 1 < len(tokens) and tokens[day_at + 1].casefold() in _ORDINALS):
        lang = "en"
    elif (day_at + 1 < len(tokens) and tokens[day_at + 1] == ".") or tokens[month_at].islower():
        lang = "nb"
    else:
        lang = locale or "en"
    return next((lg, m, ab) for lg, m, ab in readings if lg == lang)


def _shift(day: dt.date, context: DocumentContext) -> dt.date | None:
    try:
        return day + context.date_offset
    except OverflowError:
        return None


def surrogate_date(original: str, context: DocumentContext) -> str:
    """The date shifted by the document's offset, in the same format; ``[DATE]`` when it cannot be read."""
    parsed = parse_date(original, context.locale)
    if parsed is None:
        return "[DATE]"
    shifted = _shift(parsed.date, context)
    if shifted is None:
        return "[DATE]"
    return parsed.render(shifted)


_HANDLERS: dict[str, Callable[[str, DocumentContext], str]] = {
    "PATIENT": surrogate_name,
    "LOC": surrogate_location,
    "ID": surrogate_id,
    "PHONE": surrogate_phone,
    "DATE": surrogate_date,
    "AGE": surrogate_age,
}
