"""`phiner evaluate`: Score a model on labelled records."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from phiner.cli.app import out
from phiner.cli.detection import KnownField, Model, NoRules, Rules, Thresholds, load_tagger, resolve_model


def evaluate(
    data: Annotated[
        Path,
        typer.Option(
            help="Labelled notes: a dataset folder (its test split), records JSONL, or a corpus (see --format)."
        ),
    ],
    model: Model = None,
    format: Annotated[
        str,
        typer.Option(
            "--format",
            help="auto, records, i2b2 (n2c2 2014 XML), brat (.txt + .ann), labelstudio (JSON export), prodigy "
            "(JSONL with spans) or conll (IOB2).",
        ),
    ] = "auto",
    type_map: Annotated[
        Optional[str],
        typer.Option(
            help="YAML of the corpus's labels -> phiner's types or ignore, or a shipped map: i2b2-2014, physionet."
        ),
    ] = None,
    split: Annotated[str, typer.Option(help="Split of a dataset folder.")] = "test",
    max_length: Annotated[Optional[int], typer.Option(help="Tokens per window (the model's training window).")] = None,
    stride: Annotated[Optional[int], typer.Option(help="Tokens shared by consecutive windows (the model's).")] = None,
    truncate: Annotated[bool, typer.Option(help="Read only the first window, as the design preset does.")] = False,
    leaks: Annotated[Optional[Path], typer.Option(help="Write the missed PHI spans (PHI!) to this JSONL.")] = None,
    false_positives: Annotated[
        Optional[Path],
        typer.Option(help="Write the redacted spans that touch no gold PHI (with their source) to this JSONL."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for machines.")] = False,
    precision: Annotated[str, typer.Option(help="fp32 (the reference), bf16 or auto.")] = "fp32",
    rules: Rules = None,
    no_rules: NoRules = False,
    threshold: Thresholds = None,
    no_thresholds: Annotated[
        bool, typer.Option("--no-thresholds", help="The model's arg-max, not the run's calibrated thresholds.")
    ] = False,
    known_field: KnownField = "known",
    no_known: Annotated[bool, typer.Option("--no-known", help="Leave the records' known PHI unused.")] = False,
    curve: Annotated[
        Optional[Path],
        typer.Option(help="Write a PNG of char recall against over-redaction over thresholds (one line per type)."),
    ] = None,
    report_path: Annotated[
        Optional[Path],
        typer.Option(
            "--report",
            help="Write a self-contained HTML report (0600) here, and its JSON beside it (.json): per type figures "
            "with intervals, confusion matrix, recall-by-threshold curves, the misses and false positives.",
        ),
    ] = None,
    show_text: Annotated[
        bool,
        typer.Option(help="Show each miss and false positive in its context in the report (it then holds PHI)."),
    ] = False,
) -> None:
    """Score a model on labelled records: seqeval token scores, strict spans, character-level PHI recall.

    The model's entities are merged with the built-in recognizers and rules (--no-rules: the model alone),
    a site's --rules and each record's known PHI; each source's share of the caught PHI is printed."""
    from phiner.analyze.tagger import run_windowing
    from phiner.evaluate.evaluation import evaluate_tagger
    from phiner.jobs.corpora import load_type_map, read_corpus

    records = read_corpus(data, format, load_type_map(type_map), split=split)
    model = resolve_model(model)
    tagger = load_tagger(
        model,
        rules=rules,
        no_rules=no_rules,
        thresholds=threshold,
        windowing=run_windowing(model, max_length, stride, truncate),
        precision=precision,
    )
    if no_thresholds:
        tagger.thresholds = {}
    report = evaluate_tagger(
        tagger,
        records,
        leaks=leaks,
        false_positives=false_positives,
        known_field=None if no_known else known_field,
        details=report_path is not None,
        curves=report_path is not None or curve is not None,
    )
    if curve is not None:
        from phiner.evaluate.calibration import plot_curve

        plot_curve(report["curves"], curve)
    if report_path is not None:
        _write_report(report_path, report, records, f"phiner evaluation: {data.name} ({model.name})", show_text)
    for kept_in_files in ("details", "curves"):
        report.pop(kept_in_files, None)
    if as_json:
        out.print_json(json.dumps(report))
        return
    _print_report(report)
    if leaks is not None:
        out.print(f"missed PHI spans written to {leaks} (they hold PHI: keep that file safe)")
    if false_positives is not None:
        out.print(f"wrongly redacted spans written to {false_positives}")
    if report_path is not None:
        out.print(f"report written to {report_path} and {report_path.with_suffix('.json')}")


