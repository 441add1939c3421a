"""Synthetic free-text clinical notes, so that phiner learns PHI in prose as well as in ``key: value`` lines.

A note is a header block (a title and ``Label: value`` lines) and body sections of sentences drawn from
template tables; templates hold slots such as ``{patient}`` or ``{admit_date}`` that are filled per note::

    EPIKRISE
    Navn: Kari Nordmann
    Fnr.: 010182 12345
    ...
    Anamnese:
    Kari Nordmann er en 41 år gammel kvinne som bor i Tveitsund. Tidligere frisk.

The text is written piece by piece and each PHI value's span is recorded as it is appended, so labels are
exact to the character. Every template has an id; a fixed ~75/25 split of each template category gives
train notes and test notes that share no template, so the test split measures generalisation to new
phrasings. Everything is generated here (Faker plus small embedded tables); no real note is used.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import string
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from faker import Faker

from phiner.core.vocab import MONTHS, NB_MONTHS, NB_PLACES, NB_STREETS
from phiner.data.dataset import save_dataset
from phiner.data.synth.scenarios import (
    EN_DEPARTMENTS,
    NB_DEPARTMENTS,
    _admission_date,
    _age,
    _birth_date,
    _health_care_unit,
    _name,
    format_date,
    generate,
    make_fakers,
    pick_locale,
)

Piece = tuple[str, str | None]
"""A piece of note text and its entity type, None for text that is not PHI."""

# --------------------------------------------------------------------------------------------------------------
# Formats of the PHI values (id -> example). The README lists these; the tests check each one occurs.


def _load_text() -> dict[str, Any]:
    """The notes' vocabulary and templates (``notes_text.yaml``), lists read back as tuples."""
    import yaml

    def tuples(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: tuples(v) for k, v in value.items()}
        if isinstance(value, list):
            return tuple(tuples(v) for v in value)
        return value

    text = (Path(__file__).with_name("notes_text.yaml")).read_text(encoding="utf-8")
    return tuples(yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))


_TEXT = _load_text()


DATE_FORMATS: dict[str, str] = {
    "DD.MM.YYYY": "14.12.2018",
    "DD.MM.YY": "14.12.18",
    "D. måned YYYY": "14. desember 2018",
    "YYYY-MM-DD": "2018-12-14",
    "DD/MM/YYYY": "14/12/2018",
    "Month DD. YYYY": "December 14. 2018",
    "Month D, YYYY": "December 14, 2018",
    "Mon D, YYYY": "Dec 14, 2018",
    "D Month YYYY": "14 December 2018",
}
"""Date formats; the whole date is one DATE span."""

PHONE_FORMATS: dict[str, str] = {
    "+47 ddd dd ddd": "+47 917 11 663",
    "+47dddddddd": "+4791711663",
    "0047dddddddd": "004791711663",
    "dddddddd": "91711663",
    "ddd dd ddd": "917 11 663",
    "dd dd dd dd": "91 71 16 63",
    "(ddd) ddd-dddd": "(555) 123-4567",
    "ddd-ddd-dddd": "555-123-4567",
    "+1 ddd-ddd-dddd": "+1 555-123-4567",
}
"""Phone formats; each ``d`` is a digit. The whole number is one PHONE span."""

ID_FORMATS: dict[str, str] = {
    "fødselsnummer": "01018212345",
    "fødselsnummer, spaced": "010182 12345",
    "US SSN": "123-45-6789",
    "MRN": "4821937",
    "journalnr.": "2023-004512",
}
"""ID formats; only the number is the ID span (``MRN 4821937``, ``journalnr. 2023-004512``)."""

AGE_FORMATS: dict[str, str] = {
    "bare": "41",
    "år": "41 år",
    "år gammel": "41 år gammel",
    "-årig": "41-årig",
    "-year-old": "41-year-old",
    "years old": "41 years old",
    "y/o": "41 y/o",
    "aged": "aged 41",
}
"""Age phrasings; only the number is the AGE span, as in Nor-DeID (``<Age>41</Age> år``)."""

NOTE_KINDS: dict[str, tuple[str, str]] = {
    "discharge": ("epikrise", "discharge summary"),
    "referral": ("henvisning", "referral"),
    "admission": ("innkomstjournal", "admission note"),
    "nursing": ("sykepleienotat", "nursing note"),
    "phone": ("telefonnotat", "phone message"),
}
"""Note kind -> (Norwegian name, English name)."""

KIND_WEIGHTS: dict[str, int] = {"discharge": 25, "referral": 20, "admission": 20, "nursing": 20, "phone": 15}

TEST_SHARE = 0.25
"""Share of each template category (per locale) kept for the test split."""

LONG_SHARE = 0.12
"""Share of discharge summaries and nursing notes that run for weeks of daily entries (1,000-3,000 words)."""

