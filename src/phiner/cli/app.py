"""The ``phiner`` Typer apps and consoles that every command module registers on."""

from __future__ import annotations

import sys
from pathlib import Path

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
audit_app = typer.Typer(
    no_args_is_help=True, pretty_exceptions_show_locals=False, help="Read a redaction job's audit trail back."
)
app.add_typer(audit_app, name="audit")
console = Console(stderr=True, soft_wrap=True)
# Piped output keeps whole table rows (rich would fold them at 80 columns).
out = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 120)


QUIET = False
"""``--quiet`` (anywhere before ``--``): no bar, no load line, no summary on stderr; errors and warnings stay."""


def summary(stats: dict, unit: str = "documents") -> None:
    """One line on stderr when a job ends: documents, seconds, rate, and the PHI found by type."""
    if QUIET or "found" not in stats:
        return
    found = {label: sum(sources.values()) for label, sources in stats["found"].items()}
    kinds = ", ".join(f"{label} {n}" for label, n in sorted(found.items(), key=lambda kv: -kv[1])) or "none"
    rate = stats["written"] / stats["seconds"] if stats["seconds"] else 0.0
    console.print(
        f"{stats['written']} {unit} in {stats['seconds']:.1f} s ({rate:.1f}/s); found: {kinds}",
        highlight=False,
        markup=False,
    )


def load(loader):
    """The analyzer ``loader`` builds, and one line on stderr saying what was loaded and in how long."""
    import time

    started = time.perf_counter()
    analyzer = loader()
    path = (getattr(analyzer, "info", None) or {}).get("path")
    from phiner.model.base import default_model

    what = "the shipped model" if path and Path(path) == default_model() else (path or "the adapters")
    if not QUIET:
        console.print(f"loaded {what} in {time.perf_counter() - started:.1f} s", highlight=False, markup=False)
    return analyzer


class progress:
    """A progress bar on stderr, drawn only where stderr is a terminal: documents done of ``total`` (the count the
    job's pre-read found), the rate, the time taken and the time left; yields the function that advances it."""

    def __init__(self, unit: str, total: int | None = None) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.bar = Progress(
            TextColumn(f"{unit}"),
            MofNCompleteColumn(),
            BarColumn(),
            TextColumn("{task.fields[rate]} docs/s"),
            TimeElapsedColumn(),
            TextColumn("left"),
            TimeRemainingColumn(),
            console=console,
            disable=QUIET or not console.is_terminal,
        )
        self.task = self.bar.add_task(unit, total=total, rate="-")
        self.start = 0.0

    def __enter__(self):
        import time

        self.start = time.perf_counter()
        self.bar.start()

        def advance(n: int) -> None:
            done = self.bar.tasks[0].completed + n
            rate = done / max(time.perf_counter() - self.start, 1e-9)
            self.bar.update(self.task, completed=done, rate=f"{rate:.1f}")

        return advance

    def __exit__(self, *exc) -> None:
        self.bar.stop()
