"""Tokenization and label alignment, one function for training and prediction.

Each token whose character range overlaps a span is labelled: ``B-`` on the token holding the span's first
character, ``I-`` on the rest; special and padding tokens get -100 and take no part in the loss. With
``stride`` set, a text longer than ``max_length`` becomes several overlapping windows instead of being cut.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from phiner.core.errors import Errors, PhinerError
from phiner.core.labels import IGNORE_INDEX, LABEL2ID


@dataclass(frozen=True, kw_only=True)
class Windowing:
    """How texts become model inputs (keywords only: ``Windowing(max_length=512, stride=128)``)."""

    max_length: int = 256
    pad_to_max_length: bool = True
    stride: int | None = None
    """Tokens shared by consecutive windows; None truncates at max_length (only the first window is read)."""


def encode(tokenizer, texts: list[str], windowing: Windowing, tags: list[list[dict]] | None = None) -> dict[str, list]:
    """Tokenize ``texts`` into windows; with ``tags`` add aligned ``labels``.

    Returns the tokenizer's columns plus ``offset_mapping``, ``special`` (1 for special/padding tokens),
    ``words`` (each token's word index in its text, -1 for special tokens) and ``sample`` (the index of the
    text each window came from).
    """
    kwargs: dict[str, Any] = {"truncation": True, "max_length": windowing.max_length}
    if windowing.stride is not None:
        check_overflow(tokenizer)
        kwargs.update(return_overflowing_tokens=True, stride=windowing.stride)
    enc = tokenizer(
        texts,
        padding="max_length" if windowing.pad_to_max_length else False,
        return_offsets_mapping=True,
        **kwargs,
    )
    n = len(enc["input_ids"])
    samples = list(enc["overflow_to_sample_mapping"]) if windowing.stride is not None else list(range(n))
    words = [[-1 if w is None else w for w in enc.word_ids(i)] for i in range(n)]
    special = [[1 if w < 0 else 0 for w in row] for row in words]
    out = {k: list(v) for k, v in enc.items() if k != "overflow_to_sample_mapping"}
    out["special"], out["words"], out["sample"] = special, words, samples
    if tags is not None:
        out["labels"] = [align_labels(enc["offset_mapping"][i], special[i], tags[samples[i]]) for i in range(n)]
    return out


def fit_stride(stride: int | None, max_length: int) -> int | None:
    """``stride`` lowered, where needed, below half of ``max_length`` (the bound ``TrainSettings`` checks):
    for a stride that came from a preset or a run rather than from the user."""
    return None if stride is None else min(stride, max_length // 2 - 1)


def check_overflow(tokenizer) -> None:
    """Raise :class:`PhinerError` unless the tokenizer returns every window of a long text; checked once per
    tokenizer object.

    tokenizers 0.23.2 returns only the first overflowing window of a text: with it a long note would be read,
    and trained on, only in part, silently.
    """
    if getattr(tokenizer, "_phiner_windows_checked", False):
        return
    text = " ".join(f"w{i}" for i in range(200))
    enc = tokenizer(
        [text], truncation=True, max_length=16, stride=4, return_overflowing_tokens=True, return_offsets_mapping=True
    )
    if max(end for row in enc["offset_mapping"] for _, end in row) < len(text):
        import tokenizers

        raise PhinerError(Errors.E092.format(version=tokenizers.__version__))
    tokenizer._phiner_windows_checked = True


def align_labels(offsets: list[tuple[int, int]], special: list[int], spans: list[dict]) -> list[int]:
    """Label ids for one window's tokens from sorted, non-overlapping character spans.

    >>> align_labels([(0, 0), (0, 3), (4, 8), (8, 10), (0, 0)], [1, 0, 0, 0, 1],
    ...              [{"start": 4, "end": 10, "label": "PATIENT"}])
    [-100, 0, 7, 8, -100]
    """
    labels, j, begun = [], 0, -1
    for (start, end), is_special in zip(offsets, special):
        if is_special or start == end:
            labels.append(IGNORE_INDEX)
            continue
        while j < len(spans) and spans[j]["end"] <= start:
            j += 1
        if j < len(spans) and spans[j]["start"] < end:
            # B only on the span's first token: not on a window that starts mid-span, nor on the second
            # byte-token of a character that byte-level BPE splits in two (both carry the same offsets).
            prefix = "B" if j != begun and start <= spans[j]["start"] else "I"
            begun = j
            labels.append(LABEL2ID[f"{prefix}-{spans[j]['label']}"])
        else:
            labels.append(LABEL2ID["O"])
    return labels
