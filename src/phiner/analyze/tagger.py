"""Tagger: texts in, character spans out. Long texts are read in overlapping windows (:mod:`phiner.model.windows`)
by a model backend (:mod:`phiner.analyze.backends`), decoded back into spans (:mod:`phiner.analyze.decode`) and
merged with the detector's.
"""

from __future__ import annotations

import functools
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, ContextManager, Iterable, Iterator, Literal, Mapping, Sequence

import numpy as np

from phiner.analyze import Detector, SiteRules
from phiner.analyze.backends import batched_logits
from phiner.analyze.decode import TextVotes, TokenVote, tally, to_spans
from phiner.analyze.onnx import OnnxModel
from phiner.core.errors import Errors, PhinerError, TimeLimitError
from phiner.core.records import Span
from phiner.core.runfolder import THRESHOLDS, RunFolder
from phiner.model.windows import Windowing, encode, fit_stride

DEFAULT_WINDOWING = Windowing(max_length=256, pad_to_max_length=False, stride=64)


def run_windowing(
    run: str | Path, max_length: int | None = None, stride: int | None = None, truncate: bool = False
) -> Windowing:
    """The windows a model reads in prediction: those it was trained on (its ``config.yaml``, copied into
    merged and exported folders too), each overridden where given; 256/64 for a folder without one."""
    config = RunFolder(run).config()
    train = {"max_length": config.train.max_length, "stride": config.train.stride} if config else {}
    length = max_length or train.get("max_length") or DEFAULT_WINDOWING.max_length
    if truncate:
        return Windowing(max_length=length, pad_to_max_length=False, stride=None)
    if stride is not None:
        return Windowing(max_length=length, pad_to_max_length=False, stride=stride)
    step = train.get("stride", DEFAULT_WINDOWING.stride)
    if step is None:  # trained truncated (stride None): prediction still reads every character
        step = DEFAULT_WINDOWING.stride
    return Windowing(max_length=length, pad_to_max_length=False, stride=fit_stride(step, length))


def check_thresholds(thresholds: Mapping[str, Any], where: str = "thresholds") -> dict[str, float]:
    """Per-type thresholds checked: a known type, and a probability in (0, 1]."""
    from phiner.core.labels import ENTITY_TYPES

    out = {}
    for kind, value in thresholds.items():
        if kind not in ENTITY_TYPES:
            raise PhinerError(Errors.E157.format(where=where, choices=", ".join(ENTITY_TYPES)))
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1:
            raise PhinerError(Errors.E158.format(where=where, label=kind))
        out[kind] = float(value)
    return out


def run_thresholds(run: str | Path) -> dict[str, float]:
    """The thresholds ``phiner calibrate`` stored in a run folder, or none."""
    stored = RunFolder(run).json(THRESHOLDS)
    if not stored:
        return {}
    return check_thresholds(stored.get("thresholds", {}), where=str(Path(run) / THRESHOLDS))


@dataclass(frozen=True)
class Prediction:
    """What the tagger found in one text: its spans, and the windows it read it in."""

    spans: list[Span]
    windows: int


