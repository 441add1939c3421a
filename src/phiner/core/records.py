"""Records and spans: the one contract between phiner's stages, and its JSONL io.

A record is ``{"text": str, "ner_tags": [{"start": int, "end": int, "label": str}]}``; offsets count
Unicode code points (Python ``str`` indices), ``end`` exclusive. A span coming out of the model has the same
shape plus ``text`` and ``score``.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from phiner.core.errors import Errors, PhinerError, RecordError, os_errors
from phiner.core.labels import PHI_TYPES

MAX_REPORTED_PROBLEMS = 20


@dataclass(frozen=True, order=True)
class Span:
    """A labelled character span ``text[start:end]``."""

    start: int
    end: int
    label: str
    score: float | None = None
    text: str | None = None
    source: str | None = None
    """What found it: ``model``, ``pattern:fnr``, ... (None where no one said)."""

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


def validate_record(obj: Any, *, require_tags: bool = True) -> dict[str, Any]:
    """Check one decoded record and return it with its ``ner_tags`` sorted by start.

    Raises RecordError naming the field at fault; the message shows offsets and labels, never text.

    >>> validate_record({"text": "Ola Nordmann", "ner_tags": [{"start": 0, "end": 12, "label": "PATIENT"}]})["ner_tags"]
    [{'start': 0, 'end': 12, 'label': 'PATIENT'}]
    """
    if not isinstance(obj, dict):
        raise RecordError(Errors.E003.format(type=type(obj).__name__))
    if "text" not in obj:
        raise RecordError(Errors.E004)
    text = obj["text"]
    if not isinstance(text, str):
        raise RecordError(Errors.E005.format(type=type(text).__name__))
    if "ner_tags" not in obj:
        if require_tags:
            raise RecordError(Errors.E006)
        return obj
    tags = obj["ner_tags"]
    if not isinstance(tags, list):
        raise RecordError(Errors.E007.format(type=type(tags).__name__))
    checked = [_validate_tag(tag, i, len(text)) for i, tag in enumerate(tags)]
    order = sorted(range(len(checked)), key=lambda i: (checked[i]["start"], checked[i]["end"]))
    for a, b in zip(order, order[1:]):
        if checked[b]["start"] < checked[a]["end"]:
            first, second = checked[a], checked[b]
            raise RecordError(
                Errors.E008.format(
                    index=a,
                    start=first["start"],
                    end=first["end"],
                    index2=b,
                    start2=second["start"],
                    end2=second["end"],
                )
            )
    return {**obj, "ner_tags": [checked[i] for i in order]}


def check_known(known: Any, where: str = "known") -> dict[str, list[str]]:
    """The PHI known about a record's patient, as ``{type: [values]}`` (a single string stands for a list of
    one); see :mod:`phiner.analyze.known`. Errors name the type or entry, never a value.

    >>> check_known({"PATIENT": "Kari Nordmann", "ID": ["14033143010"]})
    {'PATIENT': ['Kari Nordmann'], 'ID': ['14033143010']}
    """
    if known is None:
        return {}
    if not isinstance(known, Mapping):
        raise RecordError(Errors.E009.format(where=where, type=type(known).__name__))
    out: dict[str, list[str]] = {}
    for label, values in known.items():
        if label not in PHI_TYPES:
            raise RecordError(Errors.E010.format(where=where, choices=", ".join(PHI_TYPES)))
        values = [values] if isinstance(values, str) else values
        if not isinstance(values, Sequence) or isinstance(values, (bytes, bytearray)):
            raise RecordError(Errors.E011.format(where=where, label=label))
        for i, value in enumerate(values):
            if not isinstance(value, str):
                raise RecordError(Errors.E012.format(where=where, label=label, index=i, type=type(value).__name__))
        out[label] = [v for v in values if v.strip()]
    return out


def record_known(
    record: dict[str, Any], field: str | None = "known", columns: dict[str, str] | None = None
) -> dict[str, list[str]] | None:
    """A record's known PHI: its ``field`` mapping (absent: nothing), and its ``columns`` (key -> type: the
    structured fields of the record, e.g. ``{"givenName": "PATIENT", "socialSecurityNumber": "ID"}``)."""
    known: dict[str, list[str]] = {}
    if field is not None and field in record:
        known = check_known(record[field], Errors.E013.format(field=field))
    for column, label in (columns or {}).items():
        value = record.get(column)
        if value is None:
            continue
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        more = check_known({label: value}, Errors.E013.format(field=column))
        known.setdefault(label, []).extend(more.get(label, []))
    return known or None


def _validate_tag(tag: Any, i: int, length: int) -> dict[str, Any]:
    if not isinstance(tag, dict):
        raise RecordError(Errors.E014.format(index=i, type=type(tag).__name__))
    for key in ("start", "end", "label"):
        if key not in tag:
            raise RecordError(Errors.E015.format(index=i, key=key))
    start, end, label = tag["start"], tag["end"], tag["label"]
    for key, value in (("start", start), ("end", end)):
        if not isinstance(value, int) or isinstance(value, bool):
            raise RecordError(Errors.E016.format(index=i, key=key, type=type(value).__name__))
    if label not in PHI_TYPES:
        # Not from the catalogue: it shows the record's own label (up to 40 characters), text of the record.
        shown = label if isinstance(label, str) and len(label) <= 40 else type(label).__name__
        raise RecordError(f"ner_tags[{i}].label {shown!r} is unknown; expected one of {', '.join(PHI_TYPES)}")
    if end <= start:
        raise RecordError(Errors.E017.format(index=i, start=start, end=end))
    if start < 0 or end > length:
        raise RecordError(Errors.E018.format(index=i, start=start, end=end, length=length))
    return {**tag, "start": start, "end": end, "label": label}


def iter_jsonl(
    path: str | Path, *, require_tags: bool = True, max_bytes: int | None = None, why: str = Errors.E022
) -> Iterator[dict[str, Any]]:
    """Yield the validated records of a JSONL file; stop at the first bad line with its line number.

    Blank lines are skipped (they hold no record); anything else is a record or an error. A line over
    ``max_bytes`` is refused (``why`` says why) without being read whole.
    """
    path = Path(path)
    with os_errors(path), path.open("rb") as fh:
        for lineno, raw in enumerate(_lines(fh, path, max_bytes, why), start=1):
            record = _parse_line(raw, path, lineno, require_tags)
            if record is not None:
                yield record


def read_jsonl(path: str | Path, *, require_tags: bool = True) -> list[dict[str, Any]]:
    """Read and validate a whole JSONL file, reporting every bad line at once (the first 20 shown)."""
    path = Path(path)
    records, problems = [], []
    with os_errors(path), path.open("rb") as fh:
        for lineno, raw in enumerate(fh, start=1):
            try:
                record = _parse_line(raw, path, lineno, require_tags)
            except RecordError as err:
                problems.append(err)
                continue
            if record is not None:
                records.append(record)
    if problems:
        raise RecordError(Errors.E019.format(count=len(problems), path=path, problem=listed(problems)))
    return records


def listed(problems: list) -> str:
    """``problems``, the first :data:`MAX_REPORTED_PROBLEMS` a line each (indented), and how many more there are:
    the list under an error that refuses a whole file or corpus."""
    shown = "\n".join(f"  {p}" for p in problems[:MAX_REPORTED_PROBLEMS])
    more = len(problems) - MAX_REPORTED_PROBLEMS
    return shown + (Errors.E020.format(count=more) if more > 0 else "")


def iter_objects(
    path: str | Path, *, max_bytes: int | None = None, why: str = Errors.E022
) -> Iterator[tuple[int, Any]]:
    """``(line number, decoded JSON value)`` of each non-blank line; stops at the first line that is not JSON,
    or (with ``max_bytes``) at the first line over ``max_bytes``, which is not read whole (``why`` says why)."""
    path = Path(path)
    with os_errors(path), path.open("rb") as fh:
        for lineno, raw in enumerate(_lines(fh, path, max_bytes, why), start=1):
            obj = _decode_line(raw, path, lineno)
            if obj is not _BLANK:
                yield lineno, obj


def _lines(fh, path: Path, max_bytes: int | None, why: str) -> Iterator[bytes]:
    if max_bytes is None:
        yield from fh
        return
    for lineno, raw in enumerate(iter(lambda: fh.readline(max_bytes + 1), b""), start=1):
        if len(raw) > max_bytes:
            raise RecordError(Errors.E021.format(limit=max_bytes, problem=why), source=str(path), line=lineno)
        yield raw


_BLANK = object()


def _decode_line(raw: bytes, path: Path, lineno: int) -> Any:
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise RecordError(Errors.E023.format(position=err.start), source=str(path), line=lineno) from None
    if not line.strip():
        return _BLANK
    try:
        return json.loads(line)
    except json.JSONDecodeError as err:
        raise RecordError(
            Errors.E024.format(position=err.colno, reason=err.msg), source=str(path), line=lineno
        ) from None


def check_text(text: str, where: str) -> None:
    """Refuse a text that is not valid Unicode (a lone surrogate, as ``"\\ud800"`` decodes to in JSON)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as err:
        raise RecordError(Errors.E025.format(where=where, position=err.start)) from None


