"""ONNX Runtime export of a run: the LoRA merged into its base, optionally int8 (dynamic quantization).

An export folder holds ``model.onnx`` (or ``model.int8.onnx``), the tokenizer, ``labels.json``, the run's
``metrics.json``/``config.yaml``, and ``onnx.json``: which file, how it was made, and the parity check
against the PyTorch model (strict span F1 on a test set and the largest logit difference). ``Tagger.load``
reads such a folder like a run folder.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import numpy as np

from phiner.analyze.onnx import ONNX_INFO, OnnxModel
from phiner.core.errors import Errors, PhinerError, os_errors
from phiner.core.records import write_json
from phiner.core.runfolder import RunFolder, refuse_existing, writing

PARITY_TOLERANCE = 0.005
"""Largest strict-span F1 difference to the PyTorch model that an export may have; an export beyond it is not
written."""


@os_errors()
def export_onnx(
    run: str | Path,
    out: str | Path,
    *,
    int8: bool = False,
    data: str | Path | None = None,
    max_records: int | None = None,
    overwrite: bool = False,
    log=print,
) -> dict[str, Any]:
    """Export ``run`` to ``out``; check parity on ``data`` (default: the run's own test split); return onnx.json.

    Nothing is written under ``out`` unless the export passes the parity check.
    """
    from phiner.data.dataset import load_records
    from phiner.model.base import check_run_folder, load_run, model_inputs

    run, out = check_run_folder(run), Path(out)
    source = data if data is not None else _run_test_data(run)
    inputs = {**model_inputs(run), "--data" if data is not None else "its test data": source}
    refuse_existing(out, overwrite=overwrite, inputs=inputs)  # before the model loads
    records = load_records(source, "test")[:max_records]
    model, tokenizer = load_run(run, merged=True)
    with writing(out, overwrite=overwrite, inputs=inputs) as tmp:
        started = time.perf_counter()
        file = write_export(model, tokenizer, tmp, int8=int8)
        export_seconds = time.perf_counter() - started
        log(f"exported {file.name} in {export_seconds:.0f} s; checking parity on {len(records)} records")
        parity = check_parity(model, OnnxModel(file), tokenizer, records)
        info = {
            "file": file.name,
            "int8": int8,
            "source": str(run),
            "opset": OPSET,
            "export_seconds": round(export_seconds, 1),
            "parity": parity,
        }
        if abs(parity["f1_difference"]) > PARITY_TOLERANCE:
            raise PhinerError(
                Errors.E237.format(
                    number=parity["onnx_f1"], number2=parity["torch_f1"], limit=PARITY_TOLERANCE, path=out
                )
            )
        RunFolder(run).copy_travelling(tmp)
        write_json(tmp / ONNX_INFO, info)
    return info


OPSET = 17


def write_export(model, tokenizer, folder: Path, *, int8: bool) -> Path:
    """Write an export folder that ``Tagger.load`` reads: the ONNX model (int8 or fp32), the tokenizer, and
    a minimal ``onnx.json``; return the model file. No parity check: :func:`export_onnx` adds it."""
    folder.mkdir(parents=True, exist_ok=True)
    file = folder / "model.onnx"
    _torch_export(model, tokenizer, file)
    if int8:
        quantize_int8(file, folder / "model.int8.onnx")
        file.unlink()
        file = folder / "model.int8.onnx"
    tokenizer.save_pretrained(str(folder))
    write_json(folder / ONNX_INFO, {"file": file.name, "int8": int8, "opset": OPSET})
    return file


def quantize_int8(src: Path, dst: Path, *, per_channel: bool = True, keep_sensitive: bool = True) -> None:
    """Dynamic int8 quantization of the weights (activations quantized at run time), ONNX Runtime's.

    ``per_channel`` gives each output row its own scale. ``keep_sensitive`` leaves the token classifier and
    each layer's feed-forward output projection in fp32: the input of that projection, after GELU, has outlier
    activations that int8 cannot hold, and quantizing those layers costs strict F1 that keeping them in fp32
    does not (benchmarks/RESULTS.md has the figures).
    """
    import logging

    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    keep = re.compile(r"classifier|/layer\.\d+/output/dense/") if keep_sensitive else None
    exclude = [
        n.name
        for n in onnx.load(str(src), load_external_data=False).graph.node
        if keep is not None and keep.search(n.name)
    ]

    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # its advice to pre-process is for static quantization of image models
    try:
        quantize_dynamic(
            str(src),
            str(dst),
            weight_type=QuantType.QInt8,
            per_channel=per_channel,
            nodes_to_exclude=exclude,
            extra_options={"DefaultTensorType": 1},
        )  # FLOAT, for ops from the fused domains
    finally:
        root.setLevel(level)


def _torch_export(model, tokenizer, path: Path) -> None:
    import warnings

    import torch

    class Logits(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask):
            return self.inner(input_ids=input_ids, attention_mask=attention_mask).logits

    sample = tokenizer(
        ["a short sample text", "and another one, a little longer than the first"], padding=True, return_tensors="pt"
    )
    with warnings.catch_warnings(), torch.inference_mode():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notices
        torch.onnx.export(
            Logits(model.float().eval()).eval(),
            (sample["input_ids"], sample["attention_mask"]),
            str(path),
            input_names=["input_ids", "attention_mask"],
            output_names=["logits"],
            dynamic_axes={
                "input_ids": {0: "batch", 1: "tokens"},
                "attention_mask": {0: "batch", 1: "tokens"},
                "logits": {0: "batch", 1: "tokens"},
            },
            opset_version=OPSET,
            dynamo=False,
            do_constant_folding=True,
        )


def check_parity(torch_model, onnx_model: OnnxModel, tokenizer, records: list[dict]) -> dict[str, Any]:
    """Strict span F1 of both models on ``records`` (fp32 PyTorch as reference) and the largest logit gap."""
    from phiner.analyze.backends import batched_logits
    from phiner.analyze.tagger import DEFAULT_WINDOWING, Tagger
    from phiner.evaluate.evaluation import evaluate_tagger
    from phiner.model.windows import encode

    if not records:
        raise PhinerError(Errors.E238)
    reference = Tagger(torch_model, tokenizer, precision="fp32")
    exported = Tagger(onnx_model, tokenizer)
    f1_torch = evaluate_tagger(reference, records)["strict"]["all"]["f1"]
    f1_onnx = evaluate_tagger(exported, records)["strict"]["all"]["f1"]
    features = encode(tokenizer, [r["text"] for r in records[:32]], DEFAULT_WINDOWING)
    a = batched_logits(torch_model, tokenizer, features, precision="fp32")
    b = batched_logits(onnx_model, tokenizer, features)
    gap = max(float(np.abs(x - y).max()) for x, y in zip(a, b))
    return {
        "records": len(records),
        "torch_f1": round(f1_torch, 4),
        "onnx_f1": round(f1_onnx, 4),
        "f1_difference": round(f1_onnx - f1_torch, 4),
        "max_logit_difference": round(gap, 4),
    }


def _run_test_data(run: Path) -> str:
    config = RunFolder(run).config()
    for path in config.data if config else []:
        if Path(path).is_dir() and (Path(path) / "test.jsonl").exists():
            return path
    raise PhinerError(Errors.E239.format(path=run))
