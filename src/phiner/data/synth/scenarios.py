"""Synthetic records in the "scenarios" form of Nor-DeID-SynthData, so that phiner runs with no outside data.

A scenario is an ordered set of ``key: value`` lines; the values of the PHI fields are tagged::

    locale: nb
    givenName: Kari
    familyName: Nordmann
    ...

Every value is generated here (Faker plus small embedded tables); nothing is taken from the real data set.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from faker import Faker

from phiner.core.errors import Errors, RecordError, SettingError
from phiner.core.vocab import FAKER_LOCALES, MONTHS, NB_TOWNS
from phiner.data.dataset import save_dataset
from phiner.data.synth.text import load_text

SCENARIO_FIELDS: tuple[str, ...] = (
    "locale",
    "noteType",
    "translatedNoteType",
    "givenName",
    "familyName",
    "age",
    "phoneNumber",
    "city",
    "healthCareUnit",
    "diagnosis",
    "birthDate",
    "admissionDate",
    "socialSecurityNumber",
    "findings",
)
"""The fields of a scenario, in the data set's order."""

SCENARIO_LABELS: dict[str, str] = {
    "givenName": "PATIENT",
    "familyName": "PATIENT",
    "age": "AGE",
    "phoneNumber": "PHONE",
    "city": "LOC",
    "birthDate": "DATE",
    "admissionDate": "DATE",
    "socialSecurityNumber": "ID",
}
"""Scenario field -> entity type; fields not named here are not PHI (label O)."""


NB_SHARE = 0.7
"""Share of Norwegian (``nb``) scenarios; the rest are ``en``."""


FIRST_ADMISSION = dt.date(2010, 1, 1)
LAST_ADMISSION = dt.date(2024, 12, 31)
MAX_AGE = 105

_TEXT = load_text("scenarios_text.yaml")

NOTE_TYPES = _TEXT["note_types"]
"""(English note type, its Norwegian name)."""

# One finding is drawn from each group, then the seven are shuffled: a note states each vital sign once.
FINDING_GROUPS = _TEXT["finding_groups"]

# ICD-10-CM codes written without the dot, then the English description, as the data set writes them.
DIAGNOSES = _TEXT["diagnoses"]

# Health-care units are institutions, not the patient's city: they come from their own tables, untagged.
NB_TRUSTS = _TEXT["nb_trusts"]
NB_DEPARTMENTS = _TEXT["nb_departments"]
NB_LOCAL_UNITS = _TEXT["nb_local_units"]
EN_DEPARTMENTS = _TEXT["en_departments"]
EN_SAINTS = _TEXT["en_saints"]


def render_scenario(fields: Mapping[str, object]) -> dict[str, Any]:
    """One record from an ordered mapping field -> value, tagging the fields of :data:`SCENARIO_LABELS`.

    >>> render_scenario({"locale": "nb", "age": 41})
    {'text': 'locale: nb\\nage: 41', 'ner_tags': [{'start': 16, 'end': 18, 'label': 'AGE'}]}
    """
    lines: list[str] = []
    tags: list[dict[str, Any]] = []
    offset = 0
    for key, value in fields.items():
        rendered = _render_value(key, value)
        head = f"{key}: "
        label = SCENARIO_LABELS.get(key)
        span = _value_span(rendered, offset + len(head))
        if label is not None and span is not None:
            tags.append({"start": span[0], "end": span[1], "label": label})
        line = head + rendered
        lines.append(line)
        offset += len(line) + 1  # the "\n" that joins the lines
    return {"text": "\n".join(lines), "ner_tags": tags}


def _render_value(key: str, value: object) -> str:
    if value is None:
        return ""
    # Lists are written as Python writes them, e.g. "['no pain', 'full mobility']", as the data set does.
    rendered = str(value)
    if "\n" in rendered:
        raise RecordError(Errors.E102.format(field=key))
    return rendered


def _value_span(rendered: str, start: int) -> tuple[int, int] | None:
    # Surrounding blanks are not PHI: the span hugs the value.
    stripped = rendered.strip()
    if not stripped:
        return None
    lead = len(rendered) - len(rendered.lstrip())
    return start + lead, start + lead + len(stripped)


def make_fakers(seed: object) -> dict[str, Faker]:
    """One seeded Faker per scenario locale (``nb``, ``en``); seeded per instance, so global state is untouched."""
    fakers = {}
    for locale, faker_locale in FAKER_LOCALES.items():
        faker = Faker(faker_locale)
        faker.seed_instance(f"{seed}:{locale}")
        fakers[locale] = faker
    return fakers


