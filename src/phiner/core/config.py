"""A run's settings as dataclasses (LoRA, training, the run's config.yaml). The defaults are the reference
recipe's (the ``design`` preset) unless a field says why not. Plain data: every stage may read them."""

from __future__ import annotations

import types
import typing
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

from phiner.core.errors import Errors, SettingError

DESIGN_TARGET_MODULES = ["query", "key", "value", "output.dense", "intermediate.dense"]
Bias = Literal["none", "all", "lora_only"]
LORA_BIASES: tuple[str, ...] = typing.get_args(Bias)


def check_types(obj: Any, prefix: str) -> None:
    """Refuse a field whose value is not of its annotated type, naming the field (``train.max_length``).

    Its errors, as every check here, are :class:`SettingError`: a ``ValueError`` too, as callers catch."""
    hints = typing.get_type_hints(type(obj))
    for f in fields(obj):
        value, allowed = getattr(obj, f.name), _types(hints[f.name])
        if isinstance(value, bool) and bool not in allowed or not isinstance(value, allowed):
            names = " or ".join("null" if t is type(None) else t.__name__ for t in allowed)
            raise SettingError(Errors.E026.format(entry=f"{prefix}.{f.name}", choices=names, type=type(value).__name__))


def _types(hint: Any) -> tuple[type, ...]:
    if typing.get_origin(hint) is Literal:  # its values are checked, with the choices named, after the type
        return tuple({type(v) for v in typing.get_args(hint)})
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return tuple(t for arg in typing.get_args(hint) for t in _types(arg))
    if hint is float:
        return (int, float)
    return (typing.get_origin(hint) or hint,)


@dataclass
class LoraSettings:
    """The LoRA adapter put on the base model (peft ``LoraConfig``, task TOKEN_CLS)."""

    r: int = field(default=16, metadata={"help": "Rank of the update matrices A and B."})
    alpha: int = field(default=32, metadata={"help": "Scale of the update: it is multiplied by alpha / r."})
    dropout: float = field(default=0.05, metadata={"help": "Dropout on the LoRA input."})
    bias: Bias = field(default="lora_only", metadata={"help": "Which biases train: none, all or lora_only."})
    target_modules: list[str] = field(
        default_factory=lambda: list(DESIGN_TARGET_MODULES),
        metadata={"help": "Module name suffixes that get an adapter."},
    )

    def __post_init__(self) -> None:
        check_types(self, "lora")
        if self.r <= 0:
            raise SettingError(Errors.E027.format(given=self.r))
        if not 0.0 <= self.dropout < 1.0:
            raise SettingError(Errors.E028.format(given=self.dropout))
        if self.bias not in LORA_BIASES:
            raise SettingError(Errors.E029.format(choices=", ".join(LORA_BIASES), given=self.bias))
        if not self.target_modules:
            raise SettingError(Errors.E030)


Precision = Literal["fp32", "bf16", "auto"]
PRECISIONS: tuple[str, ...] = typing.get_args(Precision)
Attention = Literal["sdpa", "eager", "flash", "auto"]
ATTENTIONS: tuple[str, ...] = typing.get_args(Attention)