# Weights of the formats per locale: Norwegian notes favour 14.12.2018 and "14. desember 2018".
DATE_WEIGHTS: dict[str, dict[str, int]] = {
    "nb": {
        "DD.MM.YYYY": 36,
        "D. måned YYYY": 22,
        "DD.MM.YY": 10,
        "YYYY-MM-DD": 10,
        "DD/MM/YYYY": 8,
        "Month DD. YYYY": 14,
    },
    "en": {
        "Month D, YYYY": 22,
        "Mon D, YYYY": 16,
        "Month DD. YYYY": 18,
        "YYYY-MM-DD": 14,
        "DD/MM/YYYY": 10,
        "D Month YYYY": 12,
        "DD.MM.YYYY": 8,
    },
}
PHONE_WEIGHTS: dict[str, dict[str, int]] = {
    "nb": {
        "+47 ddd dd ddd": 18,
        "+47dddddddd": 12,
        "0047dddddddd": 16,
        "dddddddd": 24,
        "ddd dd ddd": 18,
        "dd dd dd dd": 12,
    },
    "en": {"(ddd) ddd-dddd": 45, "ddd-ddd-dddd": 40, "+1 ddd-ddd-dddd": 15},
}

# --------------------------------------------------------------------------------------------------------------
# Non-PHI vocabulary, (Norwegian, English). These fill clinical slots so notes read as notes.

DIAGNOSES = _TEXT["diagnoses"]
"""(ICD-10 code, Norwegian, English)."""

DRUGS = _TEXT["drugs"]
"""(Norwegian name, English name, doses with a decimal point)."""

VOCABULARY = _TEXT["vocabulary"]

RELATIONS = _TEXT["relations"]
"""(Norwegian, English, sex or "" for either, kind of relation)."""

# Real Norwegian villages and districts, so that LOC is not only Faker's surname-like no_NO cities.

# --------------------------------------------------------------------------------------------------------------
# Templates: category -> locale -> sentences with {slots}. Ids are "<category>.<locale>.<index>", so appending
# to a table keeps the existing ids (and their split). A slot written with a capital, {Patient}, is capitalised.

TEMPLATES = _TEXT["templates"]

SECTION_HEADINGS = _TEXT["section_headings"]


@dataclass(frozen=True)
class Section:
    """A body section: an optional heading, then sentences drawn per (category, fewest, most)."""

    heading: str | None
    draws: tuple[tuple[str, int, int], ...]
    listed: bool = False
    """One item per line (medication lists, diagnoses) rather than running prose."""
    daily: tuple[int, int] | None = None
    """Dated progress entries (fewest, most) after the sentences; long notes get many more."""


HEADER_LAYOUTS: dict[str, tuple[tuple[str, float], ...]] = {
    "discharge": (
        ("h_name", 1.0),
        ("h_id", 0.85),
        ("h_record", 0.4),
        ("h_dob", 0.5),
        ("h_age", 0.3),
        ("h_address", 0.4),
        ("h_phone", 0.35),
        ("h_relative", 0.25),
        ("h_stay", 0.9),
        ("h_unit", 0.6),
        ("h_doctor", 0.35),
    ),
    "referral": (
        ("h_referral", 0.9),
        ("h_name", 1.0),
        ("h_id", 0.8),
        ("h_dob", 0.4),
        ("h_address", 0.6),
        ("h_phone", 0.6),
        ("h_relative", 0.2),
        ("h_date", 0.7),
    ),
    "admission": (
        ("h_name", 1.0),
        ("h_id", 0.8),
        ("h_record", 0.4),
        ("h_age", 0.6),
        ("h_admit", 0.9),
        ("h_unit", 0.6),
        ("h_address", 0.3),
        ("h_doctor", 0.4),
    ),
    "nursing": (
        ("h_date", 0.9),
        ("h_name", 0.9),
        ("h_id", 0.3),
        ("h_record", 0.2),
        ("h_unit", 0.5),
        ("h_relative", 0.2),
    ),
    "phone": (("h_date", 0.9), ("h_caller", 0.9), ("h_name", 0.6), ("h_id", 0.3), ("h_phone", 0.3)),
}
"""Note kind -> header categories in order, each with the chance that the note has that line."""

BODY_LAYOUTS: dict[str, tuple[Section, ...]] = {
    "discharge": (
        Section("diagnoses", (("diagnoses", 1, 3),), listed=True),
        Section("history", (("intro", 1, 1), ("social", 0, 1), ("history", 1, 4))),
        Section("complaint", (("complaint", 1, 2),)),
        Section("findings", (("exam", 2, 4), ("labs", 1, 3))),
        Section("course", (("course", 2, 6), ("relative", 0, 1)), daily=(0, 3)),
        Section("meds", (("meds", 2, 5),), listed=True),
        Section("plan", (("plan", 2, 4), ("contact", 0, 1), ("identity", 0, 1))),
        Section(None, (("signature", 1, 1),)),
    ),
    "referral": (
        Section("complaint", (("complaint", 1, 2), ("request", 1, 1))),
        Section("history", (("intro", 1, 1), ("history", 2, 4), ("social", 0, 2))),
        Section("findings", (("exam", 1, 2), ("labs", 0, 2))),
        Section("meds", (("meds", 1, 4),), listed=True),
        Section("request", (("request", 1, 2), ("contact", 0, 1), ("relative", 0, 1), ("identity", 0, 1))),
        Section(None, (("signature", 1, 1),)),
    ),
    "admission": (
        Section("complaint", (("intro", 1, 1), ("complaint", 1, 2))),
        Section("history", (("history", 2, 5),)),
        Section("meds", (("meds", 0, 5),), listed=True),
        Section("social", (("social", 1, 2), ("relative", 0, 1))),
        Section("findings", (("exam", 2, 5), ("labs", 1, 3))),
        Section("plan", (("plan", 1, 4), ("identity", 0, 1))),
        Section(None, (("signature", 1, 1),)),
    ),
    "nursing": (
        Section("observations", (("nursing", 2, 6), ("relative", 0, 1), ("contact", 0, 1)), daily=(1, 3)),
        Section(None, (("nurse_sign", 1, 1),)),
    ),
    "phone": (
        Section(None, (("call", 1, 3), ("advice", 1, 2))),
        Section(None, (("nurse_sign", 0, 1),)),
    ),
}
"""Note kind -> its body sections in order; a section whose draws come out empty is left out."""

