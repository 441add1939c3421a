"""Table jobs on a Ray cluster: read -> ``map_batches`` over actors that each load the model once -> write.

:func:`redact_dataset` and :func:`predict_dataset` take a :class:`ray.data.Dataset` of rows with a text column and
return one whose batches went through :func:`phiner.jobs.tables.transform`, the step of the one-process job, so
both engines give the same rows. Surrogates need no shared state: a document's derive from the secret and its
id (or its patient's id), so every actor gives one patient the same ones; a dataset redacted with no secret and
no seed gets one secret, drawn here, for all its actors (it travels to them with the job).

:func:`run_table_job` is ``phiner redact/predict --engine ray``: the inputs are checked on the driver first, as
in one process (bad rows named by file, row and id; nothing written), read by Ray (CSV as strings, JSONL by
phiner's own line reader), done by the actors and written by Ray into a hidden folder beside the output (0700),
whose files are made 0600 and which is renamed into place when Ray is done. An actor that dies (a killed
process, a lost node) is restarted and its batch retried, so each row is written once: Ray Data's defaults for
actors (``max_restarts=-1``, ``max_task_retries=-1``; a batch that kills every actor it meets is retried
without end). A Ray job does not resume: a failed one leaves nothing, and runs again from the start.

Ray is an optional extra (``pip install 'phiner[ray]'``), imported only when a function here is called.
"""

from __future__ import annotations

import functools
import json
import math
import os
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from phiner.core.errors import Errors, OutputExistsError, PhinerError
from phiner.core.help import RAY
from phiner.core.records import make_folder
from phiner.jobs.batch import chunks
from phiner.jobs.tables import Format, Mode, TableJob, csv_read_options, jsonl_bytes, jsonl_table, transform
from phiner.pipeline import MAX_CHARS, RedactOptions

if TYPE_CHECKING:
    import pyarrow as pa
    import ray.data

JSONL_BLOCK_ROWS = 1024
"""Rows per block read from a JSONL file."""
PASSED_ENV = ("HF_HUB_OFFLINE", "TOKENIZERS_PARALLELISM")
"""Variables of the driver that its workers get too (no worker downloads where the driver may not)."""


@dataclass(frozen=True)
class RaySettings:
    """How a Ray job runs: its actors, the resources of each, and the cluster."""

    workers: int = field(default=1, metadata={"help": RAY["workers"]})
    num_cpus_per_worker: float = field(default=1.0, metadata={"help": RAY["num_cpus_per_worker"]})
    num_gpus_per_worker: float = field(default=0.0, metadata={"help": RAY["num_gpus_per_worker"]})
    address: str | None = field(default=None, metadata={"help": RAY["address"]})

    def __post_init__(self) -> None:
        if self.workers < 1:
            raise PhinerError(Errors.E241.format(given=self.workers))
        if self.num_cpus_per_worker <= 0 or self.num_gpus_per_worker < 0:
            raise PhinerError(Errors.E242.format(given=self.num_cpus_per_worker, given2=self.num_gpus_per_worker))


class Worker:
    """A Ray Data actor: loads the tagger once, then does one batch at a time."""

    def __init__(self, load: Callable[[], Any], options: RedactOptions, mode: Mode) -> None:
        self.tagger, self.options, self.mode = load(), options, mode

    def __call__(self, batch: pa.Table) -> pa.Table:
        return transform(self.tagger, batch, self.options, self.mode)


def redact_dataset(
    ds: ray.data.Dataset,
    model: str | Path | None = None,
    *,
    options: RedactOptions | None = None,
    settings: RaySettings | None = None,
    load: Callable[[], Any] | None = None,
) -> ray.data.Dataset:
    """``ds`` de-identified: each row's text column (``options.text_field``) redacted, the known PHI columns
    dropped, its audit items in ``entities`` (JSON); ``options.buffer`` rows tagged together.

    The model is ``model`` (a run folder, merged model or ONNX export; None: the shipped one), loaded once per
    actor by ``load()`` where given (it must pickle: ``functools.partial(build_analyzer, config)`` of an
    :class:`phiner.analyze.config.AnalyzerConfig`, as the CLI's loader is).
    """
    options = options or RedactOptions()
    options = options.with_secret()  # one secret for every actor: one patient, one shift
    return _map(ds, "redact", model, options, settings or RaySettings(), load)


def predict_dataset(
    ds: ray.data.Dataset,
    model: str | Path | None = None,
    *,
    options: RedactOptions | None = None,
    settings: RaySettings | None = None,
    load: Callable[[], Any] | None = None,
) -> ray.data.Dataset:
    """``ds`` with each row's spans in ``entities`` (JSON; they quote the text: PHI), every column kept."""
    return _map(ds, "predict", model, options or RedactOptions(), settings or RaySettings(), load)


def _map(ds, mode: Mode, model, options: RedactOptions, settings: RaySettings, load) -> ray.data.Dataset:
    from phiner.analyze.config import AnalyzerConfig, build_analyzer

    ray = _ray()
    # A block per batch: one big block would go to one actor, and a retried task would redo all of it.
    return ds.repartition(target_num_rows_per_block=options.buffer).map_batches(
        Worker,
        fn_constructor_kwargs={
            "load": load or functools.partial(build_analyzer, AnalyzerConfig(model=model)),
            "options": options,
            "mode": mode,
        },
        batch_size=options.buffer,
        batch_format="pyarrow",
        compute=ray.data.ActorPoolStrategy(size=settings.workers),
        num_cpus=settings.num_cpus_per_worker,
        num_gpus=settings.num_gpus_per_worker,
    )


