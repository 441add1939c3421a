"""`phiner train`: Train a run, and the quickstart."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from phiner.cli.app import app, out
from phiner.cli.predict import print_entities
from phiner.core.errors import PhinerError


@app.command()
def train(
    data: Annotated[list[str], typer.Option(help="Dataset folder or JSONL file; repeat for several.")],
    out_dir: Annotated[Path, typer.Option("--out", help="Run folder to write.")],
    base_model: Annotated[str, typer.Option(help="Hub id, local model folder, or `minilm`.")] = "roberta-base",
    preset: Annotated[str, typer.Option(help="phiner (fast, measured defaults) or design (the seed's recipe, exactly).")] = "phiner",
    eval_data: Annotated[Optional[str], typer.Option(help="Test split to use instead of the folders' own.")] = None,
    init: Annotated[Optional[Path], typer.Option(help="Start from this run's adapter and head (go on training).")] = None,
    epochs: Annotated[Optional[float], typer.Option(help="Passes over the training data [preset: 10; design 5].")] = None,
    max_steps: Annotated[int, typer.Option(help="Stop after N steps (-1: use --epochs).")] = -1,
    learning_rate: Annotated[Optional[float], typer.Option(help="Peak learning rate [preset: 1e-3; design 5e-4].")] = None,
    batch_size: Annotated[int, typer.Option(help="Examples per step.")] = 16,
    max_length: Annotated[Optional[int], typer.Option(help="Tokens per window [preset: 512; design 256].")] = None,
    stride: Annotated[Optional[int], typer.Option(help="Tokens shared by consecutive windows [preset: 128; design 64].")] = None,
    truncate: Annotated[bool, typer.Option(help="Cut texts at --max-length as the design does (loses PHI).")] = False,
    pad_to_max_length: Annotated[Optional[bool], typer.Option(help="Pad to max_length [preset: no; design yes].")] = None,
    precision: Annotated[Optional[str], typer.Option(help="fp32, bf16 or auto [preset: auto; design fp32].")] = None,
    group_by_length: Annotated[Optional[bool], typer.Option(help="Batch similar lengths together [preset: yes].")] = None,
    max_train_samples: Annotated[Optional[int], typer.Option(help="Use only the first N training records.")] = None,
    seed: Annotated[int, typer.Option(help="Seed.")] = 42,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing run folder.")] = False,
) -> None:
    """Fine-tune the base model with the design's LoRA; evaluate before and after; write a run folder."""
    from phiner.core.config import LoraSettings, RunConfig
    from phiner.core.config import preset as make_settings
    from phiner.train.trainer import train as run_training

    if max_length is not None and stride is None:  # the preset's stride may not fit a shorter window
        from phiner.core.config import PRESETS, TrainSettings
        from phiner.model.windows import fit_stride

        stride = fit_stride(PRESETS.get(preset, {}).get("stride", TrainSettings.stride), max_length)
    try:
        settings = make_settings(preset, epochs=epochs, max_steps=max_steps, learning_rate=learning_rate,
                                 batch_size=batch_size, max_length=max_length, stride=stride,
                                 pad_to_max_length=pad_to_max_length, precision=precision,
                                 group_by_length=group_by_length, seed=seed, max_train_samples=max_train_samples)
    except ValueError as e:
        raise PhinerError(str(e)) from None
    if truncate:
        settings.stride = None  # None cannot pass through the preset, where it means "keep the preset's"
    config = RunConfig(base_model=base_model, data=list(data), init=str(init) if init else None, lora=LoraSettings(),
                       train=settings)
    metrics = run_training(config, out_dir, eval_data=eval_data, overwrite=overwrite)
    _print_before_after(metrics)
    out.print(f"run folder: {out_dir}")


def _print_before_after(metrics: dict) -> None:
    table = Table(title="test split")
    table.add_column("metric")
    for name in ("before", "after"):
        table.add_column(name, justify="right")
    for key in ("loss", "precision", "recall", "f1", "accuracy", "runtime", "samples_per_second"):
        row = [(metrics.get(name) or {}).get(f"eval_{key}") for name in ("before", "after")]
        table.add_row(f"eval_{key}", *("-" if v is None else f"{v:.4f}" for v in row))
    out.print(table)


@app.command()
def quickstart(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for data, run and report.")] = Path("phiner-quickstart"),
) -> None:
    """The main job on embedded defaults: synthetic data, minilm, train, evaluate, plots, a sample prediction."""
    from phiner.train.quickstart import run_quickstart

    result = run_quickstart(out_dir, log=out.print)
    _print_before_after(result["metrics"])
    print_entities("Predicted Entities", result["sample"]["predicted"])
    print_entities("Real Entities", result["sample"]["real"])
    out.print(f"results in {out_dir}/ (run/metrics.json, run/loss.png, run/confusion.png)")
