"""Table jobs in one process: JSONL, CSV and Parquet in and out, from a file, a folder of them or a glob.

Rows travel as Arrow tables (pyarrow), ``options.buffer`` rows at a time, so memory stays bounded however large
the input: Parquet by :meth:`pyarrow.parquet.ParquetFile.iter_batches`, CSV by pyarrow's streaming reader,
JSONL a buffer of lines at a time. ``redact`` replaces the text column (``options.text_field``) by the redacted
text and drops the known PHI columns; ``predict`` keeps both; every other column is kept as it is, and
``entities`` is appended as a JSON string, or written as a long table (one row per entity, with its document's
id) to ``entities_out``. CSV is read as text, every column a string, so that ids such as ``007`` come back as
written; JSONL rows become one table per buffer, so a key that a row lacks and another has is written as null.
Each input file becomes one part file of the same relative name in the output folder, in the input's format
unless another is asked for. :func:`transform` is the one step per batch, shared with the Ray engine
(:mod:`phiner.ray`): both give the same rows.

A job reads only inside its input: links that point out of the input's folder (a glob's: the folder before its
first wildcard) are skipped and counted, and links to folders are not followed. Its output may not be in the
input.

Nothing is half-written. A job first reads the columns it needs of every input (no model) and refuses it,
naming each bad row's file, row, id and column (never a value), before it writes anything: a text over
``options.max_chars``, a CSV quote that is never closed, a column name that two columns have. It then writes
into a hidden folder beside the output (0700), one chunk file per buffer, each committed by a file listing its
documents' ids; a part file is made from its chunks when its input is done, and the folder is renamed into
place when every part is. A killed job leaves only that folder, and ``resume=True`` goes on from it, skipping
the rows whose ids are committed: by id, not by position (a row's ``id_field`` value, else a hash of its
text). Every file is created 0600.
"""

from __future__ import annotations

import csv
import glob
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from phiner.anonymize.surrogates import document_id
from phiner.core.errors import Errors, OutputExistsError, PhinerError, RecordError, os_errors
from phiner.core.records import atomic_write, iter_objects, open_private, record_known
from phiner.jobs.batch import (
    check_record,
    chunks,
    files_under,
    line_limit,
    max_line_bytes,
    problems_error,
)
from phiner.jobs.engine import clear, fsynced, partial_of, run_job
from phiner.jobs.ledger import redaction_findings, span_findings
from phiner.pipeline import MAX_CHARS, RedactOptions, redact_documents

Format = Literal["jsonl", "csv", "parquet"]
Mode = Literal["redact", "predict"]
FORMATS: dict[str, Format] = {".jsonl": "jsonl", ".csv": "csv", ".parquet": "parquet"}
ENTITIES = "entities"
"""The column appended to each row: its entities as a JSON list (redact: audit items; predict: spans)."""
ENTITY_FIELDS: dict[Mode, list[pa.Field]] = {
    "redact": [
        pa.field("start", pa.int64()),
        pa.field("end", pa.int64()),
        pa.field("label", pa.string()),
        pa.field("original_start", pa.int64()),
        pa.field("original_end", pa.int64()),
        pa.field("replacement", pa.string()),
        pa.field("operator", pa.string()),
        pa.field("source", pa.string()),
    ],
    "predict": [
        pa.field("start", pa.int64()),
        pa.field("end", pa.int64()),
        pa.field("label", pa.string()),
        pa.field("score", pa.float64()),
        pa.field("text", pa.string()),
        pa.field("source", pa.string()),
    ],
}
"""The columns of a long entities table (``entities_out``), after the document's id column."""


def table_format(path: str | Path) -> Format | None:
    """The table format a file name says, or None.

    >>> table_format("notes/part-1.parquet"), table_format("note.txt")
    ('parquet', None)
    """
    return FORMATS.get(Path(path).suffix.lower())


# ----------------------------------------------------------------------------------------------------------------
# The job's files.


