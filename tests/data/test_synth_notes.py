"""Specifications of the free-text clinical note generator (real Faker, no mocks)."""

from __future__ import annotations

import datetime as dt
import json
import re
import statistics
from collections import Counter

import pytest

from conftest import fnr_check_digits_valid
from phiner.core.records import validate_record
from phiner.data.synth.note_tables import (
    AGE_FORMATS,
    DATE_FORMATS,
    ID_FORMATS,
    NOTE_KINDS,
    PHONE_FORMATS,
    TEMPLATE_COUNTS,
    TEMPLATE_SPLIT,
    TEMPLATES,
    render_date,
    render_phone,
)
from phiner.data.synth.notes import build_notes, generate_notes

NB_MONTHS = "januar|februar|mars|april|mai|juni|juli|august|september|oktober|november|desember"
EN_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
EN_ABBREVIATIONS = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"

# Written here from the format names, independently of the generator's code.
DATE_PATTERNS = {
    "DD.MM.YYYY": r"\d{2}\.\d{2}\.\d{4}",
    "DD.MM.YY": r"\d{2}\.\d{2}\.\d{2}",
    "D. måned YYYY": rf"\d{{1,2}}\. (?:{NB_MONTHS}) \d{{4}}",
    "YYYY-MM-DD": r"\d{4}-\d{2}-\d{2}",
    "DD/MM/YYYY": r"\d{2}/\d{2}/\d{4}",
    "Month DD. YYYY": rf"(?:{EN_MONTHS}) \d{{2}}\. \d{{4}}",
    "Month D, YYYY": rf"(?:{EN_MONTHS}) \d{{1,2}}, \d{{4}}",
    "Mon D, YYYY": rf"(?:{EN_ABBREVIATIONS}) \d{{1,2}}, \d{{4}}",
    "D Month YYYY": rf"\d{{1,2}} (?:{EN_MONTHS}) \d{{4}}",
}
ID_PATTERNS = {
    "fødselsnummer": r"\d{11}",
    "fødselsnummer, spaced": r"\d{6} \d{5}",
    "US SSN": r"\d{3}-\d{2}-\d{4}",
    "MRN": r"\d{7}",
    "journalnr.": r"\d{4}-\d{6}",
}
# Age phrasings, matched on the text around the AGE span ("<" marks where the span starts).
AGE_PATTERNS = {
    "bare": r"(?<!aged )<\d{1,3}(?![\d-]| år| years?| y/o)",
    "år": r"<\d{1,3} år(?! gammel)",
    "år gammel": r"<\d{1,3} år gammel",
    "-årig": r"<\d{1,3}-årig",
    "-year-old": r"<\d{1,3}-year-old",
    "years old": r"<\d{1,3} years? old",
    "y/o": r"<\d{1,3} y/o",
    "aged": r"aged <\d{1,3}",
}


@pytest.fixture(scope="module")
def splits():
    return generate_notes(240, 60, seed=11)


@pytest.fixture(scope="module")
def records(splits):
    return splits["train"] + splits["test"]


TIDY_KINDS = ("discharge", "referral", "admission", "nursing", "phone")


@pytest.fixture(scope="module")
def tidy(records):
    # The tidy styles without noise: their formats are specified here; the ICU and journal styles and the
    # noise have their own specifications (test_synth_styles.py).
    return [r for r in records if r["meta"]["kind"] in TIDY_KINDS and not r["meta"].get("noise")]


def spans_of(records, label):
    return [(r["text"], t) for r in records for t in r["ner_tags"] if t["label"] == label]


def span_texts(records, label):
    return [text[t["start"] : t["end"]] for text, t in spans_of(records, label)]


def phone_pattern(fmt):
    return "".join(r"\d" if ch == "d" else re.escape(ch) for ch in fmt)


def test_given_generated_notes_then_each_passes_the_record_contract(records):
    for record in records:
        checked = validate_record(record)
        assert checked["ner_tags"] == record["ner_tags"], "spans are written in text order"
        meta = record["meta"]
        assert meta["source"] == "synth" and meta["form"] == "notes"
        assert meta["locale"] in ("nb", "en") and meta["kind"] in NOTE_KINDS and meta["templates"]


def test_given_a_span_then_its_text_is_a_plausible_value_of_its_type(tidy):
    for record in tidy:
        text = record["text"]
        for tag in record["ner_tags"]:
            value = text[tag["start"] : tag["end"]]
            assert value == value.strip() and value, (tag, value)
            label = tag["label"]
            if label == "DATE":
                assert re.search(r"\d", value), value
            elif label == "PHONE":
                digits = sum(ch.isdigit() for ch in value)
                assert digits >= 8 and set(value) <= set("0123456789+()- "), value
            elif label == "ID":
                assert sum(ch.isdigit() for ch in value) >= 7 and set(value) <= set("0123456789- "), value
            elif label == "AGE":
                assert value.isdigit() and 0 < int(value) <= 110, value
            elif label == "PATIENT":
                assert value[0].isupper() and not re.search(r"\d", value), value
            elif label == "LOC":
                assert value[0].isupper() or value[0].isdigit(), value


