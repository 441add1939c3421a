"""Redaction operators over spans: what stays, what the audit items say, and how bad spans fail."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from phiner.anonymize.operators import (
    DocumentContext,
    Mask,
    Operator,
    Redaction,
    SpanError,
    Tag,
    redact,
)
from phiner.core.errors import PhinerError
from phiner.core.labels import ENTITY_TYPES
from phiner.core.records import Span, validate_record

PIECES = st.characters(codec="utf-8") | st.sampled_from(
    list("æøåÆØÅ 0123456789.-,/+()")
    + ["😀", "👩‍⚕️", "\n", "Kari ", "Nordmann", "14.12.2018", "+47 917 11 663", "Storgata 12B, 0150 Oslo"]
)
"""Characters and whole words (a multi-code-point emoji, names, a date, a phone): spans cut through them anyhow."""
OPERATORS = ["tag", "mask", Mask(fixed="XXX"), Mask(char="█"), "remove", "surrogate", "keep", Tag("<{label}>")]


@st.composite
def text_and_spans(draw, max_size: int = 40) -> tuple[str, list[dict]]:
    """Any text and any non-overlapping spans over it with any labels, in any order."""
    text = "".join(draw(st.lists(PIECES, max_size=max_size)))
    cuts = sorted(draw(st.sets(st.integers(0, len(text)), max_size=12)))
    spans = [
        {"start": a, "end": b, "label": draw(st.sampled_from(ENTITY_TYPES))} for a, b in zip(cuts[::2], cuts[1::2])
    ]
    return text, draw(st.permutations(spans))


def outside_pieces(text: str, starts_ends: list[tuple[int, int]]) -> list[str]:
    """The pieces of ``text`` between the given (sorted) ranges."""
    pieces, cursor = [], 0
    for start, end in starts_ends:
        pieces.append(text[cursor:start])
        cursor = end
    return pieces + [text[cursor:]]


def check_items_index_output(redaction: Redaction) -> None:
    for item in redaction.items:
        assert redaction.text[item.start : item.end] == item.replacement


@pytest.mark.parametrize("operator", OPERATORS, ids=repr)
@settings(max_examples=150, deadline=None)
@given(case=text_and_spans())
def test_given_any_text_and_spans_then_text_outside_spans_is_kept_in_order(operator, case):
    text, spans = case
    redaction = redact(text, spans, operator=operator, context=DocumentContext.for_document(0, "doc"))

    original = [(s["start"], s["end"]) for s in sorted(spans, key=lambda s: s["start"])]
    produced = [(item.start, item.end) for item in redaction.items]
    assert outside_pieces(redaction.text, produced) == outside_pieces(text, original)
    assert "".join(outside_pieces(redaction.text, produced)) == "".join(outside_pieces(text, original))


@pytest.mark.parametrize("operator", OPERATORS, ids=repr)
@settings(max_examples=150, deadline=None)
@given(case=text_and_spans())
def test_given_any_text_and_spans_then_audit_items_index_the_output_text_exactly(operator, case):
    text, spans = case
    redaction = redact(text, spans, operator=operator, context=DocumentContext.for_document(0, "doc"))

    check_items_index_output(redaction)
    assert len(redaction.items) == len(spans)
    ordered = sorted(spans, key=lambda s: s["start"])
    assert [(i.original_start, i.original_end, i.label) for i in redaction.items] == [
        (s["start"], s["end"], s["label"]) for s in ordered
    ]
    assert all(a.end <= b.start for a, b in zip(redaction.items, redaction.items[1:]))


@settings(max_examples=200, deadline=None)
@given(
    case=text_and_spans(),
    kept=st.sets(st.sampled_from(ENTITY_TYPES)),
    operator=st.sampled_from(["tag", "mask", "remove", "surrogate"]),
)
def test_given_keep_overrides_then_spans_of_those_labels_are_unchanged(case, kept, operator):
    text, spans = case
    redaction = redact(
        text,
        spans,
        operator=operator,
        overrides={label: "keep" for label in kept},
        context=DocumentContext.for_document(0, "doc"),
    )

    check_items_index_output(redaction)
    for item in redaction.items:
        if item.label in kept:
            assert item.operator == "keep"
            assert item.replacement == text[item.original_start : item.original_end]
        else:
            assert item.operator == operator


def test_given_tag_by_default_then_each_span_becomes_its_label():
    text = "Kari Nordmann (41) ble innlagt 14.12.2018 i Hamar."
    spans = [
        {"start": 0, "end": 13, "label": "PATIENT"},
        {"start": 15, "end": 17, "label": "AGE"},
        {"start": 31, "end": 41, "label": "DATE"},
        {"start": 44, "end": 49, "label": "LOC"},
    ]

    redaction = redact(text, spans)

    assert redaction.text == "[PATIENT] ([AGE]) ble innlagt [DATE] i [LOC]."
    assert [i.operator for i in redaction.items] == ["tag"] * 4


def test_given_mask_then_span_becomes_the_character_repeated_to_its_length_or_the_fixed_string():
    text, spans = "Ring 917 11 663 nå", [{"start": 5, "end": 15, "label": "PHONE"}]

    assert redact(text, spans, operator="mask").text == "Ring ********** nå"
    assert redact(text, spans, operator=Mask(char="#")).text == "Ring ########## nå"
    assert redact(text, spans, operator=Mask(fixed="<skjult>")).text == "Ring <skjult> nå"


def test_given_remove_then_span_is_cut_and_its_item_is_empty_at_the_cut():
    redaction = redact("Navn: Kari, bor i Hamar", [{"start": 6, "end": 10, "label": "PATIENT"}], operator="remove")

    assert redaction.text == "Navn: , bor i Hamar"
    item = redaction.items[0]
    assert (item.start, item.end, item.original_start, item.original_end) == (6, 6, 6, 10)


def test_given_overrides_then_each_label_gets_its_own_operator():
    text = "Kari 14.12.2018 Hamar"
    spans = [Span(0, 4, "PATIENT"), Span(5, 15, "DATE"), Span(16, 21, "LOC")]

    redaction = redact(text, spans, overrides={"DATE": "keep", "LOC": "remove"})

    assert redaction.text == "[PATIENT] 14.12.2018 "
    assert [i.operator for i in redaction.items] == ["tag", "keep", "remove"]


def test_given_surrogate_operator_then_output_is_the_same_for_the_same_seed_and_document():
    text = "Kari Nordmann, født 14.12.1980, tlf 917 11 663, bor i Hamar. Nordmann er 93 år."
    spans = [
        Span(0, 13, "PATIENT"),
        Span(20, 30, "DATE"),
        Span(36, 46, "PHONE"),
        Span(54, 59, "LOC"),
        Span(61, 69, "PATIENT"),
        Span(73, 75, "AGE"),
    ]

    first = redact(text, spans, "surrogate", context=DocumentContext.for_document(7, "note-1"))
    again = redact(text, spans, "surrogate", context=DocumentContext.for_document(7, "note-1"))
    other = redact(text, spans, "surrogate", context=DocumentContext.for_document(7, "note-2"))

    assert first == again
    assert first.text != other.text
    family = first.items[0].replacement.split()[-1]
    assert first.items[4].replacement == family
    assert first.items[5].replacement == "90+"
    check_items_index_output(first)


def test_given_redaction_then_as_record_is_a_valid_record_of_the_replacements():
    text = "Kari bor i Hamar."
    redaction = redact(
        text,
        [Span(0, 4, "PATIENT"), Span(11, 16, "LOC")],
        "surrogate",
        context=DocumentContext.for_document(1, "x", locale="nb"),
    )

    record = validate_record(redaction.as_record())

    assert [record["text"][t["start"] : t["end"]] for t in record["ner_tags"]] == [
        i.replacement for i in redaction.items
    ]
    assert redaction.to_dict()["items"][0].keys() == {
        "start",
        "end",
        "label",
        "original_start",
        "original_end",
        "replacement",
        "operator",
    }


def test_given_a_custom_operator_then_it_is_used_and_named_in_the_items():
    class Stars(Operator):
        name = "stars"

        def replace(self, text, span, context):
            return "★"

    redaction = redact("Kari Nordmann", [Span(5, 13, "PATIENT")], operator=Stars())

    assert redaction.text == "Kari ★"
    assert redaction.items[0].operator == "stars"


# ---- errors name span indexes and offsets, never the text

SECRET = "Kari Nordmann 01018212345"


def test_given_overlapping_spans_then_error_names_both_spans_and_offsets_but_not_the_text():
    spans = [
        {"start": 14, "end": 25, "label": "ID"},
        {"start": 0, "end": 13, "label": "PATIENT"},
        {"start": 5, "end": 20, "label": "PATIENT"},
    ]

    with pytest.raises(PhinerError) as err:
        redact(SECRET, spans)

    message = str(err.value)
    assert "spans[1] [0, 13)" in message and "spans[2] [5, 20)" in message and "overlap" in message
    assert "Kari" not in message and "Nordmann" not in message and "0101821" not in message


@pytest.mark.parametrize(
    ("span", "expected"),
    [
        ({"start": 10, "end": 99, "label": "ID"}, "spans[0] [10, 99) is out of range for a text of length 25"),
        ({"start": -1, "end": 4, "label": "ID"}, "spans[0] [-1, 4) is out of range"),
        ({"start": 4, "end": 4, "label": "ID"}, "spans[0] [4, 4) has end <= start"),
        ({"start": 4, "end": 9}, "spans[0] is missing `label`"),
        ({"start": "4", "end": 9, "label": "ID"}, "spans[0].start should be an integer"),
        ({"start": 0, "end": 9, "label": None}, "spans[0].label should be a non-empty string"),
    ],
)
def test_given_a_bad_span_then_error_says_what_is_wrong_without_the_text(span, expected):
    with pytest.raises(SpanError) as err:
        redact(SECRET, [span])

    assert expected in str(err.value)
    assert "Kari" not in str(err.value)


def test_given_an_unknown_operator_then_error_lists_the_known_ones():
    with pytest.raises(PhinerError, match="tag, mask, remove, keep, surrogate"):
        redact("x", [], operator="shred")
    with pytest.raises(PhinerError, match="unknown"):
        redact("x", [], overrides={"DATE": "blur"})


def test_given_a_mask_char_of_several_characters_then_it_is_refused():
    with pytest.raises(PhinerError, match="one character"):
        Mask(char="**")


def test_given_no_context_then_surrogates_still_work_and_repr_hides_the_maps():
    redaction = redact("Kari Nordmann", [Span(0, 13, "PATIENT")], "surrogate")
    context = DocumentContext.for_document(3, "doc")
    redact("Kari Nordmann", [Span(0, 13, "PATIENT")], "surrogate", context=context)

    assert redaction.text != "Kari Nordmann" and len(redaction.text.split()) == 2
    assert "Kari" not in repr(context) and "Nordmann" not in repr(context)
    assert context.key()["names"].keys() == {"Kari", "Nordmann"}


# ----------------------------------------------------------------------------------------------------------------
# Any Unicode through the real tagger and every operator (issue 10, finding 5).

HOSTILE = st.characters() | st.sampled_from(
    [
        "\ud800",
        "\udfff",
        "\x00",
        "\u202e",
        "\u200f",
        "\u0301",
        "\ufeff",
        "e\u0301",
        "\u0000Kari",
        " Nordmann",
        " Nordmann.",
        "\r\n",
    ]
)


@given(pieces=st.lists(HOSTILE, max_size=40))
@settings(max_examples=60)
def test_given_any_unicode_then_predict_and_every_operator_answer_with_spans_in_range(
    name_tagger, roberta_tokenizer, pieces
):
    from phiner.analyze.tagger import Tagger

    text = "".join(pieces)
    [spans] = Tagger(name_tagger, roberta_tokenizer).predict([text])
    assert all(0 <= s.start < s.end <= len(text) and s.text == text[s.start : s.end] for s in spans)
    for operator in OPERATORS:
        result = redact(text, spans, operator, context=DocumentContext(seed=0, key="k"))
        kept = "".join(text[a:b] for a, b in _gaps(spans, len(text)))
        assert "".join(result.text[a:b] for a, b in _gaps_out(result)) == kept


def _gaps(spans, length):
    cursor = 0
    for s in sorted(spans):
        yield cursor, s.start
        cursor = s.end
    yield cursor, length


def _gaps_out(result):
    cursor = 0
    for item in result.items:
        yield cursor, item.start
        cursor = item.end
    yield cursor, len(result.text)
