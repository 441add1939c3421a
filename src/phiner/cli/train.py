"""`phiner train`: Train a run, and the quickstart."""

from __future__ import annotations

from dataclasses import MISSING, fields, replace
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.table import Table

from phiner.cli.app import out
from phiner.cli.predict import print_entities
from phiner.core.config import PRESETS, LoraSettings, RunConfig, TrainSettings
from phiner.core.errors import Errors, PhinerError
from phiner.train.recipes import NORDEID_DEFAULT


def _shown(name: str) -> str:
    """Each preset's default of a training setting, read from the dataclasses: ``(phiner 10.0, design 5.0)``."""
    defaults = {f.name: f.default for f in fields(TrainSettings)}
    return "(" + ", ".join(f"{p} {PRESETS[p].get(name, defaults[name])}" for p in PRESETS) + ")"


def _train(name: str) -> str:
    """A training setting's help, as its field in :class:`TrainSettings` carries it, with each preset's default."""
    field = next(f for f in fields(TrainSettings) if f.name == name)
    return f"{field.metadata['help']} {_shown(name)}"


def _run(name: str) -> str:
    """A run setting's help, as its field in :class:`RunConfig` carries it."""
    return next(f for f in fields(RunConfig) if f.name == name).metadata["help"]


def _lora(name: str) -> str:
    field = next(f for f in fields(LoraSettings) if f.name == name)
    default = field.default_factory() if field.default is MISSING else field.default
    return f"{field.metadata['help']} ({', '.join(default) if isinstance(default, list) else default})"


def train(
    out_dir: Annotated[Path, typer.Option("--out", help="Run folder to write.")],
    data: Annotated[
        Optional[list[str]], typer.Option(help="Dataset folder or JSONL file; repeat for several (else the config's).")
    ] = None,
    config: Annotated[
        Optional[Path],
        typer.Option(help="Run config YAML (the shape of a run's config.yaml); the flags given override it."),
    ] = None,
    base_model: Annotated[Optional[str], typer.Option(help=_run("base_model"))] = None,
    preset: Annotated[
        Optional[str], typer.Option(help=f"Training defaults: {' or '.join(PRESETS)} (phiner; not with --config).")
    ] = None,
    eval_data: Annotated[Optional[str], typer.Option(help="Test split to use instead of the folders' own.")] = None,
    init: Annotated[
        Optional[Path], typer.Option(help="Start from this run's adapter and head (go on training).")
    ] = None,
    epochs: Annotated[Optional[float], typer.Option(help=_train("epochs"))] = None,
    max_steps: Annotated[Optional[int], typer.Option(help=_train("max_steps"))] = None,
    learning_rate: Annotated[Optional[float], typer.Option(help=_train("learning_rate"))] = None,
    batch_size: Annotated[Optional[int], typer.Option(help=_train("batch_size"))] = None,
    max_length: Annotated[Optional[int], typer.Option(help=_train("max_length"))] = None,
    stride: Annotated[Optional[int], typer.Option(help=_train("stride"))] = None,
    truncate: Annotated[
        bool, typer.Option(help="Cut texts at --max-length as the design preset does (loses PHI).")
    ] = False,
    pad_to_max_length: Annotated[Optional[bool], typer.Option(help=_train("pad_to_max_length"))] = None,
    precision: Annotated[Optional[str], typer.Option(help=_train("precision"))] = None,
    group_by_length: Annotated[Optional[bool], typer.Option(help=_train("group_by_length"))] = None,
    max_train_samples: Annotated[
        Optional[int], typer.Option(help=_train("max_train_samples").rsplit(" (", 1)[0])
    ] = None,
    seed: Annotated[Optional[int], typer.Option(help=_train("seed"))] = None,
    lora_r: Annotated[Optional[int], typer.Option(help=_lora("r"))] = None,
    lora_alpha: Annotated[Optional[int], typer.Option(help=_lora("alpha"))] = None,
    lora_dropout: Annotated[Optional[float], typer.Option(help=_lora("dropout"))] = None,
    lora_target: Annotated[
        Optional[list[str]], typer.Option(help=_lora("target_modules") + "; repeat for several.")
    ] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing run folder.")] = False,
    recipe: Annotated[
        Optional[str],
        typer.Option(help="A named recipe (`default`: the shipped model) builds its data and sets its settings."),
    ] = None,
    nordeid: Annotated[Path, typer.Option(help="Nor-DeID-SynthData folder, for --recipe.")] = Path(NORDEID_DEFAULT),
    recipe_data: Annotated[Path, typer.Option(help="Where --recipe builds its data.")] = Path("data/recipe-default"),
) -> None:
    """Fine-tune the base model with LoRA; evaluate before and after; write a run folder."""
    from phiner.train.trainer import train as run_training

    if recipe is not None:
        from phiner.train.recipes import prepare_default
        from phiner.train.recipes import recipe as named_recipe

        chosen = named_recipe(recipe)
        if data or config:
            raise PhinerError(Errors.E292)
        prepared = prepare_default(nordeid, recipe_data, log=out.print)
        data, eval_data = prepared["data"], eval_data or prepared["eval_data"]
        base_model = base_model or chosen.base_model
        epochs = chosen.train["epochs"] if epochs is None else epochs
        learning_rate = chosen.train["learning_rate"] if learning_rate is None else learning_rate

    run = resolve_run_config(
        config=config,
        preset=preset,
        base_model=base_model,
        data=data,
        init=str(init) if init else None,
        truncate=truncate,
        train=dict(
            epochs=epochs,
            max_steps=max_steps,
            learning_rate=learning_rate,
            batch_size=batch_size,
            max_length=max_length,
            stride=stride,
            pad_to_max_length=pad_to_max_length,
            precision=precision,
            group_by_length=group_by_length,
            seed=seed,
            max_train_samples=max_train_samples,
        ),
        lora=dict(r=lora_r, alpha=lora_alpha, dropout=lora_dropout, target_modules=lora_target or None),
    )
    metrics = run_training(run, out_dir, eval_data=eval_data, overwrite=overwrite)
    _print_before_after(metrics)
    out.print(f"run folder: {out_dir}")


