"""The options that ``predict`` and ``redact`` share for the same thing, under the same name and help, and the
old names that still work for one release (each use prints a deprecation line on stderr)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from phiner.core.help import JOB

TextField = Annotated[
    str,
    typer.Option(
        "--text-field",
        help=JOB["text_field"],
    ),
]
IdField = Annotated[
    Optional[str],
    typer.Option(
        "--id-field",
        help=JOB["id_field"],
    ),
]
PatientField = Annotated[
    Optional[str],
    typer.Option(
        "--patient-field",
        help=JOB["patient_field"],
    ),
]
BatchSize = Annotated[
    int,
    typer.Option(
        "--batch-size",
        help=JOB["batch_size"],
    ),
]
Resume = Annotated[bool, typer.Option(help="Continue an interrupted job: skip the documents (rows) already written.")]

DEPRECATED: dict[str, dict[str, str]] = {
    "predict": {"--text-column": "--text-field", "--id-column": "--id-field"},
    "redact": {
        "--field": "--text-field",
        "--text-column": "--text-field",
        "--id-column": "--id-field",
        "--patient-column": "--patient-field",
        "--buffer": "--batch-size",
    },
}
"""Per command, an old option name -> the name that replaced it."""


def renamed(argv: list[str]) -> tuple[list[str], list[str]]:
    """``argv`` (the arguments after the program's name) with each old option name of its command replaced by the
    new one (also in ``--old=VALUE``), and a deprecation line per old name used. Arguments after ``--`` and the
    values of options are left alone."""
    if not argv or argv[0] not in DEPRECATED:
        return argv, []
    names = DEPRECATED[argv[0]]
    out, notes = [argv[0]], []
    for i, arg in enumerate(argv[1:], start=1):
        if arg == "--":
            out += argv[i:]
            break
        name, sep, value = arg.partition("=")
        if name in names and not _is_value(argv, i):
            notes.append(f"{name} is deprecated and goes in the next release; use {names[name]}")
            arg = names[name] + sep + value
        out.append(arg)
    return out, notes


FLAGS = {"--no-rules", "--resume", "--no-resume", "--help"}
"""The options of predict and redact that take no value."""


def _is_value(argv: list[str], i: int) -> bool:
    """Whether ``argv[i]`` is the value of the option before it (``--text --buffer`` redacts the word --buffer)."""
    before = argv[i - 1]
    return i > 1 and before.startswith("--") and "=" not in before and before not in FLAGS
