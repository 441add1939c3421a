"""The people of a generated note and the slots its templates hold."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from phiner.core.vocab import NB_STREETS
from phiner.data.synth.note_tables import (
    DATE_WEIGHTS,
    DIAGNOSES,
    DRUGS,
    PHONE_WEIGHTS,
    VOCABULARY,
    Piece,
    _weighted,
    render_date,
    render_phone,
)

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
                # Not from the catalogue: it quotes the value, a fake of phiner's own making (a check of the generator).
                raise ValueError(f"a {label} value must be non-empty with no surrounding blanks, got {text!r}")
            self.tags.append({"start": self.length, "end": self.length + len(text), "label": label})
        self.parts.append(text)
        self.length += len(text)

    def text(self) -> str:
        return "".join(self.parts)


class _Slots:
    """The slots a template can hold: ``{name}`` is filled by ``_slot_name`` (PHI values with their spans, and
    the clinical words around them). Mixed into the note being written, whose persona they read."""

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
        return [(self.unit, "LOC")]  # a hospital or clinic is a location, as in the i2b2 2014 guidelines

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
