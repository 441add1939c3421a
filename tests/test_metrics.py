import numpy as np
import pytest

from phiner.metrics import confusion, seqeval_scores, to_label_sequences
from phiner.predict import _to_spans, group_by_type
from phiner.labels import LABEL2ID


def test_given_hand_computed_sequences_then_seqeval_scores_match():
    gold = [["B-PATIENT", "I-PATIENT", "O", "B-AGE"], ["B-DATE", "I-DATE", "O"]]
    pred = [["B-PATIENT", "I-PATIENT", "O", "O"], ["B-DATE", "O", "O"]]
    # entities: gold 3 (PATIENT, AGE, DATE), pred 2, exact matches 1 (PATIENT)
    scores = seqeval_scores(gold, pred)
    assert scores["precision"] == pytest.approx(1 / 2)
    assert scores["recall"] == pytest.approx(1 / 3)
    assert scores["f1"] == pytest.approx(2 * (1 / 2) * (1 / 3) / (1 / 2 + 1 / 3))
    assert scores["accuracy"] == pytest.approx(5 / 7)


def test_given_minus_100_labels_then_those_positions_are_left_out():
    gold, pred = to_label_sequences(np.array([[3, 0, 5, 6]]), np.array([[-100, 0, 5, -100]]))
    assert gold == [["O", "B-LOC"]] and pred == [["O", "B-LOC"]]


def test_given_tokens_then_confusion_counts_gold_rows_against_predicted_columns():
    conf = confusion([["B-LOC", "I-LOC", "O"]], [["B-LOC", "B-PATIENT", "B-ID"]])
    m, c = np.array(conf["matrix"]), conf["classes"]
    assert m[c.index("LOC"), c.index("LOC")] == 1
    assert m[c.index("LOC"), c.index("PATIENT")] == 1
    assert m[c.index("O"), c.index("ID")] == 1
    assert m.sum() == 3


def tokens(*items):
    """Token table as the tagger builds it; each token its own word unless a word index is given."""
    return {(s, e): (0, LABEL2ID[rest[0]], 0.9, rest[1] if len(rest) > 1 else s) for s, e, *rest in items}


def test_given_token_labels_then_spans_join_b_and_i_and_split_on_a_new_b():
    text = "Kari Nordmann Ola 41"
    spans = _to_spans(text, tokens((0, 4, "B-PATIENT"), (5, 13, "I-PATIENT"), (14, 17, "B-PATIENT"), (18, 20, "B-AGE")))
    assert [(s.text, s.label) for s in spans] == [("Kari Nordmann", "PATIENT"), ("Ola", "PATIENT"), ("41", "AGE")]


def test_given_an_i_label_of_another_type_then_it_starts_a_new_span():
    spans = _to_spans("Bodø 41", tokens((0, 4, "B-LOC"), (5, 7, "I-AGE")))
    assert [(s.text, s.label) for s in spans] == [("Bodø", "LOC"), ("41", "AGE")]


def test_given_spans_then_they_group_in_the_design_display_order():
    spans = [{"label": "DATE", "text": "01.01.1982"}, {"label": "PATIENT", "text": "Marlon"},
             {"label": "PATIENT", "text": "Furu"}]
    assert list(group_by_type(spans).items()) == [("PATIENT", ["Marlon", "Furu"]), ("DATE", ["01.01.1982"])]


def test_given_pieces_of_one_word_then_the_word_follows_its_first_piece():
    text = "Karin Engen, Håvardmark"
    spans = _to_spans(text, tokens((0, 5, "B-PATIENT", 0), (6, 9, "B-PATIENT", 1), (9, 11, "B-LOC", 1),
                                   (11, 12, "O", 2), (13, 15, "O", 3), (15, 23, "B-LOC", 3)))
    assert [(s.text, s.label) for s in spans] == [("Karin", "PATIENT"), ("Engen", "PATIENT")]
