"""Training: LoRA fine-tuning with the HF Trainer, into a run folder that describes itself.

A run folder holds the adapter (``adapter_model.safetensors`` + ``adapter_config.json``), the tokenizer,
``labels.json``, ``config.yaml``, ``metrics.json`` (before and after training), ``history.json``,
``loss.png``, ``confusion.json`` and ``confusion.png``. It is written under a temporary name and renamed
when complete, so a crash never leaves half a run.
"""

from __future__ import annotations

import platform
import shutil
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable

from phiner.analyze.tagger import Tagger
from phiner.core.config import RunConfig
from phiner.core.errors import Errors, PhinerError, os_errors
from phiner.core.runfolder import ADAPTER_CONFIG, METRICS, RunFolder, refuse_existing, writing
from phiner.data.dataset import load_records
from phiner.evaluate.evaluation import evaluate_tagger
from phiner.evaluate.metrics import compute_metrics
from phiner.model.base import add_lora, count_parameters, load_base_model, load_tokenizer, max_window, resolve_base
from phiner.model.hardware import cuda, device_name, keep_freed_memory, resolve_attention, resolve_precision
from phiner.model.windows import Windowing, encode, fit_stride
from phiner.train import report as plots
from phiner.train.card import write_card


def load_splits(data: list[str], eval_data: str | None = None) -> tuple[list[dict], list[dict]]:
    """Training records from every ``data`` path; test records from ``eval_data`` or the folders' test splits."""
    train, test = [], []
    for path in data:
        train += load_records(path, "train")
        if eval_data is None and Path(path).is_dir():
            test += load_records(path, "test")
    if eval_data is not None:
        test = load_records(eval_data, "test")
    if not train:
        raise PhinerError(Errors.E232.format(path=", ".join(data)))
    if not test:
        raise PhinerError(Errors.E233)
    return train, test


def to_dataset(tokenizer, records: list[dict], windowing: Windowing):
    """A ``datasets.Dataset`` of input ids and aligned labels; raw text and offsets are dropped."""
    from datasets import Dataset

    def tokenize_and_align_labels(batch: dict[str, list]) -> dict[str, list]:
        features = encode(tokenizer, batch["text"], windowing, batch["ner_tags"])
        for column in ("offset_mapping", "special", "words", "sample"):
            features.pop(column)
        return features

    rows = Dataset.from_list([{"text": r["text"], "ner_tags": r["ner_tags"]} for r in records])
    return rows.map(tokenize_and_align_labels, batched=True, remove_columns=rows.column_names)


