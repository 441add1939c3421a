"""Dates and ages in running text, Norwegian and English.

Dates: numeric (``14.03.2019``, ``14.3.19``, ``2019-03-14``, ``3/14/2019``, and without a year ``14.03.``,
``7/14``), and with month names (``14. mars 2019``, ``14 mars``, ``March 14, 2019``, ``Mar 14``,
``desember 1990``). A numeric date whose day or month is out of range is not a date; one without a year is
found with a lower score (``7/14`` may be a ratio); a bare ``m/d`` whose numerator is smaller than a day under
5 (``1/2``, ``2/3``, ``3/4``) is a fraction and left alone.

Ages: the number only, as Nor-DeID and phiner's data mark it (``[41] år gammel``, ``[41]-årig``, ``i
[30]-årene``, ``a [41]-year-old``, ``[41] y/o``, ``Alder: [41]``, ``aged [41]``); the Norwegian and English
number words to twenty and the tens (``da han var [ti] år``) too; in Norwegian prose a child's or sibling's age
without ``år`` (``to gutter på [17] og [12]``, ``en datter på [8]``). A span of years (``3 år siden``, ``for 10
years``) is a duration, not an age, and is not found.

Written here, not taken from a library: date parsers (dateutil, dateparser) read one string that is already a
date; finding dates inside prose in two languages, and saying which are not dates, is the work itself.
"""

from __future__ import annotations

import re
from typing import ClassVar

from phiner.core.records import Span

MONTHS = {
    # Norwegian (bokmål and nynorsk) and English names and their abbreviations -> month number
    **dict.fromkeys(["januar", "january", "jan"], 1),
    **dict.fromkeys(["februar", "february", "feb", "febr"], 2),
    **dict.fromkeys(["mars", "march", "mar"], 3),
    **dict.fromkeys(["april", "apr"], 4),
    **dict.fromkeys(["mai", "may"], 5),
    **dict.fromkeys(["juni", "june", "jun"], 6),
    **dict.fromkeys(["juli", "july", "jul"], 7),
    **dict.fromkeys(["august", "aug"], 8),
    **dict.fromkeys(["september", "sep", "sept"], 9),
    **dict.fromkeys(["oktober", "october", "okt", "oct"], 10),
    **dict.fromkeys(["november", "nov"], 11),
    **dict.fromkeys(["desember", "december", "des", "dec"], 12),
}
_FULL = sorted(
    (m for m in MONTHS if len(m) > 4 or m in ("mars", "juni", "juli", "june", "july", "mai", "may")), key=len
)
_MONTH = (
    "(?P<month>(?:"
    + "|".join(reversed(_FULL))
    + ")|(?:"
    + "|".join(sorted((m for m in MONTHS if m not in _FULL), key=len, reverse=True))
    + r")\.?)"
)
_AMBIGUOUS_MONTHS = {"mar", "may", "mai", "jun", "jul", "des", "sep"}
"""Words that are months only beside a day or a year (``may`` is a verb; ``des`` and ``mar`` are words too)."""

_CLOCK = re.compile(r"(?i)\b(?:kl|klokka|klokken|ca|at|time)\.?\s*$")
"""Words before ``14.05.`` that make it a time of day (``kl. 14.05.``), not a date."""

_MEASURE = re.compile(
    r"(?i)(?:\b(?:pain|smerter?|vas|nrs|score|scale|skala|rat(?:ing|ed|es)|strength|kraft|power|grip|mae|gcs|"
    r"perrla|peep|ps|cpap|bipap|ipap|epap|vent(?:ilat(?:ion|or|ed))?|respirator|simv|imv|ac|mask|ratio|dose|"
    r"dosage|doses|mg|bp|pressure|blodtrykk|bt|sbp|dbp|map|cvp|pap|mmhg|fio2|sats?|moca|mmse)"
    r"\b[^\n]{0,12}|(?<=\d)[x×]\s{0,2}|[&%]\s{0,2})$"
)
"""What, just before ``5/5`` or ``7/10``, says it is a score, a strength, a ratio, a dose or a pressure (``CPAP
5/5``, ``pain 7/10``, ``strength 4/4``), not a date."""
_MEASURE_AFTER = re.compile(r"(?i)^\s{0,2}(?:%|\d+\s{0,2}%|bottles?|flasker|strength|kraft|brisk|mmhg)")
"""What, just after it, says the same (``10/5 40%``, ``4/4 bottles``)."""


