"""The one engine every local batch job runs on: a reader, a step and a writer per kind of job (a :class:`Layout`),
and one loop that commits, resumes and finishes them the same way.

A job grows in a hidden folder beside its output (``.NAME.partial``, 0700). Each input (a *unit*: a table file,
a JSONL file, a folder of texts) is read a buffer of documents at a time; each buffer is done by the layout's
step and written as a chunk file (0600, fsynced), then committed by a file listing its documents' ids. When a
unit is read to its end its chunks are merged into its part of the output; when every unit is, the layout puts
the output in place (a rename) and the folder goes. A killed job leaves only that folder, and ``resume=True``
goes on from it, skipping the documents whose ids are committed: by id, not by position, each committed id
standing for one document that has it (ids may repeat). A job with no secret and no seed draws one and keeps it
in the folder's ``state.json`` (0600), so a resumed job gives the same patients the same surrogates. Beside the
output, as it appears, goes the job's ledger (:mod:`phiner.jobs.ledger`): its settings, its analyzer and what each
source found, counted per committed chunk, and its audit lines, one per span, written with each chunk.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from phiner.anonymize.surrogates import draw_secret
from phiner.core.errors import Errors, OutputExistsError, os_errors
from phiner.core.records import atomic_write, make_folder, open_private
from phiner.jobs.ledger import (
    add,
    analyzer_of,
    audit_lines,
    audit_path,
    digests,
    ledger_path,
    secret_kind,
    tally,
    write_ledger,
)
from phiner.pipeline import RedactOptions

STATE = "state.json"
AUDIT = "audit.jsonl"
LEDGER = "ledger.json"
CHUNKS = ".chunks"
TEMPORARY = re.compile(r"^\..+\.[a-z0-9_]{8}$")
"""The name of a temporary file that :class:`phiner.core.records.atomic_write` left when its write was killed (no
file a job keeps ends so: each ends with its kind's suffix)."""
MERGED = "merged"
"""The mark, in a unit's chunk folder, that its part is written (its chunks may then go)."""


class Layout(Protocol):
    """What one kind of job reads, does and writes; :func:`run_job` drives it."""

    output: Path
    mode: str
    """``redact`` or ``predict``: what the step does, as the job's ledger says."""

    def units(self) -> Sequence[Path]:
        """The job's inputs, in order: each becomes one part of the output."""

    def name(self, unit: Path) -> Path:
        """A unit's relative name: its chunks' folder under the partial folder's ``.chunks``."""

    def part(self, unit: Path) -> Path:
        """Where a unit's merged output goes, relative to the partial folder."""

    def refuse(self, resume: bool) -> None:
        """Refuse outputs beside the main one that exist (a key, an entities table), unless resuming."""

    def batches(self, unit: Path, options: RedactOptions) -> Iterator[Any]:
        """A unit's documents, ``options.buffer`` at a time."""

    def ids(self, batch: Any, options: RedactOptions) -> list[str]:
        """Each document's id in a batch, as a resumed job knows it."""

    def take(self, batch: Any, keep: list[int]) -> Any:
        """The documents of a batch at these indexes."""

    def step(self, tagger: Any, batch: Any, options: RedactOptions) -> Any:
        """A batch done (redacted or predicted)."""

    def write(self, done: Any, stem: Path) -> None:
        """A done batch as its chunk files ``stem.*``, on disk (fsynced) before its commit."""

    def found(self, done: Any) -> list[list[dict[str, Any]]]:
        """Per document of a done batch, in order, its spans as the audit keeps them
        (:func:`phiner.jobs.ledger.redaction_findings`, :func:`~phiner.jobs.ledger.span_findings`)."""

    def merge(self, stems: list[Path], dst: Path) -> None:
        """A unit's chunks, in commit order, into its part ``dst``, atomically."""

    def spent(self, stem: Path) -> list[Path]:
        """A chunk's files that its unit's part now holds: removed once the part is written."""

    def finish(self, partial: Path, stems: list[Path]) -> None:
        """Every unit written (``stems``: all committed chunks, unit by unit): put the output in place."""


def partial_of(output: Path) -> Path:
    """The hidden folder a job grows in beside ``output``."""
    return output.with_name(f".{output.name}.partial")


@os_errors()
def run_job(
    tagger: Any,
    layout: Layout,
    options: RedactOptions,
    *,
    total: int,
    resume: bool = False,
    progress: Callable[[int], None] | None = None,
) -> dict[str, float]:
    """Do the job (see the module's docstring); ``total`` is its documents, as its scan counted them. Returns the
    documents written now and skipped as done before, the seconds it took, and the spans found by type and source
    (as the ledger counts them)."""
    started = time.perf_counter()
    partial = partial_of(layout.output)
    if partial.exists() and not (partial / STATE).exists() and output_written(layout.output):
        shutil.rmtree(partial)  # a finished job killed as it cleared up
    if output_written(layout.output) and not partial.exists():
        if not resume:
            raise OutputExistsError(Errors.E202.format(path=layout.output))
        return {"skipped": total, "written": 0, "seconds": 0.0}
    fresh = not partial.exists()
    secret = secret_kind(options)
    analyzer = analyzer_of(tagger)
    audit = Audit(dict(getattr(tagger, "thresholds", None) or {}), digests(tagger, analyzer["weights"]))
    try:
        options = _open(layout, partial, options, resume)
        written = sum(_write_unit(tagger, layout, partial, unit, options, progress, audit) for unit in layout.units())
    except BaseException:
        if fresh and partial.is_dir() and not any(partial.rglob("*.ids.json")):  # nothing to resume
            shutil.rmtree(partial)
        raise
    stems = [stem for unit in layout.units() for stem in committed(partial / CHUNKS / layout.name(unit))]
    found: dict[str, dict[str, int]] = {}
    without = 0
    for stem in stems:
        counts = json.loads(stem.with_suffix(".found.json").read_bytes())
        add(found, counts["found"])
        without += counts["without"]
    # Both written in the partial folder (a write killed there leaves its temporary file where a resumed job clears
    # it), then renamed beside the output.
    concatenate([stem.with_suffix(".audit.jsonl") for stem in stems], partial / AUDIT)
    lines = sum(n for sources in found.values() for n in sources.values())  # a line per span counted
    kept = {"file": audit_path(layout.output).name, "lines": lines, "digests": audit.digests}
    write_ledger(layout.output, mode=layout.mode, inputs=layout.units(), options=options, secret=secret,
                 tagger=tagger, documents=total, written=written, found=found, started=started, without=without,
                 audit=kept, analyzer=analyzer, path=partial / LEDGER)  # fmt: skip
    os.replace(partial / AUDIT, audit_path(layout.output))
    os.replace(partial / LEDGER, ledger_path(layout.output))
    layout.finish(partial, stems)
    seconds = round(time.perf_counter() - started, 3)
    return {"skipped": total - written, "written": written, "seconds": seconds, "found": found}


class Audit(NamedTuple):
    """What every audit line of a job says of its analyzer: the thresholds in force and the short digests."""

    thresholds: dict[str, float]
    digests: dict[str, str]


def concatenate(files: list[Path], dst: Path) -> None:
    """``files``, in order, into ``dst`` (0600, atomically)."""
    with atomic_write(dst, "wb") as fh:
        for path in files:
            with path.open("rb") as part:
                shutil.copyfileobj(part, fh)


def output_written(output: Path) -> bool:
    """Whether ``output`` holds a job's result: a file, or a folder with something in it."""
    return output.exists() and (not output.is_dir() or any(output.iterdir()))


def committed(folder: Path) -> list[Path]:
    """The stems of a unit's committed chunks, in commit order (commits happen in order: 0 .. n-1)."""
    return [folder / f"{i:06d}" for i in range(len(list(folder.glob("*.ids.json"))))]


def _open(layout: Layout, partial: Path, options: RedactOptions, resume: bool) -> RedactOptions:
    if partial.exists() and not resume:
        raise OutputExistsError(Errors.E204.format(path=partial))
    layout.refuse(resume)
    make_folder(layout.output.parent)
    partial.mkdir(mode=0o700, exist_ok=True)
    for stray in partial.rglob(".*"):
        if stray.is_file() and TEMPORARY.match(stray.name):
            stray.unlink()
    return keep_secret(partial / STATE, options, resume=resume)


def _write_unit(
    tagger: Any,
    layout: Layout,
    partial: Path,
    unit: Path,
    options: RedactOptions,
    progress: Callable | None,
    audit: Audit,
) -> int:
    """One unit into its part, a committed chunk per buffer; documents already committed are skipped."""
    folder = partial / CHUNKS / layout.name(unit)
    if (folder / MERGED).exists():
        return 0
    folder.mkdir(parents=True, exist_ok=True)
    stems = committed(folder)
    done = Counter(key for stem in stems for key in json.loads(stem.with_suffix(".ids.json").read_bytes()))
    written = 0
    for batch in layout.batches(unit, options):
        ids = layout.ids(batch, options)
        keep = _not_done(ids, done)
        if not keep:
            continue
        if len(keep) < len(ids):
            batch, ids = layout.take(batch, keep), [ids[i] for i in keep]
        stem = folder / f"{len(stems):06d}"
        done_batch = layout.step(tagger, batch, options)
        layout.write(done_batch, stem)
        findings = layout.found(done_batch)
        with open_private(stem.with_suffix(".audit.jsonl"), "w") as fh:
            fh.writelines(audit_lines(ids, findings, audit.thresholds, audit.digests))
            fsynced(fh)
        counts = {"found": tally((f["type"], f["source"]) for fs in findings for f in fs)}
        counts["without"] = sum(not fs for fs in findings)
        with atomic_write(stem.with_suffix(".found.json")) as fh:
            json.dump(counts, fh)
        with atomic_write(stem.with_suffix(".ids.json")) as fh:  # the commit, once the chunk is on disk
            json.dump(ids, fh)
        stems.append(stem)
        written += len(ids)
        if progress:
            progress(len(ids))
    layout.merge(stems, partial / layout.part(unit))
    (folder / MERGED).touch(mode=0o600)
    for stem in stems:
        for path in layout.spent(stem):
            path.unlink()
    return written


def _not_done(ids: list[str], done: Counter) -> list[int]:
    """The indexes of the documents not yet written: each committed id stands for one document that has it."""
    keep = []
    for i, key in enumerate(ids):
        if done[key] > 0:
            done[key] -= 1
        else:
            keep.append(i)
    return keep


def clear(partial: Path) -> None:
    """The chunks and the state (a secret it may hold) of a finished job removed from its partial folder."""
    shutil.rmtree(partial / CHUNKS)
    (partial / STATE).unlink()


def keep_secret(state: Path, options: RedactOptions, *, resume: bool) -> RedactOptions:
    """The options to go on with: a job with no secret and no seed draws one and keeps it in its ``state`` file
    (0600), so that a resumed job gives the same patients the same surrogates."""
    saved = json.loads(state.read_text(encoding="utf-8")) if resume and state.exists() else {}
    if options.secret is None and options.seed is None:
        secret = bytes.fromhex(saved["secret"]) if "secret" in saved else draw_secret()
        options = replace(options, secret=secret)
        saved["secret"] = secret.hex()
    with atomic_write(state) as fh:
        json.dump(saved, fh)
    return options


def fsynced(fh) -> None:
    """A written file flushed and on disk."""
    fh.flush()
    os.fsync(fh.fileno())
