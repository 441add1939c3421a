"""JSONL jobs (a JSONL file into a JSONL file, ``redact`` or ``predict``) and folders of .txt files: layouts of the
one job engine (:mod:`phiner.jobs.engine`), streaming and resumable by id.

A job first reads its whole input once (no model) and refuses it, naming each bad line and field, before it
writes anything. It then grows in a hidden folder beside the output, a committed chunk per buffer of documents,
and the output appears only when the last document is written: a failed or killed job leaves no output, only
the folder that ``resume=True`` continues (none twice, none lost). A JSONL job's key file (original ->
surrogate maps) is committed with each chunk and put in place before the output, so it never lacks an entry
for a written document. Every file that holds PHI or keys is created 0600.

Surrogates derive from a secret and each document's own identity (its ``id_field``, its path in a folder, or
a hash of its text), or its patient's (``patient_field``): never from its position.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from phiner.anonymize.surrogates import document_id
from phiner.core.errors import Errors, OutputExistsError, PhinerError, RecordError, os_errors
from phiner.core.records import (
    atomic_write,
    check_text,
    dumps_record,
    iter_jsonl,
    iter_objects,
    listed,
    open_private,
    record_known,
)
from phiner.jobs.engine import clear, concatenate, fsynced, run_job
from phiner.jobs.ledger import redaction_findings, span_findings
from phiner.pipeline import RedactOptions, redact_documents

# ----------------------------------------------------------------------------------------------------------------
# JSONL jobs.

Mode = Literal["redact", "predict"]
_Done = tuple[list[str], list[str], list[list[dict[str, Any]]]]
"""A done batch of a JSONL job: its output lines, its key lines, and the ``(type, source)`` of each span."""


@dataclass(frozen=True)
class RecordsJob:
    """A JSONL file into a JSONL file: each record kept as it was written, one line per record. ``redact``
    replaces its text field and adds ``entities`` (the audit items), dropping its known PHI; ``predict`` adds
    ``entities`` (the spans) and ``windows``. With a ``key``, the key file (original -> surrogate maps) grows
    beside the output, a chunk per buffer committed with it, and is put in place before the output.

    The job's layout (:class:`phiner.jobs.engine.Layout`): records as lists of ``(position, record)``, chunks as
    JSONL files."""

    input: Path
    output: Path
    mode: Mode = "redact"
    key: Path | None = None

    def units(self) -> tuple[Path, ...]:
        return (self.input,)

    def name(self, unit: Path) -> Path:
        return Path("records")

    def part(self, unit: Path) -> Path:
        return Path(self.output.name)

    def refuse(self, resume: bool) -> None:
        if self.key is not None and self.key.exists() and not resume:
            raise OutputExistsError(Errors.E203.format(path=self.key))

    def batches(self, unit: Path, options: RedactOptions) -> Iterator[list[tuple[int, dict[str, Any]]]]:
        if self.mode == "predict":
            records: Iterator = iter_jsonl(unit, require_tags=False)
        else:
            records = (record for _, record in iter_objects(unit))
        return chunks(enumerate(records), options.buffer)

    def ids(self, batch: list[tuple[int, dict[str, Any]]], options: RedactOptions) -> list[str]:
        if options.id_field is not None:
            return [str(record[options.id_field]) for _, record in batch]
        return [document_id(record[options.text_field]) for _, record in batch]

    def take(self, batch: list, keep: list[int]) -> list:
        return [batch[i] for i in keep]

    def step(self, tagger, batch: list[tuple[int, dict[str, Any]]], options: RedactOptions) -> _Done:
        """The batch's output lines, key lines (redact) and the ``(type, source)`` of each span found."""
        if self.mode == "predict":
            rows, found = _predict_batch(tagger, [record for _, record in batch], options)
            return rows, [], found
        return _redact_batch(tagger, batch, options)

    def write(self, done: _Done, stem: Path) -> None:
        rows, keys, _ = done
        if self.key is not None:
            with open_private(stem.with_suffix(".keys.jsonl"), "w") as fh:
                fh.writelines(keys)
                fsynced(fh)
        with open_private(stem.with_suffix(".jsonl"), "w") as fh:
            fh.writelines(rows)
            fsynced(fh)

    def found(self, done: _Done) -> list[list[dict[str, Any]]]:
        return done[2]

    def merge(self, stems: list[Path], dst: Path) -> None:
        concatenate([stem.with_suffix(".jsonl") for stem in stems], dst)

    def spent(self, stem: Path) -> list[Path]:
        return [stem.with_suffix(".jsonl")]

    def finish(self, partial: Path, stems: list[Path]) -> None:
        """The key put in place, then the output; the partial folder (a secret its state may hold) goes."""
        if self.key is not None:
            concatenate([stem.with_suffix(".keys.jsonl") for stem in stems], self.key)
        clear(partial)
        os.replace(partial / self.part(self.input), self.output)
        partial.rmdir()


