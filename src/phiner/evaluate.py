"""Scoring a model on labelled records with the design's token alignment and seqeval."""
from __future__ import annotations

import time
from typing import Any

import numpy as np

from phiner.align import Windowing, encode
from phiner.labels import IGNORE_INDEX
from phiner.metrics import confusion, per_type_report, seqeval_scores, to_label_sequences


def batched_logits(model, tokenizer, features: dict[str, list], batch_size: int = 16) -> list[np.ndarray]:
    """Logits of each encoded window (its own length, no padding), batches sorted by length."""
    import torch

    order = sorted(range(len(features["input_ids"])), key=lambda i: len(features["input_ids"][i]))
    out: list[np.ndarray | None] = [None] * len(order)
    keys = [k for k in ("input_ids", "attention_mask", "token_type_ids") if k in features]
    with torch.inference_mode():
        for b in range(0, len(order), batch_size):
            idx = order[b:b + batch_size]
            batch = tokenizer.pad({k: [features[k][i] for i in idx] for k in keys}, return_tensors="pt")
            logits = model(**batch).logits.float().numpy()
            for row, i in enumerate(idx):
                out[i] = logits[row, : len(features["input_ids"][i])]
    return out  # type: ignore[return-value]


def evaluate_records(model, tokenizer, records: list[dict[str, Any]], windowing: Windowing,
                     batch_size: int = 16) -> dict[str, Any]:
    """seqeval scores, per-type report and confusion matrix of ``model`` on ``records``."""
    start = time.perf_counter()
    features = encode(tokenizer, [r["text"] for r in records], windowing, [r["ner_tags"] for r in records])
    logits = batched_logits(model, tokenizer, features, batch_size)
    gold, pred = [], []
    for row_logits, labels in zip(logits, features["labels"]):
        g, p = to_label_sequences(np.argmax(row_logits, -1)[None], np.array(labels)[None])
        gold += g
        pred += p
    runtime = time.perf_counter() - start
    return {
        **seqeval_scores(gold, pred),
        "per_type": per_type_report(gold, pred),
        "confusion": confusion(gold, pred),
        "records": len(records),
        "windows": len(features["input_ids"]),
        "tokens_scored": int(sum(int((np.array(l) != IGNORE_INDEX).sum()) for l in features["labels"])),
        "runtime": runtime,
        "samples_per_second": len(records) / runtime if runtime else float("nan"),
    }
