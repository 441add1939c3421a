import numpy as np
import pytest

from phiner.analyze.decode import TokenVote, to_spans
from phiner.analyze.tagger import group_by_type
from phiner.core.labels import LABEL2ID
from phiner.evaluate.metrics import confusion, seqeval_scores, to_label_sequences


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
    return {(s, e): TokenVote(0, LABEL2ID[rest[0]], 0.9, rest[1] if len(rest) > 1 else s) for s, e, *rest in items}


def test_given_token_labels_then_spans_join_b_and_i_and_split_on_a_new_b():
    text = "Kari Nordmann Ola 41"
    spans = to_spans(text, tokens((0, 4, "B-PATIENT"), (5, 13, "I-PATIENT"), (14, 17, "B-PATIENT"), (18, 20, "B-AGE")))
    assert [(s.text, s.label) for s in spans] == [("Kari Nordmann", "PATIENT"), ("Ola", "PATIENT"), ("41", "AGE")]


def test_given_an_i_label_of_another_type_then_it_starts_a_new_span():
    spans = to_spans("Bodø 41", tokens((0, 4, "B-LOC"), (5, 7, "I-AGE")))
    assert [(s.text, s.label) for s in spans] == [("Bodø", "LOC"), ("41", "AGE")]


def test_given_spans_then_they_group_in_the_design_display_order():
    spans = [
        {"label": "DATE", "text": "01.01.1982"},
        {"label": "PATIENT", "text": "Marlon"},
        {"label": "PATIENT", "text": "Furu"},
    ]
    assert list(group_by_type(spans).items()) == [("PATIENT", ["Marlon", "Furu"]), ("DATE", ["01.01.1982"])]


def test_given_pieces_of_one_word_then_the_word_follows_its_first_piece():
    text = "Karin Engen, Håvardmark"
    spans = to_spans(
        text,
        tokens(
            (0, 5, "B-PATIENT", 0),
            (6, 9, "B-PATIENT", 1),
            (9, 11, "B-LOC", 1),
            (11, 12, "O", 2),
            (13, 15, "O", 3),
            (15, 23, "B-LOC", 3),
        ),
    )
    assert [(s.text, s.label) for s in spans] == [("Karin", "PATIENT"), ("Engen", "PATIENT")]


from phiner.evaluate.metrics import bootstrap_ratio, deid_scores, strict_spans  # noqa: E402


def span(start, end, label):
    return {"start": start, "end": end, "label": label}


def test_given_hand_made_spans_then_strict_scores_need_exact_start_end_and_type():
    gold = [[span(0, 4, "PATIENT"), span(10, 12, "AGE"), span(20, 30, "DATE")]]
    pred = [[span(0, 4, "PATIENT"), span(10, 12, "ID"), span(20, 29, "DATE"), span(40, 45, "LOC")]]
    scores = strict_spans(gold, pred)
    assert (scores["all"]["tp"], scores["all"]["fp"], scores["all"]["fn"]) == (1, 3, 2)
    assert scores["all"]["precision"] == pytest.approx(1 / 4) and scores["all"]["recall"] == pytest.approx(1 / 3)
    assert scores["PATIENT"]["f1"] == 1.0 and scores["AGE"]["recall"] == 0.0 and scores["LOC"]["precision"] == 0.0


def test_given_partial_and_wrong_type_cover_then_char_recall_counts_covered_phi_characters():
    text = "x" * 50
    gold = [[span(0, 10, "PATIENT"), span(20, 24, "AGE")]]
    # 6 of the name's 10 characters are covered; the age is covered fully but as the wrong type; 5 non-PHI flagged
    pred = [[span(4, 10, "PATIENT"), span(20, 24, "ID"), span(30, 35, "LOC")]]
    scores = deid_scores([text], gold, pred)
    assert scores["char_recall"]["all"]["value"] == pytest.approx((6 + 4) / 14)
    assert scores["char_recall"]["PATIENT"]["value"] == pytest.approx(6 / 10)
    assert scores["char_recall"]["AGE"]["value"] == 1.0  # any type counts: the characters would not leak
    assert scores["over_redaction"]["value"] == pytest.approx(5 / 36)
    assert [(i, s["label"], round(c, 2)) for i, s, c in scores["missed"]] == [(0, "PATIENT", 0.6)]


def test_given_identical_documents_then_the_bootstrap_interval_is_a_point_and_it_widens_with_spread():
    assert bootstrap_ratio(np.full(20, 3.0), np.full(20, 4.0)) == (0.75, 0.75)
    low, high = bootstrap_ratio(np.array([0.0, 10.0] * 10), np.full(20, 10.0))
    assert low < 0.5 < high and high - low > 0.2


