"""Redaction: turn found PHI spans into safe text, one small operator per mode.

Detection (the tagger) and redaction are separate: :func:`redact` takes a text and its spans
(``{"start", "end", "label"}``, character offsets, end exclusive) and replaces each span by its operator's
output. Operators: ``tag`` (``[PATIENT]``; the default), ``mask`` (``*****``), ``remove`` (nothing),
``surrogate`` (a realistic fake, see :mod:`phiner.anonymize.surrogates`) and ``keep`` (left as is)::

    >>> r = redact("Kari Nordmann, 41 år", [{"start": 0, "end": 13, "label": "PATIENT"}])
    >>> r.text
    '[PATIENT], 41 år'
    >>> r.items[0].to_dict()["replacement"]
    '[PATIENT]'

Each audit item gives the replacement's offsets in the output text and the span's offsets in the input,
never the original text. Errors name span indexes and offsets, never the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any, ClassVar

from phiner.anonymize.surrogates import DocumentContext, SurrogateSettings, surrogate
from phiner.core.errors import Errors, PhinerError
from phiner.core.records import Span

__all__ = [
    "DocumentContext",
    "Keep",
    "Mask",
    "Operator",
    "OPERATORS",
    "Redaction",
    "RedactionItem",
    "Remove",
    "SpanError",
    "Surrogate",
    "SurrogateSettings",
    "Tag",
    "get_operator",
    "redact",
    "validate_spans",
]


class SpanError(PhinerError, ValueError):
    """Spans that overlap, fall outside the text or are malformed."""


# ----------------------------------------------------------------------------------------------------------------
# Operators.


class Operator:
    """Turns the text of one span into its replacement."""

    name: ClassVar[str] = ""

    def replace(self, text: str, span: Span, context: DocumentContext) -> str:
        """The replacement of ``text`` (the span's original text)."""
        raise NotImplementedError

    def __repr__(self) -> str:
        settings = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({settings})"


class Tag(Operator):
    """``[LABEL]``, or any ``template`` with a ``{label}`` field."""

    name = "tag"

    def __init__(self, template: str = "[{label}]") -> None:
        self.template = template

    def replace(self, text: str, span: Span, context: DocumentContext) -> str:
        return self.template.format(label=span.label)


class Mask(Operator):
    """A fixed character repeated to the span's length, or one ``fixed`` string for every span."""

    name = "mask"

    def __init__(self, char: str = "*", fixed: str | None = None) -> None:
        if fixed is None and len(char) != 1:
            raise PhinerError(Errors.E168.format(length=len(char)))
        self.char, self.fixed = char, fixed

    def replace(self, text: str, span: Span, context: DocumentContext) -> str:
        return self.fixed if self.fixed is not None else self.char * len(text)


class Remove(Operator):
    """Nothing: the span is cut out."""

    name = "remove"

    def replace(self, text: str, span: Span, context: DocumentContext) -> str:
        return ""


class Keep(Operator):
    """The original text: the span is left unredacted."""

    name = "keep"

    def replace(self, text: str, span: Span, context: DocumentContext) -> str:
        return text


class Surrogate(Operator):
    """A realistic fake of the same kind, consistent within the document (:mod:`phiner.anonymize.surrogates`)."""

    name = "surrogate"

    def replace(self, text: str, span: Span, context: DocumentContext) -> str:
        return surrogate(span.label, text, context)


OPERATORS: dict[str, type[Operator]] = {op.name: op for op in (Tag, Mask, Remove, Keep, Surrogate)}
"""Operator name -> class (made with its defaults when named by a string): the built-ins, and a user's own added
by :func:`register_operator`."""
_NAME = re.compile(r"[a-z][a-z0-9_-]{0,39}")


def register_operator(operator: type[Operator], *, replace: bool = False) -> type[Operator]:
    """Add an :class:`Operator` subclass to :data:`OPERATORS` under its ``name``, so that every place that takes an
    operator's name (``redact``, ``overrides``, :class:`phiner.pipeline.RedactOptions`) takes it; a decorator too.
    Its ``replace`` gets the span's original text, the span and the document's context."""
    if not (isinstance(operator, type) and issubclass(operator, Operator)):
        raise PhinerError(Errors.E260)
    if not isinstance(operator.name, str) or not _NAME.fullmatch(operator.name):
        raise PhinerError(Errors.E255.format(kind="operator"))
    if operator.name in OPERATORS and not replace:
        raise PhinerError(Errors.E256.format(kind="operator", name=operator.name))
    OPERATORS[operator.name] = operator
    return operator


def check_operators(
    operator: str, overrides: Mapping[str, str], *, operator_field: str = "operator", overrides_field: str = "overrides"
) -> None:
    """Refuse an unknown operator name or entity type, naming the field and entry at fault and the choices,
    never the value given (it may be anything a caller typed, PHI included)."""
    from phiner.core.labels import PHI_TYPES

    if operator not in OPERATORS:
        raise PhinerError(Errors.E169.format(field=operator_field, choices=", ".join(OPERATORS)))
    for i, (kind, op) in enumerate(overrides.items(), start=1):
        if kind not in PHI_TYPES:
            raise PhinerError(Errors.E170.format(field=overrides_field, index=i, choices=", ".join(PHI_TYPES)))
        if op not in OPERATORS:
            raise PhinerError(Errors.E171.format(field=overrides_field, index=i, choices=", ".join(OPERATORS)))


def get_operator(operator: Operator | str) -> Operator:
    """An operator instance from an instance or a name in :data:`OPERATORS`."""
    if isinstance(operator, Operator):
        return operator
    if isinstance(operator, str) and operator in OPERATORS:
        return OPERATORS[operator]()
    raise PhinerError(Errors.E172.format(choices=", ".join(OPERATORS)))


# ----------------------------------------------------------------------------------------------------------------
# Results.


@dataclass(frozen=True)
class RedactionItem:
    """One replaced span: ``start``/``end`` index the output text, ``original_*`` the input text."""

    start: int
    end: int
    label: str
    original_start: int
    original_end: int
    replacement: str
    operator: str
    source: str | None = None
    """What found the span (``model``, ``pattern:fnr``, ``known``, ``rule:NAME``...), where it was said."""
    score: float | None = None
    """The finder's score, for a job's audit trail (:mod:`phiner.jobs.ledger`); not in :meth:`to_dict`, the item as
    outputs and the service give it."""

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if k != "score" and (v is not None or k != "source")}