@os_errors()
def find_tables(input: str | Path) -> tuple[Path, list[Path], int]:
    """An input's table files, sorted, the folder their part names are relative to, and how many were skipped
    as links pointing out of it: a file (its folder), the files under a folder, or a glob's matches (the folder
    before its first wildcard). Links to folders are not followed. All must be of one format."""
    path = Path(input)
    if path.is_file():
        if table_format(path) is None:
            raise PhinerError(Errors.E211.format(path=path))
        return path.parent, [path], 0
    if path.is_dir():
        base = path
        tables, outside = files_under(path, lambda name: table_format(name) is not None)
    elif is_glob(input):
        base = Path(os.path.normpath(_glob_base(str(input))))
        tables, outside = _glob_inside(str(input), base)
    else:
        raise PhinerError(Errors.E212.format(path=input))
    if not tables:
        raise PhinerError(Errors.E213.format(path=input))
    kinds = sorted({table_format(p) for p in tables})
    if len(kinds) > 1:
        raise PhinerError(Errors.E214.format(path=input, kind=" and ".join(kinds)))
    return base, tables, outside


def _glob_inside(pattern: str, base: Path) -> tuple[list[Path], int]:
    """A glob's table files inside ``base`` (sorted), and how many were skipped as pointing out of it; a
    match reached through a link to a folder is not read."""
    root = base.resolve()
    found, outside = [], 0
    for path in {Path(os.path.normpath(match)) for match in glob.glob(pattern, recursive=True)}:
        if table_format(path) is None or not path.is_file():
            continue
        if not path.is_relative_to(base) or not path.resolve().is_relative_to(root):
            outside += 1
            continue
        parts = path.relative_to(base).parts
        if not any((base.joinpath(*parts[:i])).is_symlink() for i in range(1, len(parts))):
            found.append(path)
    return sorted(found), outside


def is_glob(pattern: str | Path) -> bool:
    """Whether a path holds a wildcard (``*``, ``?`` or ``[``).

    >>> is_glob("exports/2024-*.csv"), is_glob("notes.csv")
    (True, False)
    """
    return any(char in str(pattern) for char in "*?[")


def _glob_base(pattern: str) -> Path:
    fixed = []
    for part in Path(pattern).parts:
        if is_glob(part):
            break
        fixed.append(part)
    return Path(*fixed) if fixed else Path(".")