LONG_KINDS = ("discharge", "nursing")

LONG_WORDS = (1200, 2900)
"""Word count range that the daily entries of a long note aim at."""


# --------------------------------------------------------------------------------------------------------------
# The template split.


def _template_id(category: str, locale: str, index: int) -> str:
    return f"{category}.{locale}.{index:02d}"


def _assign_splits() -> dict[str, str]:
    # A hash of the id orders each (category, locale) table, so the split is fixed, independent of the seed,
    # and a template keeps its side when others are appended.
    split: dict[str, str] = {}
    for category, by_locale in TEMPLATES.items():
        for locale, table in by_locale.items():
            if len(table) < 2:
                raise ValueError(f"template category {category}.{locale} needs two templates to split")
            ids = [_template_id(category, locale, i) for i in range(len(table))]
            ranked = sorted(ids, key=lambda t: hashlib.sha256(t.encode()).hexdigest())
            n_test = max(1, round(len(ids) * TEST_SHARE))
            for rank, template_id in enumerate(ranked):
                split[template_id] = "test" if rank < n_test else "train"
    return split


TEMPLATE_SPLIT: dict[str, str] = _assign_splits()
"""Template id -> ``train`` or ``test``."""


def _pools() -> dict[tuple[str, str, str], list[tuple[str, str]]]:
    pools: dict[tuple[str, str, str], list[tuple[str, str]]] = {}
    for category, by_locale in TEMPLATES.items():
        for locale, table in by_locale.items():
            for i, template in enumerate(table):
                template_id = _template_id(category, locale, i)
                pools.setdefault((TEMPLATE_SPLIT[template_id], category, locale), []).append((template_id, template))
    return pools


_POOLS = _pools()


def template_counts() -> dict[str, dict[str, int]]:
    """Templates per category and split, both locales together."""
    counts: dict[str, dict[str, int]] = {}
    for template_id, split in TEMPLATE_SPLIT.items():
        category = template_id.split(".", 1)[0]
        counts.setdefault(category, {"train": 0, "test": 0})[split] += 1
    return counts


TEMPLATE_COUNTS: dict[str, dict[str, int]] = template_counts()
"""Category -> {"train": n, "test": n}."""


# --------------------------------------------------------------------------------------------------------------
# Rendering values.


def render_date(day: dt.date, fmt: str) -> str:
    """``day`` in one of :data:`DATE_FORMATS`.

    >>> render_date(dt.date(2018, 12, 14), "D. måned YYYY")
    '14. desember 2018'
    """
    d, m, y = day.day, day.month, day.year
    formats = {
        "DD.MM.YYYY": f"{d:02d}.{m:02d}.{y}",
        "DD.MM.YY": f"{d:02d}.{m:02d}.{y % 100:02d}",
        "D. måned YYYY": f"{d}. {NB_MONTHS[m - 1]} {y}",
        "YYYY-MM-DD": day.isoformat(),
        "DD/MM/YYYY": f"{d:02d}/{m:02d}/{y}",
        "Month DD. YYYY": format_date(day),
        "Month D, YYYY": f"{MONTHS[m - 1]} {d}, {y}",
        "Mon D, YYYY": f"{MONTHS[m - 1][:3]} {d}, {y}",
        "D Month YYYY": f"{d} {MONTHS[m - 1]} {y}",
    }
    if fmt not in formats:
        raise ValueError(f"date format {fmt!r} is unknown; expected one of {', '.join(DATE_FORMATS)}")
    return formats[fmt]


def render_phone(digits: str, fmt: str) -> str:
    """``digits`` written in a :data:`PHONE_FORMATS` pattern, filling its ``d`` places in order.

    >>> render_phone("91711663", "+47 ddd dd ddd")
    '+47 917 11 663'
    """
    if fmt.count("d") != len(digits):
        raise ValueError(f"phone format {fmt!r} takes {fmt.count('d')} digits, got {len(digits)}")
    rest = iter(digits)
    return "".join(next(rest) if ch == "d" else ch for ch in fmt)


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(n))


def _phone_digits(rng: random.Random, locale: str) -> str:
    if locale == "nb":
        # Norwegian mobiles start with 4 or 9, landlines with 2, 3, 5, 6 or 7; eight digits in all.
        lead = rng.choice("49") if rng.random() < 0.7 else rng.choice("23567")
        return lead + _digits(rng, 7)
    # North American numbering: area code and exchange never start with 0 or 1.
    return str(rng.randint(2, 9)) + _digits(rng, 2) + str(rng.randint(2, 9)) + _digits(rng, 6)


