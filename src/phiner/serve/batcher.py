"""Micro-batching: the windows of concurrent requests read together in shared forward passes, on one worker: a thread
of its own, or the thread that calls :meth:`Batcher.run` (``phiner serve``: the main thread, where PyTorch's CPU
passes run fastest; see there).

Why: a request of one note fills a forward pass with one or two windows, so callers taking turns a request at a
time get the throughput of batch size 1; gathering the windows of the requests waiting fills passes as offline
prediction does. Only the forward passes are shared: each request is cut into its own windows, and tallied, given
its thresholds, rules and known PHI, on its own thread (:meth:`phiner.analyze.tagger.Tagger.through`).

- Each pass is planned over the windows waiting (up to ``plan_passes x max_windows`` of them): sorted by length
  and cut as offline prediction cuts its windows (:func:`phiner.analyze.backends.batches`: at most ``max_windows``
  windows and, beyond one, at most :data:`MAX_BATCH_TOKENS` padded tokens a pass, so a pass takes no more memory
  than offline), and the pass run is the one that holds the window of the request that has waited longest. Why: a
  pass pads its windows to its longest, notes' windows come in every length, and a pass costs about its padded
  tokens: windows taken as they arrived pad far more than windows sorted over all that wait. Planned again before
  each pass, rather than reading all that waits in rounds, a request sent while a pass runs is in the next plan (in
  rounds, the requests answered by a round's last pass would miss the next round, so passes would read fewer
  windows than are in flight).
- Windows are planned round robin, a window per request in turn, the requests left out of a pass first in the
  next: a long request is spread over many passes, and a short one sent behind it is read within a few.
- After a request arrives the worker waits up to ``wait`` seconds for more to fill the plan, and not at all while
  windows from earlier requests are waiting (they fill it).
- Requests of different adapters share passes, each window with its adapter (peft's ``adapter_names``), rather than
  being grouped by adapter: a group per adapter leaves passes part-full whenever callers spread over adapters,
  and makes the callers of a rarely named adapter wait for their group.
- One CPU-heavy step at a time (:class:`Turn`): a request holds the turn while it cuts its texts into windows and
  while it tallies, merges and redacts them, and lends it while it waits for its logits; the worker takes it for
  each pass (the service lets long requests work beside the passes: :data:`phiner.serve.service.TURN_MAX_CHARS`).
  Why: a pass spreads each operation over all the cores, and a request's Python work beside it takes a core from
  under it, so the operation waits for its slowest share; offline prediction does these steps in turn too.
- Every forward pass and every change to the model (:meth:`Batcher.call`) runs on the worker: nothing else
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

from phiner.analyze.backends import MAX_BATCH_TOKENS, batched_logits, batches
from phiner.analyze.tagger import Tagger
from phiner.core.errors import Errors, PhinerError


class Busy(PhinerError):
    """The service cannot take or finish a request now (queue full, or over its time limit)."""

    def __init__(self, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Turn:
    """A lock for the CPU-heavy steps of the service, lent by its holder while it waits (:meth:`lent`)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._owner: int | None = None

    @contextmanager
    def hold(self, deadline: float | None = None) -> Iterator[None]:
        """Hold the turn; :class:`Busy` if it is not free by ``deadline`` (``time.monotonic()``)."""
        timeout = -1 if deadline is None else max(0.0, deadline - time.monotonic())
        if not self._lock.acquire(timeout=timeout):
            raise Busy(Errors.E159)
        self._owner = threading.get_ident()
        try:
            yield
        finally:
            self._owner = None
            self._lock.release()

    @contextmanager
    def lent(self) -> Iterator[None]:
        """Let the turn go while the block waits, where this thread holds it; held again after."""
        if self._owner != threading.get_ident():
            yield
            return
        self._owner = None
        self._lock.release()
        try:
            yield
        finally:
            self._lock.acquire()
            self._owner = threading.get_ident()


