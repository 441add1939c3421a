"""What one running service holds and does for its routes: its analyzer (one model, or adapters on one base), the
batcher that shares forward passes, the admission limit, the surrogate secret and the limits; the routes
(:mod:`phiner.serve.routes`) reach it through :func:`current`."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from phiner.core.errors import Errors, PhinerError, UnknownAdapterError
from phiner.core.labels import LABELS, PHI_TYPES
from phiner.serve.batcher import Batcher, Busy

TURN_MAX_CHARS = 20_000
"""Requests of more characters than this do their own work (windows, tallies, recognizers, redaction) beside the
forward passes rather than taking turns with them (:class:`phiner.serve.batcher.Turn`): while a request holds the
turn no pass runs, and that work grows with the text, so short requests sent behind a long one would wait for all
of it. Up to about this length a request's turn lasts no longer than a pass."""


class Forbidden(PhinerError):
    """A call this service does not allow as it was started (403)."""


class Admission:
    """At most ``limit`` requests inside the model at once (running or waiting their turn)."""

    def __init__(self, limit: int) -> None:
        self.limit, self.count, self._lock = limit, 0, threading.Lock()

    @contextmanager
    def enter(self) -> Iterator[None]:
        with self._lock:
            if self.count >= self.limit:
                raise Busy(Errors.E314.format(count=self.count), retry_after=1)
            self.count += 1
        try:
            yield
        finally:
            with self._lock:
                self.count -= 1


class Service:
    """One service's analyzer and the limits its requests run under."""

    def __init__(
        self,
        analyzer,
        *,
        keyed: bool,
        max_batch: int,
        run_dir: str | Path | None,
        secret: bytes,
        max_queue: int,
        request_timeout: float,
        batch_wait_ms: float,
        worker_thread: bool,
    ) -> None:
        from phiner.analyze.registry import AdapterRegistry

        self.analyzer = analyzer
        self.registry = analyzer if isinstance(analyzer, AdapterRegistry) else None
        self.keyed, self.max_batch, self.secret, self.request_timeout = keyed, max_batch, secret, request_timeout
        self.batcher = Batcher(
            max_windows=analyzer.batch_size,
            wait=batch_wait_ms / 1000,
            check=_still_served(self.registry) if self.registry is not None else None,
            thread=worker_thread,
        )
        self.admission = Admission(max_queue)
        self.single_info = model_info(run_dir, analyzer) if self.registry is None else {}

    def too_many(self, texts: list[str]) -> JSONResponse | None:
        """413 where a request holds more texts than the service takes at once."""
        if len(texts) > self.max_batch:
            return JSONResponse(
                {"detail": f"batch of {len(texts)} texts is over the limit of {self.max_batch}"}, status_code=413
            )
        return None

    def the_registry(self):
        """The adapter registry; 404 where the service serves one model."""
        if self.registry is None:
            raise UnknownAdapterError(Errors.E315)
        return self.registry

    def pick(self, adapter: str | None):
        """The tagger of the request's adapter (the service's one model where it serves no adapters)."""
        if self.registry is None and adapter is None:
            return self.analyzer
        return self.the_registry().tagger(adapter)

    @contextmanager
    def batched(self, texts: list[str], adapter: str | None = None) -> Iterator[Any]:
        """The request's tagger, its forward passes shared with other requests', within its time limit; the block
        runs holding the batcher's turn (one CPU-heavy step at a time), lent while it waits for its logits, unless
        its texts are over :data:`TURN_MAX_CHARS`."""
        deadline = time.monotonic() + self.request_timeout
        chosen = self.pick(adapter)
        small = sum(len(text) for text in texts) <= TURN_MAX_CHARS
        batcher = self.batcher
        with self.admission.enter(), batcher.turn.hold(deadline) if small else nullcontext():
            yield chosen.through(lambda features: batcher.logits(chosen, features, deadline), deadline)

    def change(self, fn) -> Any:
        """``fn(registry)``, one change, run between two forward passes (none runs while it changes)."""
        served = self.the_registry()
        if not self.keyed:
            raise Forbidden(Errors.E316)
        with self.admission.enter():
            return self.batcher.call(lambda: fn(served), time.monotonic() + self.request_timeout)

    def describe(self) -> dict[str, Any]:
        """The model (with adapters: the default adapter's run, and the adapters' names), and the forward passes
        so far."""
        if self.registry is None:
            return {**self.single_info, "batching": self.batcher.describe()}
        default = self.registry.tagger()
        return {
            **model_info(default.info["path"], default),
            "adapters": list(self.registry.adapters),
            "default_adapter": self.registry.default,
            "batching": self.batcher.describe(),
        }


def current(request: Request) -> Service:
    """The service of the app the request came to (a FastAPI dependency)."""
    return request.app.state.service


def _still_served(registry) -> Callable[[Any], None]:
    """A check that refuses a request whose adapter was removed or replaced from ``registry`` since it was chosen."""

    def check(chosen) -> None:
        now = registry.adapters.get(chosen.adapter)
        if now is None or now.tagger is not chosen:
            raise UnknownAdapterError(Errors.E317)

    return check


def model_info(run_dir: str | Path | None, tagger) -> dict[str, Any]:
    """What the run folder says of itself (adapter settings, metrics, config, base model), the labels, the types
    found, and how: thresholds and detection."""
    from phiner.core.runfolder import RunFolder

    info: dict[str, Any] = {"labels": LABELS, **(RunFolder(run_dir).describe() if run_dir is not None else {})}
    detector = getattr(tagger, "detector", None)
    info["entity_types"] = list(PHI_TYPES)
    info["thresholds"] = dict(getattr(tagger, "thresholds", {}))
    info["detection"] = detector.describe() if detector is not None else None
    return info