@dataclass
class TrainSettings:
    """How the adapter is trained and evaluated."""

    epochs: float = field(default=5.0, metadata={"help": "Passes over the training split."})
    max_steps: int = field(default=-1, metadata={"help": "Stop after this many optimizer steps; -1 = use epochs."})
    learning_rate: float = field(default=5e-4, metadata={"help": "Peak learning rate (linear decay)."})
    batch_size: int = field(default=16, metadata={"help": "Examples per training step (and per eval batch)."})
    warmup_ratio: float = field(default=0.06, metadata={"help": "Share of steps spent warming the rate up."})
    weight_decay: float = field(default=0.01, metadata={"help": "AdamW weight decay."})
    max_length: int = field(
        default=256,
        metadata={"help": "Tokens per window: a longer text is read in windows (see stride), or cut (truncate)."},
    )
    pad_to_max_length: bool = field(
        default=True,
        metadata={"help": "Pad every example to max_length as the design preset does; False pads per batch."},
    )
    stride: int | None = field(
        default=64,
        metadata={"help": "Tokens shared by consecutive windows of a long text; None: one window, cut."},
    )
    precision: Precision = field(
        default="fp32",
        metadata={
            "help": "fp32 (the design preset's), bf16 (autocast), or auto: bf16 where the CPU or GPU runs it natively."
        },
    )
    group_by_length: bool = field(
        default=False,
        metadata={"help": "Batch windows of similar length together (less padding when not padded to max)."},
    )
    fast_dropout: bool = field(
        default=False,
        metadata={"help": "Same dropout, masks from bulk random bits (phiner.model.dropout): faster on CPUs."},
    )
    attention: Attention = field(
        default="sdpa",
        metadata={
            "help": "Attention kernel in training: sdpa (transformers' default), eager, flash (sdpa with no "
            "dropout on attention weights, so PyTorch's fused kernel runs: on a CPU at 512 tokens a third of "
            "sdpa's memory), or auto: eager on a CPU with fast_dropout and windows up to 256 tokens, flash on a "
            "CPU above, else sdpa."
        },
    )
    eval_before: bool = field(
        default=True, metadata={"help": "Evaluate the untrained model first, as the design preset does."}
    )
    logging_steps: int = field(default=10, metadata={"help": "Record the training loss every this many steps."})
    seed: int = field(default=42, metadata={"help": "Seed of the head's initialisation, dropout and shuffling."})
    max_train_samples: int | None = field(default=None, metadata={"help": "Use only the first N training records."})

    def __post_init__(self) -> None:
        check_types(self, "train")
        problems = []
        if self.epochs <= 0 and self.max_steps <= 0:
            problems.append(Errors.E031.format(given=self.epochs))
        if self.learning_rate <= 0:
            problems.append(Errors.E032.format(given=self.learning_rate))
        if self.batch_size <= 0:
            problems.append(Errors.E033.format(given=self.batch_size))
        if not 8 <= self.max_length <= 8192:
            problems.append(Errors.E034.format(given=self.max_length))
        if self.stride is not None and not 0 <= self.stride < self.max_length // 2:
            problems.append(Errors.E035.format(limit=self.max_length // 2, given=self.stride))
        if self.precision not in PRECISIONS:
            problems.append(Errors.E036.format(choices=", ".join(PRECISIONS), given=self.precision))
        if self.attention not in ATTENTIONS:
            problems.append(Errors.E037.format(choices=", ".join(ATTENTIONS), given=self.attention))
        if not 0 <= self.warmup_ratio < 1:
            problems.append(Errors.E038.format(given=self.warmup_ratio))
        if problems:
            raise SettingError(Errors.E002.format(problem=" ".join(problems)))


PRESETS: dict[str, dict[str, Any]] = {
    # The reference recipe, the dataclasses' defaults: every example padded to 256 tokens, fp32, random batches,
    # 5 epochs at 5e-4.
    "design": {},
    # phiner's default: the same model and LoRA, with the cost of padding and fp32 taken out, and the windows,
    # learning rate and epochs that scored best on Nor-DeID notes + scenarios + generated notes: windows of 512
    # with stride 128, 10 epochs at 1e-3 (benchmarks/RESULTS.md, "Long notes and realistic text", compares the recipes).
    "phiner": {
        "pad_to_max_length": False,
        "group_by_length": True,
        "precision": "auto",
        "fast_dropout": True,
        "attention": "auto",
        "learning_rate": 1e-3,
        "epochs": 10.0,
        "max_length": 512,
        "stride": 128,
    },
}


def preset(name: str, **overrides: Any) -> "TrainSettings":
    """``TrainSettings`` of a named preset, with the given fields (those not None) set on top."""
    if name not in PRESETS:
        raise SettingError(Errors.E039.format(given=name, choices=", ".join(PRESETS)))
    return TrainSettings(**{**PRESETS[name], **{k: v for k, v in overrides.items() if v is not None}})


@dataclass
class RunConfig:
    """Everything a run folder needs to be rebuilt: saved as ``config.yaml``."""

    base_model: str = field(default="roberta-base", metadata={"help": "Hub id, local folder, or `minilm`."})
    data: list[str] = field(default_factory=list, metadata={"help": "Dataset folders or JSONL files trained on."})
    init: str | None = field(default=None, metadata={"help": "Run folder whose adapter training starts from."})
    lora: LoraSettings = field(default_factory=LoraSettings)
    train: TrainSettings = field(default_factory=TrainSettings)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "RunConfig":
        known = {f.name for f in fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise SettingError(Errors.E040.format(key=", ".join(sorted(unknown)), choices=", ".join(sorted(known))))
        return cls(
            base_model=d.get("base_model", "roberta-base"),
            data=list(d.get("data", [])),
            init=d.get("init"),
            lora=LoraSettings(**d.get("lora", {})),
            train=TrainSettings(**d.get("train", {})),
        )