def _weighted(rng: random.Random, weights: Mapping[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


# --------------------------------------------------------------------------------------------------------------
# A note being written.


@dataclass
class _Person:
    given: str
    family: str
    sex: str

    @property
    def full(self) -> str:
        return f"{self.given} {self.family}"


@dataclass
class _Relative:
    person: _Person
    relation: tuple[str, str]
    phone: str


class _Writer:
    """Appends text and records a span for each PHI piece at the offset where it lands."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.tags: list[dict[str, Any]] = []

    def write(self, text: str, label: str | None = None) -> None:
        if label is not None:
            if not text or text != text.strip():
                raise ValueError(f"a {label} value must be non-empty with no surrounding blanks, got {text!r}")
            self.tags.append({"start": self.length, "end": self.length + len(text), "label": label})
        self.parts.append(text)
        self.length += len(text)

    def text(self) -> str:
        return "".join(self.parts)


class _Note:
    """One note's persona, style choices and template pool; ``write`` builds the record."""

    def __init__(self, rng: random.Random, fakers: Mapping[str, Faker], split: str, locale: str, kind: str) -> None:
        self.rng, self.fakers, self.split, self.locale, self.kind = rng, fakers, split, locale, kind
        self.faker = fakers[locale]
        self.out = _Writer()
        self.used: list[str] = []
        self._persona()
        self._style()

    # ---- setup
    def _persona(self) -> None:
        rng, locale = self.rng, self.locale
        self.sex = rng.choice("FM")
        self.age = max(1, _age(rng))  # "0 år gammel" reads as a bug; newborns are left out
        self.admit = _admission_date(rng)
        self.dob = _birth_date(rng, self.admit, self.age)
        self.patient = _Person(*_name(rng, self.fakers, locale, self.sex), self.sex)
        self.long = self.kind in LONG_KINDS and rng.random() < LONG_SHARE
        self.long_words = rng.randint(*LONG_WORDS) if self.long else 0
        stay = self.long_words // 30 if self.long else rng.randint(1, 14)
        self.discharge = self.admit + dt.timedelta(days=stay)
        self.note_day = {"discharge": self.discharge, "admission": self.admit}.get(
            self.kind, self.admit + dt.timedelta(days=rng.randint(0, stay))
        )
        self.phone_digits = _phone_digits(rng, locale)
        self.unit_phone_digits = _phone_digits(rng, locale)
        self.city = self._a_city()
        self.birthplace = self._a_city()
        self.pid = self._pid()
        self.journal_no = f"{self.admit.year}-{rng.randint(1, 999999):06d}"
        self.mrn = str(rng.randint(1000000, 9999999))
        self.relative = self._a_relative()
        self.doctors = [self._a_person(rng.choice("FM")) for _ in range(2)]
        self.nurse = self._a_person(rng.choice("FM"))
        self.unit = _health_care_unit(rng, self.faker, locale)
        self.dept = rng.choice(NB_DEPARTMENTS if locale == "nb" else EN_DEPARTMENTS)
        self.caller_is_relative = rng.random() < 0.6
        # Dated entries run from admission in a discharge summary, from the shift's day in a nursing note.
        self.day = self.note_day if self.kind == "nursing" else self.admit

    def _style(self) -> None:
        rng, locale = self.rng, self.locale
        # A note keeps mostly to one date and phone style, as one writer or one EHR would.
        self.date_style = _weighted(rng, DATE_WEIGHTS[locale])
        self.phone_style = _weighted(rng, PHONE_WEIGHTS[locale])
        self.heading_style = rng.choice(("colon", "upper", "inline"))
        self.bullet = rng.choice(("- ", "• ", "", "* "))
        self.header_upper = rng.random() < 0.2

    def _a_person(self, sex: str) -> _Person:
        return _Person(*_name(self.rng, self.fakers, self.locale, sex), sex)

    def _a_city(self) -> str:
        if self.locale == "nb" and self.rng.random() < 0.5:
            return self.rng.choice(NB_PLACES)
        return self.faker.city()

    def _pid(self) -> str:
        if self.locale == "en":
            return self.faker.ssn()
        # Faker's no_NO ssn encodes the birth date and sex and computes both mod-11 check digits.
        return self.faker.ssn(dob=f"{self.dob:%Y%m%d}", gender=self.sex)

    def _a_relative(self) -> _Relative:
        rng = self.rng
        kinds = (
            ("parent",)
            if self.age < 18
            else ("child", "spouse", "sibling", "other") + (("parent",) if self.age < 55 else ())
        )
        nb, en, sex, kind = rng.choice([r for r in RELATIONS if r[3] in kinds])
        person = self._a_person(sex or rng.choice("FM"))
        if kind in ("child", "spouse", "parent") and rng.random() < 0.6:
            person.family = self.patient.family  # families often share a surname
        return _Relative(person, (nb, en), _phone_digits(rng, self.locale))

    # ---- template choice
    def pick(self, category: str, k: int) -> list[tuple[str, str]]:
        pool = _POOLS[(self.split, category, self.locale)]
        return self.rng.sample(pool, min(k, len(pool)))

    def render(self, template_id: str, template: str, *, header: bool = False) -> list[Piece]:
        """The template's text as pieces, its slots filled; records the template as used."""
        if template_id not in self.used:
            self.used.append(template_id)
        self._local: dict[str, Any] = {}
        pieces: list[Piece] = []
        # Some EHRs print header labels in capitals; only the text before the first slot is a label.
        upper = header and self.header_upper
        for literal, field, _, _ in string.Formatter().parse(template):
            if literal:
                pieces.append((literal.upper() if upper else literal, None))
            if field is not None:
                upper = False
                pieces.extend(self.slot(field))
        return pieces

    def slot(self, field: str) -> list[Piece]:
        """The pieces of one slot; a capitalised slot name capitalises the value's first letter."""
        name = field[0].lower() + field[1:]
        if name in VOCABULARY:
            pieces = [(self._pick(name), None)]
        elif name in NUMBER_SLOTS:
            pieces = self._number(*NUMBER_SLOTS[name])
        else:
            pieces = getattr(self, f"_slot_{name}")()
        if field[0].isupper() and pieces:
            text, label = pieces[0]
            pieces[0] = (text[:1].upper() + text[1:], label)
        return pieces

    def emit(self, pieces: list[Piece]) -> None:
        for text, label in pieces:
            if text:
                self.out.write(text, label)

    # ---- PHI slots
    def _name_forms(self, person: _Person, weights: tuple[int, int, int, int]) -> list[Piece]:
        # Full name, given name, initial + family name, or title + family name: one span for the name only.
        form = self.rng.choices(("full", "given", "initial", "title"), weights=weights)[0]
        if form == "full":
            return [(person.full, "PATIENT")]
        if form == "given":
            return [(person.given, "PATIENT")]
        if form == "initial":
            return [(f"{person.given[0]}. {person.family}", "PATIENT")]
        if self.locale == "nb":
            title = "fru " if person.sex == "F" else "herr "
        else:
            title = self.rng.choice(("Ms. ", "Mrs. ")) if person.sex == "F" else "Mr. "
        return [(title, None), (person.family, "PATIENT")]

    def _slot_patient(self) -> list[Piece]:
        weights = (45, 25, 20, 10) if self.locale == "nb" else (35, 10, 15, 40)
        return self._name_forms(self.patient, weights)

    def _slot_patient_full(self) -> list[Piece]:
        return [(self.patient.full, "PATIENT")]

    def _slot_patient_given(self) -> list[Piece]:
        return [(self.patient.given, "PATIENT")]

    def _slot_patient_header(self) -> list[Piece]:
        p, roll = self.patient, self.rng.random()
        if roll < 0.25:
            return [(f"{p.family}, {p.given}", "PATIENT")]
        if roll < 0.35:
            return [(f"{p.family.upper()}, {p.given}", "PATIENT")]
        return [(p.full, "PATIENT")]

    def _slot_age(self) -> list[Piece]:
        return [(str(self.age), "AGE")]

    def _slot_age_attr(self) -> list[Piece]:
        age = str(self.age)
        if self.locale == "nb":
            return [(age, "AGE"), (" år gammel" if self.rng.random() < 0.5 else "-årig", None)]
        return [(age, "AGE"), ("-year-old" if self.rng.random() < 0.75 else " y/o", None)]

    def _slot_a_age_attr(self) -> list[Piece]:
        # English article before a number: "an 8-year-old", "an 11-year-old", "an 80-year-old".
        article = "an " if str(self.age).startswith("8") or self.age in (11, 18) else "a "
        return [(article, None), *self._slot_age_attr()]

    def _slot_age_pred(self) -> list[Piece]:
        age, roll = str(self.age), self.rng.random()
        if self.locale == "nb":
            return [(age, "AGE"), (" år" if roll < 0.6 else " år gammel", None)]
        if roll < 0.5:
            return [(age, "AGE"), (" year old" if self.age == 1 else " years old", None)]
        if roll < 0.75:
            return [("aged ", None), (age, "AGE")]
        return [(age, "AGE")]

    def _date(self, day: dt.date) -> list[Piece]:
        fmt = self.date_style if self.rng.random() < 0.7 else _weighted(self.rng, DATE_WEIGHTS[self.locale])
        return [(render_date(day, fmt), "DATE")]

    def _slot_dob(self) -> list[Piece]:
        return self._date(self.dob)

    def _slot_admit_date(self) -> list[Piece]:
        return self._date(self.admit)

    def _slot_discharge_date(self) -> list[Piece]:
        return self._date(self.discharge)

    def _slot_note_date(self) -> list[Piece]:
        return self._date(self.note_day)

    def _slot_event_date(self) -> list[Piece]:
        span = max(0, (self.discharge - self.admit).days)
        return self._date(self.admit + dt.timedelta(days=self.rng.randint(0, span)))

    def _slot_onset_date(self) -> list[Piece]:
        return self._date(self.admit - dt.timedelta(days=self.rng.randint(1, 30)))

    def _slot_past_date(self) -> list[Piece]:
        return self._date(self.admit - dt.timedelta(days=self.rng.randint(60, 3650)))

    def _slot_future_date(self) -> list[Piece]:
        return self._date(self.discharge + dt.timedelta(days=self.rng.randint(7, 120)))

    def _slot_day_date(self) -> list[Piece]:
        return self._date(self.day)

    def _phone(self, digits: str) -> list[Piece]:
        fmt = self.phone_style if self.rng.random() < 0.6 else _weighted(self.rng, PHONE_WEIGHTS[self.locale])
        return [(render_phone(digits, fmt), "PHONE")]

    def _slot_phone(self) -> list[Piece]:
        return self._phone(self.phone_digits)

    def _slot_rel_phone(self) -> list[Piece]:
        return self._phone(self.relative.phone)

    def _slot_unit_phone(self) -> list[Piece]:
        return self._phone(self.unit_phone_digits)

    def _slot_caller_phone(self) -> list[Piece]:
        return self._phone(self.relative.phone if self.caller_is_relative else self.phone_digits)

    def _slot_pid(self) -> list[Piece]:
        if self.locale == "nb" and self.rng.random() < 0.3:
            return [(f"{self.pid[:6]} {self.pid[6:]}", "ID")]  # "DDMMYY IIICC", as notes also write them
        return [(self.pid, "ID")]

    def _slot_journal_no(self) -> list[Piece]:
        return [(self.journal_no, "ID")]

    def _slot_mrn(self) -> list[Piece]:
        return [(self.mrn, "ID")]

    def _slot_city(self) -> list[Piece]:
        return [(self.city, "LOC")]

    def _slot_birthplace(self) -> list[Piece]:
        return [(self.birthplace, "LOC")]

    def _slot_place(self) -> list[Piece]:
        return [(self._a_city(), "LOC")]

    def _slot_address(self) -> list[Piece]:
        # A street address is one LOC span, street to town.
        rng = self.rng
        if self.locale == "en":
            f = self.faker
            return [
                (f"{f.street_address()}, {self.city}, {f.state_abbr(include_territories=False)} {f.zipcode()}", "LOC")
            ]
        street = rng.choice(NB_STREETS) if rng.random() < 0.5 else self.faker.street_name()
        number = f"{rng.randint(1, 120)}{rng.choice(('', '', '', 'A', 'B'))}"
        roll = rng.random()
        if roll < 0.6:
            return [(f"{street} {number}, {rng.randint(1, 9990):04d} {self.city}", "LOC")]
        if roll < 0.8:
            return [(f"{street} {number}, {self.city}", "LOC")]
        return [(f"{street} {number}", "LOC")]

    def _slot_relative(self) -> list[Piece]:
        rel = self.relative
        name = self._relative_name_text()
        if self.locale == "nb":
            if self.rng.random() < 0.2:
                return [(name, "PATIENT"), (f" ({rel.relation[0]})", None)]
            return [(f"{rel.relation[0]} ", None), (name, "PATIENT")]
        return [(f"{self._poss()} {rel.relation[1]} ", None), (name, "PATIENT")]

    def _relative_name_text(self) -> str:
        person = self.relative.person
        return person.full if self.rng.random() < 0.6 else person.given

    def _slot_relative_name(self) -> list[Piece]:
        return [(self._relative_name_text(), "PATIENT")]

    def _slot_caller(self) -> list[Piece]:
        # A header line names the caller first: "Innringer: Ingrid Hansen (datter)".
        if self.caller_is_relative:
            relation = self.relative.relation[0 if self.locale == "nb" else 1]
            return [(self._relative_name_text(), "PATIENT"), (f" ({relation})", None)]
        return self._slot_patient_full()

    def _slot_doctor(self) -> list[Piece]:
        doctor = self.doctors[0]
        roll = self.rng.random()
        if roll < 0.4:
            return [(doctor.full, "PATIENT")]
        if roll < 0.7:
            return [("dr. " if self.locale == "nb" else "Dr. ", None), (doctor.family, "PATIENT")]
        return [(f"{doctor.given[0]}. {doctor.family}", "PATIENT")]

    def _slot_doctor_full(self) -> list[Piece]:
        return [(self.doctors[0].full, "PATIENT")]

    def _slot_doctor2_full(self) -> list[Piece]:
        return [(self.doctors[1].full, "PATIENT")]

    def _slot_nurse(self) -> list[Piece]:
        nurse = self.nurse
        return [(nurse.full if self.rng.random() < 0.6 else nurse.given, "PATIENT")]

    # ---- slots that are not PHI
    def _pick(self, category: str) -> str:
        nb, en = self.rng.choice(VOCABULARY[category])
        return nb if self.locale == "nb" else en

    def _by_sex(self, female: tuple[str, str], male: tuple[str, str]) -> str:
        return (female if self.sex == "F" else male)[0 if self.locale == "nb" else 1]

    def _slot_relation(self) -> list[Piece]:
        return [(self.relative.relation[0 if self.locale == "nb" else 1], None)]

    def _slot_noun(self) -> list[Piece]:
        if self.age < 18:
            return [(self._by_sex(("jente", "girl"), ("gutt", "boy")), None)]
        return [(self._by_sex(("kvinne", "woman"), ("mann", "man")), None)]

    def _slot_pron(self) -> list[Piece]:
        return [(self._by_sex(("hun", "she"), ("han", "he")), None)]

    def _poss(self) -> str:
        return self._by_sex(("hennes", "her"), ("hans", "his"))

    def _slot_poss(self) -> list[Piece]:
        return [(self._poss(), None)]

    def _slot_sex_letter(self) -> list[Piece]:
        return [(self._by_sex(("K", "F"), ("M", "M")), None)]

    def _slot_unit(self) -> list[Piece]:
        return [(self.unit, None)]

    def _slot_dept(self) -> list[Piece]:
        return [(self.dept, None)]

    def _diagnosis(self, key: str) -> tuple[str, str, str]:
        # Within one sentence "{diagnosis}" stays one diagnosis and "{diagnosis2}" another.
        if key not in self._local:
            taken = [self._local[k] for k in ("diagnosis", "diagnosis2") if k in self._local]
            self._local[key] = self.rng.choice([d for d in DIAGNOSES if d not in taken])
        return self._local[key]

    def _slot_diagnosis(self) -> list[Piece]:
        _, nb, en = self._diagnosis("diagnosis")
        return [(nb if self.locale == "nb" else en, None)]

    def _slot_diagnosis2(self) -> list[Piece]:
        _, nb, en = self._diagnosis("diagnosis2")
        return [(nb if self.locale == "nb" else en, None)]

    def _slot_code_diagnosis(self) -> list[Piece]:
        code, nb, en = self._diagnosis("diagnosis")
        return [(f"{code} {nb if self.locale == 'nb' else en}", None)]

    def _drug(self) -> tuple[str, str, tuple[str, ...]]:
        if "drug" not in self._local:
            self._local["drug"] = self.rng.choice(DRUGS)
        return self._local["drug"]

    def _slot_drug(self) -> list[Piece]:
        nb, en, _ = self._drug()
        return [(nb if self.locale == "nb" else en, None)]

    def _slot_dose(self) -> list[Piece]:
        dose = self.rng.choice(self._drug()[2])
        return [(dose.replace(".", ",") if self.locale == "nb" else dose, None)]

    def _number(self, low: float, high: float, decimals: int = 0) -> list[Piece]:
        value = (
            f"{self.rng.uniform(low, high):.{decimals}f}" if decimals else str(self.rng.randint(int(low), int(high)))
        )
        return [(value.replace(".", ",") if self.locale == "nb" else value, None)]

    def _slot_bp(self) -> list[Piece]:
        return [(f"{self.rng.randint(95, 185)}/{self.rng.randint(50, 105)}", None)]

    def _slot_time(self) -> list[Piece]:
        hour, minute = self.rng.randint(6, 23), self.rng.choice((0, 5, 10, 15, 20, 30, 40, 45, 50))
        sep = "." if self.locale == "nb" and self.rng.random() < 0.3 else ":"
        return [(f"{hour:02d}{sep}{minute:02d}", None)]

    def _slot_daynum(self) -> list[Piece]:
        return [(str((self.day - self.admit).days + 1), None)]

    # ---- writing
    def write(self) -> dict[str, Any]:
        self._header()
        for section in BODY_LAYOUTS[self.kind]:
            self._section(section)
        text = self.out.text()
        meta = {
            "source": "synth",
            "form": "notes",
            "locale": self.locale,
            "kind": self.kind,
            "templates": list(self.used),
        }
        return {"text": text, "ner_tags": self.out.tags, "meta": meta}

    def _header(self) -> None:
        ((title_id, title),) = self.pick(f"title_{self.kind}", 1)
        self.emit(self.render(title_id, title))
        for category, chance in HEADER_LAYOUTS[self.kind]:
            if self.rng.random() < chance:
                ((template_id, template),) = self.pick(category, 1)
                self.out.write("\n")
                self.emit(self.render(template_id, template, header=True))

    def _section(self, section: Section) -> None:
        items = [
            item for category, low, high in section.draws for item in self.pick(category, self.rng.randint(low, high))
        ]
        entries = self._daily_count(section)
        if not items and not entries:
            return
        self.out.write("\n\n")
        if section.heading is not None:
            self._heading(section.heading, listed=section.listed)
        for i, (template_id, template) in enumerate(items):
            if section.listed:
                self.out.write(("\n" if i else "") + self.bullet)
            elif i:
                self.out.write(" ")
            self.emit(self.render(template_id, template))
        for i in range(entries):
            self._daily_entry(first=not items and i == 0)
        if self.long and section.daily is not None:
            self._long_entries()

    def _heading(self, key: str, *, listed: bool) -> None:
        heading = self.rng.choice(SECTION_HEADINGS[key][self.locale])
        if self.heading_style == "upper":
            self.out.write(heading.upper() + "\n")
        elif self.heading_style == "inline" and not listed:  # a list starts on its own line
            self.out.write(heading + ": ")
        else:
            self.out.write(heading + ":\n")

    def _daily_count(self, section: Section) -> int:
        if section.daily is None:
            return 0
        return self.rng.randint(*section.daily)

    def _daily_entry(self, *, first: bool = False) -> None:
        # A dated entry: "14.12.2018 kl. 08:15: Stabil natt, sov godt. CRP fallende til 40."
        if not first:
            self.out.write("\n")
        ((head_id, head),) = self.pick("progress_head", 1)
        self.emit(self.render(head_id, head))
        for template_id, template in self.pick("progress", self.rng.randint(1, 4)):
            self.out.write(" ")
            self.emit(self.render(template_id, template))
        if self.rng.random() < 0.8:
            self.day += dt.timedelta(days=1)

    def _long_entries(self) -> None:
        while len(self.out.text().split()) < self.long_words:
            self._daily_entry()


NUMBER_SLOTS: dict[str, tuple[float, float, int]] = {
    "pulse": (48, 130, 0),
    "temp": (35.8, 39.9, 1),
    "spo2": (86, 100, 0),
    "resp": (12, 30, 0),
    "crp": (1, 320, 0),
    "hb": (8.5, 16.5, 1),
    "leuk": (3.5, 22.0, 1),
    "creat": (50, 300, 0),
    "kalium": (3.0, 5.8, 1),
    "trop": (5, 400, 0),
    "trop2": (400, 900, 0),
    "weight": (40, 130, 0),
    "vas": (0, 10, 0),
    "urine": (400, 2500, 0),
    "hba1c": (40, 90, 0),
    "packyears": (5, 50, 0),
    "years": (2, 40, 0),
    "days": (2, 10, 0),
    "weeks": (2, 12, 0),
    "months": (2, 12, 0),
    "times": (1, 3, 0),
}
"""Number slot -> (low, high, decimals); Norwegian notes write a decimal comma."""


def _check_templates() -> None:
    # Fail at import, not mid-generation, if a template names a slot that does not exist.
    known = {name[len("_slot_") :] for name in dir(_Note) if name.startswith("_slot_")}
    known |= set(VOCABULARY) | set(NUMBER_SLOTS)
    for category, by_locale in TEMPLATES.items():
        for locale, table in by_locale.items():
            for template in table:
                for _, field, _, _ in string.Formatter().parse(template):
                    if field is not None and field[0].lower() + field[1:] not in known:
                        raise ValueError(f"template {category}.{locale} {template!r} uses unknown slot {field!r}")


_check_templates()


# --------------------------------------------------------------------------------------------------------------
# Public API.


def make_note(
    rng: random.Random,
    fakers: Mapping[str, Faker],
    split: str = "train",
    locale: str | None = None,
    kind: str | None = None,
) -> dict[str, Any]:
    """One note record drawn from ``split``'s templates; locale and kind are drawn unless given."""
    if split not in ("train", "test"):
        raise ValueError(f"split {split!r} is unknown; expected train or test")
    locale = locale or pick_locale(rng)
    kind = kind or rng.choices(list(KIND_WEIGHTS), weights=list(KIND_WEIGHTS.values()))[0]
    if kind not in NOTE_KINDS:
        raise ValueError(f"note kind {kind!r} is unknown; expected one of {', '.join(NOTE_KINDS)}")
    return _Note(rng, fakers, split, locale, kind).write()


def generate_notes(n_train: int, n_test: int, seed: int) -> dict[str, list[dict[str, Any]]]:
    """``{"train": [...], "test": [...]}`` of notes, the same for the same arguments.

    Train notes use only train templates and test notes only test templates; each split draws from its own
    seeded streams, so the test split does not change with ``n_train``.
    """
    sizes = {"train": n_train, "test": n_test}
    for name, size in sizes.items():
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise ValueError(f"n_{name} should be a non-negative integer, got {size!r}")
    out = {}
    for name, size in sizes.items():
        stream = f"{seed}:notes:{name}"
        rng, fakers = random.Random(stream), make_fakers(stream)
        out[name] = [make_note(rng, fakers, name) for _ in range(size)]
    return out


FORMS = ("notes", "mixed")


def build_notes(
    out: str | Path,
    n_train: int = 1000,
    n_test: int = 100,
    seed: int = 0,
    form: str = "notes",
    scenario_share: float = 0.5,
) -> Path:
    """Generate notes (``form="notes"``) or notes and scenario records (``"mixed"``) and save a dataset folder.

    In ``mixed`` form ``scenario_share`` of each split are scenario records from
    :func:`phiner.data.synth.scenarios.generate`, shuffled in among the notes with a seeded shuffle.
    """
    if form not in FORMS:
        raise ValueError(f"form {form!r} is unknown; expected one of {', '.join(FORMS)}")
    info: dict[str, Any] = {"source": "synth", "form": form, "seed": seed, "template_counts": TEMPLATE_COUNTS}
    if form == "notes":
        return save_dataset(out, generate_notes(n_train, n_test, seed), info=info)
    if not 0.0 <= scenario_share <= 1.0:
        raise ValueError(f"scenario_share should lie in [0, 1], got {scenario_share!r}")
    n_scen = {"train": round(n_train * scenario_share), "test": round(n_test * scenario_share)}
    notes = generate_notes(n_train - n_scen["train"], n_test - n_scen["test"], seed)
    scenarios = generate(n_scen["train"], n_scen["test"], seed)
    splits = {}
    for name in ("train", "test"):
        records = notes[name] + scenarios[name]
        random.Random(f"{seed}:mixed:{name}").shuffle(records)
        splits[name] = records
    info.update(scenario_share=scenario_share, scenarios=n_scen)
    return save_dataset(out, splits, info=info)
