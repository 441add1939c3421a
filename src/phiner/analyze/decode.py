"""Window decoding: the logits of a text's overlapping windows to character spans.

Where windows overlap, each token keeps the vote of the window in which it has the most context on both sides
(:func:`tally`), so every character is read and no window edge decides a label; the votes then become spans a
word at a time (:func:`to_spans`), with per-type thresholds where calibrated (:func:`decide`).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from phiner.core.labels import ID2LABEL
from phiner.core.records import Span


class TokenVote(NamedTuple):
    """The label one window gave a token, kept where that window saw the most context on both sides: its
    arg-max ``label``, and for thresholds (:func:`decide`) ``phi`` = P(not O) and the likeliest PHI label."""

    context: int
    label: int
    probability: float
    word: int
    phi: float = 0.0
    alt: int = 0
    alt_probability: float = 0.0


def decide(vote: TokenVote, thresholds: dict[str, float] | None) -> tuple[int, float]:
    """A token's label and its probability: the arg-max, or, where its likeliest PHI type has a threshold,
    that type when P(not O) reaches the threshold and O when it does not.

    >>> vote = TokenVote(0, 0, 0.7, 0, phi=0.3, alt=7, alt_probability=0.25)  # O at 0.7, B-PATIENT at 0.25
    >>> decide(vote, None), decide(vote, {"PATIENT": 0.2}), decide(vote, {"PATIENT": 0.5})
    ((0, 0.7), (7, 0.25), (0, 0.7))
    """
    if not thresholds or vote.alt == 0:
        return vote.label, vote.probability
    threshold = thresholds.get(ID2LABEL[vote.alt][2:])
    if threshold is None:
        return vote.label, vote.probability
    if vote.phi >= threshold:
        return vote.alt, vote.alt_probability
    return 0, 1.0 - vote.phi


class TextVotes(NamedTuple):
    """One text's votes by token offsets, windows merged, and the windows it took."""

    tokens: dict[tuple[int, int], TokenVote]
    windows: int


def tally(features: dict[str, list], logits: list[np.ndarray], n_texts: int) -> list[TextVotes]:
    """Per text: the winning vote of each token over the windows ``features`` cut it into, and their count."""
    per_text: list[dict[tuple[int, int], TokenVote]] = [{} for _ in range(n_texts)]
    windows = [0] * n_texts
    for i, row in enumerate(logits):
        sample = features["sample"][i]
        windows[sample] += 1
        _vote(per_text[sample], row, features["offset_mapping"][i], features["words"][i])
    return [TextVotes(tokens, count) for tokens, count in zip(per_text, windows)]


def _vote(tokens: dict[tuple[int, int], TokenVote], logits: np.ndarray, offsets: list, words: list[int]) -> None:
    """Record each real token's label from this window if it has more context here than before."""
    real = [t for t, w in enumerate(words) if w >= 0 and offsets[t][0] != offsets[t][1]]
    if not real:
        return
    first, last = real[0], real[-1]
    probs = _softmax(logits)
    for t in real:
        context = min(t - first, last - t)
        key = tuple(offsets[t])
        if key not in tokens or tokens[key].context < context:
            label = int(probs[t].argmax())
            alt = int(probs[t, 1:].argmax()) + 1
            phi = float(1.0 - probs[t, 0])
            tokens[key] = TokenVote(context, label, float(probs[t, label]), words[t], phi, alt, float(probs[t, alt]))


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def to_spans(
    text: str, tokens: dict[tuple[int, int], TokenVote], thresholds: dict[str, float] | None = None
) -> list[Span]:
    """Token labels (:func:`decide`) to character spans, a word at a time; each span's source is ``model``.

    A word takes the label of its first token (as the HF pipeline's ``aggregation_strategy="first"``), so a
    span never ends inside a word; an ``I-`` that does not continue its type starts a new span. Tokenizers
    that split words at blanks only (SentencePiece) leave punctuation on words: a word's first token with no
    letter or digit (the ``(`` of ``(45``) does not decide its label, and :func:`trim_edges` cuts the span.
    """
    spans: list[Span] = []
    current: list | None = None  # [start, end, type, scores]
    word, word_kind, decided = None, None, False
    for (start, end), vote in sorted(tokens.items()):
        label_id, score = decide(vote, thresholds)
        label, token_word = ID2LABEL[label_id], vote.word
        if token_word != word:
            word, decided = token_word, False
        if decided:  # a later piece of the same word: it follows the word's first token
            label = "O" if word_kind is None else f"I-{word_kind}"
        # Punctuation that opens a whitespace-split word (`(45`, `«Kari`) does not decide the word's label.
        decided = decided or any(ch.isalnum() for ch in text[start:end])
        word_kind = label[2:] if label != "O" else None
        kind = word_kind
        if current and (kind != current[2] or label.startswith("B-")):
            spans.append(_close(text, current))
            current = None
        if kind and current is None:
            current = [start, end, kind, [score]]
        elif kind:
            current[1] = end
            current[3].append(score)
    if current:
        spans.append(_close(text, current))
    return spans


def _close(text: str, current: list) -> Span:
    start, end, kind, scores = current
    start, end = trim_edges(text, start, end)
    return Span(start, end, kind, round(float(np.mean(scores)), 4), text[start:end], "model")


_TRAILING = ".,;:!?\"'»”’"
_LEADING = "\"'«“‘"
_PAIRS = {")": "(", "]": "[", "}": "{"}
_OPENING = {v: k for k, v in _PAIRS.items()}


def trim_edges(text: str, start: int, end: int) -> tuple[int, int]:
    """``[start, end)`` without the blanks and punctuation at its edges that belong to the sentence, not to the
    PHI: a word of a SentencePiece or whitespace-split tokenizer carries them (``Tromsø.``, ``12.03.1961,``,
    ``(45``), and annotators leave them out. A closing bracket stays when the span holds its opening one.

    >>> text = "bor i (Tromsø.) og «Kari»,"
    >>> [text[slice(*trim_edges(text, a, b))] for a, b in ((6, 15), (19, 26))]
    ['Tromsø', 'Kari']
    >>> text = "Sykehuset Innlandet (Gjøvik)."
    >>> text[slice(*trim_edges(text, 0, len(text)))]
    'Sykehuset Innlandet (Gjøvik)'
    """
    while end - start > 1:
        first, last = text[start], text[end - 1]
        if last.isspace() or last in _TRAILING:
            end -= 1
        elif first.isspace() or first in _LEADING:
            start += 1
        elif _PAIRS.get(last) == first:  # the whole span in brackets
            start, end = start + 1, end - 1
        elif last in _PAIRS and text.count(_PAIRS[last], start, end) < text.count(last, start, end):
            end -= 1
        elif first in _OPENING and text.count(first, start, end) > text.count(_OPENING[first], start, end):
            start += 1
        else:
            break
    return start, end
