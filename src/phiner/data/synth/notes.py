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
import random
import string
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from faker import Faker

from phiner.core.errors import Errors, SettingError
from phiner.core.vocab import NB_PLACES
from phiner.data.dataset import save_dataset
from phiner.data.synth.noise import draw_operations, perturb
from phiner.data.synth.note_slots import (
    _Person,
    _Relative,
    _Slots,
    _Writer,
)
from phiner.data.synth.note_tables import (
    _POOLS,
    BODY_LAYOUTS,
    DATE_WEIGHTS,
    HEADER_LAYOUTS,
    KIND_WEIGHTS,
    LONG_KINDS,
    LONG_SHARE,
    LONG_WORDS,
    NOTE_KINDS,
    PHONE_WEIGHTS,
    RELATIONS,
    SECTION_HEADINGS,
    TEMPLATE_COUNTS,
    TEMPLATES,
    VOCABULARY,
    Piece,
    Section,
    _phone_digits,
    _weighted,
)
from phiner.data.synth.scenarios import (
    EN_DEPARTMENTS,
    NB_DEPARTMENTS,
    _admission_date,
    _age,
    _birth_date,
    _health_care_unit,
    _name,
    generate,
    make_fakers,
    pick_locale,
)
from phiner.data.synth.style_slots import _StyleSlots


class _Note(_Slots, _StyleSlots):
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
        # A sentence is not repeated within a note while others of its category remain.
        pool = [item for item in pool if item[0] not in self.used] or pool
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
        return {"text": text, "ner_tags": self.out.tags, "known": self.known(), "meta": meta}

    def known(self) -> dict[str, list[str]]:
        """What the record system knows about the note's patient (its ``known`` PHI), as in Nor-DeID's
        scenarios: the name, identifiers, phone number, birth date, age and home town."""
        return {
            "PATIENT": [self.patient.full],
            "ID": [self.pid, self.mrn],
            "PHONE": [self.phone_digits],
            "DATE": [self.dob.isoformat()],
            "AGE": [str(self.age)],
            "LOC": [self.city],
        }

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
        if section.shuffled:
            self.rng.shuffle(items)
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
                        # Not from the catalogue: it quotes the template, a text of phiner's own tables.
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
        raise SettingError(Errors.E105.format(given=split))
    locale = locale or pick_locale(rng)
    kind = kind or rng.choices(list(KIND_WEIGHTS), weights=list(KIND_WEIGHTS.values()))[0]
    if kind not in NOTE_KINDS:
        raise SettingError(Errors.E106.format(given=kind, choices=", ".join(NOTE_KINDS)))
    record = _Note(rng, fakers, split, locale, kind).write()
    if locale == "en":
        record = safe_harbor_ages(record)
    operations = draw_operations(rng, kind)
    return perturb(record, rng, operations) if operations else record


def safe_harbor_ages(record: dict[str, Any]) -> dict[str, Any]:
    """``record`` labelled as HIPAA's Safe Harbor has ages (English notes): only ages over 89 are PHI (AGE);
    a younger age is no identifier, so it is not labelled, nor kept among the patient's known PHI.

    >>> safe_harbor_ages({"text": "a 41 yo, mother 94", "ner_tags": [{"start": 2, "end": 4, "label": "AGE"},
    ...     {"start": 16, "end": 18, "label": "AGE"}], "known": {"AGE": ["41"]}})["ner_tags"]
    [{'start': 16, 'end': 18, 'label': 'AGE'}]
    """

    def over_89(value: str) -> bool:
        digits = "".join(ch for ch in value if ch.isdigit())
        number = int(digits) if digits else _english_number(value)
        return number is None or number >= 90

    text = record["text"]
    tags = [t for t in record["ner_tags"] if t["label"] != "AGE" or over_89(text[t["start"] : t["end"]])]
    known = dict(record.get("known") or {})
    if "AGE" in known:
        known["AGE"] = [a for a in known["AGE"] if over_89(a)]
        if not known["AGE"]:
            del known["AGE"]
    return {**record, "ner_tags": tags, **({"known": known} if "known" in record else {})}


_UNITS = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
_UNITS += "seventeen eighteen nineteen"
_NUMBER_WORDS = {w: i for i, w in enumerate(_UNITS.split())}
_NUMBER_WORDS |= {w: 10 * i for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split(), 2)}


def _english_number(value: str) -> int | None:
    """``value`` written in English words (``eight``, ``forty-one``) as a number; None when it is not one.

    >>> _english_number("Forty-one"), _english_number("twelve"), _english_number("many")
    (41, 12, None)
    """
    words = value.lower().replace("-", " ").split()
    if not words or any(w not in _NUMBER_WORDS for w in words):
        return None
    return sum(_NUMBER_WORDS[w] for w in words)


def generate_notes(n_train: int, n_test: int, seed: int) -> dict[str, list[dict[str, Any]]]:
    """``{"train": [...], "test": [...]}`` of notes, the same for the same arguments.

    Train notes use only train templates and test notes only test templates; each split draws from its own
    seeded streams, so the test split does not change with ``n_train``.
    """
    sizes = {"train": n_train, "test": n_test}
    for name, size in sizes.items():
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise SettingError(Errors.E104.format(name=name, given=size))
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
        raise SettingError(Errors.E107.format(given=form, choices=", ".join(FORMS)))
    info: dict[str, Any] = {"source": "synth", "form": form, "seed": seed, "template_counts": TEMPLATE_COUNTS}
    if form == "notes":
        return save_dataset(out, generate_notes(n_train, n_test, seed), info=info)
    if not 0.0 <= scenario_share <= 1.0:
        raise SettingError(Errors.E108.format(given=scenario_share))
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
