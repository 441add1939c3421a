"""Recognizers: valid and invalid examples of each; checksums on 10,000 generated numbers."""

import datetime as dt
import random

import pytest

from conftest import fnr_check_digits_valid
from phiner.analyze import IdNumberRecognizer, PhoneRecognizer, SsnRecognizer
from phiner.analyze.recognizers import INVALID, VALID
from phiner.anonymize.surrogates import make_fnr


def births(n, seed):
    rng = random.Random(seed)
    start, days = dt.date(1900, 1, 1), (dt.date(2024, 12, 31) - dt.date(1900, 1, 1)).days
    return rng, [start + dt.timedelta(days=rng.randrange(days)) for _ in range(n)]


def d_number(fnr: str) -> str:
    """The D-nummer of the same person: 4 added to the first digit, both check digits computed again."""
    from stdnum.no import fodselsnummer

    first9 = str(int(fnr[0]) + 4) + fnr[1:9]
    k1 = fodselsnummer.calc_check_digit1(first9)
    number = first9 + k1 + fodselsnummer.calc_check_digit2(first9 + k1)
    return number if len(number) == 11 else None  # a check digit of 10: no such D-nummer is issued


def test_given_10000_generated_fodselsnummer_and_d_numbers_then_each_is_found_as_valid():
    rng, days = births(10_000, 1)
    numbers = [make_fnr(day, rng) for day in days]
    assert all(fnr_check_digits_valid([int(d) for d in n]) for n in numbers[:100])  # independent check
    recognizer = IdNumberRecognizer()
    pairs = [(fnr, "pattern:fnr") for fnr in numbers] + [(d, "pattern:dnr") for d in map(d_number, numbers) if d]
    assert len(pairs) > 18_000
    for number, source in pairs:
        text = f"Fnr. {number}, innlagt."
        [span] = recognizer.find(text)
        assert (span.text, span.label, span.score, span.source) == (number, "ID", VALID, source), number


def test_given_a_one_digit_change_then_the_number_is_still_found_but_down_scored():
    rng, days = births(2_000, 2)
    recognizer = IdNumberRecognizer()
    changed = 0
    for day in days:
        number = make_fnr(day, rng)
        at = rng.randrange(11)
        typo = number[:at] + str((int(number[at]) + rng.randrange(1, 10)) % 10) + number[at + 1 :]
        [span] = recognizer.find(f"pnr {typo}")
        changed += span.score == INVALID
    assert changed == 2_000, "mod-11 catches every single-digit change"


@pytest.mark.parametrize(
    "text,found",
    [
        ("Fnr: 140331 43010.", "140331 43010"),
        ("fødselsnummer 14033143010", "14033143010"),
        ("tlf 12345678901234", None),
        ("kontonr 1234.56.78903", None),
        ("14033143010-2", None),
    ],
)
def test_given_an_eleven_digit_shape_then_only_a_whole_number_is_taken(text, found):
    spans = IdNumberRecognizer().find(text)
    assert [s.text for s in spans] == ([found] if found else [])


@pytest.mark.parametrize(
    "text,score",
    [
        ("SSN 123-45-6789", VALID),
        ("SSN 123 45 6789", VALID),
        ("SSN 666-45-6789", INVALID),
        ("SSN 923-45-6789", INVALID),
        ("SSN 123-00-6789", INVALID),
        ("SSN 123-45-0000", INVALID),
    ],
)
def test_given_ssn_shapes_then_the_ssa_ranges_set_the_score(text, score):
    [span] = SsnRecognizer().find(text)
    assert span.text == text[4:] and span.score == score and span.source == "pattern:ssn"


@pytest.mark.parametrize(
    "text,number",
    [
        ("Ring +47 917 11 663 i morgen", "+47 917 11 663"),
        ("mobil 0047 91711663.", "0047 91711663"),
        ("tlf. 22 11 33 44", "22 11 33 44"),
        ("call (617) 555-0123 today", "(617) 555-0123"),
        ("pager +1 617-555-0123", "+1 617-555-0123"),
    ],
)
def test_given_phone_numbers_in_norwegian_and_us_formats_then_each_is_found_with_its_offsets(text, number):
    spans = PhoneRecognizer().find(text)
    assert [(s.text, s.label, s.source) for s in spans] == [(number, "PHONE", "pattern:phone")]
    assert text[spans[0].start : spans[0].end] == number


def test_given_text_without_numbers_then_no_recognizer_finds_anything():
    text = "Pasienten er utskrevet i god form. Kontroll om tre uker."
    assert [r.find(text) for r in (IdNumberRecognizer(), SsnRecognizer(), PhoneRecognizer())] == [[], [], []]


# ---------------------------------------------------------------------------------------------------------------
# E-mail, URLs, dates, ages, context rules.

from phiner.analyze import AgeRecognizer, ContextRules, DateRecognizer, EmailRecognizer, UrlRecognizer  # noqa: E402


def found(recognizer, text):
    return [(s.text, s.label) for s in recognizer.find(text)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Send til kari.nordmann@sykehuset.no.", [("kari.nordmann@sykehuset.no", "CONTACT")]),
        ("mail: Ola_Hansen+note@mail.example.com, takk", [("Ola_Hansen+note@mail.example.com", "CONTACT")]),
        ("bjørn.åsen@nav.no", [("bjørn.åsen@nav.no", "CONTACT")]),
        ("no address @ here, a@b, x@y.1, 2 @ 3", []),
    ],
)
def test_given_text_then_the_email_recognizer_finds_addresses_only(text, expected):
    assert found(EmailRecognizer(), text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Se https://www.example.no/pasient?id=1234.", [("https://www.example.no/pasient?id=1234", "CONTACT")]),
        ("(www.minside.no)", [("www.minside.no", "CONTACT")]),
        ("http:// alone, wwwx.no, the www. is", []),
    ],
)
def test_given_text_then_the_url_recognizer_finds_addresses_without_closing_punctuation(text, expected):
    assert found(UrlRecognizer(), text) == expected