@dataclass(frozen=True)
class Redaction:
    """The safe text and one audit item per span, in text order."""

    text: str
    items: list[RedactionItem]

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "items": [item.to_dict() for item in self.items]}

    def as_record(self) -> dict[str, Any]:
        """The redacted text as a phiner record, its ``ner_tags`` the replaced (non-empty) spans."""
        tags = [{"start": i.start, "end": i.end, "label": i.label} for i in self.items if i.end > i.start]
        return {"text": self.text, "ner_tags": tags}


# ----------------------------------------------------------------------------------------------------------------
# Redacting.

SpanLike = Span | Mapping[str, Any]


def validate_spans(spans: Iterable[SpanLike], length: int) -> list[tuple[int, Span]]:
    """``(index, span)`` sorted by start; raises :class:`SpanError` on bad, out-of-range or overlapping spans."""
    checked = [(i, _as_span(span, i, length)) for i, span in enumerate(spans)]
    checked.sort(key=lambda pair: (pair[1].start, pair[1].end))
    for (i, a), (j, b) in zip(checked, checked[1:]):
        if b.start < a.end:
            raise SpanError(Errors.E173.format(index=i, start=a.start, end=a.end, index2=j, start2=b.start, end2=b.end))
    return checked


def _as_span(span: SpanLike, i: int, length: int) -> Span:
    if isinstance(span, Mapping):
        missing = [key for key in ("start", "end", "label") if key not in span]
        if missing:
            raise SpanError(Errors.E174.format(index=i, key=missing[0]))
        start, end, label, source = span["start"], span["end"], span["label"], span.get("source")
        score = span.get("score")
    elif isinstance(span, Span):
        start, end, label, source, score = span.start, span.end, span.label, span.source, span.score
    else:
        raise SpanError(Errors.E175.format(index=i, type=type(span).__name__))
    for key, value in (("start", start), ("end", end)):
        if not isinstance(value, int) or isinstance(value, bool):
            raise SpanError(Errors.E176.format(index=i, key=key, type=type(value).__name__))
    if not isinstance(label, str) or not label:
        raise SpanError(Errors.E177.format(index=i, type=type(label).__name__))
    if end <= start:
        raise SpanError(Errors.E178.format(index=i, start=start, end=end))
    if start < 0 or end > length:
        raise SpanError(Errors.E179.format(index=i, start=start, end=end, length=length))
    if source is not None and not isinstance(source, str):
        raise SpanError(Errors.E180.format(index=i, type=type(source).__name__))
    if not isinstance(score, (int, float)) or isinstance(score, bool):
        score = None  # a score is kept for the audit only: one that is not a number is not kept
    return Span(start, end, label, score=float(score) if score is not None else None, source=source)


def _resolve_overrides(overrides: Mapping[str, Operator | str] | None) -> dict[str, Operator]:
    return {label: get_operator(op) for label, op in (overrides or {}).items()}


def redact(
    text: str,
    spans: Iterable[SpanLike],
    operator: Operator | str = "tag",
    overrides: Mapping[str, Operator | str] | None = None,
    context: DocumentContext | None = None,
) -> Redaction:
    """Replace every span of ``text`` by its operator's output; text outside the spans is kept as is.

    ``overrides`` maps a label to another operator (or ``"keep"`` to leave that type). ``context`` carries
    the document's surrogate state; without one, a fresh random (not reproducible) context is used.
    """
    if not isinstance(text, str):
        raise SpanError(Errors.E181.format(type=type(text).__name__))
    checked = validate_spans(spans, len(text))
    default, by_label = get_operator(operator), _resolve_overrides(overrides)
    context = context if context is not None else DocumentContext()
    context.ensure_locale(text)
    context.ensure_date_order(text[s.start : s.end] for _, s in checked if s.label == "DATE")
    pieces: list[str] = []
    items: list[RedactionItem] = []
    cursor = out_len = 0
    for _, span in checked:
        op = by_label.get(span.label, default)
        replacement = op.replace(text[span.start : span.end], span, context)
        outside = text[cursor : span.start]
        pieces += [outside, replacement]
        out_len += len(outside)
        items.append(
            RedactionItem(
                out_len,
                out_len + len(replacement),
                span.label,
                span.start,
                span.end,
                replacement,
                op.name or type(op).__name__,
                span.source,
                span.score,
            )
        )
        out_len += len(replacement)
        cursor = span.end
    pieces.append(text[cursor:])
    return Redaction("".join(pieces), items)
