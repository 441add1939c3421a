"""Slots of the ICU and journal styles (``styles_text.yaml``): the PHI that human-annotated corpora mark and
tidy notes rarely show. Dates without a year (``7/14``, ``14.7``), years alone (``s/p CABG 04``), clinicians
after titles in any case (``dr smith``, ``HO JONES``, ``NP Kelly``), hospitals, workplaces, pager numbers,
relatives' ages and ages in words (``da han var ti``). Mixed into the note being written, like ``_Slots``.

Decisions (docs/training.md, "phiner data synth"): a clinician's name is PATIENT, as every other person's name in phiner;
hospitals, clinics and workplaces are LOC (the i2b2 2014 guidelines count them as LOCATION); a pager or
calling number is PHONE; a year alone or a day and month is DATE; every age is AGE, the number only.
"""

from __future__ import annotations

import datetime as dt

from phiner.core.vocab import NB_MONTHS
from phiner.data.synth.note_tables import Piece
from phiner.data.synth.scenarios import EN_SAINTS, NB_TOWNS, NB_TRUSTS

EN_TITLES = ("Dr. ", "Dr ", "dr ", "DR. ", "NP ", "HO ", "RN ", "PA ", "Attending ")
NB_TITLES = ("dr. ", "Dr. ", "lege ", "overlege ", "LIS ", "spl. ", "sykepleier ", "turnuslege ", "fysioterapeut ")

NUMBER_WORDS = {
    "nb": ("seks", "sju", "åtte", "ni", "ti", "elleve", "tolv", "tretten", "fjorten", "femten", "seksten", "atten"),
    "en": ("six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen"),
}
NB_WORKPLACES = ("skole", "sykehjem", "barnehage", "legekontor", "bo- og omsorgssenter", "sag", "kommune")
EN_WORKPLACES = ("High School", "Elementary", "Nursing Home", "Family Practice", "Medical Group", "Community Center")