def test_given_evaluate_with_leaks_then_missed_spans_go_to_the_file_only(name_tagger, roberta_tokenizer, tmp_path):
    import json

    from phiner.analyze.tagger import Tagger
    from phiner.evaluate.evaluation import evaluate_tagger

    text = "Kontakt Nordmann eller Kari i dag"
    records = [{"text": text, "ner_tags": [span(8, 16, "PATIENT"), span(23, 27, "PATIENT")]}]
    report = evaluate_tagger(Tagger(name_tagger, roberta_tokenizer), records, leaks=tmp_path / "leaks.jsonl")
    assert report["strict"]["all"]["tp"] == 1 and report["char_recall"]["all"]["value"] == pytest.approx(8 / 12)
    assert "Kari" not in json.dumps(report)
    leaks = [json.loads(l) for l in (tmp_path / "leaks.jsonl").read_text().splitlines()]
    assert leaks == [{"record": 0, "start": 23, "end": 27, "label": "PATIENT", "text": "Kari", "covered": 0.0}]


def test_given_sentencepiece_words_with_punctuation_then_spans_leave_it_out():
    # Words split at blanks only, as me5-small's tokenizer makes them: `(45` and `Tromsø.` are one word each.
    text = "Alder (45 år), bor i Tromsø."
    spans = to_spans(
        text,
        tokens(
            (0, 5, "O", 0),
            (6, 7, "O", 1),  # `(` opens the word and says O: the word's label comes from `45`
            (7, 9, "B-AGE", 1),
            (10, 13, "I-AGE", 2),  # `år),` one piece
            (14, 17, "O", 3),
            (18, 19, "O", 4),
            (20, 25, "B-LOC", 5),
            (25, 27, "I-LOC", 5),  # `ø.` one piece
        ),
    )
    assert [(s.text, s.label) for s in spans] == [("45 år", "AGE"), ("Tromsø", "LOC")]
    assert all(text[s.start : s.end] == s.text for s in spans)


def test_given_spans_that_touch_no_phi_then_overlap_precision_and_false_spans_per_1000_words_count_them():
    from phiner.evaluate.metrics import frequent_false, redaction_costs

    texts = ["Kari got lasix and Lasix", "no PHI here at all"]
    gold = [[span(0, 4, "PATIENT")], []]
    # A span touching PHI counts as a hit whatever its type or extent; the two `lasix` and `here` are false.
    pred = [[span(0, 2, "LOC"), span(9, 14, "PATIENT"), span(19, 24, "PATIENT")], [span(7, 11, "DATE")]]
    costs = redaction_costs(texts, gold, pred)
    assert costs["words"] == 5 + 5
    assert costs["overlap_precision"]["all"]["value"] == pytest.approx(1 / 4)
    assert costs["overlap_precision"]["LOC"]["value"] == 1.0 and costs["overlap_precision"]["PATIENT"]["value"] == 0
    assert costs["false_per_1000_words"]["all"]["value"] == pytest.approx(3 / 10 * 1000)
    assert "AGE" not in costs["overlap_precision"]  # no AGE predicted: no figure rather than a made-up one
    top = frequent_false(texts, costs["false"])
    assert top[0] == {"text": "lasix", "label": "PATIENT", "source": "model", "count": 2, "forms": ["Lasix", "lasix"]}


def test_given_evaluate_with_false_positives_then_they_go_to_a_0600_file_with_their_source(
    name_tagger, roberta_tokenizer, tmp_path
):
    import json

    from phiner.analyze.tagger import Tagger
    from phiner.evaluate.evaluation import evaluate_tagger

    text = "Kontakt Nordmann eller Kari i dag"
    records = [{"id": "n1", "text": text, "ner_tags": []}]
    path = tmp_path / "false.jsonl"
    report = evaluate_tagger(Tagger(name_tagger, roberta_tokenizer), records, false_positives=path)
    false = [json.loads(l) for l in path.read_text().splitlines()]
    assert false and all(f["id"] == "n1" and f["source"] and f["text"] == text[f["start"] : f["end"]] for f in false)
    assert path.stat().st_mode & 0o777 == 0o600
    assert report["overlap_precision"]["all"]["value"] == 0.0
    assert sum(r["count"] for r in report["frequent_false"]) == len(false)


def test_given_gold_of_a_type_only_recognizers_find_then_evaluate_scores_it_by_characters_and_spans(
    monkeypatch, capsys, name_model_dir, tmp_path
):
    import json

    from conftest import NAME, run_cli

    text = f"Skriv til kari@example.com, sa {NAME}."
    start = text.index("kari")
    gold = [{"start": start, "end": start + 16, "label": "CONTACT"}]
    gold.append({"start": text.index(NAME), "end": text.index(NAME) + len(NAME), "label": "PATIENT"})
    data = tmp_path / "gold.jsonl"
    data.write_text(json.dumps({"text": text, "ner_tags": gold}) + "\n", encoding="utf-8")
    code, out, err = run_cli(monkeypatch, capsys, "evaluate", "--model", name_model_dir, "--data", data, "--json")
    assert code == 0, err  # a CONTACT span once ended in KeyError: 'B-CONTACT'
    report = json.loads(out)
    assert report["char_recall"]["CONTACT"]["value"] == 1.0
    assert "CONTACT" not in report["seqeval"]["per_type"]  # the token view is the model's six types