class Tagger:
    """A loaded model that finds PHI spans in texts."""

    def __init__(
        self,
        model,
        tokenizer,
        windowing: Windowing = DEFAULT_WINDOWING,
        batch_size: int = 16,
        info: dict[str, Any] | None = None,
        precision: str = "fp32",
        detector: Detector | None | Literal["default"] = "default",
        thresholds: dict[str, float] | None = None,
        adapter: str | None = None,
    ) -> None:
        from phiner.model.hardware import resolve_precision

        self.model, self.tokenizer, self.windowing, self.batch_size = model, tokenizer, windowing, batch_size
        self.info = info or {}
        self.detector: Detector | None = Detector.default() if detector == "default" else detector
        """Recognizers, context and site rules merged with the model's spans; None: the model alone."""
        self.thresholds: dict[str, float] = check_thresholds(thresholds or {})
        """Per type, the P(not O) above which a token is PHI (``phiner calibrate``); other types: arg-max."""
        self.guard: Callable[[], ContextManager] | None = None
        self.logits_reader: Callable[[dict[str, list]], list[np.ndarray]] | None = None
        self.deadline: float | None = None
        """A ``time.monotonic()`` past which :meth:`read` stops with :class:`TimeLimitError` (see :meth:`through`)."""
        """Where set, what reads the windows' logits in place of this tagger's own batches (see :meth:`through`)."""
        self.precision = "onnx" if isinstance(model, OnnxModel) else resolve_precision(precision)
        self.adapter = adapter
        """The LoRA adapter this tagger reads through, where ``model`` holds several (:mod:`phiner.analyze.registry`)."""

    @classmethod
    def load(cls, run: str | Path, *, precision: str = "auto", **kwargs: Any) -> "Tagger":
        """Load a run folder (adapter, merged into its base), a merged model folder, or an ONNX export.

        PyTorch models run on the GPU where there is one; ``precision="auto"`` runs them in bf16 where the
        hardware does it natively (see benchmarks/RESULTS.md), else fp32. The thresholds ``phiner
        calibrate`` stored in the folder apply unless ``thresholds`` is given (``{}``: none).
        """
        from phiner.analyze.onnx import is_export, load_export
        from phiner.model.base import load_run

        if "windowing" not in kwargs:
            kwargs["windowing"] = run_windowing(run)
        if kwargs.get("thresholds") is None:
            kwargs["thresholds"] = run_thresholds(run)
        if is_export(run):
            model, tokenizer, onnx_info = load_export(run)
            return cls(model, tokenizer, info={"path": str(run), "onnx": onnx_info}, **kwargs)
        model, tokenizer = load_run(run, merged=True)
        from phiner.model.hardware import cuda

        if cuda():
            model = model.to("cuda")
        return cls(model, tokenizer, info={"path": str(run)}, precision=precision, **kwargs)

    def predict(self, texts: Iterable[str]) -> list[list[Span]]:
        """Spans found in each text (see :meth:`read` for the windows each took too)."""
        return [prediction.spans for prediction in self.read(texts)]

    def read(
        self,
        texts: Iterable[str],
        known: Sequence[Mapping[str, Sequence[str]] | None] | None = None,
        rules: SiteRules | None = None,
    ) -> list[Prediction]:
        """A :class:`Prediction` per text: its spans and how many windows it took.

        ``known`` gives each text the PHI already known about its patient (``{"PATIENT": ["Kari Nordmann"],
        ...}`` or None); ``rules`` are a request's own rules, used beside the tagger's. Any ``str`` is read,
        even one that is not valid Unicode: a lone surrogate is read as U+FFFD, and control, format and separator
        characters as spaces (:func:`readable`), one code point for one, so offsets still index the text given and
        each span's ``text`` is the given text's."""
        texts = list(texts)
        readable = readable_texts(texts, known)
        found = self.find(readable, known, rules)
        votes = self.token_votes(readable)
        predictions = [
            Prediction(as_given(self.entities(text, vote.tokens, rules=rules, found=found[i]), texts[i]), vote.windows)
            for i, (text, vote) in enumerate(zip(readable, votes))
        ]
        self.in_time()
        return predictions

    def find(
        self,
        readable: list[str],
        known: Sequence[Mapping[str, Sequence[str]] | None] | None = None,
        rules: SiteRules | None = None,
    ) -> list[list[Span] | None]:
        """Per (readable) text, what the detector, ``rules`` and ``known`` find, unmerged (None where there is no
        detector, rule or known PHI). Run before the model, so that a text refused by the rules (over
        :data:`phiner.analyze.rules.MAX_SPANS`) costs no forward pass, and checked against :attr:`deadline`."""
        if self.detector is None and not rules and not known:
            return [None] * len(readable)
        detector = self.detector if self.detector is not None else Detector()
        found: list[list[Span] | None] = []
        for i, text in enumerate(readable):
            self.in_time()
            found.append(detector.find(text, known[i] if known else None, rules))
        self.in_time()
        return found

    def in_time(self) -> None:
        """:class:`TimeLimitError` where :attr:`deadline` has passed."""
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise TimeLimitError(Errors.E159)

    def entities(
        self,
        text: str,
        tokens: dict[tuple[int, int], TokenVote],
        known: Mapping[str, Sequence[str]] | None = None,
        rules: SiteRules | None = None,
        found: list[Span] | None = None,
        thresholds: Mapping[str, float] | None = None,
    ) -> list[Span]:
        """One text's entities from its token votes: the model's spans (its thresholds applied, or
        ``thresholds``), merged with the detector's (recognizers, rules, known PHI) where there is one; ``found``:
        those already found by :meth:`find` (``known`` and ``rules`` then unused)."""
        spans = to_spans(text, tokens, self.thresholds if thresholds is None else thresholds)
        if found is None:
            if self.detector is None and not rules and not known:
                return spans
        detector = self.detector if self.detector is not None else Detector()
        return detector.merge(text, spans, known=known, rules=rules, found=found)

    def token_votes(self, texts: list[str]) -> list[TextVotes]:
        """Per text: each token's winning :class:`TokenVote` (windows merged) and the windows it took."""
        if not texts:
            return []
        features = encode(self.tokenizer, texts, self.windowing)
        if self.logits_reader is not None:
            return tally(features, self.logits_reader(features), len(texts))
        names = None if self.adapter is None else [self.adapter] * len(features["input_ids"])
        logits = batched_logits(
            self.model, self.tokenizer, features, self.batch_size, self.precision, self.guard, adapter_names=names
        )
        return tally(features, logits, len(texts))

    def through(
        self, logits_reader: Callable[[dict[str, list]], list[np.ndarray]], deadline: float | None = None
    ) -> "Tagger":
        """This tagger (the same model, windows, rules and thresholds) with its windows' logits read by
        ``logits_reader(features)``: the service's micro-batcher, which reads the windows of many requests in shared
        forward passes (:mod:`phiner.serve.batcher`); its reads stop at ``deadline`` (``time.monotonic()``), the
        rules' and the merge's work included."""
        import copy

        view = copy.copy(self)
        view.logits_reader = logits_reader
        view.deadline = deadline
        return view

    def predict_records(
        self,
        records: Iterable[dict[str, Any]],
        field: str = "text",
        batch_size: int = 64,
        *,
        known_field: str | None = "known",
        known_columns: dict[str, str] | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Each record with ``entities`` (and ``windows``) added; every input key kept. A record's known PHI
        (its ``known_field`` and ``known_columns``) is used in finding its entities."""
        buffer: list[dict[str, Any]] = []
        for record in records:
            buffer.append(record)
            if len(buffer) == batch_size:
                yield from self._annotate(buffer, field, known_field, known_columns)
                buffer = []
        if buffer:
            yield from self._annotate(buffer, field, known_field, known_columns)

    def _annotate(
        self, records: list[dict[str, Any]], field: str, known_field: str | None, columns: dict[str, str] | None
    ) -> list[dict[str, Any]]:
        from phiner.core.records import record_known

        known = [record_known(r, known_field, columns) for r in records]
        return [
            {**r, "entities": [s.to_dict() for s in p.spans], "windows": p.windows}
            for r, p in zip(records, self.read([r[field] for r in records], known=known))
        ]


def readable_texts(
    texts: Iterable[str], known: Sequence[Mapping[str, Sequence[str]] | None] | None = None
) -> list[str]:
    """``texts`` checked (strings; one ``known`` entry each, where given) and made readable (:func:`readable`)."""
    texts = list(texts)
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise PhinerError(Errors.E160.format(index=i, type=type(text).__name__))
    if known is not None and len(known) != len(texts):
        raise PhinerError(Errors.E153.format(name="known", count=len(known), count2=len(texts)))
    return [readable(text) for text in texts]


_UNSEEN = frozenset({"Cc", "Cf", "Zl", "Zp", "Zs"})


def readable(text: str) -> str:
    r"""``text`` as detection reads it, every offset kept: each lone surrogate (which no tokenizer takes) as
    U+FFFD, and each control, format (zero-width, bidi) and separator character but the space, tab and line
    breaks as a space. Tokenizers drop some of them (``Pasient\x01Kari`` reads as one word ``PasientKari``) and
    patterns take none for a space, so a word set off by them would be hidden from the model and the patterns.

    >>> readable("Pasient\x01Kari\u200bNordmann,\u202ebor i\u00a0Bodø\n")
    'Pasient Kari Nordmann, bor i Bodø\n'
    """
    text = _as_given(text)
    return _unseen().sub(" ", text)


@functools.lru_cache(maxsize=1)
def _unseen():
    """One character class of every character :func:`readable` reads as a space."""
    import re
    import unicodedata

    chars = [
        chr(c)
        for c in range(sys.maxunicode + 1)
        if not 0xD800 <= c <= 0xDFFF and chr(c) not in " \n\t\r" and unicodedata.category(chr(c)) in _UNSEEN
    ]
    return re.compile("[" + "".join(re.escape(ch) for ch in chars) + "]")


def _as_given(text: str) -> str:
    """``text`` with each lone surrogate as U+FFFD (a span's text must encode as UTF-8)."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return "".join("\ufffd" if "\ud800" <= ch <= "\udfff" else ch for ch in text)


def as_given(spans: list[Span], text: str) -> list[Span]:
    """``spans`` found in :func:`readable` ``(text)`` with their ``text`` as ``text`` gives it."""
    from dataclasses import replace

    if not spans or readable(text) == text:
        return spans
    given = _as_given(text)
    return [replace(s, text=given[s.start : s.end]) if s.text is not None else s for s in spans]


def group_by_type(spans: list[Span] | list[dict[str, Any]]) -> dict[str, list[str]]:
    """Entity texts grouped by type, the types in :data:`DISPLAY_ORDER` (those with no entity left out)."""
    groups: dict[str, list[str]] = {t: [] for t in DISPLAY_ORDER}
    for span in spans:
        d = span.to_dict() if isinstance(span, Span) else span
        groups[d["label"]].append(d["text"])
    return {t: v for t, v in groups.items() if v}


DISPLAY_ORDER = ("PATIENT", "AGE", "PHONE", "LOC", "DATE", "ID", "CONTACT")
DISPLAY_NAMES = {
    "PATIENT": "Name",
    "AGE": "Age",
    "PHONE": "Phone",
    "LOC": "Location",
    "DATE": "Date",
    "ID": "ID",
    "CONTACT": "Contact",
}
