"""phiner as a Presidio recognizer: ``AnalyzerEngine`` users add phiner's model, recognizers and rules to their
registry, and its spans go on to their anonymizer (``pip install 'phiner[presidio]'``)::

    analyzer = AnalyzerEngine()
    analyzer.registry.add_recognizer(PhinerRecognizer())  # the model shipped with phiner; or PhinerRecognizer(RUN)
    results = analyzer.analyze(text=note, language="en")

phiner's types become Presidio's entity names (:data:`ENTITIES`): a name is a ``PERSON``, a date ``DATE_TIME``, a
place ``LOCATION``, a phone number ``PHONE_NUMBER``; an age stays ``AGE`` (no predefined Presidio name; the one its
transformers examples use). An ``ID`` keeps phiner's ``ID`` unless a checksum recognizer vouched for it (its
``source``, :data:`BY_SOURCE`): a fødselsnummer is ``NO_FODSELSNUMMER``, a D-number ``NO_D_NUMBER`` (country names as
Presidio's own ``UK_NHS`` or ``ES_NIF``), a US SSN ``US_SSN``; a contact is ``EMAIL_ADDRESS`` or ``URL``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

try:
    from presidio_analyzer import AnalysisExplanation, EntityRecognizer, RecognizerResult
except ImportError as err:  # the optional extra
    from phiner.core.errors import Errors, MissingExtraError

    raise MissingExtraError(Errors.E246) from err

from phiner.core.records import Span

ENTITIES: dict[str, str] = {
    "PATIENT": "PERSON",
    "DATE": "DATE_TIME",
    "LOC": "LOCATION",
    "PHONE": "PHONE_NUMBER",
    "AGE": "AGE",
    "ID": "ID",
    "CONTACT": "EMAIL_ADDRESS",
}
"""Presidio's entity name of each phiner type."""
BY_SOURCE: dict[str, str] = {
    "pattern:fnr": "NO_FODSELSNUMMER",
    "pattern:dnr": "NO_D_NUMBER",
    "pattern:ssn": "US_SSN",
    "pattern:email": "EMAIL_ADDRESS",
    "pattern:url": "URL",
}
"""Presidio's entity name of spans whose recognizer says more than their type."""
SUPPORTED: list[str] = sorted({*ENTITIES.values(), *BY_SOURCE.values()})


def presidio_entity(span: Span) -> str:
    """The Presidio entity name of a phiner span.

    >>> presidio_entity(Span(0, 11, "ID", 0.99, source="pattern:fnr")), presidio_entity(Span(0, 4, "PATIENT", 0.9))
    ('NO_FODSELSNUMMER', 'PERSON')
    """
    return BY_SOURCE.get(span.source or "", ENTITIES[span.label])


class PhinerRecognizer(EntityRecognizer):
    """phiner's detection (model, recognizers, context and site rules) as one Presidio recognizer.

    ``model`` is a loaded :class:`phiner.analyze.tagger.Tagger` (one adapter's: ``registry.tagger(NAME)``), or what
    ``phiner.load`` takes: a run, merged or exported folder; None: the model shipped with phiner. Scores are
    phiner's (a model span's mean token probability, a recognizer's own score). Presidio keys its
    recognizers by language: register one per language, sharing one tagger (``supported_language="nb"``)."""

    def __init__(
        self, model: Any = None, *, supported_language: str = "en", name: str = "PhinerRecognizer", **kwargs: Any
    ) -> None:
        from phiner import __version__

        self.tagger = model if hasattr(model, "predict") else None
        self._model: str | Path | None = None if self.tagger is not None else model
        super().__init__(
            supported_entities=list(SUPPORTED),
            name=name,
            supported_language=supported_language,
            version=__version__,
            **kwargs,
        )

    def load(self) -> None:
        """Load the model where none was given loaded (Presidio calls this once, on creation)."""
        if self.tagger is None:
            import phiner

            self.tagger = phiner.load(self._model)

    def analyze(self, text: str, entities: list[str] | None, nlp_artifacts: Any = None) -> list[RecognizerResult]:
        """phiner's spans in ``text`` of the Presidio ``entities`` asked for (all supported where none)."""
        wanted = set(entities or self.supported_entities)
        [spans] = self.tagger.predict([text])
        return [self._result(span, kind) for span in spans if (kind := presidio_entity(span)) in wanted]

    def _result(self, span: Span, kind: str) -> RecognizerResult:
        explanation = AnalysisExplanation(
            recognizer=self.name,
            original_score=span.score,
            pattern_name=span.source,
            textual_explanation=f"phiner {span.label} found by {span.source or 'model'}",
        )
        metadata = {
            RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
            RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
        }
        return RecognizerResult(kind, span.start, span.end, span.score, explanation, metadata)