def test_given_a_note_then_every_age_in_it_is_the_patients(tidy):
    # Only the patient's age is written, so a header "Alder: 41" and the prose "41 år gammel" agree.
    for record in tidy:
        ages = [int(v) for v in span_texts([record], "AGE")]
        assert len(set(ages)) <= 1, ages


def test_given_norwegian_ids_then_fodselsnummer_carry_valid_check_digits(records):
    nb = [r for r in records if r["meta"]["locale"] == "nb"]
    numbers = [v.replace(" ", "") for v in span_texts(nb, "ID") if re.fullmatch(r"\d{6} ?\d{5}", v)]
    assert len(numbers) > 50
    for number in numbers:
        digits = [int(c) for c in number]
        assert fnr_check_digits_valid(digits), number


def test_given_a_seed_then_notes_are_identical():
    first, second = generate_notes(12, 4, seed=4), generate_notes(12, 4, seed=4)
    assert first == second
    assert generate_notes(12, 4, seed=5)["train"] != first["train"]


def test_given_more_train_notes_then_the_test_split_is_unchanged():
    assert generate_notes(3, 4, seed=4)["test"] == generate_notes(9, 4, seed=4)["test"]


def test_given_the_splits_then_train_and_test_use_disjoint_templates(splits):
    used = {name: {t for r in records for t in r["meta"]["templates"]} for name, records in splits.items()}
    assert used["train"] and used["test"] and not used["train"] & used["test"]
    for name, ids in used.items():
        assert {TEMPLATE_SPLIT[t] for t in ids} == {name}


def test_given_the_template_inventory_then_every_category_has_templates_in_both_splits():
    assert set(TEMPLATE_COUNTS) == set(TEMPLATES)
    for category, counts in TEMPLATE_COUNTS.items():
        assert counts["train"] >= 2 and counts["test"] >= 2, category  # at least one per locale
        assert counts["train"] + counts["test"] == sum(len(t) for t in TEMPLATES[category].values())
    total = sum(c["test"] for c in TEMPLATE_COUNTS.values()) / len(TEMPLATE_SPLIT)
    assert 0.2 <= total <= 0.35


def test_given_300_notes_then_every_date_format_occurs(tidy):
    assert set(DATE_PATTERNS) == set(DATE_FORMATS)
    dates = span_texts(tidy, "DATE")
    for fmt, pattern in DATE_PATTERNS.items():
        assert any(re.fullmatch(pattern, d) for d in dates), fmt
    for d in dates:
        assert any(re.fullmatch(p, d) for p in DATE_PATTERNS.values()), d


def test_given_300_notes_then_every_phone_format_occurs(tidy):
    phones = span_texts(tidy, "PHONE")
    for fmt in PHONE_FORMATS:
        assert any(re.fullmatch(phone_pattern(fmt), p) for p in phones), fmt
    for p in phones:
        assert any(re.fullmatch(phone_pattern(f), p) for f in PHONE_FORMATS), p


def test_given_300_notes_then_every_id_format_occurs(tidy):
    assert set(ID_PATTERNS) == set(ID_FORMATS)
    ids = span_texts(tidy, "ID")
    for fmt, pattern in ID_PATTERNS.items():
        assert any(re.fullmatch(pattern, i) for i in ids), fmt
    # The record-number prefix is context, not part of the ID span.
    texts = [text[max(0, t["start"] - 12) : t["end"]] for text, t in spans_of(tidy, "ID")]
    assert any(re.search(r"MRN:? \d{7}$", s) for s in texts)
    assert any(re.search(r"[Jj]ournalnr\.:? \d{4}-\d{6}$", s) for s in texts)


def test_given_300_notes_then_every_age_format_occurs(tidy):
    assert set(AGE_PATTERNS) == set(AGE_FORMATS)
    contexts = [
        text[max(0, t["start"] - 5) : t["start"]] + "<" + text[t["start"] : t["end"] + 10]
        for text, t in spans_of(tidy, "AGE")
    ]
    # English notes follow HIPAA's Safe Harbor: an age under 90 is written but not labelled.
    english = "\n".join(r["text"] for r in tidy if r["meta"]["locale"] == "en")
    for fmt, pattern in AGE_PATTERNS.items():
        found = any(re.search(pattern, c) for c in contexts) or re.search(pattern.replace("<", r"\b"), english)
        assert found, fmt


