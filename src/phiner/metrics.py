"""Scores: seqeval over token labels (the design's metrics), per-type reports and a confusion matrix."""
from __future__ import annotations

from typing import Any

import numpy as np

from phiner.labels import ENTITY_TYPES, ID2LABEL, IGNORE_INDEX, entity_type

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
    """Entity-level precision, recall, F1 and token accuracy, as the design's ``compute_metrics``."""
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
    return {
        name: {k: float(v) for k, v in row.items()}
        for name, row in report.items()
    }


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