@dataclass(frozen=True)
class TableJob:
    """One table job: its inputs (one format), what it does, and where it writes."""

    inputs: tuple[Path, ...]
    base: Path
    """The folder the part names are relative to."""
    output: Path
    """The folder of part files."""
    output_format: Format
    mode: Mode = "redact"
    entities_out: Path | None = None
    """Where the long entities table goes; None: each row's ``entities`` column."""
    links_skipped: int = 0
    """Input files not read: links that point out of the input's folder."""

    @classmethod
    def plan(
        cls,
        input: str | Path,
        output: str | Path,
        *,
        mode: Mode = "redact",
        output_format: str | None = None,
        entities_out: str | Path | None = None,
    ) -> TableJob:
        """The job of ``input`` (a file, folder or glob) into the folder ``output``; refuses paths that clash:
        an output (or ``entities_out``) that is the input or inside its folder (a glob's: the folder before its
        first wildcard), an ``entities_out`` inside the output."""
        base, inputs, outside = find_tables(input)
        output = Path(output)
        if output_format is not None and output_format not in FORMATS.values():
            raise PhinerError(Errors.E215.format(given=output_format))
        if table_format(output) is not None:
            raise PhinerError(Errors.E216.format(path=output))
        one_file = Path(input).is_file()
        root = Path(input).resolve() if one_file else base.resolve()
        if output.resolve().is_relative_to(root) and one_file:
            raise PhinerError(Errors.E217.format(path=output))
        if output.resolve().is_relative_to(root):
            raise PhinerError(Errors.E207.format(path=output))
        if entities_out is not None:
            entities_out = Path(entities_out)
            if table_format(entities_out) is None:
                raise PhinerError(Errors.E218.format(path=entities_out))
            where = entities_out.resolve()
            if where.is_relative_to(root) or where.is_relative_to(output.resolve()):
                raise PhinerError(Errors.E219.format(path=entities_out))
        chosen = output_format or table_format(inputs[0])
        return cls(tuple(inputs), base, output, chosen, mode, entities_out, outside)

    @property
    def input_format(self) -> Format:
        return table_format(self.inputs[0])

    @property
    def partial(self) -> Path:
        """The hidden folder the job grows in, renamed to ``output`` when done."""
        return partial_of(self.output)

    def part(self, path: Path) -> Path:
        """An input's part file in the output folder: its relative name, with the output format's suffix."""
        return path.relative_to(self.base).with_suffix(f".{self.output_format}")

    # The job's layout (:class:`phiner.jobs.engine.Layout`): rows as Arrow tables, chunks as Parquet files.

    def units(self) -> tuple[Path, ...]:
        return self.inputs

    def name(self, unit: Path) -> Path:
        return unit.relative_to(self.base)

    def refuse(self, resume: bool) -> None:
        if self.entities_out is not None and self.entities_out.exists() and not resume:
            raise OutputExistsError(Errors.E231.format(path=self.entities_out))

    def batches(self, unit: Path, options: RedactOptions) -> Iterator[pa.Table]:
        return read_batches(unit, options.buffer, max_chars=options.max_chars)

    def ids(self, batch: pa.Table, options: RedactOptions) -> list[str]:
        return row_ids(batch, options)

    def take(self, batch: pa.Table, keep: list[int]) -> pa.Table:
        return batch.take(pa.array(keep, pa.int64()))

    def step(self, tagger, batch: pa.Table, options: RedactOptions) -> tuple[pa.Table, pa.Table | None, list]:
        """The rows done, their long entities table where the job writes one (``entities`` then leaves them), and
        each row's spans for the audit."""
        done, found = transform_found(tagger, batch, options, self.mode)
        if self.entities_out is None:
            return done, None, found
        return done.drop_columns([ENTITIES]), entity_table(done, options, self.mode), found

    def write(self, done: tuple[pa.Table, pa.Table | None, list], stem: Path) -> None:
        rows, entities, _ = done
        if entities is not None:
            _write_chunk(entities, stem.with_suffix(".entities.parquet"))
        _write_chunk(rows, stem.with_suffix(".parquet"))

    def found(self, done: tuple[pa.Table, pa.Table | None, list]) -> list[list[dict[str, Any]]]:
        return done[2]

    def merge(self, stems: list[Path], dst: Path) -> None:
        _merge([stem.with_suffix(".parquet") for stem in stems], dst, self.output_format)

    def spent(self, stem: Path) -> list[Path]:
        return [stem.with_suffix(".parquet")]

    def finish(self, partial: Path, stems: list[Path]) -> None:
        """The long entities table (from the committed chunks), then the output folder renamed into place."""
        if self.entities_out is not None:
            found = [stem.with_suffix(".entities.parquet") for stem in stems]
            _merge(found, self.entities_out, table_format(self.entities_out))
        clear(partial)
        os.replace(partial, self.output)


# ----------------------------------------------------------------------------------------------------------------
# Reading.


def read_batches(
    path: Path, size: int, columns: list[str] | None = None, max_chars: int = MAX_CHARS
) -> Iterator[pa.Table]:
    """A table file's rows (``columns`` of them, or all), ``size`` at a time: never the whole file in memory
    (a CSV is read in blocks of :func:`csv_block_bytes`)."""
    kind = table_format(path)
    if kind == "parquet":
        with pq.ParquetFile(path) as parquet:
            yield from _rebatch(parquet.iter_batches(batch_size=size, columns=columns), size)
    elif kind == "csv":
        yield from _rebatch(pacsv.open_csv(path, **csv_read_options([path], columns, max_chars)), size)
    else:
        for rows in chunks((obj for _, obj in iter_objects(path)), size):
            yield jsonl_table(rows, columns)


CSV_BLOCK_BYTES = 16 << 20
"""pyarrow's CSV reader reads blocks of this size (or more, see :func:`csv_block_bytes`): a row must fit."""


def csv_block_bytes(max_chars: int = MAX_CHARS) -> int:
    """The bytes pyarrow reads of a CSV at a time: :data:`CSV_BLOCK_BYTES`, or more where a row with a text of
    ``max_chars`` characters (up to 4 bytes each) may not fit."""
    return max(CSV_BLOCK_BYTES, 8 * max_chars)