def test_given_english_notes_then_only_ages_over_89_are_labelled_and_younger_ones_stay_in_the_text(records):
    english = [r for r in records if r["meta"]["locale"] == "en"]
    ages = [int(re.sub(r"\D", "", a) or 90) for a in span_texts(english, "AGE")]
    assert all(a >= 90 for a in ages)
    unlabelled = [m for r in english for m in re.finditer(r"\b\d{1,2}(?= years? old|-year-old| y/o)", r["text"])]
    assert unlabelled
    norwegian = span_texts([r for r in records if r["meta"]["locale"] == "nb"], "AGE")
    assert any(a.isdigit() and int(a) < 90 for a in norwegian)
    for r in english:
        assert all(int(re.sub(r"\D", "", a) or 90) >= 90 for a in r.get("known", {}).get("AGE", []))


def test_given_300_notes_then_both_locales_and_every_kind_occur(records):
    locales = Counter(r["meta"]["locale"] for r in records)
    assert 0.6 <= locales["nb"] / len(records) <= 0.8
    assert set(Counter(r["meta"]["kind"] for r in records)) == set(NOTE_KINDS)


def test_given_each_split_then_it_builds_every_kind_in_both_locales(splits):
    for name, records in splits.items():
        seen = {(r["meta"]["kind"], r["meta"]["locale"]) for r in records}
        assert len(seen) >= 8, (name, seen)


def test_given_300_notes_then_lengths_range_from_short_messages_to_long_stays(records):
    words = [len(r["text"].split()) for r in records]
    assert max(words) > 1500 and max(words) < 3500
    assert 60 <= statistics.median(words) <= 800
    assert min(words) >= 15


def test_given_300_notes_then_phi_is_in_prose_as_well_as_in_header_lines(records):
    # A header value follows "Label: "; a prose value follows a lowercase word ("bor i Tromsø").
    for label in ("PATIENT", "DATE", "LOC", "PHONE", "ID", "AGE"):
        before = [text[max(0, t["start"] - 3) : t["start"]] for text, t in spans_of(records, label)]
        assert any(b.endswith(": ") for b in before), label
        assert any(re.search(r"[a-zæøå.] $", b) and not b.endswith(": ") for b in before), label


def test_given_the_format_examples_then_the_renderers_write_them():
    day = dt.date(2018, 12, 14)
    for fmt, example in DATE_FORMATS.items():
        assert render_date(day, fmt) == example
    for fmt, example in PHONE_FORMATS.items():
        national = re.sub(r"^(\+47|0047|\+1)", "", example)
        assert render_phone(re.sub(r"\D", "", national), fmt) == example


@pytest.mark.parametrize("form", ["notes", "mixed"])
def test_given_build_notes_then_the_folder_holds_the_splits_info_and_hf(tmp_path, form):
    out = build_notes(tmp_path / form, n_train=10, n_test=4, seed=2, form=form)
    lines = {name: (out / f"{name}.jsonl").read_text(encoding="utf-8").splitlines() for name in ("train", "test")}
    assert (len(lines["train"]), len(lines["test"])) == (10, 4)
    assert (out / "hf" / "dataset_dict.json").exists()
    info = json.loads((out / "info.json").read_text(encoding="utf-8"))
    assert info["form"] == form and info["seed"] == 2 and info["splits"] == {"train": 10, "test": 4}
    assert info["template_counts"] == TEMPLATE_COUNTS
    forms = Counter(json.loads(line)["meta"]["form"] for line in lines["train"] + lines["test"])
    if form == "notes":
        assert forms == {"notes": 14}
    else:
        assert forms == {"notes": 7, "scenarios": 7}


def test_given_an_unknown_form_then_build_notes_refuses(tmp_path):
    with pytest.raises(ValueError, match="form"):
        build_notes(tmp_path, n_train=1, n_test=1, form="letters")
    assert not (tmp_path / "train.jsonl").exists()


def test_given_a_negative_size_then_generate_notes_refuses():
    with pytest.raises(ValueError, match="n_train"):
        generate_notes(-1, 1, seed=0)


def test_given_generated_notes_then_each_carries_its_patients_known_phi_and_most_of_it_recurs_in_the_text():
    from phiner.core.records import check_known
    from phiner.data.synth.notes import generate_notes

    notes = generate_notes(60, 0, seed=5)["train"]
    for note in notes:
        known = check_known(note["known"])
        # An English note's patient under 90 has no AGE among their PHI (Safe Harbor).
        expected = {"PATIENT", "ID", "PHONE", "DATE", "LOC"} | ({"AGE"} if note["meta"]["locale"] == "nb" else set())
        assert set(known) - {"AGE"} == expected - {"AGE"} and set(known) >= expected
    # ICU notes mostly say "pt"; a few others name the patient by given name or initials only.
    named = [n for n in notes if n["meta"]["kind"] in TIDY_KINDS]
    family_in_text = sum(n["known"]["PATIENT"][0].split()[-1].lower() in n["text"].lower() for n in named)
    assert family_in_text >= 0.7 * len(named)
