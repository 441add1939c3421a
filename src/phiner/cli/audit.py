"""`phiner audit sample`: a stratified sample of what a redaction job found, from its audit trail."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from phiner.cli.app import out


def audit_sample(
    path: Annotated[Path, typer.Argument(help="A job's NAME.audit.jsonl, or its NAME.ledger.json or output.")],
    per_kind: Annotated[int, typer.Option(help="Findings drawn of each kind (type x source x score band).")] = 10,
    seed: Annotated[int, typer.Option(help="Fixes the draw: the same seed draws the same findings.")] = 0,
    output: Annotated[
        Optional[Path], typer.Option(help="Write the drawn audit lines here (JSONL, 0600) instead of stdout.")
    ] = None,
) -> None:
    """Draw up to --per-kind findings of every kind from a job's audit trail, in the file's order, each with its
    document id and offsets (no text), and count the kinds."""
    from phiner.core.records import dumps_record, write_jsonl
    from phiner.jobs.audit import sample

    drawn, counts = sample(path, per_kind, seed)
    if output is None:
        for line in drawn:
            out.print(dumps_record(line), markup=False, highlight=False)
        return
    write_jsonl(output, drawn)
    table = Table(title=f"{len(drawn)} findings drawn into {output}")
    for col in ("type", "source", "score", "findings", "drawn"):
        table.add_column(col, justify="right" if col in ("findings", "drawn") else "left")
    for (label, source, band), n in counts.items():
        table.add_row(label, source, band, str(n), str(min(n, per_kind)))
    out.print(table)
