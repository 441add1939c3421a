"""Dropout with the same distribution as ``torch.nn.Dropout`` and a cheaper mask, for CPU training.

On a CPU, ``nn.Dropout`` draws one Bernoulli number per element (``aten::bernoulli_``), a large share of a
LoRA training step, since peft puts a dropout before each adapter (72 in roberta-base). :class:`FastDropout`
draws 64 random bits at a time and cuts them into 16-bit numbers, so a mask costs a fraction of that; an
element is dropped with probability ``round(p * 65536) / 65536`` (within 7.7e-6 of ``p``) and kept ones are
scaled by ``1 / (1 - p)``, as in ``nn.Dropout``. The model and its training recipe are unchanged; only the random stream differs.
"""

from __future__ import annotations

import torch
from torch import nn

from phiner.core.errors import Errors, SettingError

LEVELS = 1 << 16


class FastDropout(nn.Dropout):
    """``nn.Dropout`` (same ``p``, same eval behaviour) whose training mask comes from bulk random bits."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return x
        if self.p >= 1.0:
            return torch.zeros_like(x)
        n = x.numel()
        # the full int64 range, so that each of the four 16-bit lanes is uniform over [-32768, 32767]
        words = torch.empty((n + 3) // 4, dtype=torch.int64, device=x.device).random_(-(1 << 63), (1 << 63) - 1)
        lanes = words.view(torch.int16)[:n].view(x.shape)
        drop = lanes < round(self.p * LEVELS) - LEVELS // 2
        return x.masked_fill(drop, 0.0).mul_(1.0 / (1.0 - self.p))


def no_attention_dropout(model: nn.Module) -> int:
    """Set the dropout on attention weights to 0 (BERT's and RoBERTa's ``attention.self.dropout``, MPNet's
    ``attn.dropout``), so that sdpa runs PyTorch's fused kernel; return how many were set. Refuses a model
    that has none, where the fused kernel would silently not be reached."""
    found = 0
    for name, module in model.named_modules():
        if isinstance(module, nn.Dropout) and name.endswith(("attention.self.dropout", "attn.dropout")):
            module.p = 0.0
            found += 1
    if not found:
        raise SettingError(Errors.E091)
    return found


def use_fast_dropout(model: nn.Module) -> int:
    """Swap every ``nn.Dropout`` in ``model`` for a :class:`FastDropout` of the same ``p``; return how many."""
    swapped = 0
    for parent in list(model.modules()):
        for name, child in list(parent.named_children()):
            if type(child) is nn.Dropout:
                fast = FastDropout(child.p, inplace=False)
                fast.train(child.training)
                setattr(parent, name, fast)
                swapped += 1
    return swapped
