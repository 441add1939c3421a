"""PHI already known about a document's patient, found wherever it recurs in the text (as TiDE and pyDeid
do with the record a note belongs to).

``known`` maps a type to values: ``{"PATIENT": ["Kari Nordmann"], "ID": ["14033143010"], "PHONE":
["+47 412 34 567"], "DATE": ["1990-12-30"], "LOC": ["Kristiansand"], "AGE": ["41"]}``. Each value is found
in the forms a note writes it in:

- names: the whole name, each part alone (``Kari``, ``Nordmann``; parts of one letter are left out), family
  name first (``Nordmann, Kari``), initials with the family name (``K. Nordmann``, ``K Nordmann``), each in
  the genitive too (``Karis``, ``Nordmann's``), in any case and with or without accents;
- numbers (ID, PHONE): the same digits with any spaces, dots or dashes between them; a phone number with or
  without its country code (``+47``, ``0047``);
- dates: the same day, in any format the date recognizer reads (``30.12.1990``, ``30. desember 1990``,
  ``December 30, 1990``; a date written without a year matches on day and month);
- ages: the same number where the age recognizer finds an age;
- anything else (places, e-mail addresses): the text, as a whole word, case- and diacritic-insensitive.

Every span's source is ``known``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from phiner.analyze.terms import TermMatcher
from phiner.core.records import Span, check_known

SCORE = 0.97
_COUNTRY = re.compile(r"^(?:\+|00)\s?(47|46|45|44|1)[\s.-]?")


class KnownPHI:
    """The known values of one document (see the module's notes); :meth:`find` gives their spans."""

    def __init__(self, known: Mapping[str, Sequence[str]] | None) -> None:
        known = check_known(known)
        terms: list[tuple[str, str]] = []
        self._numbers: list[tuple[re.Pattern[str], str]] = []
        self._dates: list[tuple[int | None, int, int]] = []
        self._ages: set[int] = set()
        for label, values in known.items():
            for value in values:
                if label == "PATIENT":
                    terms += [(form, label) for form in name_forms(value)]
                elif label in ("ID", "PHONE") and sum(ch.isdigit() for ch in value) >= 4:
                    self._numbers.append((_digits_pattern(value, label), label))
                elif label == "DATE" and _date(value) is not None:
                    self._dates.append(_date(value))  # type: ignore[arg-type]
                elif label == "AGE" and value.strip().isdigit():
                    self._ages.add(int(value))
                else:
                    terms.append((value, label))
        self._terms = TermMatcher(terms)

    def __bool__(self) -> bool:
        return bool(len(self._terms) or self._numbers or self._dates or self._ages)

    def __repr__(self) -> str:  # values are PHI
        return "KnownPHI(...)"

    def find(self, text: str) -> list[Span]:
        spans = [Span(h.start, h.end, h.payload, SCORE, text[h.start : h.end], "known") for h in self._terms.find(text)]
        for pattern, label in self._numbers:
            spans += [Span(m.start(), m.end(), label, SCORE, m.group(), "known") for m in pattern.finditer(text)]
        if self._dates:
            from phiner.analyze.temporal import DateRecognizer, date_value

            for span in DateRecognizer().find(text):
                value = date_value(span.text or "")
                if value is not None and any(_same_day(value, known) for known in self._dates):
                    spans.append(Span(span.start, span.end, "DATE", SCORE, span.text, "known"))
        if self._ages:
            from phiner.analyze.temporal import AgeRecognizer

            for span in AgeRecognizer().find(text):
                if (span.text or "").isdigit() and int(span.text or 0) in self._ages:
                    spans.append(Span(span.start, span.end, "AGE", SCORE, span.text, "known"))
        return sorted(spans)


def name_forms(name: str) -> list[str]:
    """The forms of a name a note may use.

    >>> forms = name_forms("Kari Anne Nordmann")
    >>> forms[:9]
    ['Kari Anne Nordmann', 'Kari', 'Anne', 'Nordmann', 'Nordmann, Kari Anne', 'K. Nordmann', 'K Nordmann', 'K. A. Nordmann', 'K.A. Nordmann']
    >>> [form in forms for form in ("Karis", "Nordmanns", "Nordmann's", "K. Nordmanns")]
    [True, True, True, True]
    """
    parts = [p for p in re.split(r"\s+", name.strip()) if p]
    forms = [" ".join(parts)]
    forms += [p for p in parts if len(p.strip(".-")) > 1]
    if len(parts) > 1:
        given, family = parts[:-1], parts[-1]
        forms.append(f"{family}, {' '.join(given)}")
        forms += [f"{given[0][0]}. {family}", f"{given[0][0]} {family}"]
        if len(given) > 1:
            initials = [g[0] for g in given]
            forms += [
                " ".join(f"{i}." for i in initials) + f" {family}",
                "".join(f"{i}." for i in initials) + f" {family}",
            ]
    forms += [g for form in list(forms) for g in genitives(form)]
    seen: dict[str, None] = {}
    for form in forms:
        seen.setdefault(form, None)
    return list(seen)


def genitives(name: str) -> list[str]:
    """The genitive forms of a name (or of its last word): Norwegian ``Karis``, English ``Kari's``; ``Hans'``
    and ``Hans's`` for a name ending in s, x or z.

    >>> genitives("Kari Nordmann"), genitives("Lars")
    (['Kari Nordmanns', "Kari Nordmann's", 'Kari Nordmann’s'], ["Lars'", "Lars's", 'Lars’s'])
    """
    name = name.rstrip()
    if not name or not name[-1].isalpha():
        return []
    plain = [f"{name}'"] if name[-1].casefold() in "sxz" else [f"{name}s"]
    return [*plain, f"{name}'s", f"{name}’s"]


NAME_WORD = re.compile(r"[^\W\d_]{2,}")


def inflected_names(text: str, spans: Sequence[Span]) -> list[Span]:
    """The genitives (:func:`genitives`) of the names found in ``text`` (``PATIENT`` spans), where a text
    writes them with a capital and no span covers them: ``Kari Nordmann ... Karis datter ... Nordmanns
    fastlege``. Their source is ``context:name-form``.

    >>> text = "Kari Nordmann kom. Karis datter ringte Nordmanns fastlege om karisma."
    >>> [(s.text, s.source) for s in inflected_names(text, [Span(0, 13, "PATIENT", 0.9, "Kari Nordmann")])]
    [('Karis', 'context:name-form'), ('Nordmanns', 'context:name-form')]
    """
    names = [s for s in spans if s.label == "PATIENT"]
    if not names:
        return []
    terms: list[tuple[str, float]] = []
    for span in names:
        for word in NAME_WORD.findall(text[span.start : span.end]):
            if word[0].isupper():
                terms += [(form, span.score if span.score is not None else SCORE) for form in genitives(word)]
    if not terms:
        return []
    covered = sorted((s.start, s.end) for s in spans)
    out = []
    for hit in TermMatcher(terms).find(text):
        if not text[hit.start].isupper() or any(a <= hit.start and hit.end <= b for a, b in covered):
            continue
        out.append(Span(hit.start, hit.end, "PATIENT", hit.payload, text[hit.start : hit.end], "context:name-form"))
    return out


def _digits_pattern(value: str, label: str) -> re.Pattern[str]:
    """The value's digits with any of space, dot, dash or slash between them; a phone's country code optional."""
    prefix = ""
    if label == "PHONE" and (m := _COUNTRY.match(value.strip())) and len(re.sub(r"\D", "", value)) > 8:
        prefix = rf"(?:(?:\+|00)\s?{m.group(1)}[\s.-]?)?"
        value = value.strip()[m.end() :]
    elif label == "PHONE":
        prefix = r"(?:(?:\+|00)\s?\d{1,3}[\s.-]?)?"
    digits = re.sub(r"\D", "", value)
    return re.compile(r"(?<![\d+])" + prefix + r"[\s./-]?".join(digits) + r"(?!\d)")


def _date(value: str) -> tuple[int | None, int, int] | None:
    from phiner.analyze.temporal import date_value

    return date_value(value)


def _same_day(found: tuple[int | None, int, int], known: tuple[int | None, int, int]) -> bool:
    return found[1:] == known[1:] and (found[0] is None or known[0] is None or found[0] == known[0])
