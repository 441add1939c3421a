"""Specifications of the synthetic scenario generator (real Faker, no mocks)."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from conftest import fnr_check_digits_valid
from phiner.core.records import validate_record
from phiner.data.synth.scenarios import SCENARIO_LABELS, build, generate, render_scenario

DESIGN_FIELDS = [
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
]
DESIGN_LABELS = {
    "givenName": "PATIENT",
    "familyName": "PATIENT",
    "age": "AGE",
    "phoneNumber": "PHONE",
    "city": "LOC",
    "birthDate": "DATE",
    "admissionDate": "DATE",
    "socialSecurityNumber": "ID",
}


@pytest.fixture(scope="module")
def splits():
    return generate(300, 60, seed=7)


@pytest.fixture(scope="module")
def records(splits):
    return splits["train"] + splits["test"]


def fields_of(record):
    """The scenario's lines as an ordered list of (key, value, start offset of the value)."""
    out, offset = [], 0
    for line in record["text"].split("\n"):
        key, value = line.split(": ", 1)
        out.append((key, value, offset + len(key) + 2))
        offset += len(line) + 1
    return out


def parse_date(value):
    return dt.datetime.strptime(value, "%B %d. %Y").date()


def test_given_generated_records_then_each_passes_the_record_contract(records):
    for record in records:
        validate_record(record)
        assert record["meta"]["source"] == "synth" and record["meta"]["form"] == "scenarios"


def test_given_a_record_then_fields_follow_the_design_order(records):
    for record in records:
        assert [key for key, _, _ in fields_of(record)] == DESIGN_FIELDS


def test_given_a_record_then_each_phi_value_is_exactly_one_span_with_its_label(records):
    for record in records:
        expected = [
            (start, start + len(value), DESIGN_LABELS[key], value)
            for key, value, start in fields_of(record)
            if key in DESIGN_LABELS
        ]
        got = [(t["start"], t["end"], t["label"], record["text"][t["start"] : t["end"]]) for t in record["ner_tags"]]
        assert sorted(got) == expected


def test_given_the_label_map_then_it_is_the_designs():
    assert SCENARIO_LABELS == DESIGN_LABELS


def test_given_a_seed_then_output_is_identical():
    assert generate(40, 10, seed=3) == generate(40, 10, seed=3)


def test_given_another_seed_then_output_differs():
    assert generate(40, 10, seed=3) != generate(40, 10, seed=4)


def test_given_more_train_records_then_the_test_split_is_unchanged():
    assert generate(5, 10, seed=3)["test"] == generate(50, 10, seed=3)["test"]


def test_given_a_norwegian_record_then_the_fodselsnummer_is_valid_and_encodes_the_birth_date(records):
    norwegian = [dict((k, v) for k, v, _ in fields_of(r)) for r in records if r["meta"]["locale"] == "nb"]
    assert norwegian
    for fields in norwegian:
        number = fields["socialSecurityNumber"].replace(" ", "")
        assert re.fullmatch(r"\d{11}", number)
        digits = [int(c) for c in number]
        assert fnr_check_digits_valid(digits)
        assert number[:6] == f"{parse_date(fields['birthDate']):%d%m%y}"


def test_given_an_english_record_then_the_ssn_is_us_style(records):
    english = [dict((k, v) for k, v, _ in fields_of(r)) for r in records if r["meta"]["locale"] == "en"]
    assert english
    for fields in english:
        assert re.fullmatch(r"\d{3}-\d{2}-\d{4}", fields["socialSecurityNumber"])


def test_given_a_record_then_age_is_whole_years_from_birth_to_admission(records):
    for record in records:
        fields = dict((k, v) for k, v, _ in fields_of(record))
        birth, admission = parse_date(fields["birthDate"]), parse_date(fields["admissionDate"])
        age = admission.year - birth.year - ((admission.month, admission.day) < (birth.month, birth.day))
        assert int(fields["age"]) == age
        assert 0 <= age <= 105


def test_given_a_record_then_dates_read_as_english_month_padded_day_and_year(records):
    for record in records:
        fields = dict((k, v) for k, v, _ in fields_of(record))
        for key in ("birthDate", "admissionDate"):
            assert re.fullmatch(r"[A-Z][a-z]+ \d{2}\. \d{4}", fields[key])


def test_given_many_records_then_both_locales_appear_mostly_norwegian(records):
    locales = [r["meta"]["locale"] for r in records]
    assert set(locales) == {"nb", "en"}
    assert 0.55 < locales.count("nb") / len(locales) < 0.85
    for record in records:
        assert record["text"].startswith(f"locale: {record['meta']['locale']}\n")


def test_given_a_record_then_findings_are_a_python_list_of_strings(records):
    import ast

    for record in records:
        findings = dict((k, v) for k, v, _ in fields_of(record))["findings"]
        parsed = ast.literal_eval(findings)
        assert isinstance(parsed, list) and parsed and all(isinstance(f, str) for f in parsed)


def test_given_fields_then_render_scenario_tags_values_after_the_key():
    record = render_scenario({"locale": "nb", "givenName": "Kari", "age": 41, "findings": ["no pain"]})
    assert record["text"] == "locale: nb\ngivenName: Kari\nage: 41\nfindings: ['no pain']"
    spans = [(record["text"][t["start"] : t["end"]], t["label"]) for t in record["ner_tags"]]
    assert spans == [("Kari", "PATIENT"), ("41", "AGE")]


def test_given_an_empty_phi_value_then_render_scenario_makes_no_span():
    record = render_scenario({"givenName": "", "city": "Bergen"})
    assert [(record["text"][t["start"] : t["end"]], t["label"]) for t in record["ner_tags"]] == [("Bergen", "LOC")]


def test_given_build_then_the_dataset_folder_holds_every_artifact(tmp_path):
    from datasets import load_from_disk

    out = build(tmp_path / "synth", n_train=12, n_test=5, seed=1)
    for name in ("train.jsonl", "test.jsonl", "info.json", "hf"):
        assert (out / name).exists()
    info = json.loads((out / "info.json").read_text(encoding="utf-8"))
    assert info["source"] == "synth" and info["seed"] == 1 and info["splits"] == {"train": 12, "test": 5}
    hf = load_from_disk(str(out / "hf"))
    assert (len(hf["train"]), len(hf["test"])) == (12, 5)