def pick_locale(rng: random.Random) -> str:
    """``nb`` or ``en``, in the proportion :data:`NB_SHARE`."""
    return "nb" if rng.random() < NB_SHARE else "en"


def make_scenario(rng: random.Random, fakers: Mapping[str, Faker], locale: str) -> dict[str, object]:
    """A realistic scenario, its fields in :data:`SCENARIO_FIELDS` order; ``fakers`` from :func:`make_fakers`."""
    if locale not in FAKER_LOCALES:
        raise SettingError(Errors.E103.format(given=locale, choices=", ".join(FAKER_LOCALES)))
    faker = fakers[locale]
    sex = rng.choice("FM")
    note_type, note_type_nb = rng.choice(NOTE_TYPES)
    age = _age(rng)
    admission = _admission_date(rng)
    birth = _birth_date(rng, admission, age)
    given, family = _name(rng, fakers, locale, sex)
    return {
        "locale": locale,
        "noteType": note_type,
        "translatedNoteType": note_type_nb if locale == "nb" else note_type,
        "givenName": given,
        "familyName": family,
        "age": age,
        "phoneNumber": _phone(rng, locale),
        "city": faker.city(),
        "healthCareUnit": _health_care_unit(rng, faker, locale),
        "diagnosis": rng.choice(DIAGNOSES),
        "birthDate": format_date(birth),
        "admissionDate": format_date(admission),
        "socialSecurityNumber": _ssn(rng, faker, locale, birth, sex),
        "findings": _findings(rng),
    }


def format_date(day: dt.date) -> str:
    """The data set's date style, English month whatever the system locale.

    >>> format_date(dt.date(1982, 1, 1))
    'January 01. 1982'
    """
    return f"{MONTHS[day.month - 1]} {day.day:02d}. {day.year}"