def a_reading(text: str, start: int, end: int) -> bool:
    """The number at ``text[start:end]`` is a score, strength, ratio, dose or pressure by its context (``CPAP
    5/5``, ``pain 7/10``, ``4/4 bottles``).

    >>> a_reading("on CPAP 5/5 today", 8, 11), a_reading("admitted 5/5 today", 9, 12)
    (True, False)
    """
    return bool(_MEASURE.search(text, max(0, start - 24), start) or _MEASURE_AFTER.match(text[end : end + 12]))


DATED, UNDATED, BARE = 0.95, 0.75, 0.6
"""Scores: a full date; a date without a year, or a month and year; a bare ``m/d`` or ``d.m.``."""


def _valid(day: int, month: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= (29 if month == 2 else 30 if month in (4, 6, 9, 11) else 31)


class DateRecognizer:
    """Dates, numeric and with month names, with and without a year (see the module's notes)."""

    name = "date"
    _EDGE_L, _EDGE_R = r"(?<![\w./-])", r"(?![\w/%-]|[.,]\d)"
    NUMERIC: ClassVar[re.Pattern[str]] = re.compile(
        _EDGE_L + r"(?P<a>\d{1,2})(?P<sep>[./-])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2})" + _EDGE_R
    )
    ISO: ClassVar[re.Pattern[str]] = re.compile(_EDGE_L + r"(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})" + _EDGE_R)
    SHORT: ClassVar[re.Pattern[str]] = re.compile(
        _EDGE_L + r"(?:(?P<m>\d{1,2})/(?P<d>\d{1,2})(?![\w/]|[.,]\d)|(?P<dd>\d{1,2})\.(?P<mm>\d{1,2})\.(?![\w.]))"
    )
    DAY_MONTH: ClassVar[re.Pattern[str]] = re.compile(
        r"(?i)(?<![\w.])(?P<day>\d{1,2})\.?\s{0,3}(?:of\s{1,3})?" + _MONTH + r"(?:,?\s{1,3}(?P<y>\d{4}))?(?![\w])"
    )
    MONTH_DAY: ClassVar[re.Pattern[str]] = re.compile(
        r"(?i)(?<![\w])" + _MONTH + r"\s{1,3}(?P<day>\d{1,2})(?:st|nd|rd|th)?\.?(?:,?\s{1,3}(?P<y>\d{4}))?(?![\w])"
    )
    MONTH_YEAR: ClassVar[re.Pattern[str]] = re.compile(
        r"(?i)(?<![\w.])" + _MONTH + r",?\s{1,3}(?P<y>(?:19|20)\d{2})(?!\w)"
    )

    def find(self, text: str) -> list[Span]:
        from phiner.core.language import detect_locale

        found: dict[tuple[int, int], float] = {}
        english = detect_locale(text) == "en"

        def add(start: int, end: int, score: float) -> None:
            found[(start, end)] = max(score, found.get((start, end), 0.0))

        def measure(start: int, end: int) -> bool:
            return a_reading(text, start, end)

        for m in self.NUMERIC.finditer(text):
            a, b = int(m["a"]), int(m["b"])
            if _valid(a, b) or m["sep"] == "/" and _valid(b, a):
                add(m.start(), m.end(), DATED)
        for m in self.ISO.finditer(text):
            if _valid(int(m["d"]), int(m["m"])):
                add(m.start(), m.end(), DATED)
        for m in self.SHORT.finditer(text):
            if measure(m.start(), m.end()):
                continue
            if m["m"] is not None:
                month, day = int(m["m"]), int(m["d"])
                if _valid(day, month) and not month < day <= 4:  # 1/2, 2/3, 3/4: fractions
                    add(m.start(), m.end(), BARE)
            elif english and len(m["mm"]) == 1:
                continue  # `K 3.5.`: in an English note a decimal at a sentence's end, not `14.03.`
            elif _valid(int(m["dd"]), int(m["mm"])) and not _CLOCK.search(text, max(0, m.start() - 12), m.start()):
                add(m.start(), m.end(), BARE)
        for pattern in (self.DAY_MONTH, self.MONTH_DAY):
            for m in pattern.finditer(text):
                word = m["month"].rstrip(".")
                if pattern is self.MONTH_DAY and word in _AMBIGUOUS_MONTHS and not m["y"]:
                    continue  # "may 5" in lower case with no year: more often a verb than a date
                month = MONTHS[word.lower()]
                if _valid(int(m["day"]), month):
                    add(m.start(), m.end(), DATED if m["y"] else UNDATED)
        for m in self.MONTH_YEAR.finditer(text):
            if m["month"].rstrip(".") in _AMBIGUOUS_MONTHS and m["month"].islower():
                continue
            add(m.start(), m.end(), UNDATED)
        return _outermost(text, found, "DATE", "pattern:date")


_NUMBER_WORDS = {
    # Norwegian
    "en": 1, "ett": 1, "to": 2, "tre": 3, "fire": 4, "fem": 5, "seks": 6, "sju": 7, "syv": 7, "åtte": 8,
    "ni": 9, "ti": 10, "elleve": 11, "tolv": 12, "tretten": 13, "fjorten": 14, "femten": 15, "seksten": 16,
    "sytten": 17, "atten": 18, "nitten": 19, "tjue": 20, "tyve": 20, "tretti": 30, "førti": 40, "femti": 50,
    "seksti": 60, "sytti": 70, "åtti": 80, "nitti": 90, "hundre": 100,
    # English
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
_NUMBER = r"\d{1,3}|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True))
_NUM = rf"(?P<n>{_NUMBER})"
_KIN_NUMBER = r"\d{1,3}|" + "|".join(
    w for w in sorted(_NUMBER_WORDS, key=len, reverse=True) if w not in ("en", "ei", "et", "ett", "one")
)
"""The numbers of a child's age in prose: digits or number words, but not those that are articles too (``en``)."""
_AGE_NUMBER = re.compile(rf"(?<!\w)(?:{_KIN_NUMBER})(?!\w)", re.IGNORECASE)


class AgeRecognizer:
    """Ages, the number alone (see the module's notes); durations (``3 år siden``) are left alone."""

    name = "age"
    PATTERNS: ClassVar[tuple[re.Pattern[str], ...]] = tuple(
        re.compile(p, re.IGNORECASE)
        for p in (
            # Norwegian: 41 år gammel, 41 år og 3 mnd gammel, 41-årig, 41-åring, 41 års alder, i 30-årene
            rf"(?<![\w,.]){_NUM}(?:\s{{0,3}}-\s{{0,3}}|\s{{1,3}})år(?:s)?\s{{1,3}}(?:gam(?:mel|le)|alder(?!\w))",
            rf"(?<![\w,.]){_NUM}\s{{0,3}}-\s{{0,3}}åri(?:g|ge|gen|ng|ngen)(?!\w)",
            rf"(?<![\w,.])i\s{{1,3}}(?:sine\s{{1,3}}|hans\s{{1,3}}|hennes\s{{1,3}})?(?:tidlige\s{{1,3}}|sene\s{{1,3}})?{_NUM}-?årene(?!\w)",
            rf"(?:\b(?:er|var|ble|blir|på|ved|død|døde|alder|alderen|fylte|fyller)\s{{1,3}}(?:nå\s{{1,3}}|bare\s{{1,3}}|kun\s{{1,3}})?){_NUM}\s{{0,3}}år(?!\w)(?!\s{{1,3}}siden)(?!\s{{1,3}}(?:etter|senere|tidligere))",
            # English: 41-year-old, 41 year old, 41 years old, 41 yo, 41 y/o, 41 y.o., 41M/41F after "age"
            rf"(?<![\w,.]){_NUM}(?:\s{{0,3}}-\s{{0,3}}|\s{{1,3}})(?:years?|yrs?|yr)(?:\s{{0,3}}-\s{{0,3}}|\s{{1,3}})old(?!\w)",
            rf"(?<![\w,.]){_NUM}\s{{0,3}}(?:y/o|y\.o\.?|yo|yrs?\.?\s{{0,3}}old)(?![\w/])",
            rf"\b(?:aged?|age:|alder:?|alder\s{{1,3}}\(år\):|age\s{{1,3}}\(yrs\):)\s{{0,3}}{_NUM}(?!\w|[.,]\d)",
            rf"(?<![\w,.]){_NUM}(?:\s{{0,3}}-\s{{0,3}}|\s{{1,3}})(?:years?|yrs)\s{{1,3}}of\s{{1,3}}age(?!\w)",
            rf"\b(?:in\s{{1,3}}(?:his|her|their)\s{{1,3}})(?:early\s{{1,3}}|mid\s{{1,3}}|late\s{{1,3}})?{_NUM}['’]?s(?!\w)",
        )
    )

    KIN: ClassVar[re.Pattern[str]] = re.compile(
        # Norwegian: a child or sibling "på" its age, several joined by "og" or commas (to gutter på 17 og 12)
        r"\b(?:gutt|gutten|gutter|guttene|jente|jenta|jenter|jentene|sønn|sønnen|sønner|sønnene|datter|dattera|"
        r"datteren|døtre|døtrene|barn|barnet|barna|bror|broren|brødre|søster|søstera|søsteren|søstre|tvillinger|"
        r"tvillingene|unge|ungen|unger|ungene|pike|piken|barnebarn)"
        rf"\s{{1,3}}på\s{{1,3}}((?:{_KIN_NUMBER})(?:\s{{0,3}}(?:,|og)\s{{0,3}}(?:{_KIN_NUMBER}))*)"
        r"(?!\w|[.,]\d|\s{0,3}(?:%|kg|g\b|cm|mm|uker|uke|mnd|måneder|dager|døgn|timer))",
        re.IGNORECASE,
    )
    """A child or sibling and its age in prose, without the word ``år`` (``datter på 8``, ``to gutter på 17 og
    12``); a weight, a length or an age in weeks or months after the number is not one of these."""

    def find(self, text: str) -> list[Span]:
        found: dict[tuple[int, int], float] = {}
        for pattern in self.PATTERNS:
            for m in pattern.finditer(text):
                self._add(found, text, *m.span("n"), 0.9)
        for m in self.KIN.finditer(text):
            for number in _AGE_NUMBER.finditer(text, *m.span(1)):
                self._add(found, text, *number.span(), 0.85)
        return _outermost(text, found, "AGE", "pattern:age")

    @staticmethod
    def _add(found: dict[tuple[int, int], float], text: str, start: int, end: int, score: float) -> None:
        value = text[start:end].lower()
        number = int(value) if value.isdigit() else _NUMBER_WORDS.get(value, -1)
        if 0 <= number <= 130:
            found[(start, end)] = max(score, found.get((start, end), 0.0))


def _outermost(text: str, found: dict[tuple[int, int], float], label: str, source: str) -> list[Span]:
    """The spans not inside another, in text order."""
    out: list[Span] = []
    for start, end in sorted(found, key=lambda se: (se[0], -se[1])):
        if out and end <= out[-1].end:
            continue
        out.append(Span(start, end, label, found[(start, end)], text[start:end], source))
    return out


def date_value(text: str) -> tuple[int | None, int, int] | None:
    """``(year or None, month, day)`` of a date written as :class:`DateRecognizer` finds them, or None; a
    two-digit year is read as 19xx or 20xx, whichever is not in the future; ``m/d/y`` where ``d.m.y`` fails.

    >>> date_value("December 30. 1990"), date_value("30.12.1990"), date_value("30. desember"), date_value("7/14")
    ((1990, 12, 30), (1990, 12, 30), (None, 12, 30), (None, 7, 14))
    """
    import datetime as dt

    text = text.strip()

    def year(y: str | None) -> int | None:
        if y is None:
            return None
        if len(y) == 4:
            return int(y)
        century = 2000 if 2000 + int(y) <= dt.date.today().year else 1900
        return century + int(y)

    r = DateRecognizer
    if m := r.ISO.fullmatch(text):
        return (int(m["y"]), int(m["m"]), int(m["d"])) if _valid(int(m["d"]), int(m["m"])) else None
    if m := r.NUMERIC.fullmatch(text):
        a, b = int(m["a"]), int(m["b"])
        if _valid(a, b) and m["sep"] != "/":
            return (year(m["y"]), b, a)
        if _valid(b, a) and m["sep"] == "/" or _valid(b, a) and not _valid(a, b):
            return (year(m["y"]), a, b)
        return (year(m["y"]), b, a) if _valid(a, b) else None
    if m := r.SHORT.fullmatch(text):
        month, day = (int(m["m"]), int(m["d"])) if m["m"] is not None else (int(m["mm"]), int(m["dd"]))
        return (None, month, day) if _valid(day, month) else None
    for pattern in (r.DAY_MONTH, r.MONTH_DAY):
        if m := pattern.fullmatch(text):
            month = MONTHS[m["month"].rstrip(".").lower()]
            return (year(m["y"]), month, int(m["day"])) if _valid(int(m["day"]), month) else None
    return None
