"""The ``phiner`` command line: each command parses its options and calls one function that returns data.

:data:`COMMANDS` is the table of commands: one module per command group holds their functions, and the table puts
them on the apps (:mod:`phiner.cli.app`).
"""

from __future__ import annotations

import os
import sys

import phiner.cli.app as cli_app
from phiner.cli import audit, calibrate, data, evaluate, export, predict, redact, review, serve, train
from phiner.cli.app import app, audit_app, console, data_app, export_app
from phiner.cli.options import renamed
from phiner.core.errors import PhinerError

__all__ = ["COMMANDS", "app", "main"]

COMMANDS = {
    app: {
        "calibrate": calibrate.calibrate,
        "evaluate": evaluate.evaluate,
        "merge": export.merge,
        "predict": predict.predict,
        "redact": redact.redact,
        "serve": serve.serve,
        "review": review.review,
        "train": train.train,
        "quickstart": train.quickstart,
    },
    data_app: {"nordeid": data.data_nordeid, "synth": data.data_synth},
    export_app: {"onnx": export.export_onnx},
    audit_app: {"sample": audit.audit_sample},
}
"""Every command, by the app it belongs to (``phiner``, ``phiner data``, ``phiner export``, ``phiner audit``), in
``--help``'s order: one module per command group holds the functions, this table names them."""
for _group, _commands in COMMANDS.items():
    for _name, _command in _commands.items():
        _group.command(_name)(_command)


def quiet_libraries() -> None:
    """The libraries' own progress bars (loading weights) and warnings (deprecations meant for their callers) kept
    off stderr, which then holds phiner's lines alone; ``phiner --verbose ...`` shows them."""
    import warnings

    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    for category in (FutureWarning, DeprecationWarning, UserWarning):
        warnings.filterwarnings("ignore", category=category)


def main() -> None:
    """Entry point (``--verbose`` anywhere before ``--``: the libraries' bars and warnings too, see
    :func:`quiet_libraries`): phiner's own errors (:class:`PhinerError`) become one line on stderr and exit code 2, no
    traceback; a file that cannot be read or written (a full disk) is one of them, a
    :class:`~phiner.core.errors.FileError` named by its file and the system's words, raised where phiner touches
    the file. Any other exception is a bug: it shows its traceback, never its local variables."""
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    args, notes = renamed(sys.argv[1:])
    options = args[: args.index("--") if "--" in args else len(args)]
    if "--verbose" in options:
        args.remove("--verbose")
    else:
        quiet_libraries()
    if "--quiet" in options:
        args.remove("--quiet")
        cli_app.QUIET = True
    for note in notes:
        console.print(f"[yellow]warning:[/yellow] {note}", highlight=False)
    try:
        app(args=args, prog_name="phiner")
    except PhinerError as err:
        console.print(f"[red]error:[/red] {err}", highlight=False)
        sys.exit(2)
