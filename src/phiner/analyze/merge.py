"""One merge of everything that found PHI in a text: the model, the recognizers, the context rules, a site's
rules and the known PHI.

The policy, in order:

1. **Overlaps become the covering span.** Spans that overlap (share a character) are one entity, from the
   first start to the last end, so that a part found by one source and a part found by another leave nothing
   between them. Spans that only touch are one entity when they have the same label (``7/14`` found by the
   date recognizer and the ``.`` after it by the model), and stay apart otherwise.
2. **The label by priority**, of the spans in the group: a validated pattern (``pattern:...``) > known PHI
   (``known``) > a site rule or built-in context rule (``rule:...``, ``context:...``) > the model
   (``model``); between equals, the higher score. The entity keeps that span's ``source`` and score.
3. **Allow lists last.** An entity whose whole text is an allowed term is dropped; one that starts or ends
   with an allowed word loses it (``Sønnen Per`` keeps ``Per``).

>>> a = Span(0, 4, "PATIENT", 0.6, source="model")
>>> b = Span(2, 15, "ID", 0.99, source="pattern:fnr")
>>> merge("Kari 1403314301 0", [a, b])
[Span(start=0, end=15, label='ID', score=0.99, text='Kari 1403314301', source='pattern:fnr')]
"""

from __future__ import annotations

from collections.abc import Iterable

from phiner.analyze.terms import TermMatcher
from phiner.core.records import Span

PRIORITY = {"pattern": 0, "known": 1, "rule": 2, "context": 2, "model": 3}
"""Rank of each source kind (the part of ``source`` before ``:``); lower wins."""


def rank(span: Span) -> tuple[int, float]:
    kind = (span.source or "model").split(":", 1)[0]
    return (PRIORITY.get(kind, 3), -(span.score if span.score is not None else 0.0))


def merge(text: str, spans: Iterable[Span], allow: TermMatcher | None = None) -> list[Span]:
    """The merged entities of ``text`` (see the module's policy), in text order."""
    groups: list[list[Span]] = []
    end = -1
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if span.end <= span.start:
            continue
        if groups and (span.start < end or span.start == end and any(s.label == span.label for s in groups[-1])):
            groups[-1].append(span)
            end = max(end, span.end)
        else:
            groups.append([span])
            end = span.end
    merged = []
    for group in groups:
        best = min(group, key=rank)
        start, stop = min(s.start for s in group), max(s.end for s in group)
        merged.append(Span(start, stop, best.label, best.score, text[start:stop], best.source or "model"))
    return apply_allow(text, merged, allow) if allow is not None and len(allow) else merged


def apply_allow(text: str, spans: list[Span], allow: TermMatcher | None) -> list[Span]:
    """Drop the spans that are an allowed term; trim allowed words off their edges."""
    if allow is None or not len(allow):
        return spans
    hits = allow.find(text)
    out = []
    for span in spans:
        start, end = span.start, span.end
        inside = [h for h in hits if span.start <= h.start and h.end <= span.end]
        for hit in sorted(inside, key=lambda h: (h.start, h.end)):
            if hit.start <= start and hit.end > start:
                start = hit.end
            elif hit.end >= end and hit.start < end:
                end = hit.start
        if (start, end) != (span.start, span.end):
            start, end = _strip(text, start, end)
        if end <= start:
            continue
        if (start, end) == (span.start, span.end):
            out.append(span)
        else:
            out.append(Span(start, end, span.label, span.score, text[start:end], span.source))
    return out


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    """Without white space and punctuation at either edge (what trimming a word leaves)."""
    while start < end and not text[start].isalnum():
        start += 1
    while end > start and not text[end - 1].isalnum():
        end -= 1
    return start, end
