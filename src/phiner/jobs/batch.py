"""Redaction jobs over many documents: JSONL in, JSONL out, or a folder of .txt files; streaming, resumable.

A JSONL job first reads its whole input once (JSON only, no model) and refuses it, naming each bad line and
field, before it writes anything. It then writes to a hidden partial file beside the output, a buffer of
documents at a time, and renames it into place when the last document is written: a failed or killed job
leaves no output, only the partial file that ``resume=True`` continues (none twice, none lost). The key file
(original -> surrogate maps) is written and fsynced before each output buffer, so it never lacks an entry for
a written document. Every file that holds PHI or keys is created 0600.

Surrogates derive from a secret and each document's own identity (its ``id_field``, its path in a folder, or
a hash of its text), or its patient's (``patient_field``): never from its position.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from phiner.core.errors import Errors, OutputExistsError, PhinerError, RecordError
from phiner.core.records import (
    MAX_REPORTED_PROBLEMS,
    atomic_write,
    check_text,
    dumps_record,
    iter_objects,
    open_private,
    record_known,
)
from phiner.jobs.engine import keep_secret, make_folder
from phiner.pipeline import RedactOptions, redact_documents

# ----------------------------------------------------------------------------------------------------------------
# JSONL jobs.


@dataclass(frozen=True)
class JobFiles:
    """The files of one JSONL job: the output and key, and the partial files and state they grow from."""

    output: Path
    key: Path | None

    @property
    def partial(self) -> Path:
        return self.output.with_name(f".{self.output.name}.partial")

    @property
    def state(self) -> Path:
        return self.output.with_name(f".{self.output.name}.state.json")

    @property
    def key_partial(self) -> Path | None:
        return self.key.with_name(f".{self.key.name}.partial") if self.key else None


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
    shown = "\n".join(f"  {p}" for p in problems[:MAX_REPORTED_PROBLEMS])
    more = len(problems) - MAX_REPORTED_PROBLEMS
    tail = Errors.E020.format(count=more) if more > 0 else ""
    return PhinerError(Errors.E194.format(problem=headline, problem2=shown + tail))


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
    dropped. ``dst`` appears only when every document is written.

    ``scanned`` is :func:`scan_jsonl`'s count where the caller has already checked ``src`` with these options.
    """
    src, files = Path(src), JobFiles(Path(dst), Path(key_file) if key_file else None)
    if files.key is not None and files.key.resolve() in (files.output.resolve(), src.resolve()):
        raise PhinerError(Errors.E200.format(path=files.key))
    if files.output.resolve() == src.resolve():
        raise PhinerError(Errors.E201.format(path=files.output))
    total = scanned if scanned is not None else scan_jsonl(src, options)
    started = time.perf_counter()
    if files.output.exists() and not files.partial.exists():
        if not resume:
            raise OutputExistsError(Errors.E202.format(path=files.output))
        return {"skipped": total, "written": 0, "seconds": 0.0}
    done, options = _open_job(files, resume, options)
    written = _write_job(tagger, src, files, options, done, progress)
    _finish_job(files)
    return {"skipped": done, "written": written, "seconds": round(time.perf_counter() - started, 3)}


def _open_job(files: JobFiles, resume: bool, options: RedactOptions) -> tuple[int, RedactOptions]:
    """Documents already in the partial output (a torn last line cut away) and the options to go on with:
    a job with no secret and no seed draws one and keeps it in its state file, so that a resumed job gives
    the same patients the same surrogates."""
    make_folder(files.output.parent)
    if files.key is not None and files.key.exists() and not resume:
        raise OutputExistsError(Errors.E203.format(path=files.key))
    if files.partial.exists() and not resume:
        raise OutputExistsError(Errors.E204.format(path=files.partial))
    options = keep_secret(files.state, options, resume=resume)
    done = _complete_lines(files.partial) if files.partial.exists() else 0
    if files.key is not None:
        if resume and files.key.exists() and not files.key_partial.exists():  # renamed, output not yet
            os.replace(files.key, files.key_partial)
        _cut_keys(files.key_partial, done)
    return done, options