@pytest.mark.parametrize(
    "text, dates",
    [
        ("Innlagt 14.03.2019, kontroll 14.3.19.", ["14.03.2019", "14.3.19"]),
        ("Dato 2019-03-14 og 3/14/2091", ["2019-03-14", "3/14/2091"]),
        ("seen 7/14 and 11/2, f/u 14.03. neste", ["7/14", "11/2", "14.03."]),
        ("Født 30. desember 1990, innlagt 4 mars", ["30. desember 1990", "4 mars"]),
        (
            "Admitted March 14, 2019; Mar 14th; Jan. 3, 2020; desember 1990",
            ["March 14, 2019", "Mar 14th", "Jan. 3, 2020", "desember 1990"],
        ),
        # not dates: out of range, fractions, blood pressure, decimals, a verb, ordinary numbers
        ("32.13.2019, 1/2 tablett, 3/4, BP 120/80, 1.5 mg, you may 5 times, 2019 pasienter, 45-1234", []),
    ],
)
def test_given_text_then_the_date_recognizer_finds_dates_and_not_lookalikes(text, dates):
    assert [t for t, _ in found(DateRecognizer(), text)] == dates


@pytest.mark.parametrize(
    "text, ages",
    [
        ("Pasienten er 41 år gammel.", ["41"]),
        ("En 41-årig mann, en 7-åring, i 30-årene", ["41", "7", "30"]),
        ("døde 62 år gammel, da han var ti år", ["62", "ti"]),
        ("Alder: 19 år. på 69 år, er nå 47 år", ["19", "69", "47"]),
        (
            "A 41-year-old man, 41 y/o, 41yo, aged 62, Age: 93, 89 years old, in his 60s",
            ["41", "41", "41", "62", "93", "89", "60"],
        ),
        # Norwegian prose: children and siblings "på" their age, without "år"
        (
            "Har to gutter på 17 og 12, en datter på 8. Barn på 4, 7 og ni år. Søster på 40.",
            ["17", "12", "8", "4", "7", "ni", "40"],
        ),
        ("datter på 3 kg, gutt på 8 uker, sønn på 10 mnd, pasienten på 8 sengepost", []),
        # durations and doses are not ages
        ("For 3 år siden. Har røkt i 10 år. 5 mg, 41 dager, for 10 years", []),
    ],
)
def test_given_text_then_the_age_recognizer_finds_the_number_alone(text, ages):
    assert [t for t, _ in found(AgeRecognizer(), text)] == ages


@pytest.mark.parametrize(
    "text, spans",
    [
        ("Seen by dr smith today. HO JONES aware.", [("smith", "PATIENT"), ("JONES", "PATIENT")]),
        ("NP Kelly Brown paged. Dr. J. Watson notified.", [("Kelly Brown", "PATIENT"), ("J. Watson", "PATIENT")]),
        ("Vurdert av lege Hansen. Sykepleier Per Olsen ringte.", [("Hansen", "PATIENT"), ("Per Olsen", "PATIENT")]),
        # a noun title takes no lower-case word; "pa"/"ho" are titles only in capitals; stop words end names
        ("lege vurderer videre, pa the pt, ho hum, dr notified", []),
        (
            "Født 1975, innlagt 14.3, admitted 7/14, DOB: 3/4/1950",
            [("1975", "DATE"), ("14.3", "DATE"), ("7/14", "DATE"), ("3/4/1950", "DATE")],
        ),
        ("Pager #40412, pg 5521, tlf 22 11 33 44", [("40412", "PHONE"), ("5521", "PHONE"), ("22 11 33 44", "PHONE")]),
        ("pg 12, innlagt i går, tlf. ukjent", []),
    ],
)
def test_given_context_words_then_the_next_word_or_number_is_phi(text, spans):
    assert found(ContextRules(), text) == spans


def test_given_site_titles_then_they_act_as_titles():
    assert found(ContextRules(titles=["avdelingssykepleier"]), "Avdelingssykepleier Berit ringte") == [
        ("Berit", "PATIENT")
    ]


@pytest.mark.parametrize(
    "text",
    [
        "diagnosis: S82432B Displaced fracture",  # digits inside a code
        "Fnr. 582285 08362",  # the second part of a fødselsnummer is not a phone number
        "Saksnr. 2012-549179",  # a year and a serial: a case number
        "Ring 02800 for time",  # a 5-digit service number
        "født 14.03.1931",  # a date has a phone number's digits
    ],
)
def test_given_phone_shaped_numbers_that_are_not_phone_numbers_then_none_is_found(text):
    assert PhoneRecognizer().find(text) == []


def test_given_a_time_of_day_then_it_is_no_date():
    assert found(DateRecognizer(), "Paracetamol 1 g kl. 14.05. Kontroll 14.05.") == [("14.05.", "DATE")]


@pytest.mark.parametrize(
    "text, names",
    [
        ("Sønnen Per kom. Broren Ola Hansen ringte; his wife Mary called", ["Per", "Ola Hansen", "Mary"]),
        ("og far Stein Ruud September 17.", ["Stein Ruud"]),  # a month ends a name
        ("Mor er 80 år. Faren døde. so far. Chest X-ray clear", []),  # no name after the title; a sentence ends
    ],
)
def test_given_a_relatives_title_then_the_capitalised_words_after_it_are_a_name(text, names):
    assert [t for t, _ in found(ContextRules(), text)] == names
