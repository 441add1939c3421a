"""Figures of a run: the loss curve and the confusion matrix, drawn with matplotlib (no display needed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def loss_curve(history: list[dict[str, Any]], out: str | Path) -> Path:
    """Training loss per logged step and evaluation loss per evaluation, against the step."""
    train = [(h["step"], h["loss"]) for h in history if "loss" in h]
    evals = [(h["step"], h["eval_loss"]) for h in history if "eval_loss" in h]
    fig, ax = plt.subplots(figsize=(7, 4))
    if train:
        ax.plot(*zip(*train), label="train loss")
    if evals:
        ax.plot(*zip(*evals), marker="o", label="eval loss")
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.set_yscale("log")
    ax.set_title("Loss")
    ax.legend()
    ax.grid(alpha=0.3)
    return _save(fig, out)


def confusion_matrix(conf: dict[str, Any], out: str | Path) -> Path:
    """A heat map of token counts, gold types in rows, predicted types in columns, log colour scale."""
    import numpy as np
    from matplotlib.colors import LogNorm

    matrix = np.array(conf["matrix"])
    classes = conf["classes"]
    fig, ax = plt.subplots(figsize=(6.5, 5.5))
    image = ax.imshow(np.maximum(matrix, 0.5), cmap="Blues", norm=LogNorm(vmin=0.5, vmax=max(matrix.max(), 1)))
    ax.set_xticks(range(len(classes)), classes, rotation=45, ha="right")
    ax.set_yticks(range(len(classes)), classes)
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    ax.set_title("Confusion over entity types (tokens)")
    for i in range(len(classes)):
        for j in range(len(classes)):
            colour = "white" if matrix[i, j] > matrix.max() / 10 else "black"
            ax.text(j, i, str(matrix[i, j]), ha="center", va="center", fontsize=8, color=colour)
    fig.colorbar(image, ax=ax)
    return _save(fig, out)


def _save(fig, out: str | Path) -> Path:
    out = Path(out)
    tmp = out.with_name(f".{out.stem}.tmp{out.suffix}")
    fig.tight_layout()
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    tmp.replace(out)
    return out
