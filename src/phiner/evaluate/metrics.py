"""Scores: seqeval over token labels (entity-level precision, recall, F1), per-type reports and a confusion
matrix."""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from phiner.core.labels import ENTITY_TYPES, ID2LABEL, IGNORE_INDEX, PHI_TYPES, entity_type

CONFUSION_CLASSES = ["O", *ENTITY_TYPES]


def to_label_sequences(predictions: np.ndarray, label_ids: np.ndarray) -> tuple[list[list[str]], list[list[str]]]:
    """Gold and predicted label strings per sequence, leaving out positions labelled -100.

    >>> to_label_sequences(np.array([[0, 7, 8]]), np.array([[-100, 7, 8]]))
    ([['B-PATIENT', 'I-PATIENT']], [['B-PATIENT', 'I-PATIENT']])
    """
    gold, pred = [], []
    for p_row, l_row in zip(predictions, label_ids):
        keep = l_row != IGNORE_INDEX
        gold.append([ID2LABEL[int(i)] for i in l_row[keep]])
        pred.append([ID2LABEL[int(i)] for i in p_row[keep]])
    return gold, pred


def seqeval_scores(gold: list[list[str]], pred: list[list[str]]) -> dict[str, float]:
    """Entity-level precision, recall and F1 (seqeval's, IOB2) and token accuracy of ``pred`` against ``gold``."""
    from seqeval.metrics import accuracy_score, f1_score, precision_score, recall_score

    return {
        "precision": float(precision_score(gold, pred, zero_division=0)),
        "recall": float(recall_score(gold, pred, zero_division=0)),
        "f1": float(f1_score(gold, pred, zero_division=0)),
        "accuracy": float(accuracy_score(gold, pred)),
    }


def per_type_report(gold: list[list[str]], pred: list[list[str]]) -> dict[str, dict[str, float]]:
    """seqeval's per-type precision, recall, F1 and support."""
    from seqeval.metrics import classification_report

    report = classification_report(gold, pred, output_dict=True, zero_division=0)
    return {name: {k: float(v) for k, v in row.items()} for name, row in report.items()}


def confusion(gold: list[list[str]], pred: list[list[str]]) -> dict[str, Any]:
    """Token-level confusion over entity types with O: ``matrix[gold][pred]`` counts tokens."""
    index = {c: i for i, c in enumerate(CONFUSION_CLASSES)}
    matrix = np.zeros((len(index), len(index)), dtype=np.int64)
    for g_row, p_row in zip(gold, pred):
        for g, p in zip(g_row, p_row):
            matrix[index[entity_type(g) or "O"], index[entity_type(p) or "O"]] += 1
    return {"classes": CONFUSION_CLASSES, "matrix": matrix.tolist(), "rows": "gold", "columns": "predicted"}


def compute_metrics(eval_pred) -> dict[str, float]:
    """The Trainer hook: argmax over logits, then :func:`seqeval_scores`."""
    logits, label_ids = eval_pred
    gold, pred = to_label_sequences(np.argmax(logits, axis=-1), label_ids)
    return seqeval_scores(gold, pred)


def strict_spans(gold: list[list[dict]], pred: list[list[dict]]) -> dict[str, dict[str, float]]:
    """Exact-match span scores (same start, end and type), overall and per type.

    >>> strict_spans([[{"start": 0, "end": 3, "label": "AGE"}]], [[{"start": 0, "end": 2, "label": "AGE"}]])["all"]["f1"]
    0.0
    """
    kinds = ["all", *PHI_TYPES]
    counts = {k: {"tp": 0, "fp": 0, "fn": 0} for k in kinds}
    for g_doc, p_doc in zip(gold, pred):
        g = {(s["start"], s["end"], s["label"]) for s in g_doc}
        p = {(s["start"], s["end"], s["label"]) for s in p_doc}
        for key, spans in (("tp", g & p), ("fp", p - g), ("fn", g - p)):
            for *_, label in spans:
                counts[label][key] += 1
                counts["all"][key] += 1
    return {k: _prf(c) for k, c in counts.items()}