@os_errors()
def train(
    config: RunConfig,
    out: str | Path,
    *,
    eval_data: str | None = None,
    overwrite: bool = False,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Fine-tune ``config.base_model`` with LoRA on ``config.data``; write the run folder; return its metrics."""
    out = Path(out)
    data = config.data if isinstance(config.data, (list, tuple)) else [config.data]
    inputs = {
        "--init": config.init,
        "--eval-data": eval_data,
        **{"--data" if len(data) == 1 else f"--data[{i}]": d for i, d in enumerate(data)},
    }
    if Path(config.base_model).exists():
        inputs["--base-model"] = config.base_model
    refuse_existing(out, overwrite=overwrite, inputs=inputs)  # before the data and model load
    settings = config.train
    train_records, test_records = load_splits(config.data, eval_data)
    if settings.max_train_samples:
        train_records = train_records[: settings.max_train_samples]
    base_path = resolve_base(config.base_model)
    tokenizer = load_tokenizer(base_path)
    limit = max_window(base_path, tokenizer)
    if settings.max_length > limit:  # e.g. the phiner preset's 512 on a model with fewer positions
        log(f"window {settings.max_length} is longer than {config.base_model} takes: using {limit}")
        settings = replace(settings, max_length=limit, stride=fit_stride(settings.stride, limit))
        config = replace(config, train=settings)  # the caller's config is left as it was
    windowing = Windowing(
        max_length=settings.max_length, pad_to_max_length=settings.pad_to_max_length, stride=settings.stride
    )
    train_set = to_dataset(tokenizer, train_records, windowing)
    test_set = to_dataset(tokenizer, test_records, windowing)
    model, attention = build_model(base_path, settings, config.lora, config.init)
    if config.init:
        log(f"adapter initialised from {config.init}")
    parameters = count_parameters(model)
    log(
        f"trainable params: {parameters['trainable']:,} || all params: {parameters['total']:,} "
        f"|| trainable%: {parameters['trainable_percent']:.4f}"
    )
    log(f"train: {len(train_records)} records ({len(train_set)} examples); test: {len(test_records)} records")

    precision = resolve_precision(settings.precision)
    log(
        f"precision: {precision}"
        + (" (auto)" if settings.precision == "auto" else "")
        + f"; attention: {attention}; fast dropout: {'yes' if settings.fast_dropout else 'no'}"
    )
    if not cuda():
        keep_freed_memory()  # else the kernel zeroes the freed activations again at every step
    with writing(out, overwrite=overwrite, inputs=inputs) as partial:
        trainer = make_trainer(model, tokenizer, train_set, test_set, settings, partial / "checkpoints", precision)
        before = trainer.evaluate() if settings.eval_before else None
        started = time.perf_counter()
        result = trainer.train()
        train_seconds = time.perf_counter() - started
        after = trainer.evaluate()
        model.eval()
        tagger = Tagger(
            model,
            tokenizer,
            Windowing(max_length=settings.max_length, pad_to_max_length=False, stride=settings.stride),
            settings.batch_size,
            detector=None,  # the run's own scores are the model's: `phiner evaluate` adds the rules layer
        )
        report = evaluate_tagger(tagger, test_records, known_field=None)

        model.save_pretrained(str(partial))
        tokenizer.save_pretrained(str(partial))
        _portable_adapter_config(partial, config.base_model)
        metrics = {
            "before": before,
            "after": after,
            "train": {
                **result.metrics,
                "wall_seconds": train_seconds,
                "precision": precision,
                "attention": attention,
                "device": device_name(),
            },
            "parameters": parameters,
            "per_type": report["seqeval"]["per_type"],
            "deid": {k: report[k] for k in ("strict", "char_recall", "over_redaction")},
            "data": {
                "train_records": len(train_records),
                "train_examples": len(train_set),
                "test_records": len(test_records),
                "sources": record_sources(train_records),
            },
            "versions": _versions(),
        }
        history = list(trainer.state.log_history)
        if before is not None:  # the untrained model's loss starts the curve at step 0
            history.insert(0, {**before, "step": 0, "epoch": 0.0})
        _describe(partial, config, metrics, history, report["confusion"])
        write_card(partial)  # after peft's save_pretrained, whose empty template it replaces
        shutil.rmtree(partial / "checkpoints", ignore_errors=True)
    return metrics


def record_sources(records: list[dict]) -> dict[str, int]:
    """Training records by origin: ``nordeid``, ``synth`` (phiner's generators) or ``own`` (anything else)."""
    counts: dict[str, int] = {}
    for record in records:
        meta = record.get("meta") if isinstance(record.get("meta"), dict) else {}
        source = meta.get("source") if meta.get("source") in ("nordeid", "synth") else "own"
        counts[source] = counts.get(source, 0) + 1
    return counts


def build_model(base_path: str, settings, lora, init: str | None = None):
    """The model to train and its attention kernel: LoRA on a fresh head, or ``init``'s adapter and head."""
    from phiner.model.dropout import no_attention_dropout

    attention = resolve_attention(settings.attention, settings.fast_dropout, settings.max_length)
    kernel = "sdpa" if attention == "flash" else attention
    if init:
        model = continue_from(init, base_path, settings.seed, kernel)
    else:
        model = add_lora(load_base_model(base_path, seed=settings.seed, attention=kernel), lora)
    if attention == "flash":
        no_attention_dropout(model)
    return model, attention


PAD_MULTIPLE = 64
"""Batches are padded to a multiple of this many tokens, so that a run sees few batch shapes (eight up to 512
tokens): memory grows with every new batch shape (most likely oneDNN's kept primitives), so batches padded to
their longest window, a new shape nearly every step, let it grow all run long (benchmarks/RESULTS.md, "Memory and kernel
time of CPU training", has the figures)."""


def make_trainer(
    model,
    tokenizer,
    train_set,
    test_set,
    settings,
    output_dir: str | Path,
    precision: str,
    collator=None,
    callbacks=None,
):
    """The HF ``Trainer`` of a run: ``settings`` decide epochs/steps, rate, batches, sampling and precision."""
    from transformers import DataCollatorForTokenClassification, Trainer, TrainingArguments

    if settings.fast_dropout:
        from phiner.model.dropout import use_fast_dropout

        use_fast_dropout(model)
    args = TrainingArguments(
        output_dir=str(output_dir),
        num_train_epochs=settings.epochs,
        max_steps=settings.max_steps,
        learning_rate=settings.learning_rate,
        per_device_train_batch_size=settings.batch_size,
        per_device_eval_batch_size=settings.batch_size,
        warmup_steps=settings.warmup_ratio,
        weight_decay=settings.weight_decay,
        lr_scheduler_type="linear",
        eval_strategy="no" if test_set is None else "epoch" if settings.max_steps <= 0 else "steps",
        eval_steps=None if settings.max_steps <= 0 else max(1, settings.max_steps // 5),
        logging_steps=settings.logging_steps,
        save_strategy="no",
        report_to=[],
        seed=settings.seed,
        label_names=["labels"],
        use_cpu=not cuda(),
        bf16=precision == "bf16",
        train_sampling_strategy="group_by_length" if settings.group_by_length else "random",
        dataloader_num_workers=0,
    )
    return Trainer(
        model=model,
        args=args,
        train_dataset=train_set,
        eval_dataset=test_set,
        data_collator=collator or DataCollatorForTokenClassification(tokenizer, pad_to_multiple_of=PAD_MULTIPLE),
        compute_metrics=compute_metrics,
        processing_class=tokenizer,
        callbacks=callbacks,
    )


def continue_from(run: str | Path, base_path: str, seed: int, attention: str | None = None):
    """The adapter and head of an earlier run, trainable again, on ``base_path``: to go on training a model
    on new notes (or in stages) instead of starting from a random head."""
    from peft import PeftModel

    run = Path(run)
    if RunFolder(run).json(ADAPTER_CONFIG) is None:
        raise PhinerError(Errors.E234.format(path=run))
    return PeftModel.from_pretrained(
        load_base_model(base_path, seed=seed, attention=attention), str(run), is_trainable=True
    )


def _describe(folder: Path, config: RunConfig, metrics: dict, history: list[dict], conf: dict) -> None:
    run = RunFolder(folder)
    run.save_labels()
    run.save_config(config)
    run.save_json(METRICS, metrics)
    run.save_json("history.json", history)
    run.save_json("confusion.json", conf)
    plots.loss_curve(history, folder / "loss.png")
    plots.confusion_matrix(conf, folder / "confusion.png")


def _portable_adapter_config(folder: Path, base_model: str) -> None:
    # peft records the resolved path (for `minilm`, inside site-packages); keep the name the user gave.
    run = RunFolder(folder)
    adapter = run.json(ADAPTER_CONFIG)
    adapter["base_model_name_or_path"] = (
        base_model if not Path(base_model).exists() else str(Path(base_model).resolve())
    )
    run.save_json(ADAPTER_CONFIG, adapter)


def _versions() -> dict[str, str]:
    import peft
    import torch
    import transformers

    import phiner

    return {
        "phiner": phiner.__version__,
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "peft": peft.__version__,
        "python": platform.python_version(),
        "machine": platform.machine(),
    }