@os_errors()
def scan_jsonl(src: str | Path, options: RedactOptions) -> int:
    """How many documents ``src`` holds; refuses it, naming every bad line and field (the first 20), if any
    line is not a JSON object with a string text, or lacks its id or patient field."""
    src = Path(src)
    if not src.exists():
        raise PhinerError(Errors.E188.format(path=src))
    if not src.is_file():
        raise PhinerError(Errors.E189.format(path=src))
    count, problems = 0, []
    try:
        for lineno, obj in iter_objects(
            src, max_bytes=max_line_bytes(options.max_chars), why=line_limit(options.max_chars)
        ):
            count += 1
            try:
                check_record(obj, options)
            except RecordError as err:
                problems.append(Errors.E190.format(path=src, line=lineno, problem=err))
    except RecordError as err:  # not JSON at all: reading stops there
        problems.append(str(err))
    if problems:
        raise problems_error(Errors.E191.format(count=len(problems), path=src), problems)
    if count == 0:
        raise PhinerError(Errors.E192.format(path=src))
    return count


def max_line_bytes(max_chars: int) -> int:
    """The longest JSONL line a job reads: room for a text of ``max_chars`` characters, each escaped as JSON
    may (up to 12 bytes), and 1 MiB for the other keys. A longer line is refused without being read whole."""
    return 12 * max_chars + (1 << 20)


def line_limit(max_chars: int) -> str:
    """Why a JSONL line over :func:`max_line_bytes` is refused."""
    return Errors.E193.format(limit=max_chars)


def problems_error(headline: str, problems: list[str]) -> PhinerError:
    """One error listing ``problems`` (the first 20) under ``headline``: a job refuses its input whole."""
    return PhinerError(Errors.E194.format(problem=headline, problem2=listed(problems)))


def check_record(obj: Any, options: RedactOptions) -> None:
    """Refuse one record (a JSONL line, or a table row as a mapping) that the job could not redact: no string text, a
    text over ``max_chars``, a missing or bad id or patient, a `keep_original` key that exists, bad known PHI."""
    if not isinstance(obj, dict):
        raise RecordError(Errors.E003.format(type=type(obj).__name__))
    name = options.text_field
    if not isinstance(obj.get(name), str):
        if name not in obj:
            raise RecordError(Errors.E195.format(field=name))
        raise RecordError(Errors.E196.format(field=name, type=type(obj[name]).__name__))
    if len(obj[name]) > options.max_chars:
        raise RecordError(Errors.E197.format(field=name, length=len(obj[name]), limit=options.max_chars))
    check_text(obj[name], Errors.E013.format(field=name))
    for name, flag in ((options.id_field, "--id-field"), (options.patient_field, "--patient-field")):
        if name is not None and (not isinstance(obj.get(name), (str, int)) or isinstance(obj.get(name), bool)):
            raise RecordError(Errors.E198.format(field=name, option=flag))
        if name is not None and isinstance(obj[name], str):
            check_text(obj[name], Errors.E013.format(field=name))
    if options.keep_original is not None and options.keep_original in obj:
        raise RecordError(Errors.E199.format(field=options.keep_original))
    record_known(obj, options.known_field, options.known_columns)


@os_errors()
def redact_jsonl(
    tagger,
    src: str | Path,
    dst: str | Path,
    options: RedactOptions,
    *,
    resume: bool = False,
    key_file: str | Path | None = None,
    progress: Callable[[int], None] | None = None,
    scanned: int | None = None,
) -> dict[str, int]:
    """Redact every record of ``src`` into ``dst``: the text field holds the redacted text, ``entities`` the
    audit items; every other key is kept but the known PHI (``known_field``, ``known_columns``), which is
    dropped. ``dst`` appears only when every document is written; a killed job goes on with ``resume=True``.

    ``scanned`` is :func:`scan_jsonl`'s count where the caller has already checked ``src`` with these options.
    """
    job = _records_job(src, dst, "redact", key_file)
    total = scanned if scanned is not None else scan_jsonl(job.input, options)
    return run_job(tagger, job, options, total=total, resume=resume, progress=progress)