# ----------------------------------------------------------------------------------------------------------------
# Files in and out.


def read_tables(job: TableJob, max_chars: int = MAX_CHARS) -> ray.data.Dataset:
    """The job's inputs as a dataset, read as the one-process job reads them (CSV blocks sized so that a value of
    ``max_chars`` characters fits in one)."""
    ray = _ray()
    paths = [str(p) for p in job.inputs]
    if job.input_format == "parquet":
        return ray.data.read_parquet(paths, partitioning=None)
    if job.input_format == "csv":
        return ray.data.read_csv(paths, partitioning=None, **csv_read_options(list(job.inputs), max_chars=max_chars))
    source, _ = _jsonl_io()
    return ray.data.read_datasource(source(paths))


def write_tables(ds: ray.data.Dataset, folder: Path, kind: Format) -> None:
    """Ray's part files of ``ds`` in ``folder``."""
    if kind == "parquet":
        ds.write_parquet(str(folder))
    elif kind == "csv":
        ds.write_csv(str(folder))
    else:
        _, sink = _jsonl_io()
        ds.write_datasink(sink(str(folder), file_format="jsonl"))


@functools.cache
def _jsonl_io() -> tuple[type, type]:
    """Ray's file source and sink for JSONL, made on first use (Ray is imported only then). Lines are split at
    ``\\n`` only and parsed and written as in one process; Ray's own JSON reader would turn strings that look
    like dates into timestamps."""
    from ray.data.datasource import BlockBasedFileDatasink
    from ray.data.datasource.file_based_datasource import FileBasedDatasource

    class JsonlSource(FileBasedDatasource):
        def _read_stream(self, f, path: str):
            for rows in chunks((json.loads(line) for line in _lines(f) if line.strip()), JSONL_BLOCK_ROWS):
                yield jsonl_table(rows)

    class JsonlSink(BlockBasedFileDatasink):
        def write_block_to_file(self, block, file) -> None:
            file.write(jsonl_bytes(block.to_arrow()))

    return JsonlSource, JsonlSink


def _lines(f, size: int = 1 << 20) -> Iterator[bytes]:
    """The lines of a binary stream that cannot read lines itself (pyarrow's), split at ``\\n`` only.

    >>> import io
    >>> list(_lines(io.BytesIO(b"a\\nb\\xe2\\x80\\xa8c\\n"), size=3))  # U+2028 ends no line of JSON
    [b'a', b'b\\xe2\\x80\\xa8c']
    """
    rest = b""
    while chunk := f.read(size):
        *whole, rest = (rest + chunk).split(b"\n")
        yield from whole
    if rest:
        yield rest


# ----------------------------------------------------------------------------------------------------------------
# The job.


def run_table_job(
    job: TableJob, options: RedactOptions, load: Callable[[], Any], settings: RaySettings, *, scanned: int
) -> dict[str, float]:
    """Do ``job`` on Ray (``scanned``: its rows, as :func:`phiner.jobs.tables.scan_tables` counted them)."""
    if job.entities_out is not None:
        raise PhinerError(Errors.E243)
    if job.partial.exists():
        raise OutputExistsError(Errors.E244.format(path=job.partial))
    if job.output.exists() and (not job.output.is_dir() or any(job.output.iterdir())):
        raise OutputExistsError(Errors.E202.format(path=job.output))
    ray, started = _ray(), time.perf_counter()
    own = not ray.is_initialized()
    if own:
        env = {"env_vars": {k: os.environ[k] for k in PASSED_ENV if k in os.environ}}
        ray.init(address=settings.address, num_cpus=None if settings.address else local_cpus(settings), runtime_env=env)
    try:
        make_folder(job.output.parent)
        job.partial.mkdir(mode=0o700)
        mapped = (redact_dataset if job.mode == "redact" else predict_dataset)(
            read_tables(job, options.max_chars), options=options, settings=settings, load=load
        )
        write_tables(mapped, job.partial, job.output_format)
    except BaseException:
        shutil.rmtree(job.partial, ignore_errors=True)
        raise
    finally:
        if own:
            ray.shutdown()
    for folder, _, names in os.walk(job.partial):  # Ray wrote them with the umask's mode, in a 0700 folder
        for name in names:
            os.chmod(Path(folder) / name, 0o600)
    os.replace(job.partial, job.output)
    return {"skipped": 0, "written": scanned, "seconds": round(time.perf_counter() - started, 3)}


def local_cpus(settings: RaySettings) -> int:
    """CPUs a local cluster offers: the machine's, and at least one beyond the actors' share. Ray's tasks that
    list, read and write files each hold a CPU; with every CPU held by an actor they would never run.

    >>> local_cpus(RaySettings(workers=os.cpu_count() or 1)) == (os.cpu_count() or 1) + 1
    True
    """
    return max(os.cpu_count() or 1, math.ceil(settings.workers * settings.num_cpus_per_worker) + 1)


def _ray():
    try:
        import ray
        import ray.data  # noqa: F401  (the Data library, an extra of ray)
    except ImportError:
        raise PhinerError(Errors.E245) from None
    return ray
