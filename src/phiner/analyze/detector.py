"""The detector: every source beside the model, and their merge with the model's spans.

>>> detector = Detector.default()
>>> text = "Sønnen Per ringte fra 22 11 33 44 (per@example.no), pasienten født 14.03.1931"
>>> model = [Span(0, 10, "PATIENT", 0.7)]
>>> [(s.text, s.label, s.source) for s in detector.merge(text, model)]
[('Per', 'PATIENT', 'context:title'), ('22 11 33 44', 'PHONE', 'pattern:phone'), ('per@example.no', 'CONTACT', 'pattern:email'), ('14.03.1931', 'DATE', 'pattern:date')]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from phiner.analyze.context import ContextRules
from phiner.analyze.known import KnownPHI, inflected_names
from phiner.analyze.merge import apply_allow, merge
from phiner.analyze.recognizers import Recognizer, builtin_recognizers, make_recognizers
from phiner.analyze.rules import SiteRules, builtin_rules
from phiner.analyze.vocabulary import not_phi
from phiner.core.language import detect_locale
from phiner.core.records import Span


@dataclass
class Detector:
    """Recognizers, context rules and site rules (built-in and a site's), applied to each text with its known
    PHI, and merged with the model's spans by :func:`phiner.analyze.merge.merge`."""

    recognizers: tuple[Recognizer, ...] = ()
    context: ContextRules | None = None
    rules: SiteRules = field(default_factory=SiteRules)
    builtin: bool = False
    ages: str = "auto"
    """Which ages are PHI: ``auto`` (HIPAA's in English notes, ages over 89; every age in Norwegian ones),
    ``hipaa`` or ``all``. With the built-ins (:func:`phiner.analyze.vocabulary.not_phi`)."""

    @classmethod
    def default(
        cls, rules: SiteRules | None = None, *, builtin: bool = True, recognizers: tuple[str, ...] = ()
    ) -> "Detector":
        """The built-in recognizers, context rules and allow list (unless ``builtin`` is False: ``--no-rules``),
        and a site's ``rules`` and own ``recognizers`` (by name or import path:
        :func:`phiner.analyze.recognizers.recognizer_factory`)."""
        site = rules or SiteRules()
        own = make_recognizers(recognizers)
        if not builtin:
            return cls(own, rules=site, context=ContextRules(titles=site.titles) if site.titles else None)
        every = builtin_rules() + site
        return cls(builtin_recognizers() + own, ContextRules(titles=every.titles), every, builtin=True)

    def find(
        self, text: str, known: Mapping[str, Sequence[str]] | None = None, rules: SiteRules | None = None
    ) -> list[Span]:
        """Every span the recognizers, context rules, site rules (with a request's ``rules``) and ``known`` PHI
        find in ``text``, unmerged."""
        spans: list[Span] = []
        for recognizer in self.recognizers:
            spans += recognizer.find(text)
        if self.context is not None:
            spans += self.context.find(text)
        if rules and rules.titles:
            spans += ContextRules(titles=rules.titles).find(text)
        spans += self.rules.find(text)
        if rules:
            spans += rules.find(text)
        if known:
            spans += KnownPHI(known).find(text)
        return sorted(spans)

    def merge(
        self,
        text: str,
        model_spans: Iterable[Span],
        known: Mapping[str, Sequence[str]] | None = None,
        rules: SiteRules | None = None,
        found: list[Span] | None = None,
    ) -> list[Span]:
        """The model's spans and :meth:`find`'s (``found``, where already found), merged; allow lists applied
        last."""
        spans = [s if s.source else replace(s, source="model") for s in model_spans]
        spans += self.find(text, known, rules) if found is None else found
        allow = (self.rules + rules).allowed() if rules and rules.allow else self.rules.allowed()
        merged = merge_all(text, spans, allow)
        if not self.builtin:
            return merged
        return not_phi(text, merged, detect_locale(text), ages=self.ages)

    def describe(self) -> dict[str, Any]:
        """What runs (for ``GET /v1/model`` and run reports): names and counts, never terms."""
        return {
            "builtin": self.builtin,
            "ages": self.ages,
            "recognizers": [r.name for r in self.recognizers],
            "context_rules": self.context is not None,
            "site_rules": {
                "deny": len(self.rules.deny),
                "patterns": [p.name for p in self.rules.patterns],
                "allow": len(self.rules.allow),
                "titles": len(self.rules.titles),
            },
        }


def merge_all(text: str, spans: Iterable[Span], allow=None) -> list[Span]:
    """:func:`phiner.analyze.merge.merge` of ``spans``, with the genitives of the names among them
    (:func:`phiner.analyze.known.inflected_names`), allow lists (a :class:`TermMatcher`) applied last."""
    merged = merge(text, spans)
    forms = inflected_names(text, merged)
    return merge(text, merged + forms, allow) if forms else apply_allow(text, merged, allow)
