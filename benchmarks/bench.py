"""Training and tagging throughput: the design's pipeline vs phiner's, interleaved, on this machine.

    python benchmarks/bench.py [--quick] [--json FILE] [--base-model roberta-base-random|minilm|FOLDER] ...

It lives outside the installed package (it is a measurement, not a feature); see benchmarks/RESULTS.md, "Speed",
for recorded runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(add_completion=False, pretty_exceptions_show_locals=False)
console = Console(stderr=True, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True, width=120)


@app.command()
def bench(
    json_out: Annotated[Optional[Path], typer.Option("--json", help="Write the results as JSON here.")] = None,
    base_model: Annotated[
        str,
        typer.Option(help="roberta-base-random (roberta-base's architecture, random weights), minilm, or a folder."),
    ] = "roberta-base-random",
    quick: Annotated[
        bool, typer.Option("--quick", help="Fewer texts and steps, one repeat: under 10 minutes on 2 cores.")
    ] = False,
    repeats: Annotated[
        Optional[int], typer.Option(help="Repeats of each contender (median reported) (3; quick 1).")
    ] = None,
    minilm: Annotated[bool, typer.Option(help="Also bench the minilm base.")] = True,
    nordeid: Annotated[
        Path, typer.Option(help="Nor-DeID-SynthData folder for the texts (generated texts if absent).")
    ] = Path("../shared/data/nor-deid-synthdata"),
) -> None:
    """Training and tagging throughput: the design's pipeline vs phiner's, interleaved, on this machine."""
    from benchlib import run_bench, table
    from phiner.core.records import write_json

    result = run_bench(
        base_model=base_model, quick=quick, repeats=repeats, nordeid=nordeid, with_minilm=minilm, log=console.print
    )
    rows = table(result)
    t = Table(
        title=f"phiner bench: {result['base_model']} on {result['machine']['cpu']} ({result['machine']['cores']} cores)"
    )
    for name in rows[0]:
        t.add_column(name)
    for row in rows[1:]:
        t.add_row(*row)
    out.print(t)
    g = result["matmul_gflops"]
    out.print("matmul GFLOP/s: " + ", ".join(f"{k} {v:.0f}" for k, v in g.items() if v))
    if json_out:
        write_json(json_out, result)
        out.print(f"results: {json_out}")


if __name__ == "__main__":
    app()
