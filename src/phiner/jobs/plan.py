"""Which job a ``predict`` or ``redact`` request is, from its input, and which combinations of its settings are
refused: the rules the command line, and anything else that starts jobs, follow. Each refusal is made before
any model loads, and names the options, never a text.

The kinds: ``text`` (one text given, or one text file for ``redact``), ``folder`` (a folder of .txt files),
``jsonl`` (a JSONL file into a JSONL file, in this process) and ``tables`` (a .csv or .parquet file, a folder or
glob of tables, or a JSONL file into a folder or on Ray).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from phiner.core.errors import Errors, PhinerError
from phiner.core.records import check_text

Kind = Literal["text", "folder", "jsonl", "tables"]
TABLE_INPUTS = "a .csv or .parquet --input, a folder or glob of tables, or a .jsonl --input into an --output folder"


@dataclass(frozen=True)
class JobRequest:
    """What a ``predict`` or ``redact`` run was asked to read and write, and how."""

    text: str | None = None
    input: Path | None = None
    output: Path | None = None
    engine: str = "local"
    output_format: str | None = None
    entities_out: Path | None = None
    resume: bool = False
    key: Path | None = None
    """``redact``: where a JSONL job or one text writes its re-identification key."""
    text_field: str = "text"
    id_field: str | None = None

    def source(self) -> None:
        """Refuse a request without exactly one of ``--text`` and ``--input``, a missing input, a bad text."""
        if (self.text is None) == (self.input is None):
            raise PhinerError(Errors.E247)
        if self.input is not None:
            from phiner.jobs.tables import is_glob

            if not self.input.exists() and not is_glob(self.input):
                raise PhinerError(Errors.E248.format(path=self.input))
        if self.text is not None:
            check_text(self.text, "--text")

    def is_tables(self) -> bool:
        """Whether the input makes a table job (see the module's docs): a folder with a .txt file in it is a folder
        of texts."""
        input = self.input
        if input is None:
            return False
        from phiner.jobs.tables import table_format

        if input.is_dir():
            return not any(name.endswith(".txt") for _, _, names in os.walk(input) for name in names)
        if not input.exists():
            return True
        kind = table_format(input)
        if kind in ("csv", "parquet"):
            return True
        output = self.output
        return kind == "jsonl" and (self.engine == "ray" or (output is not None and output.suffix.lower() != ".jsonl"))


def plan_redact(request: JobRequest) -> Kind:
    """The kind of a ``redact`` request; its bad combinations refused."""
    request.source()
    if request.is_tables():
        if request.output is None:
            raise PhinerError(Errors.E249)
        if request.key is not None:
            raise PhinerError(Errors.E250)
        return "tables"
    if request.output_format is not None or request.entities_out is not None or request.engine == "ray":
        raise PhinerError(Errors.E251.format(choices=TABLE_INPUTS))
    input, output, key = request.input, request.output, request.key
    if request.text is not None or (input.is_file() and input.suffix != ".jsonl"):
        if output is not None and input is not None and output.resolve() == input.resolve():
            raise PhinerError(Errors.E201.format(path=output))
        if key is not None and key.resolve() in {p.resolve() for p in (input, output) if p is not None}:
            raise PhinerError(Errors.E200.format(path=key))
        return "text"
    if output is None:
        raise PhinerError(Errors.E252)
    if key is not None and input.is_dir():
        raise PhinerError(Errors.E253)
    return "folder" if input.is_dir() else "jsonl"


def plan_predict(request: JobRequest) -> Kind:
    """The kind of a ``predict`` request; its bad combinations refused (the table options outside tables; a JSONL
    job takes ``--resume`` and ``--id-field``, the id it resumes by)."""
    request.source()
    if request.is_tables():
        if request.output is None:
            raise PhinerError(Errors.E249)
        return "tables"
    to_jsonl = request.input is not None and request.output is not None
    table_only = {
        "--text-field": request.text_field != "text",
        "--id-field": request.id_field is not None and not to_jsonl,
        "--resume": request.resume and not to_jsonl,
        "--output-format": request.output_format is not None,
        "--entities-out": request.entities_out is not None,
        "--engine ray": request.engine == "ray",
    }
    if any(table_only.values()):
        raise PhinerError(
            Errors.E254.format(option=", ".join(k for k, v in table_only.items() if v), choices=TABLE_INPUTS)
        )
    input, output = request.input, request.output
    if input is not None and not input.is_file():
        raise PhinerError(Errors.E188.format(path=input))
    if input is not None and output is not None and output.resolve() == input.resolve():
        raise PhinerError(Errors.E201.format(path=output))
    return "text" if input is None else "jsonl"
