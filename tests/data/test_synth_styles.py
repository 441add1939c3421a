"""Specifications of the ICU and journal styles and of the noise on generated notes (real Faker, no mocks)."""

from __future__ import annotations

import random
import re
from collections import Counter

import pytest

from phiner.core.records import validate_record
from phiner.data.synth.noise import OPERATIONS, perturb
from phiner.data.synth.notes import make_note
from phiner.data.synth.scenarios import make_fakers


def notes_of(kind, locale, n=40, split="train", seed="styles"):
    rng, fakers = random.Random(f"{seed}:{kind}:{locale}"), make_fakers(seed)
    return [make_note(rng, fakers, split, locale, kind) for _ in range(n)]


def spans(records, label=None):
    return [r["text"][t["start"] : t["end"]] for r in records for t in r["ner_tags"] if label in (None, t["label"])]


@pytest.fixture(scope="module")
def icu_en():
    return notes_of("icu", "en", 60)


@pytest.fixture(scope="module")
def journal_nb():
    return notes_of("journal", "nb", 60)


def test_given_styled_notes_then_each_passes_the_record_contract(icu_en, journal_nb):
    for record in icu_en + journal_nb + notes_of("icu", "nb", 10) + notes_of("journal", "en", 10, split="test"):
        assert validate_record(record)["ner_tags"] == record["ner_tags"]
        for text in spans([record]):
            assert text and text == text.strip(), text


def test_given_icu_notes_then_dates_without_a_year_and_years_alone_are_dates(icu_en):
    dates = spans(icu_en, "DATE")
    assert any(re.fullmatch(r"\d{1,2}/\d{1,2}", d) for d in dates), "a month/day date such as 7/14"
    assert any(re.fullmatch(r"(?:19|20)\d\d|\d\d", d) for d in dates), "a year alone such as 2004 or 04"


def test_given_icu_notes_then_pager_numbers_are_phones_without_their_prefix(icu_en):
    texts = [r["text"] for r in icu_en]
    pagers = [
        r["text"][t["start"] : t["end"]]
        for r in icu_en
        for t in r["ner_tags"]
        if t["label"] == "PHONE" and re.search(r"(?i)(pager #?|pg |beeper |page .*at )$", r["text"][: t["start"]])
    ]
    assert pagers and all(re.fullmatch(r"\d{4,5}", p) for p in pagers), pagers
    assert any("pager" in t.lower() or "pg " in t.lower() for t in texts)


def test_given_icu_notes_then_clinicians_after_titles_are_names_in_any_case(icu_en):
    after_title = []
    for r in icu_en:
        for t in r["ner_tags"]:
            before = r["text"][: t["start"]]
            if t["label"] == "PATIENT" and re.search(r"(?i)\b(dr\.?|np|ho|rn|pa|attending) $", before):
                after_title.append(r["text"][t["start"] : t["end"]])
    assert len(after_title) >= 10
    assert any(name == name.lower() for name in after_title) and any(name == name.upper() for name in after_title)


def test_given_icu_notes_then_some_are_all_capitals_or_all_lower_case(icu_en):
    noise = Counter(op for r in icu_en for op in r["meta"].get("noise", []))
    assert noise["upper"] >= 3 and noise["lower"] >= 3, noise
    upper = [r for r in icu_en if "upper" in r["meta"].get("noise", [])]
    assert all(not re.search(r"[a-zæøå]", r["text"]) for r in upper)


def test_given_journal_notes_then_relatives_ages_and_ages_in_words_are_ages(journal_nb):
    ages = spans(journal_nb, "AGE")
    assert len(set(ages)) > 10, "relatives' ages differ from the patient's"
    assert any(a.isalpha() for a in ages), "an age written as a word, such as ti"
    assert any(
        r["text"][t["end"] :].startswith("-årene") for r in journal_nb for t in r["ner_tags"] if t["label"] == "AGE"
    )


def test_given_journal_notes_then_most_sentences_carry_no_phi(journal_nb):
    # Sparse PHI: over-redaction is trained and measured only where most of the text is not PHI.
    with_phi = without = 0
    for r in journal_nb:
        starts = [t["start"] for t in r["ner_tags"]]
        offset = 0
        for sentence in re.split(r"(?<=[.!?])\s+", r["text"]):
            begin = r["text"].index(sentence, offset)
            offset = begin + len(sentence)
            if any(begin <= s < offset for s in starts):
                with_phi += 1
            else:
                without += 1
    assert without > with_phi


def test_given_journal_notes_then_hospitals_and_workplaces_are_locations(journal_nb):
    locations = spans(journal_nb, "LOC")
    assert any(
        re.search(r"(?i)(sykehus|sjukehus|skole|sykehjem|legekontor|barnehage| AS\b|DPS)", loc) for loc in locations
    )


def test_given_the_same_seed_then_styled_notes_are_identical():
    assert notes_of("icu", "en", 5) == notes_of("icu", "en", 5)


RECORD = {
    "text": "Pasient: Kari Nordmann, tlf. 91711663. Bor i Nedre Eiker.",
    "ner_tags": [
        {"start": 9, "end": 22, "label": "PATIENT"},
        {"start": 29, "end": 37, "label": "PHONE"},
        {"start": 45, "end": 56, "label": "LOC"},
    ],
}
VALUES = ["Kari Nordmann", "91711663", "Nedre Eiker"]


def values(record):
    return [record["text"][t["start"] : t["end"]] for t in record["ner_tags"]]


@pytest.mark.parametrize("op", OPERATIONS)
def test_given_any_noise_then_spans_still_cover_their_edited_values(op):
    for seed in range(30):
        out = perturb(RECORD, random.Random(seed), [op])
        validate_record(out)
        assert [t["label"] for t in out["ner_tags"]] == ["PATIENT", "PHONE", "LOC"]
        for before, after in zip(VALUES, values(out), strict=True):
            # Same value up to case, blanks and a swapped or look-alike character or two.
            assert after == after.strip() and abs(len(after) - len(before)) <= 1, (op, before, after)
        assert out["meta"]["noise"] == [op]


def test_given_a_line_break_inside_a_name_then_the_span_keeps_both_lines():
    out = next(
        o for o in (perturb(RECORD, random.Random(s), ["break"]) for s in range(50)) if "Kari\nNordmann" in o["text"]
    )
    assert values(out)[0] == "Kari\nNordmann"


def test_given_glue_then_the_space_before_a_value_is_gone_and_the_span_moves_with_it():
    outs = [perturb(RECORD, random.Random(s), ["glue"]) for s in range(20)]
    glued = [o for o in outs if "Pasient:Kari" in o["text"] or "tlf.91711663" in o["text"] or "iNedre" in o["text"]]
    assert glued
    for out in glued:
        assert values(out) == VALUES


def test_given_upper_then_every_letter_is_a_capital_and_spans_are_unchanged():
    out = perturb(RECORD, random.Random(0), ["upper"])
    assert out["text"] == RECORD["text"].upper() and out["ner_tags"] == RECORD["ner_tags"]


def test_given_an_unknown_operation_then_perturb_refuses():
    with pytest.raises(ValueError, match="unknown"):
        perturb(RECORD, random.Random(0), ["shout"])