class _StyleSlots:
    """Slots of the telegraphic and prose styles; reads the note's persona (rng, locale, faker, dates)."""

    def _a_day(self) -> dt.date:
        span = max(0, (self.discharge - self.admit).days)
        return self.admit + dt.timedelta(days=self.rng.randint(-3, span))

    def _slot_short_date(self) -> list[Piece]:
        # A day and month, no year: "7/14" in US notes; "14.7", "14.07." or "14. juli" in Norwegian ones.
        day, rng = self._a_day(), self.rng
        if self.locale == "en":
            text = rng.choice((f"{day.month}/{day.day}", f"{day.month}/{day.day}", f"{day.month:02d}/{day.day:02d}"))
        else:
            text = rng.choice(
                (f"{day.day}.{day.month}", f"{day.day:02d}.{day.month:02d}", f"{day.day}. {NB_MONTHS[day.month - 1]}")
            )
        return [(text, "DATE")]

    def _slot_us_date(self) -> list[Piece]:
        day, rng = self._a_day(), self.rng
        if self.locale == "en":
            year = str(day.year) if rng.random() < 0.7 else f"{day.year % 100:02d}"
            return [(f"{day.month}/{day.day}/{year}", "DATE")]
        return [
            (
                rng.choice(
                    (f"{day.day}.{day.month}.{day.year}", f"{day.day:02d}.{day.month:02d}.{day.year % 100:02d}")
                ),
                "DATE",
            )
        ]

    def _slot_year(self) -> list[Piece]:
        # A past year alone; "'04" and "04" keep the apostrophe out of the span.
        year, roll = self.admit.year - self.rng.randint(1, 30), self.rng.random()
        if roll < 0.6:
            return [(str(year), "DATE")]
        if roll < 0.8 and self.locale == "en":
            return [("'", None), (f"{year % 100:02d}", "DATE")]
        return [(f"{year % 100:02d}", "DATE")]

    def _slot_age_short(self) -> list[Piece]:
        age, rng = str(self.age), self.rng
        if self.locale == "nb":
            return [(age, "AGE"), (rng.choice((" år", "-årig", " år gml.", " år gammel")), None)]
        return [(age, "AGE"), (rng.choice((" yo", "yo", " y/o", " y.o.", " yr old", " year old", "-year-old")), None)]

    def _slot_rel_age(self) -> list[Piece]:
        return [(str(self.rng.randint(38, 97)), "AGE")]

    def _slot_rel_child_age(self) -> list[Piece]:
        return [(str(self.rng.randint(2, 17)), "AGE")]

    def _slot_decade(self) -> list[Piece]:
        # "i 50-årene" / "in his 50s": the decade is the age.
        decade = str(self.rng.choice((30, 40, 50, 60, 70, 80)))
        if self.locale == "nb":
            return [(decade, "AGE"), ("-årene", None)]
        return [(self.rng.choice(("his ", "her ", "their ")), None), (decade, "AGE"), ("s", None)]

    def _slot_age_word(self) -> list[Piece]:
        return [(self.rng.choice(NUMBER_WORDS[self.locale]), "AGE")]

    def _cased(self, text: str) -> str:
        # Telegraphic notes write names as they come: "dr smith", "HO JONES", "Kelly".
        roll = self.rng.random()
        if roll < 0.2:
            return text.lower()
        if roll < 0.35:
            return text.upper()
        return text

    def _clinician_text(self) -> str:
        person = self.rng.choice((*self.doctors, self.nurse))
        roll = self.rng.random()
        text = person.family if roll < 0.6 else person.full if roll < 0.85 else f"{person.given[0]}. {person.family}"
        return self._cased(text)

    def _slot_clinician(self) -> list[Piece]:
        title = self.rng.choice(NB_TITLES if self.locale == "nb" else EN_TITLES)
        return [(self._cased(title.strip()) + " ", None), (self._clinician_text(), "PATIENT")]

    def _slot_clinician_name(self) -> list[Piece]:
        return [(self._clinician_text(), "PATIENT")]

    def _slot_other_name(self) -> list[Piece]:
        return [(self._a_person(self.rng.choice("FM")).given, "PATIENT")]

    def _slot_female_name(self) -> list[Piece]:
        return [(self._a_person("F").given, "PATIENT")]

    def _slot_male_name(self) -> list[Piece]:
        return [(self._a_person("M").given, "PATIENT")]

    def _slot_hospital(self) -> list[Piece]:
        rng = self.rng
        if self.locale == "nb":
            town = rng.choice(NB_TOWNS)
            text = rng.choice(
                (f"{town} sykehus", f"{town} sjukehus", rng.choice(NB_TRUSTS), f"sykehuset i {town}", f"{town} DPS")
            )
            if text.startswith("sykehuset i "):
                return [("sykehuset i ", None), (town, "LOC")]
            return [(text, "LOC")]
        text = rng.choice(
            (
                f"{self.faker.city()} General",
                f"{self.faker.city()} General Hospital",
                f"St. {rng.choice(EN_SAINTS)}'s",
                f"St. {rng.choice(EN_SAINTS)}'s Medical Center",
                f"{self.faker.last_name()} Memorial",
                f"{self.faker.last_name()} Rehab",
            )
        )
        return [(self._cased(text) if rng.random() < 0.3 else text, "LOC")]

    def _slot_workplace(self) -> list[Piece]:
        rng = self.rng
        if self.locale == "nb":
            if rng.random() < 0.4:
                return [(self.faker.company(), "LOC")]
            return [(f"{rng.choice(NB_TOWNS)} {rng.choice(NB_WORKPLACES)}", "LOC")]
        if rng.random() < 0.5:
            return [(self.faker.company(), "LOC")]
        return [(f"{self.faker.city()} {rng.choice(EN_WORKPLACES)}", "LOC")]

    def _pager_number(self) -> str:
        return str(self.rng.randint(1000, 99999))

    def _slot_pager(self) -> list[Piece]:
        # "pager #40412", "pg 5521", "x4-5521", "calling 2345": only the number is the span.
        rng = self.rng
        if self.locale == "nb":
            return [
                (rng.choice(("calling ", "callingnr. ", "tlf. ", "intern tlf ", "skift-tlf. ")), None),
                (self._pager_number(), "PHONE"),
            ]
        prefix = rng.choice(("pager #", "pager ", "pg ", "#", "beeper ", "x", "p"))
        number = f"{rng.randint(2, 8)}-{rng.randint(1000, 9999)}" if prefix == "x" else self._pager_number()
        return [(prefix, None), (number, "PHONE")]

    def _slot_pager_digits(self) -> list[Piece]:
        return [(self._pager_number(), "PHONE")]
