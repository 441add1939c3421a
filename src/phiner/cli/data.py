"""`phiner data`: Build dataset folders."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from phiner.cli.app import out
from phiner.core.errors import Errors, PhinerError


def data_nordeid(
    src: Annotated[Path, typer.Argument(help="Folder with Nor-DeID-SynthData's training.json and validation.json.")],
    out_dir: Annotated[Path, typer.Option("--out", help="Dataset folder to write.")],
    form: Annotated[
        str,
        typer.Option(
            help="scenarios (key: value lines, as the reference recipe reads them), notes (GPT-4 notes) or mixed."
        ),
    ] = "scenarios",
    unit_as_loc: Annotated[bool, typer.Option("--unit-as-loc", help="Keep <Health_Care_Unit> spans as LOC.")] = False,
) -> None:
    """Turn Nor-DeID-SynthData into a dataset folder: train from training.json, test from validation.json."""
    from phiner.data import nordeid

    info = nordeid.build(src, out_dir, form, unit_as_loc=unit_as_loc)
    out.print(f"wrote {out_dir}: train {info['splits']['train']}, test {info['splits']['test']} ({form})")
    for split, report in info["tag_report"].items():
        if report["spans"]:
            spans = ", ".join(f"{k} {v}" for k, v in sorted(report["spans"].items()))
            out.print(
                f"{split}: spans {spans}; read as meant {sum(report['aliased_tags'].values())} misspelt tags; "
                f"not used: {sum(report['unknown_tags'].values())} unknown, {report['nested']} nested, "
                f"{report['unmatched']} unmatched, {report['empty']} empty tags, "
                f"{report['dropped_health_care_unit']} Health_Care_Unit (--unit-as-loc keeps them)"
            )
    if any(r["spans"] for r in info["tag_report"].values()):
        out.print(f"tag counts by name: {out_dir / 'info.json'}")


def data_synth(
    out_dir: Annotated[Path, typer.Option("--out", help="Dataset folder to write.")],
    train: Annotated[int, typer.Option(help="Training records.")] = 1000,
    test: Annotated[int, typer.Option(help="Test records.")] = 100,
    seed: Annotated[int, typer.Option(help="Seed; the same seed gives the same records.")] = 0,
    form: Annotated[str, typer.Option(help="scenarios (key: value lines), notes (free text) or mixed.")] = "scenarios",
) -> None:
    """Generate synthetic records (Faker's Norwegian and English providers): scenarios, notes or both."""
    from phiner.data.synth import notes
    from phiner.data.synth import scenarios as synth

    if form == "scenarios":
        synth.build(out_dir, n_train=train, n_test=test, seed=seed)
    elif form in notes.FORMS:
        notes.build_notes(out_dir, n_train=train, n_test=test, seed=seed, form=form)
    else:
        raise PhinerError(Errors.E272.format(given=form))
    out.print(f"wrote {out_dir}: train {train}, test {test} ({form}, seed {seed})")