def csv_read_options(paths: list[Path], columns: list[str] | None = None, max_chars: int = MAX_CHARS) -> dict[str, Any]:
    """pyarrow's CSV options for these files: quoted values may hold newlines (notes do), and every column is
    read as a string (none inferred as a number or a date, none as null), so it is written back as it was."""
    names = dict.fromkeys(name for path in paths for name in _csv_names(path))
    return {
        "read_options": pacsv.ReadOptions(block_size=csv_block_bytes(max_chars)),
        "parse_options": pacsv.ParseOptions(newlines_in_values=True),
        "convert_options": pacsv.ConvertOptions(
            column_types={n: pa.string() for n in names}, include_columns=columns or []
        ),
    }


def jsonl_table(rows: list[dict[str, Any]], columns: list[str] | None = None) -> pa.Table:
    """JSONL rows as one table: every key any row has (or ``columns``), in the order first seen; a row that
    lacks one holds null there.

    >>> jsonl_table([{"id": 1}, {"id": 2, "text": "x"}]).to_pylist()
    [{'id': 1, 'text': None}, {'id': 2, 'text': 'x'}]
    """
    names = columns or list(dict.fromkeys(key for row in rows for key in row))
    return pa.Table.from_pydict({name: [row.get(name) for row in rows] for name in names})


def _rebatch(batches: Iterable[pa.RecordBatch], size: int) -> Iterator[pa.Table]:
    pending: list[pa.RecordBatch] = []
    count = 0
    for batch in batches:
        pending.append(batch)
        count += batch.num_rows
        while count >= size:
            table = pa.Table.from_batches(pending)
            yield table.slice(0, size)
            rest = table.slice(size)
            pending, count = rest.to_batches(), rest.num_rows
    if count:
        yield pa.Table.from_batches(pending)


# ----------------------------------------------------------------------------------------------------------------
# Checking the input before anything is written.


@os_errors()
def scan_tables(job: TableJob, options: RedactOptions) -> int:
    """How many rows the job's inputs hold; refuses them, naming each problem's file, row, id and column (the
    first 20), if a column is missing, repeated or would be overwritten, a CSV quote is never closed, or a row
    has no string text (or one over ``options.max_chars``), id or patient."""
    if job.entities_out is not None and options.id_field is None:
        raise PhinerError(Errors.E220)
    problems: list[str] = []
    total = 0
    for path in job.inputs:
        try:
            count, found = _scan_file(path, job, options)
        except (pa.ArrowException, OSError, csv.Error, UnicodeError) as err:  # Arrow's messages may quote the data
            count, found = 0, [Errors.E221.format(path=path, kind=job.input_format, error=type(err).__name__)]
        if count == 0 and not found:
            found = [Errors.E222.format(path=path)]
        total += count
        problems += found
    if problems:
        raise problems_error(Errors.E223.format(count=len(problems)), problems)
    return total


def _scan_file(path: Path, job: TableJob, options: RedactOptions) -> tuple[int, list[str]]:
    if job.input_format == "jsonl":
        return _scan_jsonl(path, job, options)
    if job.input_format == "csv":
        line = csv_unclosed_quote(path)
        if line is not None:
            return 0, [Errors.E224.format(path=path, line=line)]
    names = pq.read_schema(path).names if job.input_format == "parquet" else _csv_names(path)
    found = [Errors.E048.format(path=path, problem=p) for p in _column_problems(names, job, options)]
    if found:
        return 0, found
    if job.output_format == "csv" and job.input_format == "parquet":
        found = [
            Errors.E048.format(path=path, problem=p) for p in _csv_type_problems(pq.read_schema(path), job, options)
        ]
    count = 0
    try:
        for table in read_batches(path, options.buffer, _needed(names, options), options.max_chars):
            for row in _rows(table, options):
                count += 1
                # Not from the catalogue: it names the row by its id, a value of the input (see `_id_note`).
                found += [f"{path}: row {count}{_id_note(row, options)}: {p}" for p in _row_problems(row, options)]
    except pa.ArrowInvalid as err:
        if job.input_format != "csv" or "straddl" not in str(err):  # pyarrow's: a row larger than a block
            raise
        block = csv_block_bytes(options.max_chars)
        size, unit = (block >> 20, "MiB") if block % (1 << 20) == 0 else (block >> 10, "KiB")
        found.append(Errors.E225.format(path=path, index=count + 1, limit=size, kind=unit, limit2=options.max_chars))
    return count, found