def age_at(birth: dt.date, day: dt.date) -> int:
    """Whole years from ``birth`` to ``day``."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _age(rng: random.Random) -> int:
    # Mostly adults, as in hospital notes, with children and the very old present too.
    roll = rng.random()
    if roll < 0.10:
        return rng.randint(0, 17)
    if roll < 0.95:
        return rng.randint(18, 90)
    return rng.randint(91, MAX_AGE)


def _admission_date(rng: random.Random) -> dt.date:
    span = (LAST_ADMISSION - FIRST_ADMISSION).days
    return FIRST_ADMISSION + dt.timedelta(days=rng.randint(0, span))


def _birth_date(rng: random.Random, admission: dt.date, age: int) -> dt.date:
    # The birth dates at which a patient is exactly `age` on the admission day form one interval.
    latest = _years_before(admission, age)
    earliest = _years_before(admission, age + 1) + dt.timedelta(days=1)
    while True:
        birth = earliest + dt.timedelta(days=rng.randint(0, (latest - earliest).days))
        if age_at(birth, admission) == age:  # guards the 29 February edge
            return birth


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year - years, day=28)


def _name(rng: random.Random, fakers: Mapping[str, Faker], locale: str, sex: str) -> tuple[str, str]:
    # Norwegian notes name many patients with names from abroad; borrow English names for some of them.
    source = fakers["en"] if locale == "nb" and rng.random() < 0.15 else fakers[locale]
    first = source.first_name_female if sex == "F" else source.first_name_male
    given = first()
    roll = rng.random()
    if roll < 0.12:
        given = f"{given} {_other(first, given)}"
    elif roll < 0.18:
        given = f"{given}-{_other(first, given)}"
    family = source.last_name()
    if rng.random() < 0.08:
        family = f"{family}-{_other(source.last_name, family)}"
    return given, family


def _other(make: Any, taken: str) -> str:
    # A second name part that differs from the first ("Ole Ole" reads as a bug, not a name).
    for _ in range(10):
        value = make()
        if value != taken:
            return value
    return value


def _phone(rng: random.Random, locale: str) -> str:
    return _phone_nb(rng) if locale == "nb" else _phone_en(rng)


def _phone_nb(rng: random.Random) -> str:
    # Mobile numbers start with 4 or 9, landlines with 2, 3, 5, 6 or 7; all have eight digits.
    lead = rng.choice("49") if rng.random() < 0.7 else rng.choice("23567")
    number = lead + _digits(rng, 7)
    style = rng.choices(("0047", "+47", "plain", "+47 spaced", "spaced"), weights=(30, 33, 22, 10, 5))[0]
    grouped = f"{number[:3]} {number[3:5]} {number[5:]}"
    return {
        "0047": "0047" + number,
        "+47": "+47" + number,
        "plain": number,
        "+47 spaced": "+47 " + grouped,
        "spaced": grouped,
    }[style]


def _phone_en(rng: random.Random) -> str:
    # North American numbering: area code and exchange never start with 0 or 1.
    area = str(rng.randint(2, 9)) + _digits(rng, 2)
    exchange = str(rng.randint(2, 9)) + _digits(rng, 2)
    line = _digits(rng, 4)
    return rng.choice(
        (
            f"({area}) {exchange}-{line}",
            f"{area}-{exchange}-{line}",
            f"{area}.{exchange}.{line}",
            f"+1 {area}-{exchange}-{line}",
            f"+1{area}{exchange}{line}",
        )
    )


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def _health_care_unit(rng: random.Random, faker: Faker, locale: str) -> str:
    return _unit_nb(rng) if locale == "nb" else _unit_en(rng, faker)


def _unit_nb(rng: random.Random) -> str:
    trust, town, department = rng.choice(NB_TRUSTS), rng.choice(NB_TOWNS), rng.choice(NB_DEPARTMENTS)
    hospital = f"{town} {rng.choice(('sykehus', 'sjukehus'))}"
    return rng.choice(
        (
            trust,
            f"{trust}, {department}",
            f"{trust}, {hospital}",
            f"{trust}, {hospital}, {department}",
            f"{trust}, avdeling {town}",
            f"{town} {rng.choice(NB_LOCAL_UNITS)}",
        )
    )


def _unit_en(rng: random.Random, faker: Faker) -> str:
    department = rng.choice(EN_DEPARTMENTS)
    hospital = rng.choice(
        (
            f"{faker.city()} General Hospital",
            f"St. {rng.choice(EN_SAINTS)}'s Medical Center",
            f"{faker.last_name()} Memorial Hospital",
            f"University of {faker.state()} Medical Center",
            f"{faker.city()} Community Clinic",
        )
    )
    return hospital if rng.random() < 0.5 else f"{hospital}, {department}"


def _ssn(rng: random.Random, faker: Faker, locale: str, birth: dt.date, sex: str) -> str:
    if locale == "en":
        return faker.ssn()
    # Faker's no_NO ssn encodes the birth date and sex and computes both mod-11 check digits.
    number = faker.ssn(dob=f"{birth:%Y%m%d}", gender=sex)
    # The data set also writes them as "DDMMYY IIICC"; keep a share in that style.
    return f"{number[:6]} {number[6:]}" if rng.random() < 0.3 else number


def _findings(rng: random.Random) -> list[str]:
    findings = [rng.choice(group) for group in FINDING_GROUPS]
    rng.shuffle(findings)
    return findings


def make_record(rng: random.Random, fakers: Mapping[str, Faker]) -> dict[str, Any]:
    """One synthetic record with its ``meta``."""
    locale = pick_locale(rng)
    record = render_scenario(make_scenario(rng, fakers, locale))
    record["meta"] = {"source": "synth", "form": "scenarios", "locale": locale}
    return record


def generate(n_train: int, n_test: int, seed: int) -> dict[str, list[dict[str, Any]]]:
    """``{"train": [...], "test": [...]}``, the same for the same arguments.

    Each split draws from its own seeded streams, so the test split does not change with ``n_train``.
    """
    sizes = {"train": n_train, "test": n_test}
    for name, size in sizes.items():
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise SettingError(Errors.E104.format(name=name, given=size))
    return {name: _split(f"{seed}:{name}", size) for name, size in sizes.items()}


def _split(stream: str, size: int) -> list[dict[str, Any]]:
    # String seeds hash with SHA-512 in random.Random, so they are stable across runs and PYTHONHASHSEED.
    rng = random.Random(stream)
    fakers = make_fakers(stream)
    return [make_record(rng, fakers) for _ in range(size)]


def build(out: str | Path, n_train: int = 1000, n_test: int = 100, seed: int = 0) -> Path:
    """Generate the splits and save them as a dataset folder (JSONL, ``hf`` DatasetDict, ``info.json``)."""
    splits = generate(n_train, n_test, seed)
    return save_dataset(out, splits, info={"source": "synth", "form": "scenarios", "seed": seed})
