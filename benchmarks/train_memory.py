"""Resident memory after each training step of a run's recipe on this machine (the "Memory and kernel time" probe).

    PROBE_CONFIG=runs/default4/config.yaml python benchmarks/train_memory.py STEPS [longest] [fixed] [fp32] [nomallopt] [nogroup]

Trains ``STEPS`` LoRA steps of the config's recipe (its base, data, windows and batch; the Nor-DeID validation
notes of ``data/recipe-default`` for the evaluations ``--max-steps`` runs every fifth of the way, 20 of them)
through phiner's own trainer, and prints ``VmRSS`` (``/proc/self/status``) and the peak so far after steps 1-3 and
every tenth. Flags: ``longest`` pads each batch to its longest window (as before batches were padded to a
multiple of 64 tokens), ``fixed`` pads every window to the window length, ``fp32`` turns bf16 autocast off,
``nomallopt`` leaves glibc's malloc as it is, ``nogroup`` samples at random instead of by length.
"""

from __future__ import annotations

import os
import resource
import sys
import time
from dataclasses import replace

import yaml
from transformers import TrainerCallback

from phiner.core.config import RunConfig
from phiner.model.base import load_tokenizer, resolve_base
from phiner.model.hardware import keep_freed_memory, resolve_precision
from phiner.model.windows import Windowing
from phiner.train import trainer as T

EVAL_DATA = "data/recipe-default/nordeid-notes-u"


def rss_gb() -> float:
    for line in open("/proc/self/status", encoding="utf-8"):
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1e6
    return float("nan")


class Sampler(TrainerCallback):
    def __init__(self) -> None:
        self.started = time.time()

    def on_step_end(self, args, state, control, **kwargs):
        if state.global_step % 10 == 0 or state.global_step < 4:
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
            print(
                f"step {state.global_step} rss {rss_gb():.2f} GB maxrss {peak:.2f} t {time.time() - self.started:.0f}s"
            )


def main(steps: int, flags: set[str]) -> None:
    with open(os.environ.get("PROBE_CONFIG", "runs/default4/config.yaml"), encoding="utf-8") as fh:
        config = RunConfig.from_dict(yaml.safe_load(fh))
    settings = replace(
        config.train,
        max_steps=steps,
        pad_to_max_length="fixed" in flags,
        group_by_length="nogroup" not in flags,
        precision="fp32" if "fp32" in flags else config.train.precision,
    )
    train_records, test_records = T.load_splits(config.data, EVAL_DATA)
    base = resolve_base(config.base_model)
    tokenizer = load_tokenizer(base)
    windowing = Windowing(
        max_length=settings.max_length, pad_to_max_length=settings.pad_to_max_length, stride=settings.stride
    )
    train_set = T.to_dataset(tokenizer, train_records, windowing)
    test_set = T.to_dataset(tokenizer, test_records[:20], windowing)
    model, attention = T.build_model(base, settings, config.lora)
    precision = resolve_precision(settings.precision)
    print(f"precision {precision}, attention {attention}, flags {sorted(flags)}, rss {rss_gb():.2f} GB", flush=True)
    if "nomallopt" not in flags:
        keep_freed_memory()
    from transformers import DataCollatorForTokenClassification

    collator = DataCollatorForTokenClassification(tokenizer) if "longest" in flags else None
    trainer = T.make_trainer(
        model,
        tokenizer,
        train_set,
        test_set,
        settings,
        "/tmp/train-memory",
        precision,
        collator=collator,
        callbacks=[Sampler()],
    )
    trainer.train()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
    print(f"done rss {rss_gb():.2f} GB maxrss {peak:.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]), set(sys.argv[2:]))
