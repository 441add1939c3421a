"""Recognizers: one small class per kind of PHI that has a shape, one contract: ``find(text) -> spans``.

Each span carries a score and its ``source`` (``pattern:fnr``, ``pattern:phone``...). A number that has the
shape but fails its validator (a mistyped check digit) is still reported, with a lower score: a mistyped
identifier is still PHI. The validators are the libraries made for them: python-stdnum for the Norwegian
fødselsnummer and D-nummer (both mod-11 check digits and the birth date), Google's libphonenumber
(``phonenumbers``) for phone numbers by region. The US SSN's ranges are simple enough to write here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import ClassVar, Protocol

from phiner.core.errors import Errors, PhinerError
from phiner.core.records import Span

VALID, INVALID = 0.99, 0.5
"""Scores of a span whose validator passes, and of one with the shape whose validator fails."""


class Recognizer(Protocol):
    name: str

    def find(self, text: str) -> list[Span]: ...


def _glued(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` runs on into a letter or digit at either end."""
    return start > 0 and text[start - 1].isalnum() or end < len(text) and text[end].isalnum()


def _span(text: str, start: int, end: int, label: str, score: float, source: str) -> Span:
    return Span(start, end, label, score, text[start:end], source)


class IdNumberRecognizer:
    """Norwegian fødselsnummer and D-nummer: 11 digits, also with a space after the date part (``140331
    43010``); both check digits and the birth date checked by ``stdnum.no.fodselsnummer``."""

    name = "fnr"
    PATTERN: ClassVar[re.Pattern[str]] = re.compile(r"(?<![\d-])(\d{6}) ?(\d{5})(?![\d-])")

    def find(self, text: str) -> list[Span]:
        from stdnum.exceptions import ValidationError
        from stdnum.no import fodselsnummer

        found = []
        for m in self.PATTERN.finditer(text):
            number = m.group(1) + m.group(2)
            try:
                fodselsnummer.validate(number)
                score = VALID
            except ValidationError:
                score = INVALID
            source = "pattern:dnr" if int(number[0]) >= 4 else "pattern:fnr"
            found.append(_span(text, m.start(), m.end(), "ID", score, source))
        return found


class SsnRecognizer:
    """US social security numbers, ``123-45-6789`` (or with spaces): area not 000, 666 or 900-999, group not
    00, serial not 0000 (the SSA's rules); other numbers of that shape are down-scored."""

    name = "ssn"
    PATTERN: ClassVar[re.Pattern[str]] = re.compile(r"(?<![\d-])(\d{3})([- ])(\d{2})\2(\d{4})(?![\d-])")

    def find(self, text: str) -> list[Span]:
        found = []
        for m in self.PATTERN.finditer(text):
            area, group, serial = int(m.group(1)), int(m.group(3)), int(m.group(4))
            valid = 0 < area < 900 and area != 666 and group > 0 and serial > 0
            found.append(_span(text, m.start(), m.end(), "ID", VALID if valid else INVALID, "pattern:ssn"))
        return found


class PhoneRecognizer:
    """Phone numbers in the formats of ``regions`` (Norway and the US by default: +47/0047 and the common
    spacings, E.164, (555) 123-4567), found by libphonenumber's ``PhoneNumberMatcher``."""

    name = "phone"
    CASE_NUMBER: ClassVar[re.Pattern[str]] = re.compile(r"(?:19|20)\d{2}[-/]\d{4,7}")
    NOT_A_PHONE: ClassVar[re.Pattern[str]] = re.compile(
        r"[%x×]|\d\.\d|(?<!\d)\d{1,2}/|/\d{1,2}(?!\d)|^\d{4}-\d{4}$", re.I
    )
    """Shapes a number that libphonenumber would read is not: a percentage, a product (``500x10``), a decimal
    (``101.8-102.8``), a slash between short numbers (``110-120/40-50``, blood gases), a range of two four-digit
    numbers (``1000-1200``)."""

    def __init__(self, regions: tuple[str, ...] = ("NO", "US")) -> None:
        self.regions = regions

    def find(self, text: str) -> list[Span]:
        import phonenumbers

        from phiner.analyze.temporal import date_value

        seen: dict[tuple[int, int], Span] = {}
        ids = [m.span() for m in IdNumberRecognizer.PATTERN.finditer(text)]
        for region in self.regions:
            for m in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.POSSIBLE):
                if date_value(m.raw_string) is not None:  # 14.03.1931 has a phone number's digits
                    continue
                if any(m.start < end and start < m.end for start, end in ids):  # part of a fødselsnummer
                    continue
                if self.CASE_NUMBER.fullmatch(m.raw_string):  # ``2012-549179``: a year and a serial, a case number
                    continue
                if _glued(text, m.start, m.end):  # the digits of a code (S82432B) or a longer word
                    continue
                if self.NOT_A_PHONE.search(m.raw_string) or _slashed(text, m.start, m.end):
                    continue
                valid = phonenumbers.is_valid_number(m.number)
                digits = sum(ch.isdigit() for ch in m.raw_string)
                if digits < 7 or not valid and digits < 8:
                    continue  # service numbers (02800), short invalid ones: left to the model and context
                score = VALID if valid else INVALID
                end = m.end + 1 if m.raw_string.startswith("(") and text[m.end : m.end + 1] == ")" else m.end
                if (m.start, end) not in seen or seen[(m.start, end)].score < score:
                    seen[(m.start, end)] = _span(text, m.start, end, "PHONE", score, "pattern:phone")
        return sorted(seen.values())