_FIELD_START_QUOTE = re.compile(rb'[,\r\n]"')
_BOM = b"\xef\xbb\xbf"


def csv_unclosed_quote(path: Path, size: int = 1 << 20) -> int | None:
    """The line where a quoted CSV value opens that is never closed (pyarrow would read every row after it
    as its text), or None; ``size`` bytes are read at a time. As pyarrow reads CSV: a quote opens a value
    only at the value's start, and two quotes in a quoted value stand for one."""
    start, plain, quoted, quote = range(4)  # `quote`: a quote in a quoted value, its meaning in the next byte
    state, line, opened = start, 1, None
    with open(path, "rb") as fh:
        if fh.read(len(_BOM)) != _BOM:
            fh.seek(0)
        while chunk := fh.read(size):
            pos = counted = 0
            while pos < len(chunk):
                if state == quote:
                    state, pos = (quoted, pos + 1) if chunk[pos] == 0x22 else (plain, pos)
                elif state == start and chunk[pos] == 0x22:
                    line += chunk.count(b"\n", counted, pos)
                    state, pos, counted, opened = quoted, pos + 1, pos, line
                elif state in (start, plain):
                    found = _FIELD_START_QUOTE.search(chunk, pos)
                    if found is None:
                        state, pos = (start if chunk[-1] in b",\r\n" else plain), len(chunk)
                    else:
                        line += chunk.count(b"\n", counted, found.start() + 1)
                        state, pos, counted, opened = quoted, found.end(), found.start() + 1, line
                else:
                    end = chunk.find(b'"', pos)
                    if end < 0:
                        pos = len(chunk)
                    elif end + 1 == len(chunk):
                        state, pos = quote, len(chunk)
                    elif chunk[end + 1] == 0x22:
                        pos = end + 2
                    else:
                        state, pos = plain, end + 1
            line += chunk.count(b"\n", counted)
    return opened if state == quoted else None


def _scan_jsonl(path: Path, job: TableJob, options: RedactOptions) -> tuple[int, list[str]]:
    count, found = 0, []
    try:
        objects = iter_objects(path, max_bytes=max_line_bytes(options.max_chars), why=line_limit(options.max_chars))
        for lines in chunks(objects, options.buffer):
            for lineno, obj in lines:
                problems = _row_problems(obj, options)
                if isinstance(obj, dict) and job.entities_out is None and ENTITIES in obj:
                    problems.append(_ENTITIES_TAKEN)
                # Not from the catalogue: it names the line's record by its id, a value of the input.
                found += [f"{path}:{lineno}{_id_note(obj, options)}: {p}" for p in problems]
            count += len(lines)
            if any(not isinstance(obj, dict) for _, obj in lines):
                continue
            try:
                table = jsonl_table([obj for _, obj in lines])
            except pa.ArrowException:  # its message quotes a value
                first, last = lines[0][0], lines[-1][0]
                found.append(Errors.E226.format(path=path, line=first, line2=last))
                continue
            if job.output_format == "csv":
                problems = _csv_type_problems(table.schema, job, options)
                found += [
                    Errors.E227.format(path=path, line=lines[0][0], line2=lines[-1][0], problem=p) for p in problems
                ]
    except RecordError as err:  # not JSON: reading stops there
        found.append(str(err))
    return count, found


def _csv_names(path: Path) -> list[str]:
    with open(path, newline="", encoding="utf-8-sig") as fh:
        return next(csv.reader(fh), [])


_ENTITIES_TAKEN = Errors.E228.format(column=ENTITIES)


