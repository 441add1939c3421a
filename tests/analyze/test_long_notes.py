"""Long notes: every character is read. The model here is a real RoBERTa whose weights are set by hand so
that it tags one token as a patient name wherever it stands, whatever its neighbours; this isolates the
windowing and merging from learning."""

from conftest import NAME
from phiner.analyze.tagger import Tagger
from phiner.evaluate.evaluation import evaluate_tagger
from phiner.model.windows import Windowing

DESIGN_TRUNCATION = Windowing(max_length=256, pad_to_max_length=False, stride=None)


def long_note(tokenizer, n_tokens: int = 3000) -> tuple[str, dict]:
    sentence = "Pasienten ble mobilisert og hadde god effekt av behandlingen i dag. "
    per_sentence = len(tokenizer(sentence, add_special_tokens=False)["input_ids"])
    text = sentence * (n_tokens // per_sentence + 8) + f"Kontakt {NAME}."
    start = text.index(NAME)
    return text, {"start": start, "end": start + len(NAME), "label": "PATIENT"}


def test_given_phi_in_the_last_100_characters_of_a_3000_token_note_then_it_is_found(name_tagger, roberta_tokenizer):
    text, gold = long_note(roberta_tokenizer)
    assert len(roberta_tokenizer(text)["input_ids"]) >= 3000 and len(text) - gold["start"] <= 100
    tagger = Tagger(name_tagger, roberta_tokenizer)
    [found] = tagger.read([text])
    assert [(s.start, s.end, s.label, s.text) for s in found.spans] == [(gold["start"], gold["end"], "PATIENT", NAME)]
    assert found.windows >= 3000 // 192


def test_given_the_design_truncation_then_the_same_phi_is_missed(name_tagger, roberta_tokenizer):
    text, gold = long_note(roberta_tokenizer)
    truncating = Tagger(name_tagger, roberta_tokenizer, windowing=DESIGN_TRUNCATION)
    assert [(p.spans, p.windows) for p in truncating.read([text])] == [([], 1)]
    record = {"text": text, "ner_tags": [gold]}
    assert evaluate_tagger(truncating, [record])["char_recall"]["all"]["value"] == 0.0
    assert evaluate_tagger(Tagger(name_tagger, roberta_tokenizer), [record])["char_recall"]["all"]["value"] == 1.0


def test_given_a_1mb_text_then_prediction_finishes_with_every_window_read(name_tagger, roberta_tokenizer):
    text = ("Pasienten er i god form. " * 42_000)[: 1_000_000 - 20] + f" Ring {NAME} i dag."
    tagger = Tagger(name_tagger, roberta_tokenizer, batch_size=64)
    [spans] = tagger.predict([text])
    assert [s.text for s in spans] == [NAME]
    assert spans[0].end == text.index(NAME) + len(NAME)


def test_inference_batches_are_sorted_by_length_and_bounded_in_windows_and_tokens():
    from phiner.analyze.backends import batches

    lengths = [512, 40, 512, 300, 41, 512, 512, 39]
    got = batches(lengths, batch_size=3, max_tokens=1024)
    assert sorted(i for b in got for i in b) == list(range(len(lengths)))  # every window once
    assert got == [[7, 1, 4], [3], [0, 2], [5, 6]]  # 3 short ones; then 2 x 512 = 1024 tokens at most
    # the 300-token window alone rather than padded to 512 beside one: 400 + 300 + 3 x (400 + 1024) against
    # 3 x (400 + 1024) + 400 + 512 filling each batch in turn
    assert batches([5000], batch_size=16, max_tokens=1024) == [[0]]  # a window longer than the budget still runs


def test_inference_batches_do_not_pad_short_windows_to_a_long_one_where_a_pass_more_costs_less():
    from phiner.analyze.backends import PASS_OVERHEAD_TOKENS, batches

    lengths = [10] * 15 + [256]  # fifteen note endings and one full window: one pass would pad 160 tokens to 4,096
    got = batches(lengths, batch_size=16)
    assert got == [list(range(15)), [15]]
    padded = sum(len(b) * max(lengths[i] for i in b) + PASS_OVERHEAD_TOKENS for b in got)
    assert padded < 16 * 256 + PASS_OVERHEAD_TOKENS
    assert batches([256] * 20, batch_size=16) == [list(range(16)), list(range(16, 20))]  # equal lengths fill passes
