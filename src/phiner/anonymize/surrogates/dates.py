"""Dates: read in many formats, shifted by the document's offset, written back in the same format."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from phiner.anonymize.surrogates.common import (
    _match_case,
    _shift,
)
from phiner.anonymize.surrogates.context import DocumentContext
from phiner.core.errors import Errors
from phiner.core.vocab import MONTHS, NB_MONTHS

# ----------------------------------------------------------------------------------------------------------------
# Dates.

_EN_ABBR = tuple(m[:3] for m in MONTHS)
_NB_ABBR = ("jan", "feb", "mar", "apr", "mai", "jun", "jul", "aug", "sep", "okt", "nov", "des")
_ORDINALS = frozenset({"st", "nd", "rd", "th"})
_FILLERS = frozenset({"of", "den", "the"})
_DATE_TOKEN = re.compile(r"[0-9]+|[^\W\d_]+|\s+|.", re.S)
NO_YEAR = 2000
"""Placeholder year (a leap year) of dates written without one, e.g. ``14. desember``."""
MID_MONTH = 15
"""The day that stands for a month written without one (``mai 2023``), so that a shift moves it by whole months
as often as the offset says."""
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
            short = (
                "sept"
                if token.casefold() == "sept" and month == 9
                else (_EN_ABBR if self.month_lang == "en" else _NB_ABBR)[month - 1]
            )
            name = short
        else:
            name = names[month - 1]
        if len(token) > 1 and token.isupper():
            return name.upper()
        return name[0].upper() + name[1:].lower() if token[0].isupper() else name.lower()


def _ordinal(n: int) -> str:
    return "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")


DATE_ORDERS = ("dmy", "mdy")
"""How a numeric date with a slash or a dash orders its day and month: ``dmy`` (Norwegian, European), ``mdy``
(American). A dotted date (``03.01.2019``) is day first in either."""


def default_order(locale: str | None) -> str:
    """The date order of a note in ``locale`` where its dates do not say: month first in English."""
    return "mdy" if locale == "en" else "dmy"


def date_order(dates: Iterable[str], locale: str | None = None) -> str:
    """The one date order of a document: the order its unambiguous numeric dates show (``13/02/2019`` says day
    first, ``02/13/2019`` month first; the more frequent wins), else its language's (:func:`default_order`).

    >>> date_order(["02/09/1951", "10/25/2019"]), date_order(["02/09/1951"], "en"), date_order(["02/09/1951"], "nb")
    ('mdy', 'mdy', 'dmy')
    >>> date_order(["25/10/2019", "02/09/1951"], "en")
    'dmy'
    """
    votes = {"dmy": 0, "mdy": 0}
    for text in dates:
        tokens = _DATE_TOKEN.findall(text)
        numbers = [i for i, t in enumerate(tokens) if t.isdigit() and t.isascii()]
        if len(numbers) not in (2, 3) or any(t[0].isalpha() for t in tokens):
            continue
        first, second = (tokens[i] for i in numbers[:2])
        if len(first) > 2 or len(second) > 2 or tokens[numbers[0] + 1] not in ("/", "-"):
            continue
        a, b = int(first), int(second)
        if 12 < a <= 31 and 1 <= b <= 12:
            votes["dmy"] += 1
        elif 12 < b <= 31 and 1 <= a <= 12:
            votes["mdy"] += 1
    if votes["dmy"] == votes["mdy"]:
        return default_order(locale)
    return max(votes, key=votes.__getitem__)


def parse_date(text: str, locale: str | None = None, order: str | None = None) -> ParsedDate | None:
    """Read a date in one of the supported formats, or None.

    Numeric (``14.12.2018``, ``14.12.18``, ``2018-12-14``, ``14/12/2018``, ``20181214``) and with a month
    name in English or Norwegian, full or abbreviated, any case (``14. desember 2018``, ``14. des. 2018``,
    ``December 14, 2018``, ``Dec 14, 2018``, ``14 December 2018``, ``January 01. 1982``, ``14th of May 2018``,
    ``14. desember``), a day and month without a year (``7/14`` month first in English, ``14.7`` day first), a
    month and year (``mai 2023``, ``March 2019``) and a year alone (``2004``, ``04``). A slash or dash date
    reads in ``order`` (:data:`DATE_ORDERS`; None: day first, then month first where that is no date), the other
    way only where that is no date.

    >>> parse_date("14. desember 2018").date, parse_date("02/09/1951", order="mdy").date
    (datetime.date(2018, 12, 14), datetime.date(1951, 2, 9))
    """
    tokens = _DATE_TOKEN.findall(text)
    words = [i for i, t in enumerate(tokens) if t[0].isalpha()]
    numbers = [i for i, t in enumerate(tokens) if t.isdigit() and t.isascii()]
    if any(t[0].isdecimal() and i not in numbers for i, t in enumerate(tokens)):
        return None
    try:
        if not words:
            return _parse_numeric(tokens, numbers, locale, order)
        return _parse_named(tokens, words, numbers, locale)
    except ValueError:
        return None


def _year(token: str) -> int:
    if len(token) == 2:
        yy = int(token)
        return 2000 + yy if yy <= TWO_DIGIT_PIVOT else 1900 + yy
    if len(token) != 4:
        raise ValueError(Errors.E162)  # a signal to the parsers here, which give None for it
    return int(token)


def _parse_numeric(
    tokens: list[str], numbers: list[int], locale: str | None = None, order: str | None = None
) -> ParsedDate | None:
    if len(numbers) == 1 and len(tokens[numbers[0]]) == 8:
        return _parse_compact(tokens, numbers[0])
    if len(numbers) == 1 and len(tokens) == 1 and len(tokens[0]) in (2, 4):
        # A year alone ("s/p CABG 2004", "'04"): the middle of the year stands for it.
        return ParsedDate(dt.date(_year(tokens[0]), 7, 1), tokens, year=0)
    if len(numbers) == 2:
        return _parse_day_month(tokens, numbers, locale, order)
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
    month_first = order == "mdy" and tokens[numbers[0] + 1] in ("/", "-")
    readings = ((1, 0), (0, 1)) if month_first else ((0, 1), (1, 0))  # (day, month) token positions
    for n, (day_at, month_at) in enumerate(readings):
        try:
            day = dt.date(year, int(tokens[numbers[month_at]]), int(tokens[numbers[day_at]]))
        except ValueError:  # not this order; maybe the other
            if n:
                raise
            continue
        return ParsedDate(day, tokens, day=numbers[day_at], month=numbers[month_at], year=numbers[2], pad=pad)
    return None


def _parse_day_month(
    tokens: list[str], numbers: list[int], locale: str | None, order: str | None = None
) -> ParsedDate | None:
    # No year: "7/14" in US notes (month first), "14.7", "14.07." and "14/7" in Norwegian ones (day first);
    # the other order where the first reading is no date.
    a, b = (tokens[i] for i in numbers)
    if len(a) > 2 or len(b) > 2 or tokens[numbers[0] + 1] not in ("/", ".", "-"):
        return None
    slash = tokens[numbers[0] + 1] == "/"
    month_first = slash and (order == "mdy" if order else locale != "nb")
    orders = ((1, 0), (0, 1)) if month_first else ((0, 1), (1, 0))
    for day_at, month_at in orders:
        try:
            day = dt.date(NO_YEAR, int(tokens[numbers[month_at]]), int(tokens[numbers[day_at]]))
        except ValueError:
            continue
        pad = len(a) != 1 and len(b) != 1
        return ParsedDate(day, tokens, day=numbers[day_at], month=numbers[month_at], pad=pad)
    return None


def _parse_compact(tokens: list[str], index: int) -> ParsedDate | None:
    # 20181214 or 14122018, written back as one token: split it into three fields.
    digits = tokens[index]
    head, tail = tokens[:index], tokens[index + 1 :]
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
    if len(years) > 1 or len(days) > 1 or len(years) + len(days) != len(numbers):
        return None
    if not days:  # a month and a year ("mai 2023", "March 2019"): the middle of the month stands for it
        if not years or years[0] < month_at:
            return None
        readings = _MONTHS[tokens[month_at].casefold()]
        langs = {lang for lang, _, _ in readings}
        lang = langs.pop() if len(langs) == 1 else "nb" if tokens[month_at].islower() else locale or "en"
        lang, month, abbr = next(r for r in readings if r[0] == lang)
        day = dt.date(int(tokens[years[0]]), month, MID_MONTH)
        return ParsedDate(day, tokens, month=month_at, year=years[0], month_lang=lang, month_abbr=abbr)
    day_at, year_at = days[0], (years[0] if years else None)
    lang, month, abbr = _month_reading(tokens, month_at, day_at, locale)
    year = int(tokens[year_at]) if year_at is not None else NO_YEAR
    parsed_day = dt.date(year, month, int(tokens[day_at]))
    dotted = day_at + 1 < len(tokens) and tokens[day_at + 1] == "."
    return ParsedDate(
        parsed_day,
        tokens,
        day=day_at,
        month=month_at,
        year=year_at,
        month_lang=lang,
        month_abbr=abbr,
        pad=month_at < day_at and dotted,
    )


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


def surrogate_date(original: str, context: DocumentContext) -> str:
    """The date shifted by the document's offset, in the same format; ``[DATE]`` when it cannot be read."""
    parsed = parse_date(original, context.locale, context.date_order or default_order(context.locale))
    if parsed is None:
        season = _SEASON_YEAR.fullmatch(original)
        if season is None:
            return "[DATE]"
        return season["season"] + season["gap"] + str(int(season["year"]) + _whole_years(context))
    if parsed.day is None and parsed.month is None:  # a year alone moves by whole years, never by none
        return parsed.render(parsed.date.replace(year=parsed.date.year + _whole_years(context)))
    shifted = _shift(parsed.date, context)
    if shifted is None:
        return "[DATE]"
    return parsed.render(shifted)


_SEASONS = "spring|summer|autumn|fall|winter|vår|våren|sommer|sommeren|høst|høsten|vinter|vinteren"
_SEASON_YEAR = re.compile(
    rf"(?P<season>(?i:(?:early|late|mid|tidlig|sent)\s+)?(?i:{_SEASONS}))(?P<gap>\s+(?:of\s+|i\s+)?)(?P<year>\d{{4}})"
)


def _whole_years(context: DocumentContext) -> int:
    """The document's offset in whole years for a year written alone (or with a season): never none."""
    return round(context.date_offset.days / 365.25) or (1 if context.date_offset.days >= 0 else -1)
