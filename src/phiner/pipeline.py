"""One document or a batch from text to safe text: the analyzer finds the spans, the anonymizer replaces them.

The service, the jobs and the Python API (:func:`phiner.load`) go through here, and nothing below calls up: an
analyzer (:mod:`phiner.analyze`: a :class:`~phiner.analyze.tagger.Tagger`, or an
:class:`~phiner.analyze.registry.AdapterRegistry` of adapters on one base) returns spans and knows nothing of
operators; the anonymizer (:mod:`phiner.anonymize`) takes a text, its spans and a document context, never an
analyzer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from phiner.analyze import SiteRules
from phiner.anonymize.operators import Redaction, check_operators, redact
from phiner.anonymize.surrogates import DocumentContext, SurrogateSettings, document_id, draw_secret
from phiner.core.errors import Errors, PhinerError
from phiner.core.help import JOB
from phiner.core.records import Span

MAX_CHARS = 1_000_000
"""The longest text (characters) a JSONL or table job takes by default (``--max-chars``)."""


@dataclass
class RedactOptions:
    """How found spans become safe text, and where a record keeps its text and identity."""

    operator: str = field(default="tag", metadata={"help": JOB["operator"]})
    overrides: dict[str, str] = field(default_factory=dict, metadata={"help": "Type -> operator, or keep."})
    seed: int | None = field(default=None, metadata={"help": JOB["seed"]})
    secret: bytes | None = field(default=None, repr=False, metadata={"help": "Secret surrogates derive from."})
    text_field: str = field(default="text", metadata={"help": JOB["text_field"]})
    id_field: str | None = field(default=None, metadata={"help": JOB["id_field"]})
    patient_field: str | None = field(default=None, metadata={"help": JOB["patient_field"]})
    keep_original: str | None = field(default=None, metadata={"help": JOB["keep_original"]})
    known_field: str | None = field(default="known", metadata={"help": JOB["known_field"]})
    known_columns: dict[str, str] = field(
        default_factory=dict, metadata={"help": "JSONL key -> type: structured fields that are known PHI."}
    )
    buffer: int = field(default=256, metadata={"help": JOB["batch_size"]})
    max_chars: int = field(default=MAX_CHARS, metadata={"help": JOB["max_chars"]})
    surrogates: SurrogateSettings = field(
        default_factory=SurrogateSettings, metadata={"help": "Date shift range, age shift, age cap."}
    )

    def __post_init__(self) -> None:
        check_operators(self.operator, self.overrides)
        if self.buffer < 1:
            raise PhinerError(Errors.E186.format(given=self.buffer))
        if self.max_chars < 1:
            raise PhinerError(Errors.E187.format(given=self.max_chars))

    def with_secret(self) -> RedactOptions:
        """These options, with a fresh secret drawn (:func:`~phiner.anonymize.surrogates.draw_secret`) where
        neither a secret nor a test seed is given: what one call, job or dataset shares across its documents."""
        if self.secret is None and self.seed is None:
            return replace(self, secret=draw_secret())
        return self


def redact_documents(
    analyzer,
    texts: list[str],
    options: RedactOptions,
    *,
    ids: list[str] | None = None,
    patients: list[str | None] | None = None,
    known: list[dict[str, list[str]] | None] | None = None,
    rules=None,
) -> list[tuple[Redaction, DocumentContext]]:
    """Find the PHI in ``texts`` with ``analyzer`` and redact each text with its own document context
    (surrogates consistent within it).

    A document's context derives from ``options.secret`` (or ``options.seed``) and its id (a hash of its
    text where ``ids`` is None), or its patient's id where one is given. ``known`` is each text's known PHI
    and ``rules`` a request's own rules (see :meth:`phiner.analyze.tagger.Tagger.read`).
    """
    found = [p.spans for p in analyzer.read(texts, known=known, rules=rules)]
    options = options.with_secret()  # one secret for the call: its patients agree
    ids = ids if ids is not None else [document_id(t) for t in texts]
    patients = patients if patients is not None else [None] * len(texts)
    out = []
    for text, spans, key, patient in zip(texts, found, ids, patients):
        context = DocumentContext.for_document(
            options.seed, key, settings=options.surrogates, secret=options.secret, patient=patient
        )
        out.append((redact(text, spans, options.operator, options.overrides, context), context))
    return out


class Pipeline:
    """An analyzer and the anonymizer over one text or many: ``phiner.load().redact(["..."])``.

    :attr:`analyzer` is what finds the spans (its :meth:`predict` and :meth:`read` are the analyzer's)."""

    def __init__(self, analyzer: Any) -> None:
        self.analyzer = analyzer

    @property
    def info(self) -> dict[str, Any]:
        """What the analyzer was loaded from (``path``, and ``onnx`` for an export)."""
        return self.analyzer.info

    def predict(self, texts: Iterable[str], *args: Any, **kwargs: Any) -> list[list[Span]]:
        """The spans found in each text (the analyzer's :meth:`~phiner.analyze.tagger.Tagger.predict`)."""
        return self.analyzer.predict(texts, *args, **kwargs)

    def read(self, texts: Iterable[str], *args: Any, **kwargs: Any) -> list[Any]:
        """Each text's spans and windows (the analyzer's :meth:`~phiner.analyze.tagger.Tagger.read`)."""
        return self.analyzer.read(texts, *args, **kwargs)

    def redact(
        self,
        texts: Iterable[str],
        operator: str = "tag",
        *,
        overrides: dict[str, str] | None = None,
        seed: int | None = None,
        secret: bytes | None = None,
        ids: list[str] | None = None,
        patient_ids: list[str | None] | None = None,
        known: Sequence[Mapping[str, Sequence[str]] | None] | None = None,
        rules: SiteRules | None = None,
        adapter: str | None = None,
    ) -> list[Redaction]:
        """Safe texts: each a :class:`phiner.anonymize.operators.Redaction` (``.text`` and audit ``.items``).

        Surrogates derive from ``secret`` (or a test ``seed``; a fresh random secret when neither is given) and
        each text's identity: its ``ids`` entry, else a hash of the text; or its ``patient_ids`` entry, so that
        every text of one patient gets the same date shift and name map, in any call. ``known`` and ``rules``
        are as in :meth:`phiner.analyze.tagger.Tagger.read`; ``adapter`` names the adapter that reads them, where
        the analyzer holds adapters on one base (None: its default).
        """
        texts = list(texts)
        analyzer = self.analyzer
        if adapter is not None:
            if not hasattr(analyzer, "tagger"):
                raise PhinerError(Errors.E261)
            analyzer = analyzer.tagger(adapter)
        for name, values in (("ids", ids), ("patient_ids", patient_ids)):
            if values is not None and len(values) != len(texts):
                raise PhinerError(Errors.E153.format(name=name, count=len(values), count2=len(texts)))
        options = RedactOptions(operator=operator, overrides=dict(overrides or {}), seed=seed, secret=secret)
        return [
            r
            for r, _ in redact_documents(
                analyzer, texts, options, ids=ids, patients=patient_ids, known=known, rules=rules
            )
        ]