def _slashed(text: str, start: int, end: int) -> bool:
    """A slash or a percent sign right beside the match: a part of a longer measurement (``7.35/49/87``)."""
    return text[max(0, start - 1) : start] == "/" or text[end : end + 1] in ("/", "%")


class EmailRecognizer:
    """E-mail addresses (type CONTACT): a local part, ``@``, and a domain with a top-level domain of letters.
    Written here: no library in use checks addresses, and an address that is not deliverable is still PHI."""

    name = "email"
    PATTERN: ClassVar[re.Pattern[str]] = re.compile(
        r"(?<![\w.+-])[\w.%+-]*\w@(?:[^\W_](?:[\w-]*[^\W_])?\.)+[^\W\d_]{2,}(?![\w@])"
    )

    def find(self, text: str) -> list[Span]:
        return [_span(text, m.start(), m.end(), "CONTACT", VALID, "pattern:email") for m in self.PATTERN.finditer(text)]


class UrlRecognizer:
    """Web addresses (type CONTACT): ``http(s)://...`` or ``www....``, up to white space; closing punctuation
    (``.``, ``,``, ``)``...) is left out. A patient's own page or a link with an identifier in it is PHI."""

    name = "url"
    PATTERN: ClassVar[re.Pattern[str]] = re.compile(r"(?i)\b(?:https?://|www\.)[^\s<>\"']+")
    TRAILING = ".,;:!?)]}>"

    def find(self, text: str) -> list[Span]:
        found = []
        for m in self.PATTERN.finditer(text):
            end = m.end()
            while end > m.start() and text[end - 1] in self.TRAILING:
                end -= 1
            if end - m.start() > 4:
                found.append(_span(text, m.start(), end, "CONTACT", VALID, "pattern:url"))
        return found


RECOGNIZERS: dict[str, Callable[[], Recognizer]] = {}
"""Recognizer name -> what makes one (a class, or a function of no argument): the built-ins, and a site's own
added by :func:`register_recognizer`."""
BUILTIN = ("fnr", "ssn", "phone", "email", "url", "date", "age")
"""The built-in recognizers, in priority order: identifiers, phones, e-mail, URLs, dates, ages."""
_NAME = re.compile(r"[a-z][a-z0-9_-]{0,39}")


def register_recognizer(factory=None, *, name: str | None = None, replace: bool = False):
    """Add a recognizer to :data:`RECOGNIZERS` under ``name`` (else its ``name`` attribute): a class (or a function
    of no argument) whose objects have a ``name`` and ``find(text) -> spans``. A decorator too::

        @register_recognizer
        class MrnRecognizer:
            name = "mrn"
            def find(self, text): ...

    An analyzer then takes it by name (``AnalyzerConfig(recognizers=("mrn",))``) in the process that registered
    it; in another process (a Ray actor), give its import path (``"mysite.rules:MrnRecognizer"``) instead."""

    def add(made):
        key = name if name is not None else getattr(made, "name", None)
        if not isinstance(key, str) or not _NAME.fullmatch(key):
            raise PhinerError(Errors.E255.format(kind="recognizer"))
        if key in RECOGNIZERS and not replace:
            raise PhinerError(Errors.E256.format(kind="recognizer", name=key))
        RECOGNIZERS[key] = made
        return made

    return add if factory is None else add(factory)


def recognizer_factory(name: str) -> Callable[[], Recognizer]:
    """What makes the recognizer ``name``: a registered name, or an import path ``module:attribute``."""
    _builtins()
    if name in RECOGNIZERS:
        return RECOGNIZERS[name]
    module, sep, attribute = name.partition(":")
    if not sep:
        raise PhinerError(Errors.E257.format(name=name, choices=", ".join(sorted(RECOGNIZERS))))
    import importlib

    try:
        made = getattr(importlib.import_module(module), attribute)
    except (ImportError, AttributeError) as err:
        raise PhinerError(Errors.E258.format(where=name, error=type(err).__name__)) from None
    if not callable(made):
        raise PhinerError(Errors.E259.format(where=name))
    return made


def make_recognizers(names: Iterable[str]) -> tuple[Recognizer, ...]:
    """The recognizers ``names`` name (see :func:`recognizer_factory`), made, in that order."""
    out = []
    for name in names:
        recognizer = recognizer_factory(name)()
        if not isinstance(getattr(recognizer, "name", None), str) or not callable(getattr(recognizer, "find", None)):
            raise PhinerError(Errors.E259.format(where=name))
        out.append(recognizer)
    return tuple(out)


def builtin_recognizers() -> tuple[Recognizer, ...]:
    """The built-in recognizers (:data:`BUILTIN`), in priority order."""
    return make_recognizers(BUILTIN)


def _builtins() -> None:
    """Register the built-ins (the temporal ones live in their own module)."""
    if "age" in RECOGNIZERS:
        return
    from phiner.analyze.temporal import AgeRecognizer, DateRecognizer

    for made in (IdNumberRecognizer, SsnRecognizer, PhoneRecognizer, EmailRecognizer, UrlRecognizer):
        RECOGNIZERS.setdefault(made.name, made)
    for made in (DateRecognizer, AgeRecognizer):
        RECOGNIZERS.setdefault(made.name, made)
