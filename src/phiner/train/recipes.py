"""Named recipes: the data and settings of a documented model, built by one command.

``phiner train --recipe default --out runs/default`` makes the shipped model's data from the repo and the
Nor-DeID folder and trains it with the recipe's settings; the same command on another machine gives the same
data (seeded) and the same config. A flag given beside ``--recipe`` overrides the recipe's setting.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from phiner.core.errors import Errors, PhinerError

NORDEID_DEFAULT = "../shared/data/nor-deid-synthdata"


@dataclass(frozen=True)
class Recipe:
    """What a recipe trains on and how."""

    description: str
    base_model: str
    train: dict[str, Any] = field(default_factory=dict)


RECIPES: dict[str, Recipe] = {
    "default": Recipe(
        description=(
            "The shipped model: me5-small (multilingual-e5-small), 10 epochs at 1e-3. Nor-DeID scenarios and notes "
            "0-899 (health care units as LOC; notes 900-999 kept for calibration) and 600 generated notes of every "
            "style (seed 0); evaluated on the Nor-DeID validation notes. It beat minilm on Norwegian text (docs/training.md, "
            "'Base models'); at 2e-3, the rate minilm's 4-epoch CPU recipe uses, me5-small diverged."
        ),
        base_model="me5-small",
        train={"epochs": 10.0, "learning_rate": 1e-3},
    )
}

CALIBRATION_FROM = 900
"""Nor-DeID training notes from this index on are left out of training and kept for ``phiner calibrate``."""


def recipe(name: str) -> Recipe:
    if name not in RECIPES:
        raise PhinerError(Errors.E235.format(given=name, choices=", ".join(RECIPES)))
    return RECIPES[name]


def prepare_default(nordeid: str | Path, data_dir: str | Path, log: Callable[[str], None] = print) -> dict[str, Any]:
    """Build the default recipe's data under ``data_dir`` (kept if already built) and return its paths:
    ``data`` (training files), ``eval_data`` (the Nor-DeID validation notes), ``calibration`` and ``test``
    (phiner's generated test notes, template-disjoint from the training notes)."""
    from phiner.data import nordeid as nordeid_data
    from phiner.data.synth.notes import build_notes

    src, root = Path(nordeid), Path(data_dir)
    missing = [name for name in nordeid_data.SPLIT_FILES.values() if not (src / name).is_file()]
    if missing:
        raise PhinerError(Errors.E236.format(path=src, file=missing[0]))
    mixed, notes, gen = root / "nordeid-mixed-u", root / "nordeid-notes-u", root / "gen-notes"
    for folder, form in ((mixed, "mixed"), (notes, "notes")):
        if not (folder / "train.jsonl").exists():
            log(f"building {folder} from {src} ({form}, health care units as LOC)")
            nordeid_data.build(src, folder, form, unit_as_loc=True)
    if not (gen / "train.jsonl").exists():
        log(f"generating {gen} (600 train and 300 test notes, seed 0)")
        build_notes(gen, n_train=600, n_test=300, seed=0, form="notes")
    train_file, calibration = root / "nordeid-train900-u.jsonl", root / "nordeid-calib-u.jsonl"
    _select(mixed / "train.jsonl", train_file, lambda index: index < CALIBRATION_FROM)
    _select(notes / "train.jsonl", calibration, lambda index: index >= CALIBRATION_FROM)
    return {
        "data": [str(train_file), str(gen / "train.jsonl")],
        "eval_data": str(notes),
        "calibration": str(calibration),
        "test": str(gen / "test.jsonl"),
    }


def _select(src: Path, dst: Path, keep: Callable[[int], bool]) -> None:
    lines = [line for line in src.read_text(encoding="utf-8").splitlines(keepends=True) if keep(_index(line))]
    dst.write_text("".join(lines), encoding="utf-8")


def _index(line: str) -> int:
    return json.loads(line)["meta"]["index"]
