import pytest

from phiner.core.errors import PhinerError
from phiner.core.labels import ID2LABEL, IGNORE_INDEX
from phiner.model.windows import Windowing, check_overflow, encode

DESIGN = Windowing(max_length=256, pad_to_max_length=True)


def labelled_tokens(tokenizer, text, tags, windowing=DESIGN, window=0):
    """(token text, label) for the real tokens of one window."""
    f = encode(tokenizer, [text], windowing, [tags])
    offsets, labels = f["offset_mapping"][window], f["labels"][window]
    return [(text[s:e], ID2LABEL[l]) for (s, e), l in zip(offsets, labels) if l != IGNORE_INDEX]


def test_given_the_design_settings_then_windows_are_padded_to_256_and_specials_get_minus_100(roberta_tokenizer):
    f = encode(roberta_tokenizer, ["givenName: Ola"], DESIGN, [[{"start": 11, "end": 14, "label": "PATIENT"}]])
    assert len(f["input_ids"][0]) == 256 and len(f["labels"][0]) == 256
    assert f["labels"][0][0] == IGNORE_INDEX  # <s>
    assert f["labels"][0][-1] == IGNORE_INDEX  # padding
    assert f["input_ids"][0][0] == 0 and f["input_ids"][0][-1] == 1  # <s>, <pad>


def test_given_a_multi_token_name_then_first_token_is_B_and_the_rest_I(roberta_tokenizer):
    text = "givenName: Marlon\nfamilyName: Furu"
    got = labelled_tokens(
        roberta_tokenizer,
        text,
        [{"start": 11, "end": 17, "label": "PATIENT"}, {"start": 30, "end": 34, "label": "PATIENT"}],
    )
    assert [l for t, l in got if l != "O"] == ["B-PATIENT", "I-PATIENT", "B-PATIENT", "I-PATIENT"]
    assert "".join(t for t, l in got if l != "O") == "MarlonFuru"


def test_given_a_span_that_starts_inside_a_token_then_that_token_is_B(roberta_tokenizer):
    text = "givenName: Marlon"  # tokens ' Mar' 'lon'; the span "rlon" starts inside ' Mar'
    got = labelled_tokens(roberta_tokenizer, text, [{"start": 13, "end": 17, "label": "PATIENT"}])
    assert got[-2:] == [("Mar", "B-PATIENT"), ("lon", "I-PATIENT")]


def test_given_norwegian_letters_then_offsets_and_labels_follow_characters(roberta_tokenizer):
    text = "city: Tromsø og Ærøy, Skånland"
    spans = [
        {"start": 6, "end": 12, "label": "LOC"},
        {"start": 16, "end": 20, "label": "LOC"},
        {"start": 22, "end": 30, "label": "LOC"},
    ]
    got = labelled_tokens(roberta_tokenizer, text, spans)
    # byte-level BPE splits "Æ" into two byte tokens with the same offsets: only the first is B
    entity_text = "".join(t for t, l in got if l != "O")
    assert entity_text.replace("ÆÆ", "Æ") == "TromsøÆrøySkånland"
    assert [l for _, l in got].count("B-LOC") == 3


def test_given_a_span_at_the_very_end_then_its_last_token_is_labelled(roberta_tokenizer):
    text = "socialSecurityNumber: 98430148234"
    got = labelled_tokens(roberta_tokenizer, text, [{"start": 22, "end": 33, "label": "ID"}])
    assert got[-1][1] == "I-ID" or got[-1][1] == "B-ID"
    assert text.endswith(got[-1][0])


def long_text_with_phi_at_end(tokenizer, n_tokens=600):
    filler = "pasienten har det bra . " * (n_tokens // 5)
    text = filler + "Ring Ola"
    return text, [{"start": len(text) - 3, "end": len(text), "label": "PATIENT"}]


def test_given_a_text_longer_than_256_tokens_then_the_design_truncates_and_the_phi_is_lost(roberta_tokenizer):
    text, tags = long_text_with_phi_at_end(roberta_tokenizer)
    f = encode(roberta_tokenizer, [text], DESIGN, [tags])
    assert len(f["input_ids"]) == 1 and len(f["input_ids"][0]) == 256
    assert f["offset_mapping"][0][-2][1] < len(text) - 3  # the last real token stops well before the name
    assert set(f["labels"][0]) <= {IGNORE_INDEX, 0}


def test_given_a_stride_then_long_texts_become_overlapping_windows_that_cover_every_character(roberta_tokenizer):
    text, tags = long_text_with_phi_at_end(roberta_tokenizer)
    windowing = Windowing(max_length=128, pad_to_max_length=False, stride=32)
    f = encode(roberta_tokenizer, [text], windowing, [tags])
    assert len(f["input_ids"]) > 4 and set(f["sample"]) == {0}
    covered = set()
    for offsets, special in zip(f["offset_mapping"], f["special"]):
        covered |= {tuple(o) for o, s in zip(offsets, special) if not s}
    ends = sorted(e for _, e in covered)
    assert ends[-1] == len(text)
    last = labelled_tokens(roberta_tokenizer, text, tags, windowing, window=len(f["input_ids"]) - 1)
    assert [(t, l) for t, l in last if l != "O"] == [("O", "B-PATIENT"), ("la", "I-PATIENT")]


class FirstOverflowOnly:
    """The real tokenizer with the fault of tokenizers 0.23.2: of a long text's windows, only two come back."""

    def __init__(self, tokenizer):
        self.tokenizer = tokenizer

    def __call__(self, *args, **kwargs):
        return {key: value[:2] for key, value in self.tokenizer(*args, **kwargs).items()}


def test_a_tokenizer_that_drops_windows_is_refused_and_a_sound_one_is_checked_once(roberta_tokenizer):
    with pytest.raises(PhinerError, match=r"drops the windows .* tokenizers>=0\.23\.3"):
        check_overflow(FirstOverflowOnly(roberta_tokenizer))
    check_overflow(roberta_tokenizer)
    assert roberta_tokenizer._phiner_windows_checked