def _complete_lines(path: Path) -> int:
    data = path.read_bytes()
    keep = data.rfind(b"\n") + 1
    if keep < len(data):
        with path.open("r+b") as fh:
            fh.truncate(keep)
    return data[:keep].count(b"\n")


def _cut_keys(path: Path, done: int) -> None:
    """Keep the key entries of the documents already written (a key buffer is written before its output)."""
    if not path.exists():
        return
    kept = []
    for raw in path.read_text(encoding="utf-8").splitlines(keepends=True):
        if raw.endswith("\n") and json.loads(raw)["line"] < done:
            kept.append(raw)
    with atomic_write(path) as fh:
        fh.writelines(kept)


def _write_job(
    tagger, src: Path, files: JobFiles, options: RedactOptions, done: int, progress: Callable[[int], None] | None
) -> int:
    written = 0
    keys_out = open_private(files.key_partial) if files.key is not None else None
    try:
        with open_private(files.partial) as fh:
            for batch in chunks(_skip(iter_objects(src), done), options.buffer):
                rows, keys = _redact_batch(tagger, batch, options)
                if keys_out is not None:
                    _append(keys_out, keys)  # keys first: a written document never lacks its key entry
                _append(fh, rows)
                written += len(batch)
                if progress:
                    progress(len(batch))
    finally:
        if keys_out is not None:
            keys_out.close()
    return written


def _redact_batch(
    tagger, batch: list[tuple[int, dict[str, Any]]], options: RedactOptions
) -> tuple[list[str], list[str]]:
    records = [record for _, record in batch]
    texts = [record[options.text_field] for record in records]
    ids = [str(r[options.id_field]) for r in records] if options.id_field else None
    patients = [str(r[options.patient_field]) for r in records] if options.patient_field else None
    known = [record_known(r, options.known_field, options.known_columns) for r in records]
    rows, keys = [], []
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
    return rows, keys


def _append(fh, lines: list[str]) -> None:
    fh.writelines(lines)
    fh.flush()
    os.fsync(fh.fileno())


def _finish_job(files: JobFiles) -> None:
    """Rename the key, then the output, into place; the state file goes last (a secret it may hold)."""
    if files.key is not None:
        os.replace(files.key_partial, files.key)
    os.replace(files.partial, files.output)
    files.state.unlink(missing_ok=True)


def _skip(records: Iterator[tuple[int, Any]], done: int) -> Iterator[tuple[int, dict[str, Any]]]:
    for index, (_, record) in enumerate(records):
        if index >= done:
            yield index, record


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


def redact_folder(
    tagger,
    src: str | Path,
    dst: str | Path,
    options: RedactOptions,
    *,
    resume: bool = False,
    progress: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Redact every ``*.txt`` under ``src`` into the same relative path under ``dst``, each file atomically
    and 0600. Links that point out of ``src`` are skipped (counted in ``links_skipped``); every file is read
    and checked before the first is written."""
    src, dst = Path(src), Path(dst)
    if not src.is_dir():
        raise PhinerError(Errors.E206.format(path=src))
    if dst.resolve().is_relative_to(src.resolve()):
        raise PhinerError(Errors.E207.format(path=dst))
    files, outside = text_files(src)
    if not files:
        raise PhinerError(Errors.E208.format(path=src))
    if dst.exists() and any(dst.iterdir()) and not resume:
        raise OutputExistsError(Errors.E209.format(path=dst))
    todo = [p for p in files if not (dst / p.relative_to(src)).exists()]
    for path in todo:
        read_text_file(path)
    for batch in chunks(todo, options.buffer):
        texts = [read_text_file(p) for p in batch]
        ids = [p.relative_to(src).as_posix() for p in batch]
        for path, (redaction, _) in zip(batch, redact_documents(tagger, texts, options, ids=ids)):
            with atomic_write(dst / path.relative_to(src)) as fh:
                fh.write(redaction.text)
        if progress:
            progress(len(batch))
    return {"skipped": len(files) - len(todo), "written": len(todo), "links_skipped": outside}


def read_text_file(path: Path) -> str:
    """A text file's content; invalid UTF-8 is refused, naming the file and byte."""
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as err:
        raise PhinerError(Errors.E210.format(path=path, position=err.start)) from None