def _column_problems(names: list[str], job: TableJob, options: RedactOptions) -> list[str]:
    """Columns of a CSV or Parquet file that repeat a name, columns the job needs that it lacks, and columns
    it would overwrite."""
    problems, first = [], {}
    for i, name in enumerate(names, start=1):
        if name in first:
            # Not from the catalogue: it shows the name as the file spells it (a file without a header row has
            # its first row there).
            problems.append(f"column {i} repeats the name of column {first[name]} (`{name}`): name each once")
        first.setdefault(name, i)
    needed = [
        (options.text_field, "--text-field"),
        (options.id_field, "--id-field"),
        (options.patient_field, "--patient-field"),
    ]
    problems += [Errors.E229.format(column=n, option=flag) for n, flag in needed if n is not None and n not in names]
    if job.entities_out is None and ENTITIES in names:
        problems.append(_ENTITIES_TAKEN)
    if options.keep_original is not None and options.keep_original in names:
        problems.append(Errors.E230.format(column=options.keep_original))
    return problems


def _csv_type_problems(schema: pa.Schema, job: TableJob, options: RedactOptions) -> list[str]:
    """Nested columns (lists, structs) that a CSV output cannot hold; redact drops the known PHI columns."""
    dropped = {options.known_field, *options.known_columns} if job.mode == "redact" else set()
    # Not from the catalogue: it shows the column's name as the file spells it (a JSONL file's keys).
    return [
        f"column `{f.name}` holds {f.type}, which CSV cannot: choose --output-format jsonl or parquet"
        for f in schema
        if pa.types.is_nested(f.type) and f.name not in dropped
    ]


def _row_problems(row: Any, options: RedactOptions) -> list[str]:
    try:
        check_record(row, options)
    except RecordError as err:
        return [str(err)]
    return []


def _id_note(row: Any, options: RedactOptions) -> str:
    value = row.get(options.id_field) if options.id_field and isinstance(row, dict) else None
    return f" (id {value})" if isinstance(value, (str, int)) and not isinstance(value, bool) else ""


def _needed(names: list[str], options: RedactOptions) -> list[str]:
    wanted = (options.text_field, options.id_field, options.patient_field, options.known_field, *options.known_columns)
    return [name for name in dict.fromkeys(wanted) if name is not None and name in names]


def _rows(table: pa.Table, options: RedactOptions) -> list[dict[str, Any]]:
    """The columns a row is checked and redacted by, as mappings; a known PHI struct's null fields (keys
    other rows have) are absent."""
    rows = table.select(_needed(table.column_names, options)).to_pylist()
    for row in rows:
        known = row.get(options.known_field) if options.known_field else None
        if isinstance(known, dict):
            row[options.known_field] = {k: v for k, v in known.items() if v is not None}
    return rows


# ----------------------------------------------------------------------------------------------------------------
# One batch: the step both engines share.


def transform(tagger, table: pa.Table, options: RedactOptions, mode: Mode = "redact") -> pa.Table:
    """A batch of rows done: ``redact`` replaces the text column and drops the known PHI columns, ``predict``
    keeps both; ``entities`` is appended. A bad row raises, naming its id and column: the jobs refuse such
    input before they start, so this guards a dataset given to :mod:`phiner.ray` directly."""
    return transform_found(tagger, table, options, mode)[0]


def transform_found(
    tagger, table: pa.Table, options: RedactOptions, mode: Mode = "redact"
) -> tuple[pa.Table, list[list[dict[str, Any]]]]:
    """:func:`transform`'s rows, and each row's spans as a job's audit keeps them
    (:func:`phiner.jobs.ledger.redaction_findings`, :func:`~phiner.jobs.ledger.span_findings`)."""
    rows = _rows(table, options)
    for row in rows:
        problems = _row_problems(row, options)
        if problems:
            # Not from the catalogue: it names the row by its id, a value of the input (see `_id_note`).
            raise RecordError(f"a row{_id_note(row, options)}: {problems[0]}")
    texts = [row[options.text_field] for row in rows]
    known = [record_known(row, options.known_field, options.known_columns) for row in rows]
    if mode == "predict":
        read = tagger.read(texts, known=known)
        found = [[s.to_dict() for s in p.spans] for p in read]
        return _with_entities(table, found), [span_findings(p.spans) for p in read]
    ids = [str(row[options.id_field]) for row in rows] if options.id_field else None
    patients = [str(row[options.patient_field]) for row in rows] if options.patient_field else None
    done = redact_documents(tagger, texts, options, ids=ids, patients=patients, known=known)
    out = _replace(table, options.text_field, [redaction.text for redaction, _ in done])
    out = out.drop_columns([c for c in (options.known_field, *options.known_columns) if c in out.column_names])
    if options.keep_original is not None:
        out = out.append_column(options.keep_original, pa.array(texts, pa.string()))
    entities = [[item.to_dict() for item in redaction.items] for redaction, _ in done]
    return _with_entities(out, entities), [redaction_findings(redaction) for redaction, _ in done]