def _prf(c: dict[str, int]) -> dict[str, float]:
    precision = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 0.0
    recall = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "support": c["tp"] + c["fn"], **c}


def char_counts(text: str, gold: list[dict], pred: list[dict]) -> dict[str, int]:
    """Per document: gold PHI characters (per type and all) and how many lie inside any predicted span;
    non-PHI characters and how many of them a predicted span flags."""
    flagged = np.zeros(len(text), dtype=bool)
    for s in pred:
        flagged[s["start"] : s["end"]] = True
    phi = np.zeros(len(text), dtype=bool)
    counts: dict[str, int] = {}
    for s in gold:
        phi[s["start"] : s["end"]] = True
        counts[f"gold_{s['label']}"] = counts.get(f"gold_{s['label']}", 0) + s["end"] - s["start"]
        counts[f"hit_{s['label']}"] = counts.get(f"hit_{s['label']}", 0) + int(flagged[s["start"] : s["end"]].sum())
    counts["gold_all"], counts["hit_all"] = int(phi.sum()), int((phi & flagged).sum())
    counts["nonphi"], counts["flagged_nonphi"] = int((~phi).sum()), int((~phi & flagged).sum())
    return counts


def bootstrap_ratio(num: np.ndarray, den: np.ndarray, *, reps: int = 1000, seed: int = 0) -> tuple[float, float]:
    """95% percentile interval of sum(num)/sum(den), resampling documents with replacement."""
    if len(num) == 0 or den.sum() == 0:
        return (float("nan"), float("nan"))
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(num), size=(reps, len(num)))
    sums = den[idx].sum(1)
    ratios = np.where(sums > 0, num[idx].sum(1) / np.maximum(sums, 1), np.nan)
    low, high = np.nanpercentile(ratios, [2.5, 97.5])
    return (float(low), float(high))


WORD = re.compile(r"\w+")


def word_count(text: str) -> int:
    """Words as :func:`redaction_costs` counts them (runs of letters, digits and ``_``).

    >>> word_count("BP 120/80, pt. weaned")
    5
    """
    return len(WORD.findall(text))


def redaction_costs(texts: list[str], gold: list[list[dict]], pred: list[list[dict]]) -> dict[str, Any]:
    """What redaction costs a note, overall and per predicted type: **overlap precision**, the share of predicted
    spans that touch (share a character with) any gold PHI span, whatever its type; and **false spans per 1,000
    words**, predicted spans that touch none. Both with 95% bootstrap intervals over documents. ``false``: each
    false span (document index and the span as predicted, ``source`` included).

    >>> costs = redaction_costs(["Kari took lasix"], [[{"start": 0, "end": 4, "label": "PATIENT"}]],
    ...     [[{"start": 0, "end": 4, "label": "PATIENT"}, {"start": 10, "end": 15, "label": "PATIENT"}]])
    >>> costs["overlap_precision"]["all"]["value"], costs["false_per_1000_words"]["all"]["value"]
    (0.5, 333.3333333333333)
    """
    kinds = ["all", *PHI_TYPES]
    touching = {k: np.zeros(len(texts)) for k in kinds}
    predicted = {k: np.zeros(len(texts)) for k in kinds}
    words = np.array([word_count(t) for t in texts], dtype=float)
    false: list[tuple[int, dict]] = []
    for i, (g_doc, p_doc) in enumerate(zip(gold, pred)):
        phi = np.zeros(len(texts[i]) + 1, dtype=bool)
        for s in g_doc:
            phi[s["start"] : s["end"]] = True
        for s in p_doc:
            hit = bool(phi[s["start"] : s["end"]].any())
            for kind in ("all", s["label"]):
                if kind in predicted:
                    predicted[kind][i] += 1
                    touching[kind][i] += hit
            if not hit:
                false.append((i, s))

    def ratio(num: np.ndarray, den: np.ndarray, scale: float = 1.0) -> dict[str, Any]:
        low, high = bootstrap_ratio(num, den)
        value = float(num.sum() / den.sum()) * scale if den.sum() else float("nan")
        return {"value": value, "ci95": [low * scale, high * scale], "spans": int(num.sum())}

    precision, per_words = {}, {}
    for kind in kinds:
        if kind != "all" and not predicted[kind].sum():
            continue
        precision[kind] = ratio(touching[kind], predicted[kind])
        per_words[kind] = ratio(predicted[kind] - touching[kind], words, 1000.0)
    return {
        "overlap_precision": precision,
        "false_per_1000_words": per_words,
        "words": int(words.sum()),
        "false": false,
    }


