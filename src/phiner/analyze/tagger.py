"""Tagger: texts in, character spans out. Long texts are read in overlapping windows and merged back.

Where windows overlap, each token keeps the prediction of the window in which it has the most context on
both sides, so every character is read and no window edge decides a label.
"""

from __future__ import annotations

import functools
import sys
import time
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, ContextManager, Iterable, Iterator, Literal, Mapping, NamedTuple, Sequence

import numpy as np

from phiner.analyze import Detector, SiteRules
from phiner.core.errors import Errors, PhinerError, TimeLimitError
from phiner.core.labels import ID2LABEL
from phiner.core.records import Span
from phiner.core.runfolder import THRESHOLDS, RunFolder
from phiner.model.windows import Windowing, encode, fit_stride

MAX_BATCH_TOKENS = 4096
"""Most tokens (windows x longest window) in one inference batch: 16 windows of 256, 8 of 512. It bounds a
batch's activations, and so the memory of tagging a long text, whatever the window length (benchmarks/RESULTS.md
has the peaks)."""


PASS_OVERHEAD_TOKENS = 400
"""What a forward pass costs beyond its padded tokens, in tokens' worth: the cut of sorted windows into passes
(:func:`batches`) weighs a pass more against the padding it saves. A pass costs a fixed amount beside its
per-token work, so a few more padded tokens can be cheaper than one more pass."""


def batches(lengths: list[int], batch_size: int, max_tokens: int = MAX_BATCH_TOKENS) -> list[list[int]]:
    """Indices of windows in batches sorted by length: at most ``batch_size`` windows and, beyond one window,
    at most ``max_tokens`` padded tokens a batch.

    The cut is the cheapest one, a batch costing its padded tokens (its windows x its longest) and
    :data:`PASS_OVERHEAD_TOKENS`: filling each batch in turn would pad a short window into a batch of long ones
    wherever the lengths jump.
    """
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    sorted_lengths = [lengths[i] for i in order]
    cost = [0] * (len(order) + 1)  # cost[j]: the cheapest cut of the j shortest windows
    cut = [0] * (len(order) + 1)  # where the last batch of that cut begins
    for j in range(1, len(order) + 1):
        longest, cost[j], cut[j] = sorted_lengths[j - 1], -1, j - 1
        for size in range(1, min(batch_size, j) + 1):
            if size > 1 and size * longest > max_tokens:
                break
            option = cost[j - size] + PASS_OVERHEAD_TOKENS + size * longest
            if cost[j] < 0 or option < cost[j]:
                cost[j], cut[j] = option, j - size
    out: list[list[int]] = []
    end = len(order)
    while end > 0:
        out.append(order[cut[end] : end])
        end = cut[end]
    return out[::-1]


def batched_logits(
    model,
    tokenizer,
    features: dict[str, list],
    batch_size: int = 16,
    precision: str = "fp32",
    guard: Callable[[], ContextManager] | None = None,
    adapter_names: list[str] | None = None,
) -> list[np.ndarray]:
    """Logits of each encoded window (its own length, no padding), batches sorted by length.

    ``model`` is a PyTorch token classifier (bf16 autocast when ``precision`` is ``bf16``, else fp32) or an
    :class:`phiner.analyze.onnx.OnnxModel` (``precision`` ignored). ``guard()``, where given, is entered around each
    batch's forward pass (an adapter registry's lock). ``adapter_names`` gives each window its LoRA adapter where
    ``model`` holds several (:mod:`phiner.model.adapters`).
    """
    guard = guard or nullcontext
    import torch

    onnx = hasattr(model, "session")
    out: list[np.ndarray | None] = [None] * len(features["input_ids"])
    keys = [k for k in ("input_ids", "attention_mask", "token_type_ids") if k in features]
    device = "cpu" if onnx else next(model.parameters()).device
    bf16 = precision == "bf16"
    if not onnx:
        bf16_linears(model, bf16)
    with torch.inference_mode(), torch.autocast(device.type if bf16 else "cpu", dtype=torch.bfloat16, enabled=bf16):
        for idx in batches([len(ids) for ids in features["input_ids"]], batch_size):
            batch = tokenizer.pad(
                {k: [features[k][i] for i in idx] for k in keys}, return_tensors="np" if onnx else "pt"
            )
            with guard():
                if onnx:
                    logits = model.logits(batch)
                else:
                    inputs = {k: v.to(device) for k, v in batch.items()}
                    if adapter_names is not None:
                        inputs["adapter_names"] = [adapter_names[i] for i in idx]
                    logits = model(**inputs).logits.float().cpu().numpy()
            for row, i in enumerate(idx):
                out[i] = logits[row, : len(features["input_ids"][i])]
    return out  # type: ignore[return-value]


def bf16_linears(model, bf16: bool = True) -> None:
    """Where ``bf16``, cast the weights and biases of ``model``'s linear layers to bf16, once (layers added later,
    such as an adapter's, on the next call); else refuse a model whose linear layers are bf16.

    Why: under bf16 autocast a linear layer casts its fp32 weight to bf16 at every call, and autocast keeps no cast
    of a weight that needs no gradient, so every forward pass cast all of them again. Stored in bf16 they are the
    very values autocast cast them to, so the logits are the same, bit for bit, and the casts are gone (they
    weigh most in short passes, little beside full ones).
    Layer norms and embeddings stay fp32, as autocast reads them. A model read in bf16 keeps bf16 linear layers:
    read in fp32 after that it would compute in bf16 or fail, so it is refused.
    """
    import torch

    for module in model.modules():
        if not isinstance(module, torch.nn.Linear):
            continue
        if bf16 and module.weight.dtype == torch.float32:
            module.to(torch.bfloat16)
        elif not bf16 and module.weight.dtype == torch.bfloat16:
            raise PhinerError(Errors.E156)


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
        self.precision = "onnx" if hasattr(model, "session") else resolve_precision(precision)
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
    ) -> list[Span]:
        """One text's entities from its token votes: the model's spans (thresholds applied), merged with the
        detector's (recognizers, rules, known PHI) where there is one; ``found``: those already found by
        :meth:`find` (``known`` and ``rules`` then unused)."""
        spans = _to_spans(text, tokens, self.thresholds)
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


def tally(features: dict[str, list], logits: list[np.ndarray], n_texts: int) -> list[TextVotes]:
    """Per text: the winning vote of each token over the windows ``features`` cut it into, and their count."""
    per_text: list[dict[tuple[int, int], TokenVote]] = [{} for _ in range(n_texts)]
    windows = [0] * n_texts
    for i, row in enumerate(logits):
        sample = features["sample"][i]
        windows[sample] += 1
        _vote(per_text[sample], row, features["offset_mapping"][i], features["words"][i])
    return [TextVotes(tokens, count) for tokens, count in zip(per_text, windows)]


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


def _to_spans(
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
