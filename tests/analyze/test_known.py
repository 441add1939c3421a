"""Known PHI: every form a note writes a known value in is found; nothing else is."""

import pytest

from phiner.analyze import KnownPHI
from phiner.core.errors import PhinerError
from phiner.core.records import check_known, record_known


def found(known, text):
    return [(s.text, s.label, s.source) for s in KnownPHI(known).find(text)]


def test_given_a_known_name_then_its_parts_initials_and_reversed_form_are_found():
    text = "Kari Nordmann (41) ble sett. Kari sier at K. Nordmann er feil; NORDMANN, KARI. Karina og Nordmannsen nei."
    got = [t for t, *_ in found({"PATIENT": ["Kari Nordmann"]}, text)]
    expected = [
        "Kari",
        "Kari Nordmann",
        "Nordmann",
        "Kari",
        "K. Nordmann",
        "Nordmann",
        "NORDMANN",
        "NORDMANN, KARI",
        "KARI",
    ]
    assert got == expected  # in text order, the shorter first; Karina and Nordmannsen are other words


def test_given_known_numbers_then_they_are_found_with_any_spacing_and_a_phone_with_or_without_its_code():
    known = {"ID": ["14033143010"], "PHONE": ["+47 412 34 567"]}
    text = "Fnr 140331 43010 / 140331-43010; ring 41234567, +4741234567 eller 0047 41 23 45 67; ikke 1403314301099"
    assert found(known, text) == [
        ("140331 43010", "ID", "known"),
        ("140331-43010", "ID", "known"),
        ("41234567", "PHONE", "known"),
        ("+4741234567", "PHONE", "known"),
        ("0047 41 23 45 67", "PHONE", "known"),
    ]


def test_given_a_known_date_then_it_is_found_in_any_format_and_other_dates_are_not():
    text = "Født 30.12.1990 (30. desember 1990, December 30, 1990, 30.12.), kontroll 31.12.1990"
    got = [t for t, *_ in found({"DATE": ["1990-12-30"]}, text)]
    assert got == ["30.12.1990", "30. desember 1990", "December 30, 1990", "30.12."]


def test_given_a_known_age_then_only_ages_with_that_number_are_found():
    assert [t for t, *_ in found({"AGE": ["41"]}, "Pasienten er 41 år gammel, fikk 41 mg; broren er 45 år gammel")] == [
        "41"
    ]


def test_given_a_known_place_then_it_is_found_as_a_whole_word():
    assert found({"LOC": ["Ålesund"]}, "Bor i Alesund, ikke Ålesundsvegen") == [("Alesund", "LOC", "known")]


def test_given_a_record_then_its_known_field_and_columns_are_read():
    record = {"text": "x", "known": {"PATIENT": "Kari Nordmann"}, "givenName": "Kari", "age": 41}
    assert record_known(record, "known", {"givenName": "PATIENT", "age": "AGE", "city": "LOC"}) == {
        "PATIENT": ["Kari Nordmann", "Kari"],
        "AGE": ["41"],
    }
    assert record_known({"text": "x"}, "known", {}) is None


@pytest.mark.parametrize(
    "known, message",
    [
        (["Kari"], "should be a mapping"),
        ({"NAME": ["Kari"]}, "unknown type"),
        ({"PATIENT": [3]}, "PATIENT[0]` should be a string"),
        ({"PATIENT": 3}, "should be a string or a list"),
    ],
)
def test_given_bad_known_phi_then_the_error_names_the_entry_but_not_the_value(known, message):
    with pytest.raises(PhinerError) as err:
        check_known(known)
    assert message in str(err.value) and "Kari" not in str(err.value)
