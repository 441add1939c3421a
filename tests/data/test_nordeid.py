import re

import pytest

from conftest import SHARED
from phiner.data.nordeid import TagReport, build, note_record, read_split


def design_sample() -> str:
    """The design's test sample, read from the design itself (blank layout lines dropped)."""
    design = (SHARED / "mission" / "seed-design.txt").read_text(encoding="utf-8")
    block = design.split("Original Text:", 1)[1].split("--- Predicted Entities ---", 1)[0]
    return "\n".join(line for line in block.splitlines() if line.strip())


def test_given_validation_json_then_record_0_is_the_design_test_sample(nordeid_dir):
    records, _ = read_split(nordeid_dir / "validation.json", "scenarios")
    record = records[0]
    assert record["text"] == design_sample()
    found = {(t["label"], record["text"][t["start"] : t["end"]]) for t in record["ner_tags"]}
    assert found == {
        ("PATIENT", "Marlon"),
        ("PATIENT", "Furu"),
        ("AGE", "41"),
        ("PHONE", "004777116631"),
        ("LOC", "Tveitsund"),
        ("DATE", "January 01. 1982"),
        ("DATE", "December 14. 2018"),
        ("ID", "98430148234"),
    }


def test_given_the_dataset_then_build_writes_1000_train_and_100_test(nordeid_dir, tmp_path):
    from datasets import load_from_disk

    info = build(nordeid_dir, tmp_path / "d")
    assert info["splits"] == {"train": 1000, "test": 100}
    hf = load_from_disk(str(tmp_path / "d" / "hf"))
    assert (hf["train"].num_rows, hf["test"].num_rows) == (1000, 100)
    assert {p.name for p in (tmp_path / "d").iterdir()} == {"train.jsonl", "test.jsonl", "info.json", "hf"}


def test_given_notes_form_then_tags_are_stripped_and_every_span_is_clean(nordeid_dir):
    records, report = read_split(nordeid_dir / "validation.json", "notes")
    assert len(records) == 100
    for record in records:
        assert not re.search(r"</?(First_Name|Last_Name|Date|Age|Location|Phone_Number)>", record["text"])
        for tag in record["ner_tags"]:
            piece = record["text"][tag["start"] : tag["end"]]
            assert piece == piece.strip() and piece
    assert report.spans["PATIENT"] > 100 and report.dropped_health_care_unit > 100
    assert "Marlon Furu" in {records[0]["text"][t["start"] : t["end"]] for t in records[0]["ner_tags"]}


def spans_of(record):
    return [(t["label"], record["text"][t["start"] : t["end"]]) for t in record["ner_tags"]]


def test_given_first_then_last_name_then_one_patient_span():
    report = TagReport()
    record = note_record(
        "Pasient: <First_Name>Kari</First_Name> <Last_Name>Nordmann</Last_Name>, <Age>41</Age> år", report
    )
    assert record["text"] == "Pasient: Kari Nordmann, 41 år"
    assert spans_of(record) == [("PATIENT", "Kari Nordmann"), ("AGE", "41")]


def test_given_a_health_care_unit_then_it_is_dropped_unless_unit_as_loc():
    note = "Innlagt <Health_Care_Unit>UNN Tromsø</Health_Care_Unit> <Date>14.12.2018</Date>"
    report = TagReport()
    assert spans_of(note_record(note, report)) == [("DATE", "14.12.2018")]
    assert report.dropped_health_care_unit == 1
    assert spans_of(note_record(note, TagReport(), unit_as_loc=True)) == [("LOC", "UNN Tromsø"), ("DATE", "14.12.2018")]


def test_given_nested_unknown_unmatched_and_misspelt_tags_then_they_are_counted():
    note = (
        "<Patient>: <Firt_Name>Ola</First_Name> født <Date>13. mai <Date>1950</Date></Date> "
        "i <Location>Bodø</Location></Age> <Date></Date>"
    )
    report = TagReport()
    record = note_record(note, report)
    assert record["text"] == ": Ola født 13. mai 1950 i Bodø "
    assert spans_of(record) == [("PATIENT", "Ola"), ("DATE", "13. mai 1950"), ("LOC", "Bodø")]
    assert report.unknown_tags == {"Patient": 1}
    assert report.aliased_tags == {"Firt_Name": 1}
    assert (report.nested, report.unmatched, report.empty) == (1, 1, 1)


def test_given_an_unknown_form_then_the_error_names_it(nordeid_dir):
    with pytest.raises(ValueError, match="`form` should be one of scenarios, notes, mixed, got 'prose'"):
        read_split(nordeid_dir / "validation.json", "prose")
