"""Training and tagging speed of runs on different bases, on this machine: tokens per second of each.

    python benchmarks/base_compare.py --run minilm=runs/default4 --run me5-small=runs/me5-default10 \\
        --data data/recipe-default/nordeid-notes-u [--train-steps 12] [--json FILE]

Train: ``--train-steps`` LoRA steps of the run's own recipe (its config: base, windows, batch, precision,
attention) on its own training data in random order, timed after two warm-up steps; the tokens are the
batches' real (unpadded) tokens. Predict: ``phiner.load(run)`` (merged, the precision ``auto`` picks) tags the
texts of ``--data`` once to warm up and once timed; the tokens are those of its windows. Each base counts
tokens with its own tokenizer (me5-small's SentencePiece pieces are longer than minilm's WordPiece ones), so
characters per second are given too.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path

import yaml

from phiner.core.config import RunConfig
from phiner.data.dataset import load_records


def train_speed(run: Path, steps: int, data: str) -> dict:
    from transformers import DataCollatorForTokenClassification, TrainerCallback

    from phiner.model.base import load_tokenizer, resolve_base
    from phiner.model.hardware import resolve_precision
    from phiner.model.windows import Windowing
    from phiner.train import trainer as T

    config = RunConfig.from_dict(yaml.safe_load((run / "config.yaml").read_text(encoding="utf-8")))
    settings = replace(config.train, max_steps=steps + 2, group_by_length=False, eval_before=False)
    records, _ = T.load_splits(config.data, data)
    base = resolve_base(config.base_model)
    tokenizer = load_tokenizer(base)
    windowing = Windowing(max_length=settings.max_length, pad_to_max_length=False, stride=settings.stride)
    train_set = T.to_dataset(tokenizer, records, windowing)
    model, _ = T.build_model(base, settings, config.lora)
    inner = DataCollatorForTokenClassification(tokenizer, pad_to_multiple_of=T.PAD_MULTIPLE)
    counted: list[int] = []

    def collate(features):
        batch = inner(features)
        counted.append(int(batch["attention_mask"].sum()))
        return batch

    marks: list[float] = []

    class Clock(TrainerCallback):
        def on_step_end(self, args, state, control, **kwargs):
            marks.append(time.perf_counter())

    trainer = T.make_trainer(
        model,
        tokenizer,
        train_set,
        None,
        settings,
        "/tmp/base-compare",
        resolve_precision(settings.precision),
        collator=collate,
        callbacks=[Clock()],
    )
    trainer.train()
    tokens = sum(counted[2 : 2 + steps])
    seconds = marks[-1] - marks[1]
    return {"steps": steps, "tokens": tokens, "seconds": round(seconds, 2), "tokens_per_s": round(tokens / seconds)}


def predict_speed(run: Path, data: str) -> dict:
    import phiner

    texts = [r["text"] for r in load_records(data, split="test")]
    tagger = phiner.load(str(run), thresholds={}, detector=None)
    tagger.predict(texts)
    started = time.perf_counter()
    votes = tagger.token_votes(texts)
    seconds = time.perf_counter() - started
    tokens = sum(len(v.tokens) for v in votes)
    chars = sum(len(t) for t in texts)
    return {
        "texts": len(texts),
        "tokens": tokens,
        "seconds": round(seconds, 2),
        "tokens_per_s": round(tokens / seconds),
        "chars_per_s": round(chars / seconds),
        "precision": tagger.precision,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--run", action="append", required=True, help="NAME=RUN")
    parser.add_argument("--data", required=True)
    parser.add_argument("--train-steps", type=int, default=12)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    results = {}
    for item in args.run:
        name, run = item.split("=", 1)
        results[name] = {
            "predict": predict_speed(Path(run), args.data),
            "train": train_speed(Path(run), args.train_steps, args.data),
        }
        print(name, json.dumps(results[name]), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
