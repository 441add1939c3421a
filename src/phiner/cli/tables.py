"""The options of table jobs that predict and redact share (``--output-format``, ``--entities-out``, and the
engine's: ``--engine ray``, ``--workers``, ``--num-cpus-per-worker``, ``--num-gpus-per-worker``, ``--address``),
and the one function that runs a table job, in this process or on Ray."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from phiner.cli.app import console, load, out, progress, summary
from phiner.core.errors import Errors, PhinerError
from phiner.core.help import JOB, RAY

if TYPE_CHECKING:
    from phiner.jobs.tables import Mode
    from phiner.pipeline import RedactOptions
    from phiner.ray import RaySettings

Engine = Annotated[
    str, typer.Option(help="local (this process) or ray (Ray Data over a cluster; pip install 'phiner[ray]').")
]
OutputFormat = Annotated[
    Optional[str], typer.Option(help="Table jobs: jsonl, csv or parquet part files (default: the input's format).")
]
EntitiesOut = Annotated[
    Optional[Path],
    typer.Option(
        help="Table jobs: the entities as a long table here (.jsonl, .csv or .parquet; one row per entity, named "
        "by --id-field) instead of an `entities` column."
    ),
]
Workers = Annotated[Optional[int], typer.Option(help=f"--engine ray: {RAY['workers']} (default: 1)")]
CpusPerWorker = Annotated[
    Optional[float], typer.Option(help=f"--engine ray: {RAY['num_cpus_per_worker']} (default: 1)")
]
GpusPerWorker = Annotated[
    Optional[float], typer.Option(help=f"--engine ray: {RAY['num_gpus_per_worker']} (default: 0)")
]
MaxChars = Annotated[
    int,
    typer.Option(help=JOB["max_chars"]),
]
Address = Annotated[Optional[str], typer.Option(help=f"--engine ray: {RAY['address']}")]


def ray_settings(
    engine: str, workers: int | None, cpus: float | None, gpus: float | None, address: str | None
) -> RaySettings | None:
    """The :class:`phiner.ray.RaySettings` of ``--engine ray``; None in this process, where the Ray options are
    refused."""
    if engine not in ("local", "ray"):
        raise PhinerError(Errors.E289.format(given=engine))
    given = {"--workers": workers, "--num-cpus-per-worker": cpus, "--num-gpus-per-worker": gpus, "--address": address}
    if engine == "local":
        extra = [name for name, value in given.items() if value is not None]
        if extra:
            raise PhinerError(Errors.E290.format(option=", ".join(extra)))
        return None
    from phiner.ray import RaySettings

    return RaySettings(
        workers=1 if workers is None else workers,
        num_cpus_per_worker=1.0 if cpus is None else cpus,
        num_gpus_per_worker=0.0 if gpus is None else gpus,
        address=address,
    )


def run_tables(
    mode: Mode,
    loader: Callable[[], Any],
    input: Path,
    output: Path,
    options: RedactOptions,
    *,
    output_format: str | None,
    entities_out: Path | None,
    resume: bool,
    ray: RaySettings | None,
) -> None:
    """Plan the job, refuse bad rows (before the model loads), then run it here or on Ray."""
    from phiner.jobs.tables import TableJob, run_table_job, scan_tables

    if ray is not None and resume:
        raise PhinerError(Errors.E291)
    job = TableJob.plan(input, output, mode=mode, output_format=output_format, entities_out=entities_out)
    scanned = scan_tables(job, options)
    if ray is not None:
        from phiner.ray import run_table_job as run_on_ray

        stats = run_on_ray(job, options, loader, ray, scanned=scanned)
    else:
        tagger = load(loader)
        with progress("rows", scanned) as advance:
            stats = run_table_job(tagger, job, options, resume=resume, progress=advance, scanned=scanned)
    out.print(f"wrote {stats['written']} rows to {job.output} (skipped {stats['skipped']} already done)")
    summary(stats, "rows")
    if job.links_skipped:
        console.print(
            f"[yellow]warning:[/yellow] skipped {job.links_skipped} link(s) pointing out of {job.base}",
            highlight=False,
        )
