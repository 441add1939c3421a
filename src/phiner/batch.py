"""Redaction jobs over many documents: JSONL in, JSONL out, or a folder of .txt files; streaming, resumable.

Documents are read in a bounded buffer, tagged together (the tagger sorts their windows by length), and
written back in input order, one complete line (or file) per document, so that after a crash or Ctrl-C
``resume=True`` skips exactly the documents already written: none twice, none lost.
"""
from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from phiner.errors import PhinerError
from phiner.records import atomic_write, dumps_record, iter_jsonl
from phiner.redact import Redaction, redact
from phiner.surrogates import DocumentContext, SurrogateSettings


@dataclass
class RedactOptions:
    """How found spans become safe text."""

    operator: str = field(default="tag", metadata={"help": "tag, mask, remove or surrogate."})
    overrides: dict[str, str] = field(default_factory=dict, metadata={"help": "Type -> operator, or keep."})
    seed: int | None = field(default=None, metadata={"help": "Seed of surrogates; None draws fresh ones."})
    text_field: str = field(default="text", metadata={"help": "JSONL key holding the text."})
    buffer: int = field(default=256, metadata={"help": "Documents tagged together."})
    surrogates: SurrogateSettings = field(default_factory=SurrogateSettings,
                                          metadata={"help": "Date shift range, age shift, age cap."})


def redact_documents(tagger, texts: list[str], keys: list[str], options: RedactOptions
                     ) -> list[tuple[Redaction, DocumentContext]]:
    """Tag ``texts`` and redact each with its own document context (surrogates consistent within it)."""
    found = tagger.predict(texts)
    out = []
    for text, spans, key in zip(texts, found, keys):
        context = DocumentContext.for_document(options.seed, key, settings=options.surrogates)
        out.append((redact(text, spans, options.operator, options.overrides, context), context))
    return out


def redact_jsonl(tagger, src: str | Path, dst: str | Path, options: RedactOptions, *, resume: bool = False,
                 key_file: str | Path | None = None, progress: Callable[[int], None] | None = None) -> dict[str, int]:
    """Redact every record of ``src`` into ``dst``: each input key kept, plus ``redacted`` and ``entities``."""
    dst = Path(dst)
    done = _prepare_output(dst, resume)
    keys_out = _open_key_file(key_file, done) if key_file else None
    written, started = 0, time.perf_counter()
    records = _skip(iter_jsonl(src, require_tags=False), done)
    try:
        with dst.open("a", encoding="utf-8") as fh:
            for batch in _chunks(records, options.buffer):
                _check_field(batch, options.text_field, src)
                texts = [record[options.text_field] for _, record in batch]
                results = redact_documents(tagger, texts, [str(line) for line, _ in batch], options)
                for (line, record), (redaction, context) in zip(batch, results):
                    row = {**record, "redacted": redaction.text, "entities": [i.to_dict() for i in redaction.items]}
                    fh.write(dumps_record(row) + "\n")  # one write per document: a line is whole or absent
                    if keys_out:
                        keys_out.write(json.dumps({"line": line, **context.key()}, ensure_ascii=False) + "\n")
                fh.flush()
                os.fsync(fh.fileno())
                written += len(batch)
                if progress:
                    progress(len(batch))
    finally:
        if keys_out:
            keys_out.close()
    return {"skipped": done, "written": written, "seconds": round(time.perf_counter() - started, 3)}


def _prepare_output(dst: Path, resume: bool) -> int:
    """Complete lines already in ``dst`` (a torn last line is cut away); refuse to overwrite without resume."""
    if not dst.exists():
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.touch()
        return 0
    if not resume:
        raise FileExistsError(f"{dst} exists; pass --resume to continue it, or choose another --output.")
    data = dst.read_bytes()
    keep = data.rfind(b"\n") + 1
    if keep < len(data):
        with dst.open("r+b") as fh:
            fh.truncate(keep)
    return data[:keep].count(b"\n")


def _open_key_file(path: str | Path, done: int):
    """The key file, cut back to the documents already written, then opened for appending."""
    path = Path(path)
    if path.exists():
        kept = [l for l in path.read_text(encoding="utf-8").splitlines(keepends=True)
                if l.endswith("\n") and json.loads(l)["line"] < done]
        with atomic_write(path) as fh:
            fh.writelines(kept)
    return path.open("a", encoding="utf-8")


def _skip(records: Iterator[dict[str, Any]], done: int) -> Iterator[tuple[int, dict[str, Any]]]:
    for index, record in enumerate(records):
        if index >= done:
            yield index, record


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    chunk: list = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _check_field(batch: list[tuple[int, dict[str, Any]]], name: str, src: str | Path) -> None:
    for index, record in batch:
        if not isinstance(record.get(name), str):
            raise PhinerError(f"{src}: record {index + 1} has no string field `{name}` (choose it with --field).")


def redact_folder(tagger, src: str | Path, dst: str | Path, options: RedactOptions, *, resume: bool = False,
                  progress: Callable[[int], None] | None = None) -> dict[str, int]:
    """Redact every ``*.txt`` under ``src`` into the same relative path under ``dst``, each file atomically."""
    src, dst = Path(src), Path(dst)
    files = sorted(p for p in src.rglob("*.txt") if p.is_file())
    if dst.exists() and any(dst.iterdir()) and not resume:
        raise FileExistsError(f"{dst} is not empty; pass --resume to continue it, or choose another --output.")
    todo = [p for p in files if not (dst / p.relative_to(src)).exists()]
    for batch in _chunks(todo, options.buffer):
        texts = [_read_text(p) for p in batch]
        keys = [str(p.relative_to(src)) for p in batch]
        for path, (redaction, _) in zip(batch, redact_documents(tagger, texts, keys, options)):
            with atomic_write(dst / path.relative_to(src)) as fh:
                fh.write(redaction.text)
        if progress:
            progress(len(batch))
    return {"skipped": len(files) - len(todo), "written": len(todo)}


def _read_text(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as err:
        raise PhinerError(f"{path}: invalid UTF-8 at byte {err.start}") from None
