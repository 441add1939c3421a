"""The tables of generated notes: PHI formats and their weights, the vocabulary and templates (read from
``notes_text.yaml``), the layouts of each kind of note, the fixed template split, and how values are
written (dates, phone numbers)."""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import string
from collections.abc import Mapping
from dataclasses import dataclass

from phiner.core.errors import Errors, SettingError
from phiner.core.vocab import MONTHS, NB_MONTHS
from phiner.data.synth.scenarios import (
    format_date,
)
from phiner.data.synth.text import load_text

Piece = tuple[str, str | None]
"""A piece of note text and its entity type, None for text that is not PHI."""

# --------------------------------------------------------------------------------------------------------------
# Formats of the PHI values (id -> example). The tests check each one occurs.


_TEXT = load_text("notes_text.yaml")
_STYLES = load_text("styles_text.yaml")


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
    "icu": ("intensivnotat", "ICU nursing note"),
    "journal": ("journalnotat", "progress note"),
}
"""Note kind -> (Norwegian name, English name)."""

KIND_WEIGHTS: dict[str, int] = {
    "discharge": 20,
    "referral": 14,
    "admission": 14,
    "nursing": 14,
    "phone": 10,
    "icu": 14,
    "journal": 14,
}

TEST_SHARE = 0.25
"""Share of each template category (per locale) kept for the test split."""

LONG_SHARE = 0.12
"""Share of discharge summaries and nursing notes that run for weeks of daily entries (1,000-3,000 words)."""

# Weights of the formats per locale: Norwegian notes favour "14.12.2018" and "14. desember 2018".
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

TEMPLATES = {**_TEXT["templates"], **_STYLES["templates"]}

SECTION_HEADINGS = {**_TEXT["section_headings"], **_STYLES["section_headings"]}


@dataclass(frozen=True)
class Section:
    """A body section: an optional heading, then sentences drawn per (category, fewest, most)."""

    heading: str | None
    draws: tuple[tuple[str, int, int], ...]
    listed: bool = False
    """One item per line (medication lists, diagnoses) rather than running prose."""
    daily: tuple[int, int] | None = None
    """Dated progress entries (fewest, most) after the sentences; long notes get many more."""
    shuffled: bool = False
    """Sentences in a random order rather than by category (prose, where PHI sentences mix with the rest)."""


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
    "icu": (("icu_head", 0.6),),
    "journal": (("h_date", 0.5), ("h_name", 0.3)),
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
    "icu": (
        Section(None, (("icu_intro", 0, 1),)),
        Section(
            None,
            (
                ("icu_neuro", 1, 1),
                ("icu_cv", 1, 1),
                ("icu_resp", 1, 1),
                ("icu_gi", 0, 2),
                ("icu_misc", 0, 2),
                ("icu_social", 0, 2),
                ("icu_plan", 1, 2),
            ),
            listed=True,
        ),
        Section(None, (("icu_sign", 0, 1),)),
    ),
    "journal": (
        Section("history", (("journal_intro", 1, 1), ("journal_plain", 2, 4)), shuffled=True),
        Section("family", (("journal_family", 1, 3), ("journal_plain", 1, 3)), shuffled=True),
        Section("social", (("journal_social", 1, 3), ("journal_plain", 2, 4)), shuffled=True),
        Section("plan", (("journal_clinic", 1, 2), ("journal_plain", 2, 4)), shuffled=True),
        Section(None, (("journal_sign", 0, 1),)),
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
                raise ValueError(Errors.E109.format(name=category, name2=locale))  # phiner's own tables, at import
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
        raise SettingError(Errors.E110.format(given=fmt, choices=", ".join(DATE_FORMATS)))
    return formats[fmt]


def render_phone(digits: str, fmt: str) -> str:
    """``digits`` written in a :data:`PHONE_FORMATS` pattern, filling its ``d`` places in order.

    >>> render_phone("91711663", "+47 ddd dd ddd")
    '+47 917 11 663'
    """
    if fmt.count("d") != len(digits):
        raise SettingError(Errors.E111.format(given=fmt, count=fmt.count("d"), count2=len(digits)))
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
