"""`phiner predict`: Tag PHI in texts, JSONL and tables (CSV, Parquet), here or on Ray."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from phiner.cli.adapters import Adapters, Base, DefaultAdapter, Precision, tagger_or_adapter_loader
from phiner.cli.app import load, out, progress, summary
from phiner.cli.detection import (
    KnownColumns,
    KnownField,
    Model,
    NoRules,
    Rules,
    Thresholds,
    known_columns,
)
from phiner.cli.options import BatchSize, IdField, Resume, TextField
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
from phiner.core.records import read_jsonl, record_known


def predict(
    model: Model = None,
    text: Annotated[Optional[str], typer.Option(help="One text to tag; entities are printed grouped by type.")] = None,
    input: Annotated[
        Optional[Path],
        typer.Option(
            help="JSONL file with a `text` key per line, or tables: a .csv or .parquet file, a folder or glob."
        ),
    ] = None,
    output: Annotated[
        Optional[Path],
        typer.Option(help="JSONL to write: every input key plus `entities`; a folder of part files for tables."),
    ] = None,
    record: Annotated[
        Optional[int], typer.Option(help="With --input and no --output: show this record (0 = the first).")
    ] = None,
    rules: Rules = None,
    no_rules: NoRules = False,
    threshold: Thresholds = None,
    base: Base = None,
    adapter: Adapters = None,
    default_adapter: DefaultAdapter = None,
    precision: Precision = "auto",
    known_field: KnownField = "known",
    known_column: KnownColumns = None,
    text_field: TextField = "text",
    id_field: IdField = None,
    batch_size: BatchSize = 256,
    max_chars: MaxChars = 1_000_000,
    resume: Resume = False,
    output_format: OutputFormat = None,
    entities_out: EntitiesOut = None,
    engine: Engine = "local",
    workers: Workers = None,
    num_cpus_per_worker: CpusPerWorker = None,
    num_gpus_per_worker: GpusPerWorker = None,
    address: Address = None,
) -> None:
    """Tag PHI: one --text printed as its entities grouped by type, or --input JSONL to --output JSONL (each
    entity with its source: model, pattern:..., context:..., rule:NAME, known)."""
    from phiner.jobs.plan import JobRequest, plan_predict
    from phiner.pipeline import RedactOptions

    request = JobRequest(
        text, input, output, engine, output_format, entities_out, resume, text_field=text_field, id_field=id_field
    )
    kind = plan_predict(request)
    columns = known_columns(known_column)
    ray = ray_settings(engine, workers, num_cpus_per_worker, num_gpus_per_worker, address)
    loader = tagger_or_adapter_loader(
        model, base, adapter, default_adapter, rules=rules, no_rules=no_rules, thresholds=threshold, precision=precision
    )
    options = RedactOptions(text_field=text_field, id_field=id_field, known_field=known_field,
                            known_columns=columns, buffer=batch_size, max_chars=max_chars)  # fmt: skip
    if kind == "tables":
        run_tables("predict", loader, input, output, options, output_format=output_format,
                   entities_out=entities_out, resume=resume, ray=ray)  # fmt: skip
        return
    if input is not None and output is not None:
        _predict_jsonl(loader, input, output, options, resume)
        return
    if input is not None:
        from phiner.jobs.batch import scan_predict_jsonl

        scan_predict_jsonl(input, options)
    tagger = load(loader)
    item = _record(input, record) if input is not None else {"text": text}
    found = tagger.read([item["text"]], known=[record_known(item, known_field, columns)])[0].spans
    print_entities("Predicted Entities", [s.to_dict() for s in found])
    if "ner_tags" in item:
        gold = [{**t, "text": item["text"][t["start"] : t["end"]]} for t in item["ner_tags"]]
        print_entities("Real Entities", gold)


def _predict_jsonl(loader, input: Path, output: Path, options, resume: bool) -> None:
    """Each record of ``input`` with its entities, to ``output`` (0600); its bad lines refused before the model
    loads."""
    from phiner.jobs.batch import predict_jsonl, scan_predict_jsonl

    scanned = scan_predict_jsonl(input, options)
    tagger = load(loader)
    with progress("records", scanned) as advance:
        stats = predict_jsonl(tagger, input, output, options, resume=resume, progress=advance, scanned=scanned)
    out.print(f"wrote {stats['written']} records to {output} (they hold PHI: the file is readable by its owner only)")
    summary(stats, "records")


def _record(input: Path, record: int | None) -> dict:
    """Record ``record`` (0: the first) of a JSONL input."""
    records = read_jsonl(input, require_tags=False)
    if not records:
        raise PhinerError(Errors.E281.format(path=input))
    index = record or 0
    if not 0 <= index < len(records):
        raise PhinerError(Errors.E282.format(index=len(records) - 1, path=input, count=len(records)))
    return records[index]


def print_entities(title: str, spans: list[dict]) -> None:
    from phiner.analyze.tagger import DISPLAY_NAMES, group_by_type

    out.print(f"--- {title} ---")
    for kind, texts in group_by_type(spans).items():
        out.print(f"{DISPLAY_NAMES[kind]}: {', '.join(texts)}")
