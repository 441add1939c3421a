"""`phiner redact`: De-identify texts, files, folders, JSONL and tables (CSV, Parquet), here or on Ray."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from phiner.cli.adapters import Adapters, Base, DefaultAdapter, Precision, tagger_or_adapter_loader
from phiner.cli.app import console, load, out, progress, summary
from phiner.cli.detection import (
    KnownColumns,
    KnownField,
    Model,
    NoRules,
    Rules,
    Thresholds,
    known_columns,
)
from phiner.cli.options import BatchSize, IdField, PatientField, Resume, TextField
from phiner.cli.tables import (
    Address,
    CpusPerWorker,
    Engine,
    EntitiesOut,
    GpusPerWorker,
    MaxChars,
    OutputFormat,
    Workers,
    ray_settings,
    run_tables,
)
from phiner.core.errors import Errors, PhinerError
from phiner.core.help import JOB


def redact(
    model: Model = None,
    text: Annotated[Optional[str], typer.Option(help="One text to redact; the safe text is printed.")] = None,
    input: Annotated[
        Optional[Path],
        typer.Option(
            help="A .txt file, a folder of .txt files, a .jsonl file, or tables: a .csv or .parquet file, a folder "
            "or glob of tables."
        ),
    ] = None,
    output: Annotated[
        Optional[Path],
        typer.Option(help="File, folder or .jsonl to write (stdout for one text); a folder of part files for tables."),
    ] = None,
    operator: Annotated[str, typer.Option(help=JOB["operator"])] = "tag",
    keep: Annotated[Optional[list[str]], typer.Option(help="Entity type to leave as is; repeat for several.")] = None,
    override: Annotated[Optional[list[str]], typer.Option(help="TYPE=OPERATOR for one type, e.g. DATE=mask.")] = None,
    text_field: TextField = "text",
    id_field: IdField = None,
    patient_field: PatientField = None,
    keep_original: Annotated[Optional[str], typer.Option(help=JOB["keep_original"])] = None,
    secret_file: Annotated[
        Optional[Path], typer.Option(help="File holding the surrogate secret (else $PHINER_SECRET).")
    ] = None,
    seed: Annotated[
        Optional[int],
        typer.Option(help=JOB["seed"]),
    ] = None,
    key: Annotated[
        Optional[Path],
        typer.Option(help="Write per-document date offsets and name maps here (secret; JSONL or one text)."),
    ] = None,
    resume: Resume = False,
    age_shift: Annotated[int, typer.Option(help="Surrogate ages: add this many years (ages over 89 become 90+).")] = 0,
    date_shift_days: Annotated[
        tuple[int, int], typer.Option(help="Surrogate dates: per-document shift, MIN MAX days, either sign.")
    ] = (30, 365),
    batch_size: BatchSize = 256,
    max_chars: MaxChars = 1_000_000,
    rules: Rules = None,
    no_rules: NoRules = False,
    threshold: Thresholds = None,
    base: Base = None,
    adapter: Adapters = None,
    default_adapter: DefaultAdapter = None,
    precision: Precision = "auto",
    known_field: KnownField = "known",
    known_column: KnownColumns = None,
    output_format: OutputFormat = None,
    entities_out: EntitiesOut = None,
    engine: Engine = "local",
    workers: Workers = None,
    num_cpus_per_worker: CpusPerWorker = None,
    num_gpus_per_worker: GpusPerWorker = None,
    address: Address = None,
) -> None:
    """De-identify: find PHI and replace it (tags by default, or masks, removal, realistic surrogates)."""
    from phiner.anonymize.operators import check_operators
    from phiner.jobs.plan import JobRequest, plan_redact

    check_operators(operator, {})
    overrides = _overrides(keep or [], override or [])
    request = JobRequest(
        text, input, output, engine, output_format, entities_out, resume, key, text_field, id_field
    )  # fmt: skip
    kind = plan_redact(request)
    ray = ray_settings(engine, workers, num_cpus_per_worker, num_gpus_per_worker, address)
    loader = tagger_or_adapter_loader(
        model, base, adapter, default_adapter, rules=rules, no_rules=no_rules, thresholds=threshold, precision=precision
    )
    options = _options(
        operator, overrides, seed, secret_file, text_field, id_field, patient_field, keep_original, known_field,
        known_column, batch_size, max_chars, date_shift_days, age_shift,
    )  # fmt: skip
    if kind == "tables":
        run_tables("redact", loader, input, output, options, output_format=output_format, entities_out=entities_out,
                   resume=resume, ray=ray)  # fmt: skip
    elif kind == "text":
        _redact_one(loader, request, options)
    else:
        _redact_many(loader, request, options, kind)


def _options(
    operator, overrides, seed, secret_file, text_field, id_field, patient_field, keep_original, known_field,
    known_column, batch_size, max_chars, date_shift_days, age_shift,
):  # fmt: skip
    """The job's :class:`phiner.pipeline.RedactOptions`, with its secret read (refused beside a seed), and a
    warning where the output will not be what the user may think."""
    from phiner.anonymize.surrogates import SurrogateSettings, load_secret
    from phiner.pipeline import RedactOptions

    secret = load_secret(secret_file)
    if secret is not None and seed is not None:
        raise PhinerError(Errors.E283)
    if patient_field and secret is None and seed is None:
        warn("no secret (--secret-file or $PHINER_SECRET): a patient keeps one date shift and name map within "
             "this job only.")  # fmt: skip
    if keep_original:
        warn("--keep-original writes the original text (PHI) beside the redacted text: the output is not "
             "de-identified.")  # fmt: skip
    shifts = SurrogateSettings(
        date_shift_min=date_shift_days[0], date_shift_max=date_shift_days[1], age_shift=age_shift
    )
    return RedactOptions(
        operator=operator, overrides=overrides, seed=seed, secret=secret, text_field=text_field, id_field=id_field,
        patient_field=patient_field, keep_original=keep_original, known_field=known_field,
        known_columns=known_columns(known_column), buffer=batch_size, max_chars=max_chars, surrogates=shifts,
    )  # fmt: skip


def warn(message: str) -> None:
    console.print(f"[yellow]warning:[/yellow] {message}", highlight=False)


def _redact_one(loader, request, options) -> None:
    """One text (``--text``, or a text file) redacted to stdout or ``--output``, its key to ``--key``."""
    from phiner.core.records import atomic_write
    from phiner.jobs.batch import read_text_file
    from phiner.pipeline import redact_documents

    document = request.text if request.text is not None else read_text_file(request.input)
    if request.text is None and not document.strip():
        raise PhinerError(Errors.E284.format(path=request.input))
    [(redaction, context)] = redact_documents(load(loader), [document], options)
    if request.key:
        with atomic_write(request.key) as fh:
            fh.write(json.dumps({"line": 0, **context.key()}, ensure_ascii=False) + "\n")
    if request.output is None:
        out.print(redaction.text, markup=False)
    else:
        with atomic_write(request.output) as fh:
            fh.write(redaction.text)


def _overrides(keep: list[str], override: list[str]) -> dict[str, str]:
    """``--keep`` and ``--override`` as one type -> operator map; errors name the option and entry only."""
    from phiner.anonymize.operators import OPERATORS
    from phiner.core.labels import PHI_TYPES

    overrides: dict[str, str] = {}
    entries = [("--keep", i, kind, "keep") for i, kind in enumerate(keep, start=1)]
    for i, item in enumerate(override, start=1):
        kind, sep, op = item.partition("=")
        if not sep:
            raise PhinerError(Errors.E285.format(index=i))
        entries.append(("--override", i, kind, op))
    for option, i, kind, op in entries:
        if kind not in PHI_TYPES:
            raise PhinerError(Errors.E286.format(option=option, index=i, choices=", ".join(PHI_TYPES)))
        if op not in OPERATORS:
            raise PhinerError(Errors.E287.format(option=option, index=i, choices=", ".join(OPERATORS)))
        overrides[kind] = op
    return overrides


def _redact_many(loader, request, options, kind: str) -> None:
    """A folder of .txt files or a JSONL file (its bad lines refused before the model loads) redacted."""
    from phiner.jobs.batch import redact_folder, redact_jsonl, scan_jsonl, text_files

    input, output = request.input, request.output
    scanned = scan_jsonl(input, options) if kind == "jsonl" else None
    tagger = load(loader)
    total = scanned if kind == "jsonl" else len(text_files(input)[0])
    with progress("documents", total) as advance:
        if kind == "folder":
            stats = redact_folder(tagger, input, output, options, resume=request.resume, progress=advance)
        else:
            stats = redact_jsonl(tagger, input, output, options, resume=request.resume, key_file=request.key,
                                 progress=advance, scanned=scanned)  # fmt: skip
    out.print(f"wrote {stats['written']} documents to {output} (skipped {stats['skipped']} already done)")
    summary(stats, "documents")
    if stats.get("links_skipped"):
        warn(f"skipped {stats['links_skipped']} link(s) pointing out of {input}")
