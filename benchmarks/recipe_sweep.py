"""Train several notes recipes side by side and rank them by PHI character recall on the Nor-DeID
validation notes: the sweep behind the recipe in benchmarks/RESULTS.md, "Long notes and realistic text".

Each recipe is one `phiner train` process (minilm, the phiner preset, with the recipe's data, epochs,
learning rate, window and starting point); ``--parallel`` of them run at once (a GPU with spare cores runs
several small trainings at once). Every run evaluates itself on ``--eval-data`` when it ends; the sweep
writes ``sweep.json`` (one row per recipe) and prints the ranking.

    python benchmarks/recipe_sweep.py --data-root data --out runs/sweep --parallel 8

``--data-root`` holds what ``phiner data`` wrote: ``nordeid-mixed/`` (Nor-DeID scenarios + notes),
``nordeid-notes/`` (its test split is the validation notes), ``gen-notes/`` and ``gen-notes-400.jsonl``
(the first 400 generated training notes).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

MIX = ["nordeid-mixed", "gen-notes-400.jsonl"]
RECIPES = [
    {"name": "mix-gen400-lr1e-3-e10", "data": MIX, "epochs": 10, "lr": 1e-3},
    {"name": "mix-gen400-lr2e-3-e10", "data": MIX, "epochs": 10, "lr": 2e-3},
    {"name": "mix-only-lr1e-3-e10", "data": ["nordeid-mixed"], "epochs": 10, "lr": 1e-3},
    {"name": "mix-gen1000-lr1e-3-e10", "data": ["nordeid-mixed", "gen-notes"], "epochs": 10, "lr": 1e-3},
    {"name": "mix-gen400-lr1e-3-e20", "data": MIX, "epochs": 20, "lr": 1e-3},
    {"name": "mix-gen400-lr5e-4-e20", "data": MIX, "epochs": 20, "lr": 5e-4},
    {"name": "mix-gen400-lr1e-3-e10-win512", "data": MIX, "epochs": 10, "lr": 1e-3, "max_length": 512, "stride": 128},
    {"name": "mix-gen400-lr2e-3-e20", "data": MIX, "epochs": 20, "lr": 2e-3},
]


def command(recipe: dict, root: Path, out: Path, eval_data: Path, max_steps: int | None) -> list[str]:
    cmd = [
        sys.executable,
        "-m",
        "phiner",
        "train",
        "--base-model",
        "minilm",
        "--preset",
        "phiner",
        "--eval-data",
        str(eval_data),
        "--out",
        str(out / recipe["name"]),
        "--overwrite",
        "--epochs",
        str(recipe["epochs"]),
        "--learning-rate",
        str(recipe["lr"]),
    ]
    for data in recipe["data"]:
        cmd += ["--data", str(root / data)]
    for key in ("max_length", "stride"):
        if key in recipe:
            cmd += [f"--{key.replace('_', '-')}", str(recipe[key])]
    if recipe.get("init"):
        cmd += ["--init", recipe["init"]]
    if max_steps:
        cmd += ["--max-steps", str(max_steps)]
    return cmd


def run_one(recipe: dict, args) -> dict:
    out = Path(args.out)
    started = time.perf_counter()
    with open(out / f"{recipe['name']}.log", "w") as log:
        proc = subprocess.run(
            command(recipe, Path(args.data_root), out, Path(args.eval_data), args.max_steps),
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "OMP_NUM_THREADS": str(args.threads)},
            timeout=args.timeout,
        )
    row = {**recipe, "rc": proc.returncode, "wall_s": round(time.perf_counter() - started, 1)}
    metrics = out / recipe["name"] / "metrics.json"
    if proc.returncode == 0 and metrics.exists():
        m = json.loads(metrics.read_text())
        row.update(
            char_recall=m["deid"]["char_recall"]["all"]["value"],
            char_recall_ci95=m["deid"]["char_recall"]["all"]["ci95"],
            strict_f1=m["deid"]["strict"]["all"]["f1"],
            seqeval_f1=m["after"].get("eval_f1"),
            over_redaction=m["deid"]["over_redaction"]["value"],
            train_s=round(m["train"]["wall_seconds"], 1),
            precision=m["train"]["precision"],
        )
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-root", default="data")
    parser.add_argument("--eval-data", default=None, help="default: DATA_ROOT/nordeid-notes (validation notes)")
    parser.add_argument("--out", required=True)
    parser.add_argument("--parallel", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2, help="OMP threads per training process")
    parser.add_argument("--only", default="", help="comma-separated recipe names")
    parser.add_argument("--max-steps", type=int, default=None, help="cut every run short (a smoke test)")
    parser.add_argument("--timeout", type=float, default=None, help="seconds per run")
    args = parser.parse_args()
    args.eval_data = args.eval_data or str(Path(args.data_root) / "nordeid-notes")
    Path(args.out).mkdir(parents=True, exist_ok=True)
    recipes = [r for r in RECIPES if not args.only or r["name"] in args.only.split(",")]
    with ThreadPoolExecutor(args.parallel) as pool:
        rows = list(pool.map(lambda r: run_one(r, args), recipes))
    rows.sort(key=lambda r: -r.get("char_recall", -1))
    (Path(args.out) / "sweep.json").write_text(json.dumps(rows, indent=1))
    print(f"{'recipe':34} {'rc':>3} {'char rec':>8} {'95% CI':>15} {'strict':>6} {'over':>6} {'train s':>7}")
    for r in rows:
        if "char_recall" in r:
            lo, hi = r["char_recall_ci95"]
            print(
                f"{r['name']:34} {r['rc']:>3} {r['char_recall']:8.4f} [{lo:.4f},{hi:.4f}] {r['strict_f1']:6.4f} "
                f"{r['over_redaction']:6.4f} {r['train_s']:7.0f}"
            )
        else:
            print(f"{r['name']:34} {r['rc']:>3} failed after {r['wall_s']} s (see {r['name']}.log)")


if __name__ == "__main__":
    main()
