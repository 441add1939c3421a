"""Micro-batching: the windows of concurrent requests read together in shared forward passes, on one worker thread.

Why: a request of one note fills a forward pass with one or two windows, so callers taking turns a request at a
time get the throughput of batch size 1; gathering the windows of the requests waiting fills passes as offline
prediction does. Only the forward passes are shared: each request is cut into its own windows, and tallied, given
its thresholds, rules and known PHI, on its own thread (:meth:`phiner.infer.tagger.Tagger.through`).

- A pass holds at most ``max_windows`` windows and, beyond one, :data:`MAX_BATCH_TOKENS` padded tokens: the
  Tagger's own limits (:func:`phiner.infer.tagger.batches`), so that a pass takes no more memory than offline.
- Windows are taken round robin, a window per request in turn, the requests left out of a pass first in the next:
  a long request is spread over many passes, and a short one sent behind it is read in the next pass.
- After a request arrives the worker waits up to ``wait`` seconds for more to fill the pass, and not at all while
  windows from earlier requests are waiting (they fill it).
- Requests of different adapters share passes, each window with its adapter (peft's ``adapter_names``), rather than
  being grouped by adapter: a group per adapter leaves passes part-full whenever callers spread over adapters,
  and makes the callers of a rarely named adapter wait for their group.
- Every forward pass and every change to the model (:meth:`Batcher.call`) runs on the worker thread: nothing else
  touches the model, so they need no lock, and a change comes between two passes.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from phiner.core.errors import PhinerError
from phiner.infer.tagger import MAX_BATCH_TOKENS, Tagger, batched_logits

TIME_LIMIT = "the request took over the per-request time limit; send fewer or shorter texts"


class Busy(PhinerError):
    """The service cannot take or finish a request now (queue full, or over its time limit)."""

    def __init__(self, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(eq=False)
class _Job:
    """One request's windows: those not yet read (shortest last, taken from the end), and the logits read."""

    tagger: Tagger
    features: dict[str, list]
    arrived: float
    todo: list[int]
    logits: list[np.ndarray | None]
    left: int
    done: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None

    def length(self, window: int) -> int:
        return len(self.features["input_ids"][window])


@dataclass(eq=False)
class _Call:
    """A change to the model, run on the worker between two passes."""

    fn: Callable[[], Any]
    done: threading.Event = field(default_factory=threading.Event)
    started: bool = False
    result: Any = None
    error: BaseException | None = None


