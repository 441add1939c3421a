"""An adapter registry: one base model in memory and many LoRA adapters beside it, chosen per text.

Each adapter reads as its run does alone (:meth:`Tagger.load`): with the windows it was trained on, the thresholds
``phiner calibrate`` stored in its folder, and the registry's rules layer. ``registry.tagger(NAME)`` is a
:class:`Tagger` for one adapter (predict, redact, records: everything a Tagger does); :meth:`read` mixes adapters
in one batch. Adapters are added and removed while the registry serves.

One forward pass or change at a time, under the registry's lock: peft hands ``adapter_names`` to its layers through
hooks on the shared model, which two threads' passes would mix up. A text whose adapter is removed while it is read
is refused, not finished without it. (The service runs every pass and change on its one worker instead:
see :mod:`phiner.serve.batcher`.)

Why mixed batches rather than one group of texts per adapter: each adapter's windows go into the same length-sorted
batches, so a batch stays full however the texts are spread over adapters; and the adapter travels with each forward
pass (peft's ``adapter_names``) instead of being switched on the shared model (``set_adapter``), which no two
threads could do at once. A batch of one adapter is the same path with one name.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Literal, Mapping, Sequence

from phiner.analyze import Detector, SiteRules
from phiner.analyze.backends import batched_logits
from phiner.analyze.decode import TextVotes, tally
from phiner.analyze.tagger import (
    Prediction,
    Tagger,
    as_given,
    readable_texts,
    run_thresholds,
    run_windowing,
)
from phiner.core.errors import Errors, ModelNotFoundError, PhinerError, UnknownAdapterError
from phiner.core.labels import ENTITY_TYPES, LABELS
from phiner.core.records import Span
from phiner.core.runfolder import METRICS, RunFolder
from phiner.model.adapters import AdapterConflict, SharedBase, base_of, check_name, run_base
from phiner.model.windows import encode

AdapterChoice = str | Sequence[str | None] | None
"""One adapter for every text, one per text, or None: the default adapter."""


@dataclass(frozen=True)
class Adapter:
    """One adapter served: its run folder, the tagger that reads through it, and what its run recorded of itself
    (read once, when it was added)."""

    name: str
    run: Path
    tagger: Tagger
    base: str
    metrics: dict[str, Any] | None

    def describe(self) -> dict[str, Any]:
        """What ``GET /v1/adapters`` lists of it: its base, labels, metrics, thresholds and windows."""
        windowing = self.tagger.windowing
        return {
            "name": self.name,
            "run": str(self.run),
            "base": self.base,
            "labels": LABELS,
            "entity_types": list(ENTITY_TYPES),
            "metrics": self.metrics,
            "thresholds": dict(self.tagger.thresholds),
            "windowing": {"max_length": windowing.max_length, "stride": windowing.stride},
        }


class AdapterRegistry:
    """LoRA adapters with their heads on one shared base model; ``predict(texts, adapter="nb-notes")``."""

    def __init__(
        self,
        base: str,
        *,
        detector: Detector | None | Literal["default"] = "default",
        batch_size: int = 16,
        precision: str = "auto",
    ) -> None:
        self.shared = SharedBase(base)
        self.detector: Detector | None = Detector.default() if detector == "default" else detector
        """Recognizers, context and site rules merged with every adapter's spans; None: the models alone."""
        self.batch_size, self.precision = batch_size, precision
        self.adapters: dict[str, Adapter] = {}
        self.default: str | None = None
        """The adapter of texts that name none: the first added unless :meth:`set_default` chose another."""
        self._lock = threading.Lock()

    @classmethod
    def load(
        cls,
        base: str | Path | None,
        adapters: Mapping[str, str | Path],
        *,
        default: str | None = None,
        **kwargs: Any,
    ) -> "AdapterRegistry":
        """A registry over ``base`` (a base model, or a run folder standing for its base; None: the first
        adapter's base) with each run of ``adapters`` loaded under its name."""
        if not adapters:
            raise PhinerError(Errors.E150.format())
        first = next(iter(adapters.values()))
        registry = cls(base_of(base) if base is not None else run_base(first), **kwargs)
        for name, run in adapters.items():
            registry.add(name, run)
        if default is not None:
            registry.set_default(default)
        return registry

    @property
    def base(self) -> str:
        return self.shared.base

    def __contains__(self, name: object) -> bool:
        return name in self.adapters

    def add(self, name: str, run: str | Path) -> Adapter:
        """Load ``run``'s adapter and head as ``name``; refused if it was trained on another base. Every file of the
        run that serving it reads is read and checked first: a run refused leaves the registry as it was."""
        check_name(name)
        if name in self.adapters:
            raise AdapterConflict(Errors.E079)
        run = Path(run)
        try:
            windowing, thresholds = run_windowing(run), run_thresholds(run)  # their errors before the model changes
            base, metrics = run_base(run), RunFolder(run).json(METRICS)
            with self._lock:
                self.shared.attach(name, run)
        except PhinerError:
            raise
        except OSError as err:  # a folder that cannot be read (permissions, a name too long)
            raise ModelNotFoundError(Errors.E151.format(reason=err.strerror or type(err).__name__)) from None
        try:
            tagger = Tagger(
                self.shared.model,
                self.shared.tokenizer,
                windowing,
                self.batch_size,
                info={"path": str(run), "adapter": name},
                precision=self.precision,
                detector=self.detector,
                thresholds=thresholds,
                adapter=name,
            )
        except BaseException:
            with self._lock:
                self.shared.discard(name)
            raise
        tagger.guard = functools.partial(self._turn, (name,))
        self.adapters[name] = Adapter(name, run, tagger, base, metrics)
        if self.default is None:
            self.default = name
        return self.adapters[name]

    def remove(self, name: str) -> None:
        """Unload adapter ``name``; the default is kept (texts that name no adapter would change model)."""
        if name not in self.adapters:
            raise UnknownAdapterError(Errors.E084)
        if name == self.default:
            raise AdapterConflict(Errors.E152)
        with self._lock:
            self.shared.detach(name)
            del self.adapters[name]

    def set_default(self, name: str) -> None:
        """Read texts that name no adapter with ``name``."""
        self.tagger(name)  # refuses an unknown name
        self.default = name

    def tagger(self, name: str | None = None) -> Tagger:
        """The :class:`Tagger` reading through adapter ``name`` (None: the default)."""
        adapter = self.adapters.get(name if name is not None else self.default or "")
        return adapter.tagger if adapter is not None else self._unknown()

    def describe(self) -> list[dict[str, Any]]:
        """Each adapter's :meth:`Adapter.describe`, the default marked."""
        return [{**a.describe(), "default": a.name == self.default} for a in self.adapters.values()]

    def predict(self, texts: Iterable[str], adapter: AdapterChoice = None) -> list[list[Span]]:
        """Spans found in each text by its adapter (see :meth:`read`)."""
        return [prediction.spans for prediction in self.read(texts, adapter)]

    def read(
        self,
        texts: Iterable[str],
        adapter: AdapterChoice = None,
        known: Sequence[Mapping[str, Sequence[str]] | None] | None = None,
        rules: SiteRules | None = None,
    ) -> list[Prediction]:
        """A :class:`Prediction` per text, read by ``adapter``: one name for all, or a name (or None: the default)
        per text, mixed in the same batches. ``known`` and ``rules`` are as in :meth:`Tagger.read`."""
        texts = list(texts)
        names = [adapter] * len(texts) if adapter is None or isinstance(adapter, str) else list(adapter)
        if len(names) != len(texts):
            raise PhinerError(Errors.E153.format(name="adapter", count=len(names), count2=len(texts)))
        taggers = [self.tagger(name) for name in names]
        readable = readable_texts(texts, known)
        found = [
            tagger.find([text], [known[i]] if known else None, rules)[0]
            for i, (text, tagger) in enumerate(zip(readable, taggers))
        ]
        votes = self._mixed_votes(readable, taggers)
        return [
            Prediction(
                as_given(tagger.entities(text, vote.tokens, rules=rules, found=found[i]), texts[i]), vote.windows
            )
            for i, (text, vote, tagger) in enumerate(zip(readable, votes, taggers))
        ]

    def _mixed_votes(self, texts: list[str], taggers: list[Tagger]) -> list[TextVotes]:
        """Each text cut into its own adapter's windows, all windows read in shared batches."""
        if not texts:
            return []
        groups: dict[str, list[int]] = {}
        for i, tagger in enumerate(taggers):
            groups.setdefault(str(tagger.adapter), []).append(i)
        features: dict[str, list] = {}
        names: list[str] = []
        for name, members in groups.items():
            part = encode(self.shared.tokenizer, [texts[i] for i in members], self.tagger(name).windowing)
            part["sample"] = [members[s] for s in part["sample"]]
            for key, column in part.items():
                features.setdefault(key, []).extend(column)
            names += [name] * len(part["input_ids"])
        tagger = taggers[0]
        turn = functools.partial(self._turn, tuple(groups))
        logits = batched_logits(
            self.shared.model, self.shared.tokenizer, features, self.batch_size, tagger.precision, turn, names
        )
        return tally(features, logits, len(texts))

    @contextmanager
    def _turn(self, names: tuple[str, ...]) -> Iterator[None]:
        """The lock, for one forward pass through adapters ``names``, which should still be loaded."""
        with self._lock:
            if any(name not in self.adapters for name in names):
                raise UnknownAdapterError(Errors.E154)
            yield

    def _unknown(self):
        raise UnknownAdapterError(Errors.E155.format(choices=", ".join(self.adapters)))