@os_errors()
def predict_jsonl(
    tagger,
    src: str | Path,
    dst: str | Path,
    options: RedactOptions,
    *,
    resume: bool = False,
    progress: Callable[[int], None] | None = None,
    scanned: int | None = None,
) -> dict[str, int]:
    """Each record of ``src`` with its ``entities`` (and ``windows``) into ``dst``, every input key kept: the
    record contract's records (:func:`phiner.core.records.iter_jsonl`), each read with its known PHI.
    ``dst`` appears only when every record is written; a killed job goes on with ``resume=True``.

    ``scanned`` is :func:`scan_predict_jsonl`'s count where the caller has already checked ``src``."""
    job = _records_job(src, dst, "predict", None)
    total = scanned if scanned is not None else scan_predict_jsonl(job.input, options)
    return run_job(tagger, job, options, total=total, resume=resume, progress=progress)


def _records_job(src: str | Path, dst: str | Path, mode: Mode, key: str | Path | None) -> RecordsJob:
    job = RecordsJob(Path(src), Path(dst), mode, Path(key) if key else None)
    if job.key is not None and job.key.resolve() in (job.output.resolve(), job.input.resolve()):
        raise PhinerError(Errors.E200.format(path=job.key))
    if job.output.resolve() == job.input.resolve():
        raise PhinerError(Errors.E201.format(path=job.output))
    return job


def scan_predict_jsonl(src: str | Path, options: RedactOptions) -> int:
    """How many records ``src`` holds; refuses it at its first record that breaks the record contract, holds a
    text over ``max_chars`` or bad known PHI, or when it holds none."""
    src = Path(src)
    limit = max_line_bytes(options.max_chars)
    count = 0
    for count, item in enumerate(
        iter_jsonl(src, require_tags=False, max_bytes=limit, why=line_limit(options.max_chars)), 1
    ):
        if len(item["text"]) > options.max_chars:
            raise PhinerError(
                Errors.E278.format(path=src, line=count, length=len(item["text"]), limit=options.max_chars)
            )
        try:
            record_known(item, options.known_field, options.known_columns)
        except PhinerError as err:
            raise PhinerError(Errors.E279.format(path=src, line=count, problem=err)) from None
    if count == 0:
        raise PhinerError(Errors.E280.format(path=src))
    return count


def _predict_batch(
    tagger, records: list[dict[str, Any]], options: RedactOptions
) -> tuple[list[str], list[tuple[str, str]]]:
    known = [record_known(r, options.known_field, options.known_columns) for r in records]
    found = tagger.read([r["text"] for r in records], known=known)
    rows = [
        dumps_record({**r, "entities": [s.to_dict() for s in p.spans], "windows": p.windows}) + "\n"
        for r, p in zip(records, found)
    ]
    return rows, [span_findings(p.spans) for p in found]


def _redact_batch(tagger, batch: list[tuple[int, dict[str, Any]]], options: RedactOptions) -> _Done:
    records = [record for _, record in batch]
    texts = [record[options.text_field] for record in records]
    ids = [str(r[options.id_field]) for r in records] if options.id_field else None
    patients = [str(r[options.patient_field]) for r in records] if options.patient_field else None
    known = [record_known(r, options.known_field, options.known_columns) for r in records]
    rows, keys, found = [], [], []
    for (index, record), (redaction, context) in zip(
        batch, redact_documents(tagger, texts, options, ids=ids, patients=patients, known=known)
    ):
        phi = {options.known_field, *options.known_columns}  # known PHI does not travel into the safe output
        row = {k: v for k, v in record.items() if k not in phi}
        row.update({options.text_field: redaction.text, "entities": [i.to_dict() for i in redaction.items]})
        if options.keep_original is not None:
            row[options.keep_original] = record[options.text_field]
        rows.append(dumps_record(row) + "\n")  # one write per document: a line is whole or absent
        keys.append(json.dumps({"line": index, **context.key()}, ensure_ascii=False) + "\n")
        found.append(redaction_findings(redaction))
    return rows, keys, found


def chunks(items: Iterable, size: int) -> Iterator[list]:
    """``items`` in lists of ``size`` (the last may be shorter)."""
    chunk: list = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# ----------------------------------------------------------------------------------------------------------------
# Folders of text files.


def text_files(src: Path) -> tuple[list[Path], int]:
    """The ``*.txt`` files under ``src`` (sorted) and how many links were skipped because they point out of
    it; links to folders are not followed."""
    return files_under(src, lambda name: name.endswith(".txt"))


