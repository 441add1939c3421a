"""Noise on a finished note: what real notes do to text and tidy generated ones never do.

Each operation edits the note character by character while every character keeps the entity it belongs to,
so the spans are rebuilt exactly afterwards: a line break inside a name stays inside the name's span, a
deleted space before a name moves the span with it. Operations (docs/training.md, "phiner data synth"):

- ``upper`` / ``lower``: the whole note in capitals or in lower case (ICU notes, old systems);
- ``names_case``: person names in lower case or capitals;
- ``break``: a line break in place of a space inside a multi-word entity (wrapped lines);
- ``glue``: the space before an entity left out (``Pasient:Kari``, ``dr.Hansen``, ``tlf91711663``);
- ``ocr``: OCR-like swaps in a few words (``0``/``O``, ``1``/``l``, ``rn``/``m``, ``e``/``c``);
- ``lookalike``: Latin letters in a few words replaced by Cyrillic look-alikes (``а``, ``е``, ``о``, ``р``);
- ``spaces``: doubled spaces and tabs between words.
"""

from __future__ import annotations

import random
import re
from typing import Any

from phiner.core.errors import Errors, SettingError

OPERATIONS = ("upper", "lower", "names_case", "break", "glue", "ocr", "lookalike", "spaces")

LOOKALIKES = dict(zip("aeopcxAEOPCHKMTB", "аеорсхАЕОРСНКМТВ", strict=True))
OCR_SWAPS = (
    ("0", "O"),
    ("O", "0"),
    ("1", "l"),
    ("l", "1"),
    ("5", "S"),
    ("e", "c"),
    ("rn", "m"),
    ("m", "rn"),
    ("i", "í"),
)


class _Chars:
    """The note as characters, each with the index of the entity it belongs to (-1 for none)."""

    def __init__(self, text: str, tags: list[dict[str, Any]]) -> None:
        self.chars = list(text)
        self.owner = [-1] * len(text)
        self.labels = [tag["label"] for tag in tags]
        for i, tag in enumerate(tags):
            for pos in range(tag["start"], tag["end"]):
                self.owner[pos] = i

    def replace(self, pos: int, length: int, new: str) -> None:
        # The new characters belong to whoever owned the first replaced one.
        owner = self.owner[pos]
        self.chars[pos : pos + length] = list(new)
        self.owner[pos : pos + length] = [owner] * len(new)

    def record(self) -> tuple[str, list[dict[str, Any]]]:
        text = "".join(self.chars)
        bounds: dict[int, list[int]] = {}
        for pos, owner in enumerate(self.owner):
            if owner >= 0:
                bounds.setdefault(owner, [pos, pos + 1])[1] = pos + 1
        tags = []
        for owner, (start, end) in sorted(bounds.items(), key=lambda item: item[1][0]):
            # Trim blanks an edit left at an edge; a span stays one run of characters.
            while start < end and text[start].isspace():
                start += 1
            while end > start and text[end - 1].isspace():
                end -= 1
            if start < end:
                tags.append({"start": start, "end": end, "label": self.labels[owner]})
        return text, tags


def _case(chars: _Chars, positions: range | list[int], upper: bool) -> None:
    for pos in positions:
        new = chars.chars[pos].upper() if upper else chars.chars[pos].lower()
        if len(new) == 1:  # "ß".upper() is "SS": leave such letters as they are
            chars.chars[pos] = new


def _words(chars: _Chars) -> list[tuple[int, int]]:
    return [m.span() for m in re.finditer(r"\w{3,}", "".join(chars.chars))]


def perturb(record: dict[str, Any], rng: random.Random, operations: list[str]) -> dict[str, Any]:
    """``record`` (``text``, ``ner_tags``) with ``operations`` applied in order; spans follow their text."""
    unknown = [op for op in operations if op not in OPERATIONS]
    if unknown:
        raise SettingError(Errors.E112.format(given=unknown[0], choices=", ".join(OPERATIONS)))
    chars = _Chars(record["text"], record["ner_tags"])
    for op in operations:
        _apply(chars, op, rng)
    text, tags = chars.record()
    meta = dict(record.get("meta", {}), noise=list(operations))
    return {**record, "text": text, "ner_tags": tags, "meta": meta}


def _apply(chars: _Chars, op: str, rng: random.Random) -> None:
    n = len(chars.chars)
    if op in ("upper", "lower"):
        _case(chars, range(n), op == "upper")
    elif op == "names_case":
        upper = rng.random() < 0.4
        _case(chars, [p for p in range(n) if chars.owner[p] >= 0 and chars.labels[chars.owner[p]] == "PATIENT"], upper)
    elif op == "break":
        inner = [p for p in range(1, n - 1) if chars.chars[p] == " " and chars.owner[p] >= 0]
        for pos in rng.sample(inner, min(len(inner), rng.randint(1, 2))):
            chars.chars[pos] = "\n"
    elif op == "glue":
        starts = [p for p in range(1, n) if chars.owner[p] >= 0 and chars.owner[p - 1] != chars.owner[p]]
        gaps = [p - 1 for p in starts if chars.chars[p - 1] == " " and p >= 2 and not chars.chars[p - 2].isspace()]
        for pos in sorted(rng.sample(gaps, min(len(gaps), rng.randint(1, 2))), reverse=True):
            chars.replace(pos, 1, "")
    elif op in ("ocr", "lookalike"):
        for start, end in rng.sample(_words(chars), min(len(_words(chars)), rng.randint(1, 4))):
            _garble(chars, start, end, op, rng)
    elif op == "spaces":
        gaps = [p for p in range(n) if chars.chars[p] == " " and chars.owner[p] < 0]
        for pos in sorted(rng.sample(gaps, min(len(gaps), rng.randint(2, 6))), reverse=True):
            chars.replace(pos, 1, rng.choice(("  ", "   ", "\t", " \t")))


def _garble(chars: _Chars, start: int, end: int, op: str, rng: random.Random) -> None:
    word = "".join(chars.chars[start:end])
    if op == "lookalike":
        places = [i for i, ch in enumerate(word) if ch in LOOKALIKES]
        for i in rng.sample(places, min(len(places), rng.randint(1, 2))):
            chars.chars[start + i] = LOOKALIKES[word[i]]
        return
    swaps = [(i, old, new) for old, new in OCR_SWAPS for i in range(len(word)) if word.startswith(old, i)]
    if swaps:
        i, old, new = rng.choice(swaps)
        chars.replace(start + i, len(old), new)


def draw_operations(rng: random.Random, kind: str) -> list[str]:
    """The noise a note gets: ICU notes are often all in capitals or lower case; any note may get one or two
    of the other operations."""
    ops: list[str] = []
    roll = rng.random()
    if kind == "icu" and roll < 0.45:
        ops.append("upper" if roll < 0.25 else "lower")
    elif roll < 0.06:
        ops.append("upper" if roll < 0.03 else "lower")
    if rng.random() < NOISE_SHARE:
        # After a whole-note case change, a name in other case would undo it.
        rest = [op for op in OPERATIONS[2:] if not (ops and op == "names_case")]
        ops += rng.sample(rest, rng.randint(1, 2))
    return ops


NOISE_SHARE = 0.3
"""Share of notes that get noise beyond a whole-note case change."""
