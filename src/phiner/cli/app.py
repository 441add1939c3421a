"""The ``phiner`` Typer apps and consoles that every command module registers on."""

from __future__ import annotations

import sys

import typer
from rich.console import Console

# Tracebacks must never print local variables: they hold clinical text.
app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    help="Find and de-identify PHI in clinical text.",
)
data_app = typer.Typer(
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    help="Build dataset folders (train/test JSONL + a DatasetDict).",
)
app.add_typer(data_app, name="data")
export_app = typer.Typer(
    no_args_is_help=True, pretty_exceptions_show_locals=False, help="Export a run for fast inference."
)
app.add_typer(export_app, name="export")
console = Console(stderr=True, soft_wrap=True)
# Piped output keeps whole table rows (rich would fold them at 80 columns).
out = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 120)