@dataclass(eq=False)
class _Job:
    """One request's windows: those not yet read (longest first: planned from the end, each taken out of the list
    once its pass is chosen), and the logits read."""

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
        self,
        *,
        max_windows: int = 16,
        wait: float = 0.005,
        check: Callable[[Tagger], None] | None = None,
        plan_passes: int = 4,
        thread: bool = True,
    ) -> None:
        if plan_passes < 1:
            raise PhinerError(Errors.E301)
        self.max_windows, self.wait, self.check, self.plan_passes = max_windows, wait, check, plan_passes
        self.counts = {
            "requests": 0,
            "windows": 0,
            "forward_passes": 0,
            "shared_passes": 0,
            "mixed_adapter_passes": 0,
            "tokens": 0,
            "padded_tokens": 0,
        }
        """Requests read, windows read, forward passes run, the passes that held windows of more than
        one request and of more than one adapter, and the tokens the passes read: the windows' own and padded."""
        self.turn = Turn()
        """Held by the worker for each pass; requests hold it for their own CPU work (see the module's notes)."""
        self._cond = threading.Condition()
        self._jobs: list[_Job] = []
        self._calls: deque[_Call] = deque()
        self._closed = False
        self._thread: threading.Thread | None = None
        if thread:
            self._thread = threading.Thread(target=self._work, name="phiner-batcher", daemon=True)
            self._thread.start()

    @property
    def threaded(self) -> bool:
        """Whether this batcher's worker is a thread of its own (else :meth:`run` is)."""
        return self._thread is not None

    def run(self) -> None:
        """Be the worker on the calling thread, until :meth:`close` (a Batcher made with ``thread=False``).

        Why the main thread: PyTorch's CPU passes run on OpenMP, and libgomp spins its threads between parallel
        regions only while it manages no more threads than there are cores; a pass started from a second thread
        adds that thread's team, and from then on every region's threads sleep and wake, which slows every pass,
        short ones most (``OMP_WAIT_POLICY=PASSIVE`` makes them sleep on the main thread too, so it is no remedy).
        ``phiner serve`` runs the HTTP server on a thread and this on the main thread."""
        if self.threaded:
            raise PhinerError(Errors.E302)
        self._work()

    def describe(self) -> dict[str, Any]:
        """The limits of a pass and a plan, the wait, and the counts so far (``GET /v1/model``'s ``batching``)."""
        with self._cond:
            counts = dict(self.counts)
        wait_ms = round(1000 * self.wait, 3)
        limits = {"max_windows": self.max_windows, "max_tokens": MAX_BATCH_TOKENS, "plan_passes": self.plan_passes}
        return {**limits, "wait_ms": wait_ms, **counts}

    def logits(self, tagger: Tagger, features: dict[str, list], deadline: float) -> list[np.ndarray]:
        """Each window's logits (as :func:`batched_logits` gives them), read in passes shared with other requests;
        :class:`Busy` once ``deadline`` (``time.monotonic()``) has passed."""
        n = len(features["input_ids"])
        todo = sorted(range(n), key=lambda i: -len(features["input_ids"][i]))
        job = _Job(tagger, features, time.monotonic(), todo, [None] * n, n)
        with self._cond:
            if self._closed:
                raise Busy(Errors.E304, retry_after=1)
            self._jobs.append(job)
            self.counts["requests"] += 1
            self._cond.notify_all()
        with self.turn.lent():
            answered = job.done.wait(max(0.0, deadline - time.monotonic()))
        if not answered:
            with self._cond:
                if job in self._jobs:  # windows still waiting are not read; those in a pass now are dropped after
                    self._jobs.remove(job)
            raise Busy(Errors.E159)
        if job.error is not None:
            raise job.error
        return job.logits  # type: ignore[return-value]

    def call(self, fn: Callable[[], Any], deadline: float) -> Any:
        """``fn()`` run on the worker between two passes (a change to the model: no pass runs during it);
        :class:`Busy` if it has not started by ``deadline``."""
        call = _Call(fn)
        with self._cond:
            if self._closed:
                raise Busy(Errors.E304, retry_after=1)
            self._calls.append(call)
            self._cond.notify_all()
        if not call.done.wait(max(0.0, deadline - time.monotonic())):
            with self._cond:
                if not call.started:
                    self._calls.remove(call)
                    raise Busy(Errors.E159)
            call.done.wait()  # started: it runs to its end
        if call.error is not None:
            raise call.error
        return call.result

    def close(self) -> None:
        """Stop the worker; requests still waiting are answered :class:`Busy`."""
        with self._cond:
            self._closed = True
            for job in list(self._jobs):
                self._fail(job, Busy(Errors.E304, retry_after=1))
            for call in self._calls:
                call.error = Busy(Errors.E304, retry_after=1)
                call.done.set()
            self._calls.clear()
            self._cond.notify_all()
        if self._thread is not None and self._thread is not threading.current_thread():
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
        """The next change or pass (changes first), once the plan is full or the oldest request has waited
        ``wait``; None once closed. Called with the lock held."""
        while not self._closed:
            if self._calls:
                call = self._calls.popleft()
                call.started = True
                return call
            if self._jobs:
                planned, everything = self._plan()
                gathered = min(job.arrived for job in self._jobs) + self.wait
                if not everything or time.monotonic() >= gathered:
                    return self._take(self._first_pass(planned))
                self._cond.wait(gathered - time.monotonic())
            else:
                self._cond.wait()
        return None

    def _plan(self) -> tuple[list[tuple[_Job, int]], bool]:
        """The windows planned, a window per request in turn (the request waiting longest first), up to
        ``plan_passes x max_windows``; and whether they are every window waiting."""
        planned: list[tuple[_Job, int]] = []
        limit = self.plan_passes * self.max_windows
        taken = {job: 0 for job in self._jobs}
        turn = list(self._jobs)
        while turn:
            still = []
            for job in turn:
                if taken[job] == len(job.todo):
                    continue
                if len(planned) == limit:
                    return planned, False
                planned.append((job, job.todo[-1 - taken[job]]))
                taken[job] += 1
                still.append(job)
            turn = still
        return planned, True

    def _first_pass(self, planned: list[tuple[_Job, int]]) -> list[tuple[_Job, int]]:
        """Of the passes ``planned`` is cut into, the one holding its first window (the longest-waiting request's)."""
        for idx in batches([job.length(window) for job, window in planned], self.max_windows):
            if 0 in idx:
                return [planned[i] for i in idx]
        raise AssertionError(Errors.E303)

    def _take(self, picked: list[tuple[_Job, int]]) -> list[tuple[_Job, int]]:
        """Take ``picked`` out of the waiting windows; the requests it left out go first next time."""
        served = {job for job, _ in picked}
        for job, window in picked:
            job.todo.remove(window)
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
                with self.turn.hold():
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
        lengths = [job.length(window) for job, window in live]
        with self._cond:
            self.counts["forward_passes"] += passes
            self.counts["windows"] += len(live)
            self.counts["tokens"] += sum(lengths)
            self.counts["padded_tokens"] += len(lengths) * max(lengths, default=0)
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
