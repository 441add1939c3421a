"""The ``phiner`` command line: each command parses its options and calls one function that returns data.

One module per command group registers its commands on the app (:mod:`phiner.cli.app`); importing them here
is what puts them on it.
"""

from __future__ import annotations

import os
import sys

from phiner.cli import calibrate, data, evaluate, export, predict, redact, serve, train  # noqa: F401  (they register)
from phiner.cli.app import app, console
from phiner.cli.options import renamed
from phiner.core.errors import PhinerError

__all__ = ["app", "main"]


def main() -> None:
    """Entry point: phiner's own errors (:class:`PhinerError`) become one line on stderr and exit code 2, no
    traceback; a file that cannot be read or written (a full disk) is one of them, a
    :class:`~phiner.core.errors.FileError` named by its file and the system's words, raised where phiner touches
    the file. Any other exception is a bug: it shows its traceback, never its local variables."""
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    args, notes = renamed(sys.argv[1:])
    for note in notes:
        console.print(f"[yellow]warning:[/yellow] {note}", highlight=False)
    try:
        app(args=args, prog_name="phiner")
    except PhinerError as err:
        console.print(f"[red]error:[/red] {err}", highlight=False)
        sys.exit(2)