def frequent_false(texts: list[str], false: list[tuple[int, dict]], top: int = 20) -> list[dict[str, Any]]:
    """The most frequent wrongly redacted strings, by type and source kind (``model``, ``pattern:date``,
    ``context:title``...), case folded: ``{"text", "label", "source", "count", "forms"}``.

    >>> frequent_false(["wean, Wean"], [(0, {"start": 0, "end": 4, "label": "PATIENT", "source": "model"}),
    ...     (0, {"start": 6, "end": 10, "label": "PATIENT", "source": "model"})])
    [{'text': 'wean', 'label': 'PATIENT', 'source': 'model', 'count': 2, 'forms': ['Wean', 'wean']}]
    """
    counts: dict[tuple[str, str, str], list[str]] = {}
    for i, span in false:
        surface = texts[i][span["start"] : span["end"]]
        key = (" ".join(surface.casefold().split()), span["label"], span.get("source") or "model")
        counts.setdefault(key, []).append(surface)
    ranked = sorted(counts.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:top]
    return [
        {"text": t, "label": label, "source": source, "count": len(forms), "forms": sorted(set(forms))}
        for (t, label, source), forms in ranked
    ]


def deid_scores(texts: list[str], gold: list[list[dict]], pred: list[list[dict]]) -> dict[str, Any]:
    """Strict spans, character-level PHI recall (with 95% bootstrap intervals over documents), over-redaction,
    what redaction costs (:func:`redaction_costs`: overlap precision, false spans per 1,000 words; ``false``:
    the false spans), and the gold spans not fully covered (``missed``: document index, span, covered share)."""
    docs = [char_counts(t, g, p) for t, g, p in zip(texts, gold, pred)]

    def ratio(num_key: str, den_key: str) -> dict[str, float]:
        num = np.array([d.get(num_key, 0) for d in docs], dtype=float)
        den = np.array([d.get(den_key, 0) for d in docs], dtype=float)
        low, high = bootstrap_ratio(num, den)
        value = float(num.sum() / den.sum()) if den.sum() else float("nan")
        return {"value": value, "ci95": [low, high], "chars": int(den.sum())}

    recall = {"all": ratio("hit_all", "gold_all")}
    recall.update({t: ratio(f"hit_{t}", f"gold_{t}") for t in PHI_TYPES})
    return {
        "strict": strict_spans(gold, pred),
        "char_recall": recall,
        "over_redaction": ratio("flagged_nonphi", "nonphi"),
        **redaction_costs(texts, gold, pred),
        "missed": _missed(gold, pred),
    }


def _missed(gold: list[list[dict]], pred: list[list[dict]]) -> list[tuple[int, dict, float]]:
    out = []
    for i, (g_doc, p_doc) in enumerate(zip(gold, pred)):
        for s in g_doc:
            covered = sum(max(0, min(s["end"], p["end"]) - max(s["start"], p["start"])) for p in p_doc)
            share = covered / (s["end"] - s["start"])
            if share < 1:
                out.append((i, s, share))
    return out
