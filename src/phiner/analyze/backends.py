"""Model backends: what reads encoded windows and returns their token logits, batched by length.

A :class:`Backend` is a PyTorch token classifier (:class:`TorchBackend`: fp32, or bf16 where asked) or an ONNX
Runtime export (:class:`phiner.analyze.onnx.OnnxModel`); :func:`batched_logits` reads windows through either.
"""

from __future__ import annotations

from contextlib import ExitStack, nullcontext
from typing import Any, Callable, ContextManager, Mapping, Protocol

import numpy as np

from phiner.core.errors import Errors, PhinerError

MAX_BATCH_TOKENS = 4096
"""Most tokens (windows x longest window) in one inference batch: 16 windows of 256, 8 of 512. It bounds a
batch's activations, and so the memory of tagging a long text, whatever the window length (benchmarks/RESULTS.md
has the peaks)."""


PASS_OVERHEAD_TOKENS = 400
"""What a forward pass costs beyond its padded tokens, in tokens' worth: the cut of sorted windows into passes
(:func:`batches`) weighs a pass more against the padding it saves. A pass costs a fixed amount beside its
per-token work, so a few more padded tokens can be cheaper than one more pass."""


def batches(lengths: list[int], batch_size: int, max_tokens: int = MAX_BATCH_TOKENS) -> list[list[int]]:
    """Indices of windows in batches sorted by length: at most ``batch_size`` windows and, beyond one window,
    at most ``max_tokens`` padded tokens a batch.

    The cut is the cheapest one, a batch costing its padded tokens (its windows x its longest) and
    :data:`PASS_OVERHEAD_TOKENS`: filling each batch in turn would pad a short window into a batch of long ones
    wherever the lengths jump.
    """
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    sorted_lengths = [lengths[i] for i in order]
    cost = [0] * (len(order) + 1)  # cost[j]: the cheapest cut of the j shortest windows
    cut = [0] * (len(order) + 1)  # where the last batch of that cut begins
    for j in range(1, len(order) + 1):
        longest, cost[j], cut[j] = sorted_lengths[j - 1], -1, j - 1
        for size in range(1, min(batch_size, j) + 1):
            if size > 1 and size * longest > max_tokens:
                break
            option = cost[j - size] + PASS_OVERHEAD_TOKENS + size * longest
            if cost[j] < 0 or option < cost[j]:
                cost[j], cut[j] = option, j - size
    out: list[list[int]] = []
    end = len(order)
    while end > 0:
        out.append(order[cut[end] : end])
        end = cut[end]
    return out[::-1]


class Backend(Protocol):
    """What reads a padded batch of encoded windows into their token logits."""

    tensors: str
    """What the tokenizer pads a batch into for it: ``np`` (NumPy arrays) or ``pt`` (PyTorch tensors)."""

    def reading(self) -> ContextManager:
        """Entered around every batch of one call (inference mode, autocast)."""

    def logits(self, batch: Mapping[str, Any], adapter_names: list[str] | None = None) -> np.ndarray:
        """``(windows, tokens, labels)`` logits of a padded batch; ``adapter_names`` gives each window its LoRA
        adapter, where the model holds several."""


class TorchBackend:
    """A PyTorch token classifier as a backend: fp32, or bf16 (its linear layers stored in bf16, under autocast)."""

    tensors = "pt"

    def __init__(self, model, precision: str = "fp32") -> None:
        self.model, self.bf16 = model, precision == "bf16"
        self.device = next(model.parameters()).device

    def reading(self) -> ContextManager:
        import torch

        bf16_linears(self.model, self.bf16)
        stack = ExitStack()
        stack.enter_context(torch.inference_mode())
        kind = self.device.type if self.bf16 else "cpu"
        stack.enter_context(torch.autocast(kind, dtype=torch.bfloat16, enabled=self.bf16))
        return stack

    def logits(self, batch: Mapping[str, Any], adapter_names: list[str] | None = None) -> np.ndarray:
        inputs = {k: v.to(self.device) for k, v in batch.items()}
        if adapter_names is not None:
            inputs["adapter_names"] = adapter_names
        return self.model(**inputs).logits.float().cpu().numpy()


def as_backend(model, precision: str = "fp32") -> Backend:
    """``model`` as a :class:`Backend`: an ONNX export's model (:class:`phiner.analyze.onnx.OnnxModel`) and a
    :class:`TorchBackend` are ones; a PyTorch token classifier is read through a :class:`TorchBackend` in
    ``precision``."""
    from phiner.analyze.onnx import OnnxModel

    return model if isinstance(model, (OnnxModel, TorchBackend)) else TorchBackend(model, precision)


def batched_logits(
    model,
    tokenizer,
    features: dict[str, list],
    batch_size: int = 16,
    precision: str = "fp32",
    guard: Callable[[], ContextManager] | None = None,
    adapter_names: list[str] | None = None,
) -> list[np.ndarray]:
    """Logits of each encoded window (its own length, no padding), batches sorted by length.

    ``model`` is a :class:`Backend`, or a model :func:`as_backend` makes one of (a PyTorch token classifier, read
    in ``precision``: ``bf16`` or ``fp32``). ``guard()``, where given, is entered around each batch's forward pass
    (an adapter registry's lock). ``adapter_names`` gives each window its LoRA adapter where ``model`` holds several
    (:mod:`phiner.model.adapters`).
    """
    guard = guard or nullcontext
    backend = as_backend(model, precision)
    out: list[np.ndarray | None] = [None] * len(features["input_ids"])
    keys = [k for k in ("input_ids", "attention_mask", "token_type_ids") if k in features]
    with backend.reading():
        for idx in batches([len(ids) for ids in features["input_ids"]], batch_size):
            batch = tokenizer.pad({k: [features[k][i] for i in idx] for k in keys}, return_tensors=backend.tensors)
            names = None if adapter_names is None else [adapter_names[i] for i in idx]
            with guard():
                logits = backend.logits(batch, names)
            for row, i in enumerate(idx):
                out[i] = logits[row, : len(features["input_ids"][i])]
    return out  # type: ignore[return-value]


def bf16_linears(model, bf16: bool = True) -> None:
    """Where ``bf16``, cast the weights and biases of ``model``'s linear layers to bf16, once (layers added later,
    such as an adapter's, on the next call); else refuse a model whose linear layers are bf16.

    Why: under bf16 autocast a linear layer casts its fp32 weight to bf16 at every call, and autocast keeps no cast
    of a weight that needs no gradient, so every forward pass cast all of them again. Stored in bf16 they are the
    very values autocast cast them to, so the logits are the same, bit for bit, and the casts are gone (they
    weigh most in short passes, little beside full ones).
    Layer norms and embeddings stay fp32, as autocast reads them. A model read in bf16 keeps bf16 linear layers:
    read in fp32 after that it would compute in bf16 or fail, so it is refused.
    """
    import torch

    for module in model.modules():
        if not isinstance(module, torch.nn.Linear):
            continue
        if bf16 and module.weight.dtype == torch.float32:
            module.to(torch.bfloat16)
        elif not bf16 and module.weight.dtype == torch.bfloat16:
            raise PhinerError(Errors.E156)
