"""The LoRA adapter's settings (the design's: r 16, alpha 32, dropout 0.05, bias lora_only, five targets)."""
from __future__ import annotations

from dataclasses import dataclass, field

DESIGN_TARGET_MODULES = ["query", "key", "value", "output.dense", "intermediate.dense"]
LORA_BIASES = ("none", "all", "lora_only")


@dataclass
class LoraSettings:
    """The LoRA adapter put on the base model (peft ``LoraConfig``, task TOKEN_CLS)."""

    r: int = field(default=16, metadata={"help": "Rank of the update matrices A and B."})
    alpha: int = field(default=32, metadata={"help": "Scale of the update: it is multiplied by alpha / r."})
    dropout: float = field(default=0.05, metadata={"help": "Dropout on the LoRA input."})
    bias: str = field(default="lora_only", metadata={"help": "Which biases train: none, all or lora_only."})
    target_modules: list[str] = field(
        default_factory=lambda: list(DESIGN_TARGET_MODULES),
        metadata={"help": "Module name suffixes that get an adapter."},
    )

    def __post_init__(self) -> None:
        if self.r <= 0:
            raise ValueError(f"`lora.r` should be positive, got {self.r}.")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"`lora.dropout` should be in [0, 1), got {self.dropout}.")
        if self.bias not in LORA_BIASES:
            raise ValueError(f"`lora.bias` should be one of {', '.join(LORA_BIASES)}, got {self.bias!r}.")
        if not self.target_modules:
            raise ValueError("`lora.target_modules` should name at least one module, got an empty list.")