def _replace(table: pa.Table, name: str, values: list[str]) -> pa.Table:
    index = table.schema.get_field_index(name)
    kind = table.schema.field(index).type
    kind = kind if pa.types.is_string(kind) or pa.types.is_large_string(kind) else pa.string()
    return table.set_column(index, pa.field(name, kind), pa.array(values, kind))


def _with_entities(table: pa.Table, found: list[list[dict[str, Any]]]) -> pa.Table:
    encoded = [json.dumps(items, ensure_ascii=False) for items in found]
    return table.append_column(ENTITIES, pa.array(encoded, pa.string()))


def row_ids(table: pa.Table, options: RedactOptions) -> list[str]:
    """Each row's document id, as surrogates and a resumed job know it: its id column's value, else a hash of
    its text."""
    if options.id_field is not None:
        return [str(value) for value in table.column(options.id_field).to_pylist()]
    return [document_id(text) for text in table.column(options.text_field).to_pylist()]


def entity_table(table: pa.Table, options: RedactOptions, mode: Mode) -> pa.Table:
    """A done batch's ``entities`` as a long table: one row per entity, its document's id column first."""
    ids = table.column(options.id_field).to_pylist()
    rows = [
        {options.id_field: key, **item}
        for key, found in zip(ids, table.column(ENTITIES).to_pylist())
        for item in json.loads(found)
    ]
    schema = pa.schema([table.schema.field(options.id_field), *ENTITY_FIELDS[mode]])
    return pa.Table.from_pylist(rows, schema=schema)


def jsonl_bytes(table: pa.Table) -> bytes:
    """A table's rows as JSONL (values JSON lacks, such as dates, as their text)."""
    lines = (json.dumps(row, ensure_ascii=False, default=str) + "\n" for row in table.to_pylist())
    return "".join(lines).encode("utf-8")


# ----------------------------------------------------------------------------------------------------------------
# The job.


@os_errors()
def run_table_job(
    tagger,
    job: TableJob,
    options: RedactOptions,
    *,
    resume: bool = False,
    progress: Callable[[int], None] | None = None,
    scanned: int | None = None,
) -> dict[str, float]:
    """Do ``job`` with ``tagger`` (see the module's docstring): rows written now and skipped as done before.

    ``scanned`` is :func:`scan_tables`' count where the caller has checked the inputs with these options.
    """
    total = scanned if scanned is not None else scan_tables(job, options)
    return run_job(tagger, job, options, total=total, resume=resume, progress=progress)


def _write_chunk(table: pa.Table, path: Path) -> None:
    with open_private(path, "wb") as fh:
        pq.write_table(table, fh)
        fsynced(fh)


def _merge(files: list[Path], dst: Path, kind: Format) -> None:
    """Chunk files into one file of ``kind``, a chunk at a time, atomically and 0600. Their columns are unified
    (a JSONL key may first appear in a later chunk)."""
    schema = pa.unify_schemas([pq.read_schema(f) for f in files], promote_options="permissive")
    dst.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(dst, "wb") as fh:
        if kind == "jsonl":
            for f in files:
                fh.write(jsonl_bytes(_conform(pq.read_table(f), schema)))
            return
        writer = pq.ParquetWriter(fh, schema) if kind == "parquet" else pacsv.CSVWriter(fh, schema)
        with writer:
            for f in files:
                writer.write_table(_conform(pq.read_table(f), schema))


def _conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    columns = [
        table.column(f.name).cast(f.type) if f.name in table.column_names else pa.nulls(table.num_rows, f.type)
        for f in schema
    ]
    return pa.Table.from_arrays(columns, schema=schema)
