"""Scoring a tagger on labelled records: seqeval's entity-level token scores, and the figures that
de-identification is judged by (strict spans, character-level PHI recall, over-redaction)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from phiner.analyze.decode import decide
from phiner.analyze.tagger import Tagger
from phiner.core.labels import ENTITY_TYPES, ID2LABEL
from phiner.core.records import write_jsonl
from phiner.evaluate.metrics import confusion, deid_scores, frequent_false, per_type_report, seqeval_scores
from phiner.model.windows import align_labels


def evaluate_tagger(
    tagger: Tagger,
    records: list[dict[str, Any]],
    *,
    leaks: str | Path | None = None,
    false_positives: str | Path | None = None,
    batch_size: int = 32,
    known_field: str | None = "known",
    details: bool = False,
    curves: bool = False,
) -> dict[str, Any]:
    """Every score of ``tagger`` on ``records``; with ``leaks``, the missed PHI spans go to that JSONL file, and
    with ``false_positives`` the spans that touch no gold PHI (each with its source) to that one.

    Token scores (seqeval) are the model's own, its thresholds applied: each token of the whole text once;
    where windows overlap, the tagger's merged vote stands; tokens no window reached (truncation) count as
    predicted O. Spans, character recall and over-redaction are the tagger's entities: the model's merged
    with its detector's and each record's known PHI (``known_field``; None: ignored). ``sources`` gives each
    source's share of the PHI characters caught.
    """
    start = time.perf_counter()
    gold_seqs, pred_seqs, pred_spans, windows = [], [], [], 0
    kept_votes, kept_found = [], []
    for b in range(0, len(records), batch_size):
        batch = records[b : b + batch_size]
        for record, votes in zip(batch, tagger.token_votes([r["text"] for r in batch])):
            windows += votes.windows
            gold, pred = _token_sequences(tagger.tokenizer, record, votes.tokens, tagger.thresholds)
            gold_seqs.append(gold)
            pred_seqs.append(pred)
            known = record.get(known_field) if known_field else None
            found = tagger.find([record["text"]], [known] if known else None)[0]
            pred_spans.append([s.to_dict() for s in tagger.entities(record["text"], votes.tokens, found=found)])
            if curves:
                kept_votes.append(votes.tokens)
                kept_found.append(found)
    runtime = time.perf_counter() - start
    texts = [r["text"] for r in records]
    deid = deid_scores(texts, [r["ner_tags"] for r in records], pred_spans)
    missed, false = deid.pop("missed"), deid.pop("false")
    if leaks is not None:
        write_jsonl(leaks, _leaks(records, missed))
    if false_positives is not None:
        write_jsonl(false_positives, _false(records, false))
    extra: dict[str, Any] = {}
    if details:
        extra["details"] = {"missed": _rows(records, missed), "false": _rows(records, [(i, s, None) for i, s in false])}
    if curves:
        from phiner.evaluate.calibration import Collected, sweep

        extra["curves"] = sweep(Collected(texts, [r["ner_tags"] for r in records], kept_votes, kept_found, tagger))
    return {
        "records": len(records),
        "windows": windows,
        "seqeval": {**seqeval_scores(gold_seqs, pred_seqs), "per_type": per_type_report(gold_seqs, pred_seqs)},
        **deid,
        "sources": source_shares(records, pred_spans),
        "frequent_false": frequent_false(texts, false),
        "thresholds": dict(tagger.thresholds),
        "detector": tagger.detector.describe() if tagger.detector is not None else None,
        "confusion": confusion(gold_seqs, pred_seqs),
        "runtime": runtime,
        "samples_per_second": len(records) / runtime if runtime else float("nan"),
        **extra,
    }


def _rows(records: list[dict[str, Any]], spans: list[tuple[int, dict, float | None]]) -> list[dict[str, Any]]:
    """Findings without their text: document (index and id), offsets, type, source, score, covered share."""
    out = []
    for index, span, covered in spans:
        row = {"record": index, "id": records[index].get("id"), "start": span["start"], "end": span["end"]}
        row["label"] = span["label"]
        if covered is None:
            row.update(source=span.get("source") or "model", score=span.get("score"))
        else:
            row["covered"] = round(covered, 4)
        out.append(row)
    return out


def _token_sequences(
    tokenizer, record: dict[str, Any], tokens: dict, thresholds: dict[str, float] | None = None
) -> tuple[list[str], list[str]]:
    """Gold and predicted labels over every token of the whole text (no truncation), in the model's types: a gold
    span of a type only recognizers find (CONTACT) is O here, and is scored by the character and span views."""
    enc = tokenizer(record["text"], return_offsets_mapping=True, add_special_tokens=False, verbose=False)
    offsets = [tuple(o) for o in enc["offset_mapping"]]
    modelled = [tag for tag in record["ner_tags"] if tag["label"] in ENTITY_TYPES]
    labels = align_labels(offsets, [0] * len(offsets), modelled)
    gold, pred = [], []
    for offset, label in zip(offsets, labels):
        if label < 0:
            continue
        gold.append(ID2LABEL[label])
        vote = tokens.get(offset)
        pred.append(ID2LABEL[decide(vote, thresholds)[0]] if vote else "O")
    return gold, pred


def source_shares(records: list[dict[str, Any]], pred_spans: list[list[dict]]) -> dict[str, float]:
    """Each source kind's share (``model``, ``pattern``, ``known``, ``rule``, ``context``) of the gold PHI
    characters caught."""
    counts: dict[str, int] = {}
    for record, spans in zip(records, pred_spans):
        gold = set()
        for tag in record["ner_tags"]:
            gold.update(range(tag["start"], tag["end"]))
        for span in spans:
            kind = span.get("source", "model").split(":", 1)[0]
            counts[kind] = counts.get(kind, 0) + len(gold.intersection(range(span["start"], span["end"])))
    total = sum(counts.values())
    return {k: round(v / total, 4) for k, v in sorted(counts.items())} if total else {}


def _leaks(records: list[dict[str, Any]], missed: list[tuple[int, dict, float]]) -> list[dict[str, Any]]:
    out = []
    for index, span, covered in missed:
        text = records[index]["text"]
        out.append(
            {
                "record": index,
                "start": span["start"],
                "end": span["end"],
                "label": span["label"],
                "text": text[span["start"] : span["end"]],
                "covered": round(covered, 4),
            }
        )
    return out


def _false(records: list[dict[str, Any]], false: list[tuple[int, dict]]) -> list[dict[str, Any]]:
    rows = _rows(records, [(index, span, None) for index, span in false])
    return [{**row, "text": records[row["record"]]["text"][row["start"] : row["end"]]} for row in rows]