def _parse_line(raw: bytes, path: Path, lineno: int, require_tags: bool) -> dict[str, Any] | None:
    obj = _decode_line(raw, path, lineno)
    if obj is _BLANK:
        return None
    try:
        return validate_record(obj, require_tags=require_tags)
    except RecordError as err:
        raise RecordError(Errors.E002.format(problem=err.problem), source=str(path), line=lineno) from None


def dumps_record(record: dict[str, Any]) -> str:
    """One JSONL line (no newline), UTF-8 text kept as is."""
    return json.dumps(record, ensure_ascii=False)


def write_jsonl(path: str | Path, records: Iterable[dict[str, Any]]) -> int:
    """Write records atomically (temporary file, then rename); return how many were written."""
    count = 0
    with atomic_write(path) as fh:
        for record in records:
            fh.write(dumps_record(record) + "\n")
            count += 1
    return count


class atomic_write:
    """Context manager: a text file that appears at ``path`` only when the block succeeds, created 0600 (it may
    hold PHI or keys) and on disk (fsynced) before it is renamed into place."""

    def __init__(self, path: str | Path, mode: str = "w") -> None:
        self.path = Path(path)
        self.mode = mode

    def __enter__(self):
        make_folder(self.path.parent)
        with os_errors(self.path):
            fd, self.tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        encoding = None if "b" in self.mode else "utf-8"
        self.fh = os.fdopen(fd, self.mode, encoding=encoding)
        return self.fh

    def __exit__(self, exc_type, exc, tb) -> None:
        with os_errors(self.path):
            try:
                if exc_type is None:
                    self.fh.flush()
                    os.fsync(self.fh.fileno())
            finally:
                self.fh.close()
            if exc_type is None:
                os.replace(self.tmp, self.path)
                return
            os.unlink(self.tmp)
            if isinstance(exc, OSError):  # a write in the block failed (a full disk): named by the file it was for
                raise exc


def make_folder(folder: Path) -> None:
    """``folder`` and its parents, refused where one of them is a file."""
    for parent in (folder, *folder.parents):
        if parent.exists() and not parent.is_dir():
            raise PhinerError(Errors.E205.format(path=parent))
    with os_errors(folder):
        folder.mkdir(parents=True, exist_ok=True)


def open_private(path: str | Path, mode: str = "a"):
    """A file opened for writing (``a`` or ``w``; ``ab`` or ``wb`` for bytes), created 0600 and kept 0600: it
    holds PHI or keys."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if mode.startswith("a") else os.O_TRUNC)
    with os_errors(path):
        fd = os.open(path, flags, 0o600)
        os.fchmod(fd, 0o600)
    return os.fdopen(fd, mode, encoding=None if "b" in mode else "utf-8")


def write_json(path: str | Path, obj: Any) -> None:
    """Write a JSON document atomically, indented for people."""
    with atomic_write(path) as fh:
        json.dump(obj, fh, ensure_ascii=False, indent=2)
        fh.write("\n")