class Batcher:
    """Requests' windows gathered into shared forward passes on a worker thread of its own.

    ``check(tagger)``, where given, is called before each pass a request's windows are in, and refuses a request
    whose tagger is no longer served (an adapter removed or replaced while it ran) with the error it raises.
    """

    def __init__(
        self, *, max_windows: int = 16, wait: float = 0.005, check: Callable[[Tagger], None] | None = None
    ) -> None:
        self.max_windows, self.wait, self.check = max_windows, wait, check
        self.counts = {"requests": 0, "windows": 0, "forward_passes": 0, "shared_passes": 0, "mixed_adapter_passes": 0}
        """Requests read, windows read, forward passes run, and the passes that held windows of more than one
        request, and of more than one adapter."""
        self._cond = threading.Condition()
        self._jobs: list[_Job] = []
        self._calls: deque[_Call] = deque()
        self._closed = False
        self._thread = threading.Thread(target=self._work, name="phiner-batcher", daemon=True)
        self._thread.start()

    def describe(self) -> dict[str, Any]:
        """The limits of a pass, the wait, and the counts so far (``GET /v1/model``'s ``batching``)."""
        with self._cond:
            counts = dict(self.counts)
        wait_ms = round(1000 * self.wait, 3)
        return {"max_windows": self.max_windows, "max_tokens": MAX_BATCH_TOKENS, "wait_ms": wait_ms, **counts}

    def logits(self, tagger: Tagger, features: dict[str, list], deadline: float) -> list[np.ndarray]:
        """Each window's logits (as :func:`batched_logits` gives them), read in passes shared with other requests;
        :class:`Busy` once ``deadline`` (``time.monotonic()``) has passed."""
        n = len(features["input_ids"])
        todo = sorted(range(n), key=lambda i: -len(features["input_ids"][i]))
        job = _Job(tagger, features, time.monotonic(), todo, [None] * n, n)
        with self._cond:
            if self._closed:
                raise Busy("the service is stopping", retry_after=1)
            self._jobs.append(job)
            self.counts["requests"] += 1
            self._cond.notify_all()
        if not job.done.wait(max(0.0, deadline - time.monotonic())):
            with self._cond:
                if job in self._jobs:  # windows still waiting are not read; those in a pass now are dropped after
                    self._jobs.remove(job)
            raise Busy(TIME_LIMIT)
        if job.error is not None:
            raise job.error
        return job.logits  # type: ignore[return-value]

    def call(self, fn: Callable[[], Any], deadline: float) -> Any:
        """``fn()`` run on the worker between two passes (a change to the model: no pass runs during it);
        :class:`Busy` if it has not started by ``deadline``."""
        call = _Call(fn)
        with self._cond:
            if self._closed:
                raise Busy("the service is stopping", retry_after=1)
            self._calls.append(call)
            self._cond.notify_all()
        if not call.done.wait(max(0.0, deadline - time.monotonic())):
            with self._cond:
                if not call.started:
                    self._calls.remove(call)
                    raise Busy(TIME_LIMIT)
            call.done.wait()  # started: it runs to its end
        if call.error is not None:
            raise call.error
        return call.result

    def close(self) -> None:
        """Stop the worker; requests still waiting are answered :class:`Busy`."""
        with self._cond:
            self._closed = True
            for job in list(self._jobs):
                self._fail(job, Busy("the service is stopping", retry_after=1))
            for call in self._calls:
                call.error = Busy("the service is stopping", retry_after=1)
                call.done.set()
            self._calls.clear()
            self._cond.notify_all()
        self._thread.join(timeout=30)

    def _work(self) -> None:
        while True:
            with self._cond:
                task = self._next()
            if task is None:
                return
            if isinstance(task, _Call):
                self._call(task)
            else:
                self._pass(task)

    def _next(self) -> _Call | list[tuple[_Job, int]] | None:
        """The next change or pass (changes first), once the pass is full or the oldest request has waited
        ``wait``; None once closed. Called with the lock held."""
        while not self._closed:
            if self._calls:
                call = self._calls.popleft()
                call.started = True
                return call
            if self._jobs:
                picked, everything = self._pick()
                gathered = min(job.arrived for job in self._jobs) + self.wait
                if not everything or time.monotonic() >= gathered:
                    return self._take(picked)
                self._cond.wait(gathered - time.monotonic())
            else:
                self._cond.wait()
        return None

    def _pick(self) -> tuple[list[tuple[_Job, int]], bool]:
        """The windows of the next pass, a window per request in turn, within the limits; and whether they are
        every window waiting."""
        picked: list[tuple[_Job, int]] = []
        taken = {job: 0 for job in self._jobs}
        turn, longest, everything = list(self._jobs), 0, True
        while turn:
            still = []
            for job in turn:
                if taken[job] == len(job.todo):
                    continue
                window = job.todo[-1 - taken[job]]
                widest = max(longest, job.length(window))
                if len(picked) == self.max_windows or (picked and (len(picked) + 1) * widest > MAX_BATCH_TOKENS):
                    everything = False
                    continue
                picked.append((job, window))
                taken[job] += 1
                longest = widest
                still.append(job)
            turn = still
        return picked, everything

    def _take(self, picked: list[tuple[_Job, int]]) -> list[tuple[_Job, int]]:
        """Take ``picked`` out of the waiting windows; the requests it left out go first next time."""
        served = {job for job, _ in picked}
        for job, _ in picked:
            job.todo.pop()
        left_out = [job for job in self._jobs if job not in served]
        self._jobs = left_out + [job for job in self._jobs if job in served and job.todo]
        return picked

    def _pass(self, picked: list[tuple[_Job, int]]) -> None:
        """One forward pass over ``picked``; each request's logits put in place, finished requests answered."""
        refused: dict[_Job, BaseException] = {}
        if self.check is not None:
            for job in dict.fromkeys(job for job, _ in picked):
                try:
                    self.check(job.tagger)
                except PhinerError as err:
                    refused[job] = err
        live = [(job, window) for job, window in picked if job not in refused]
        logits: list[np.ndarray] = []
        passes = 0

        @contextmanager
        def counted() -> Iterator[None]:
            nonlocal passes
            passes += 1
            yield

        if live:
            tagger = live[0][0].tagger
            keys = [k for k in ("input_ids", "attention_mask", "token_type_ids") if k in live[0][0].features]
            features = {k: [job.features[k][window] for job, window in live] for k in keys}
            names = None if tagger.adapter is None else [str(job.tagger.adapter) for job, _ in live]
            try:
                logits = batched_logits(
                    tagger.model,
                    tagger.tokenizer,
                    features,
                    len(live),
                    tagger.precision,
                    counted,
                    adapter_names=names,
                )
            except Exception as err:  # the pass failed (out of memory...): its requests get a 500, the worker goes on
                refused.update(dict.fromkeys((job for job, _ in live), err))
                live = []
        with self._cond:
            self.counts["forward_passes"] += passes
            self.counts["windows"] += len(live)
            if len({id(job) for job, _ in live}) > 1:
                self.counts["shared_passes"] += 1
            if len({job.tagger.adapter for job, _ in live}) > 1:
                self.counts["mixed_adapter_passes"] += 1
            for (job, window), row in zip(live, logits):
                job.logits[window] = row
                job.left -= 1
                if job.left == 0:
                    job.done.set()
            for job, err in refused.items():
                self._fail(job, err)

    def _call(self, call: _Call) -> None:
        try:
            call.result = call.fn()
        except Exception as err:  # handed to the caller, which answers with it
            call.error = err
        call.done.set()

    def _fail(self, job: _Job, err: BaseException) -> None:
        """Answer ``job`` with ``err``; its windows still waiting are dropped. Called with the lock held."""
        if job in self._jobs:
            self._jobs.remove(job)
        job.error = err
        job.done.set()