def files_under(src: Path, wanted: Callable[[str], bool]) -> tuple[list[Path], int]:
    """The files under ``src`` whose names are ``wanted`` (sorted), and how many of them were skipped because
    they are links that point out of ``src``; links to folders are not followed."""
    root = src.resolve()
    found, outside = [], 0
    for folder, _, names in os.walk(src, followlinks=False):
        for name in names:
            path = Path(folder) / name
            if not wanted(name):
                continue
            if path.is_symlink() and not path.resolve().is_relative_to(root):
                outside += 1
                continue
            if path.is_file():
                found.append(path)
    return sorted(found), outside


@dataclass(frozen=True)
class TextsJob:
    """A folder of ``*.txt`` files into a folder of the same relative names, each file one document (its id: its
    path in the folder, ``/``-separated), redacted. The job's layout (:class:`phiner.jobs.engine.Layout`): documents
    as lists of paths, chunks as JSONL files of ``{"id", "text"}``, merged into one file each."""

    input: Path
    output: Path
    files: tuple[Path, ...]
    links_skipped: int = 0
    mode: Mode = "redact"

    def units(self) -> tuple[Path, ...]:
        return (self.input,)

    def name(self, unit: Path) -> Path:
        return Path("texts")

    def part(self, unit: Path) -> Path:
        return Path("texts")

    def refuse(self, resume: bool) -> None:
        return None

    def batches(self, unit: Path, options: RedactOptions) -> Iterator[list[Path]]:
        return chunks(self.files, options.buffer)

    def ids(self, batch: list[Path], options: RedactOptions) -> list[str]:
        return [path.relative_to(self.input).as_posix() for path in batch]

    def take(self, batch: list[Path], keep: list[int]) -> list[Path]:
        return [batch[i] for i in keep]

    def step(self, tagger, batch: list[Path], options: RedactOptions) -> tuple[list[str], list[list[dict[str, Any]]]]:
        ids = self.ids(batch, options)
        texts = [read_text_file(path) for path in batch]
        done = redact_documents(tagger, texts, options, ids=ids)
        lines = [json.dumps({"id": i, "text": r.text}, ensure_ascii=False) + "\n" for i, (r, _) in zip(ids, done)]
        return lines, [redaction_findings(r) for r, _ in done]

    def write(self, done: tuple[list[str], list[list[dict[str, Any]]]], stem: Path) -> None:
        with open_private(stem.with_suffix(".jsonl"), "w") as fh:
            fh.writelines(done[0])
            fsynced(fh)

    def found(self, done: tuple[list[str], list[list[dict[str, Any]]]]) -> list[list[dict[str, Any]]]:
        return done[1]

    def merge(self, stems: list[Path], dst: Path) -> None:
        for stem in stems:
            with stem.with_suffix(".jsonl").open(encoding="utf-8") as fh:
                for line in fh:
                    done = json.loads(line)
                    with atomic_write(dst / done["id"]) as out:
                        out.write(done["text"])

    def spent(self, stem: Path) -> list[Path]:
        return [stem.with_suffix(".jsonl")]

    def finish(self, partial: Path, stems: list[Path]) -> None:
        """The folder of texts renamed into place (over an empty ``output``); the partial folder goes."""
        clear(partial)
        os.replace(partial / "texts", self.output)  # over an empty folder too: a job never writes into a full one
        partial.rmdir()


@os_errors()
def redact_folder(
    tagger,
    src: str | Path,
    dst: str | Path,
    options: RedactOptions,
    *,
    resume: bool = False,
    progress: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Redact every ``*.txt`` under ``src`` into the same relative path under ``dst``, each file 0600; ``dst``
    appears when every file is written, and a killed job goes on with ``resume=True``. Links that point out of
    ``src`` are skipped (counted in ``links_skipped``); every file is read and checked before the first is
    written."""
    src, dst = Path(src), Path(dst)
    if not src.is_dir():
        raise PhinerError(Errors.E206.format(path=src))
    if dst.resolve().is_relative_to(src.resolve()):
        raise PhinerError(Errors.E207.format(path=dst))
    files, outside = text_files(src)
    if not files:
        raise PhinerError(Errors.E208.format(path=src))
    for path in files:
        read_text_file(path)
    job = TextsJob(src, dst, tuple(files), outside)
    stats = run_job(tagger, job, options, total=len(files), resume=resume, progress=progress)
    return {**stats, "links_skipped": outside}


@os_errors()
def read_text_file(path: Path) -> str:
    """A text file's content; invalid UTF-8 is refused, naming the file and byte."""
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as err:
        raise PhinerError(Errors.E210.format(path=path, position=err.start)) from None