def resolve_run_config(
    *,
    config: Path | None,
    preset: str | None,
    base_model: str | None,
    data: list[str] | None,
    init: str | None,
    truncate: bool,
    train: dict[str, Any],
    lora: dict[str, Any],
) -> RunConfig:
    """The run's config: ``config`` (a file) or ``preset``'s defaults, then every setting given (not None) on top.

    A shorter window given without a stride takes the base's stride fitted to it; ``truncate`` reads one window.
    """
    from phiner.core.config import preset as preset_settings
    from phiner.core.runfolder import read_config
    from phiner.model.windows import fit_stride

    if config is not None and preset is not None:
        raise PhinerError(Errors.E293)
    try:
        base = read_config(config) if config is not None else RunConfig(train=preset_settings(preset or "phiner"))
        given = {k: v for k, v in train.items() if v is not None}
        if "max_length" in given and "stride" not in given and base.train.stride is not None:
            given["stride"] = fit_stride(base.train.stride, given["max_length"])
        settings = replace(base.train, **given)
        if truncate:
            settings = replace(settings, stride=None)
        run = replace(
            base,
            train=settings,
            lora=replace(base.lora, **{k: v for k, v in lora.items() if v is not None}),
            **{k: v for k, v in (("base_model", base_model), ("data", data), ("init", init)) if v},
        )
    except ValueError as err:
        raise PhinerError(Errors.E002.format(problem=err)) from None
    if not run.data:
        raise PhinerError(Errors.E294)
    return run


def _print_before_after(metrics: dict) -> None:
    table = Table(title="test split")
    table.add_column("metric")
    for name in ("before", "after"):
        table.add_column(name, justify="right")
    for key in ("loss", "precision", "recall", "f1", "accuracy", "runtime", "samples_per_second"):
        row = [(metrics.get(name) or {}).get(f"eval_{key}") for name in ("before", "after")]
        table.add_row(f"eval_{key}", *("-" if v is None else f"{v:.4f}" for v in row))
    out.print(table)


def quickstart(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for data, run and report.")] = Path(
        "phiner-quickstart"
    ),
) -> None:
    """The main job on embedded defaults: synthetic data, minilm, train, evaluate, plots, a sample prediction."""
    from phiner.train.quickstart import run_quickstart

    result = run_quickstart(out_dir, log=out.print)
    _print_before_after(result["metrics"])
    print_entities("Predicted Entities", result["sample"]["predicted"])
    print_entities("Real Entities", result["sample"]["real"])
    if result.get("shipped"):
        out.print("--- A note redacted by the shipped model ---")
        out.print(result["shipped"]["note"], markup=False)
        out.print(result["shipped"]["redacted"], markup=False)
    out.print(f"results in {out_dir}/ (run/metrics.json, run/loss.png, run/confusion.png)")