def _write_report(path: Path, report: dict, records: list, title: str, show_text: bool) -> None:
    """The HTML report at ``path`` and the JSON beside it (findings by offsets; with ``show_text``, the most
    frequent false positives by their text, else by their shape)."""
    from phiner.core.records import write_json
    from phiner.evaluate.report import without_text, write_report

    write_report(path, report, records, title=title, show_text=show_text)
    write_json(path.with_suffix(".json"), report if show_text else without_text(report))


def _print_report(report: dict) -> None:
    seq, strict, recall = report["seqeval"], report["strict"], report["char_recall"]
    over = report["over_redaction"]
    out.print(f"records {report['records']} (windows {report['windows']})")
    out.print(
        f"seqeval tokens: precision {seq['precision']:.4f}  recall {seq['recall']:.4f}  f1 {seq['f1']:.4f}  "
        f"accuracy {seq['accuracy']:.4f}"
    )
    out.print(
        f"strict spans:   precision {strict['all']['precision']:.4f}  recall {strict['all']['recall']:.4f}  "
        f"f1 {strict['all']['f1']:.4f}"
    )
    out.print(f"PHI characters caught (char recall): {_ci(recall['all'])}")
    out.print(f"non-PHI characters flagged (over-redaction): {_ci(over)}")
    overlap, false = report["overlap_precision"], report["false_per_1000_words"]
    if "all" in overlap:
        out.print(f"redacted spans touching PHI (overlap precision): {_ci(overlap['all'])}")
        out.print(f"false spans per 1,000 words ({report['words']} words): {_ci(false['all'], 2)}")
    if report.get("sources"):
        shares = ", ".join(f"{k} {v:.3f}" for k, v in report["sources"].items())
        out.print(f"share of the caught PHI characters by source: {shares}")
    if report.get("thresholds"):
        out.print("thresholds: " + ", ".join(f"{k} {v:g}" for k, v in report["thresholds"].items()))
    table = Table()
    for col in (
        "type",
        "strict P",
        "strict R",
        "strict F1",
        "support",
        "char recall (95% CI)",
        "overlap P",
        "false/1k words",
        "seqeval F1",
    ):
        table.add_column(col, justify="left" if col == "type" else "right")
    for kind, row in strict.items():
        if kind == "all" or not row["support"] and not row["fp"]:
            continue
        table.add_row(
            kind,
            f"{row['precision']:.4f}",
            f"{row['recall']:.4f}",
            f"{row['f1']:.4f}",
            str(row["support"]),
            _ci(recall[kind]),
            f"{overlap[kind]['value']:.4f}" if kind in overlap else "-",
            f"{false[kind]['value']:.2f}" if kind in false else "-",
            f"{seq['per_type'].get(kind, {}).get('f1-score', 0.0):.4f}",
        )
    out.print(table)
    if report.get("frequent_false"):
        rows = Table(title="most frequent wrongly redacted (not PHI in the gold)")
        for col in ("count", "text", "type", "source"):
            rows.add_column(col, justify="right" if col == "count" else "left")
        for row in report["frequent_false"]:
            rows.add_row(str(row["count"]), row["text"], row["label"], row["source"])
        out.print(rows)


def _ci(ratio: dict, digits: int = 4) -> str:
    low, high = ratio["ci95"]
    return f"{ratio['value']:.{digits}f} [{low:.{digits}f}, {high:.{digits}f}]"
