"""Term lists found in one pass: deny lists, allow lists and known PHI, matched as whole words, case- and
diacritic-insensitive, over Aho-Corasick automata (``pyahocorasick``), so that a list of 100,000 names costs one
scan of the text, not one per name.

Text and terms are folded alike (:func:`fold`): case folded, accents dropped (``é`` -> ``e``, ``å`` -> ``a``),
the Nordic letters that carry no accent spelt out (``ø`` -> ``o``, ``æ`` -> ``ae``), and every run of white
space read as one space, so that a name broken over two lines still matches. Offsets map back to the text.
"""

from __future__ import annotations

import functools
import itertools
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

_SPELT = {"ø": "o", "æ": "ae", "œ": "oe", "đ": "d", "ð": "d", "ł": "l", "þ": "th", "ı": "i"}


@functools.lru_cache(maxsize=8192)
def fold_char(ch: str) -> str:
    """One character, folded: ``fold_char("Å") == "a"``, ``fold_char("Ø") == "o"``."""
    folded = unicodedata.normalize("NFD", ch.casefold())
    return "".join(_SPELT.get(c, c) for c in folded if not unicodedata.combining(c))


@functools.lru_cache(maxsize=4)
def fold(text: str) -> tuple[str, tuple[int, ...]]:
    """The folded text, and for each of its characters the index of the character of ``text`` it came from. The
    last four texts folded are kept: every term list of a detector reads the same text.

    >>> fold("Bjørn  Åsen")[0]
    'bjorn asen'
    """
    out: list[str] = []
    index: list[int] = []
    space = False
    for i, ch in enumerate(text):
        if ch.isspace():
            if not space:
                out.append(" ")
                index.append(i)
            space = True
            continue
        space = False
        for c in fold_char(ch):
            out.append(c)
            index.append(i)
    return "".join(out), tuple(index)


def fold_term(term: str) -> str:
    """A term as :func:`fold` reads it, stripped."""
    return fold(term.strip())[0]


@dataclass(frozen=True)
class Hit(Generic[T]):
    """One match: ``text[start:end]`` and the payload its term was added with."""

    start: int
    end: int
    payload: T


class TermMatcher(Generic[T]):
    """Whole-word matches of many terms in one scan; each term carries a payload (its label, its source).

    >>> m = TermMatcher([("Kari Nordmann", "PATIENT"), ("Nordmann", "PATIENT")])
    >>> [(h.start, h.end) for h in m.find("Pasient: kari\\nNORDMANN, 41 år")]
    [(9, 22), (14, 22)]
    """

    def __init__(self, terms: Iterable[tuple[str, T]]) -> None:
        import ahocorasick

        self._automaton = ahocorasick.Automaton()
        self.size = 0
        for term, payload in terms:
            key = fold_term(term)
            if not any(ch.isalnum() for ch in key):
                continue
            entries = self._automaton.get(key, None) if key in self._automaton else None
            if entries is not None and payload in entries[1]:
                continue  # the same term again (after folding) with the same payload: one match, not one per copy
            self._automaton.add_word(key, (len(key), [*(entries[1] if entries else []), payload]))
            self.size += 1
        if self.size:
            self._automaton.make_automaton()

    def __len__(self) -> int:
        return self.size

    def find(self, text: str, limit: int | None = None) -> list[Hit[T]]:
        """Every whole-word match, in text order (matches may overlap; the caller merges); at most ``limit``."""
        if not self.size or not text:
            return []
        folded, index = fold(text)
        return list(itertools.islice(self._hits(folded, index), limit))

    def _hits(self, folded: str, index: tuple[int, ...]) -> Iterator[Hit[T]]:
        for last, (size, payloads) in self._automaton.iter(folded):
            first = last - size + 1
            if first > 0 and folded[first - 1].isalnum() or last + 1 < len(folded) and folded[last + 1].isalnum():
                continue
            for payload in payloads:
                yield Hit(index[first], index[last] + 1, payload)

    def contains(self, text: str) -> bool:
        """Whether ``text``, folded, is one of the terms exactly."""
        return self.size > 0 and fold_term(text) in self._automaton
