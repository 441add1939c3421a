"""The ONNX Runtime backend: an exported folder's model behind the same call the Tagger makes of PyTorch's.

An export folder (written by :mod:`phiner.export.onnx`) holds the model file, the tokenizer and ``onnx.json``.
"""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import Any, ContextManager, Mapping

import numpy as np

from phiner.model.hardware import threads as default_threads

ONNX_INFO = "onnx.json"


class OnnxModel:
    """An ONNX Runtime session that returns token logits for a padded batch: a
    :class:`phiner.analyze.backends.Backend`."""

    tensors = "np"

    def __init__(self, path: str | Path, threads: int | None = None) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or default_threads()
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.path = Path(path)
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.input_names = [i.name for i in self.session.get_inputs()]

    def reading(self) -> ContextManager:
        return nullcontext()

    def logits(self, batch: Mapping[str, Any], adapter_names: list[str] | None = None) -> np.ndarray:
        """The batch's logits; an export holds one model, so ``adapter_names`` (for a model with several) is never
        given."""
        feed = {name: np.asarray(batch[name], dtype=np.int64) for name in self.input_names}
        return self.session.run(["logits"], feed)[0]


def is_export(folder: str | Path) -> bool:
    return (Path(folder) / ONNX_INFO).exists()


def load_export(folder: str | Path):
    """The :class:`OnnxModel`, tokenizer and ``onnx.json`` of an export folder."""
    import json

    from transformers import AutoTokenizer

    folder = Path(folder)
    info = json.loads((folder / ONNX_INFO).read_text())
    return OnnxModel(folder / info["file"]), AutoTokenizer.from_pretrained(str(folder)), info
