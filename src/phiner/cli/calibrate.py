"""`phiner calibrate`: per-type thresholds for a recall target, stored in the run folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from phiner.cli.app import out
from phiner.cli.detection import KnownField, NoRules, Rules, load_tagger
from phiner.core.errors import Errors, PhinerError


def calibrate(
    model: Annotated[Path, typer.Option(help="Run folder (or merged model folder): thresholds.json goes in it.")],
    data: Annotated[Path, typer.Option(help="Validation records (a dataset folder's split, or a JSONL file).")],
    recall_target: Annotated[float, typer.Option(help="Char recall to reach, all types together.")] = 0.995,
    max_over_redaction: Annotated[
        float, typer.Option(help="Share of non-PHI characters the thresholds may flag, at most.")
    ] = 0.01,
    split: Annotated[str, typer.Option(help="Split of a dataset folder.")] = "test",
    rules: Rules = None,
    no_rules: NoRules = False,
    known_field: KnownField = "known",
    no_known: Annotated[
        bool,
        typer.Option(
            "--no-known", help="Calibrate without the records' known PHI (thresholds that reach the target alone)."
        ),
    ] = False,
    curve: Annotated[Optional[Path], typer.Option(help="Also write the recall / over-redaction curve (PNG).")] = None,
) -> None:
    """Choose per-type thresholds on P(not O) that reach the char recall target on validation records at the
    least over-redaction (within --max-over-redaction); write the thresholds, the recall reached (95% CI)
    and the over-redaction it costs into the run folder (thresholds.json), which predict, redact, evaluate
    and serve then use."""
    from phiner.core.runfolder import THRESHOLDS, RunFolder
    from phiner.data.dataset import load_records
    from phiner.evaluate.calibration import calibrate as choose
    from phiner.evaluate.calibration import check_calibration_set, collect, plot_curve, sweep
    from phiner.train.card import write_card

    card = _refuse_overwrites(model, data, rules, curve)
    records = load_records(data, split)
    check_calibration_set([r["ner_tags"] for r in records], str(data))
    tagger = load_tagger(model, rules=rules, no_rules=no_rules, thresholds=None)
    tagger.thresholds = {}
    collected = collect(tagger, records, known_field=None if no_known else known_field)
    result = choose(collected, recall_target, max_over_redaction=max_over_redaction)
    stored = {k: v for k, v in result.items() if k != "steps"}
    stored["data"] = str(data) if data.suffix == ".jsonl" else f"{data} ({split})"
    stored["rules"] = {"builtin": not no_rules, "site": str(rules) if rules else None, "known_phi": not no_known}
    if curve is not None:  # before the thresholds: a curve that cannot be written leaves the run as it was
        plot_curve(sweep(collected), curve)
    RunFolder(model).save_json(THRESHOLDS, stored, finite=True)
    if card:
        write_card(model)
    _show(result, recall_target, max_over_redaction)
    out.print(f"thresholds written to {Path(model) / THRESHOLDS}")


def _refuse_overwrites(model: Path, data: Path, rules: Path | None, curve: Path | None) -> bool:
    """Refuse a ``--model`` calibrate cannot write into, and inputs or a ``--curve`` that are files calibrate
    rewrites; whether the run has a card (which states the thresholds, and is written again)."""
    from phiner.core.runfolder import THRESHOLDS, RunFolder, refuse_overlap
    from phiner.train.card import CARD

    check_model(model)
    card = (model / CARD).is_file() and RunFolder(model).config() is not None
    for name in (THRESHOLDS, *([CARD] if card else [])):
        for option, source in (("--data", data), ("--rules", rules)):
            if source is not None and (model / name).resolve() == source.resolve():
                raise PhinerError(Errors.E271.format(option=option, path=source, path2=model / name))
    if curve is not None:
        refuse_overlap(curve, {"--model": model, "--data": data, "--rules": rules}, option="--curve")
    return card


def _show(result: dict, recall_target: float, max_over_redaction: float) -> None:
    """The thresholds chosen per type with the recall each reaches, and the whole before and after."""
    table = Table()
    for col in ("type", "threshold", "char recall (95% CI)"):
        table.add_column(col, justify="left" if col == "type" else "right")
    for kind, recall in result["per_type_recall"].items():
        low, high = recall["ci95"]
        value = result["thresholds"].get(kind)
        table.add_row(
            kind, "arg-max" if value is None else f"{value:g}", f"{recall['value']:.4f} [{low:.4f}, {high:.4f}]"
        )
    out.print(table)
    if not result["reached"]:
        out.print(
            f"[yellow]the target {recall_target} was not reached within over-redaction {max_over_redaction}[/yellow]"
        )
    for name in ("argmax", "calibrated"):
        r, o = result[name]["char_recall"], result[name]["over_redaction"]
        out.print(
            f"{name}: char recall {r['value']:.4f} [{r['ci95'][0]:.4f}, {r['ci95'][1]:.4f}], "
            f"over-redaction {o['value']:.4f}, strict F1 {result[name]['f1']:.4f}"
        )


def check_model(model: Path) -> None:
    """Refuse a ``--model`` that is no folder calibrate can load and write into (a run, merged or export folder)."""
    from phiner.analyze.onnx import is_export
    from phiner.model.base import check_run_folder

    if not is_export(model):
        check_run_folder(model)
