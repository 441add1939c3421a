"""`phiner export`: Merged and exported models."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from phiner.cli.app import out


def merge(
    model: Annotated[Path, typer.Option(help="Run folder with a LoRA adapter.")],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the merged model.")],
    overwrite: Annotated[bool, typer.Option(help="Replace an existing folder.")] = False,
) -> None:
    """Merge the LoRA adapter into its base: a plain transformers model that loads without peft."""
    from phiner.model.base import merge as merge_run

    merge_run(model, out_dir, overwrite=overwrite)
    out.print(f"merged model written to {out_dir}")


def export_onnx(
    model: Annotated[Path, typer.Option(help="Run folder (adapter) or merged model folder.")],
    out_dir: Annotated[Path, typer.Option("--out", help="Export folder to write.")],
    int8: Annotated[bool, typer.Option("--int8", help="Dynamic int8 quantization of the weights.")] = False,
    data: Annotated[
        Optional[str], typer.Option(help="Test set for the parity check (the run's own test split).")
    ] = None,
    max_records: Annotated[Optional[int], typer.Option(help="Check parity on the first N records only.")] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing export folder.")] = False,
) -> None:
    """Export to ONNX Runtime (LoRA merged), check strict-F1 parity with PyTorch; predict/redact/serve take the folder."""
    from phiner.export.onnx import PARITY_TOLERANCE
    from phiner.export.onnx import export_onnx as run_export

    info = run_export(model, out_dir, int8=int8, data=data, max_records=max_records, overwrite=overwrite, log=out.print)
    p = info["parity"]
    out.print(
        f"parity on {p['records']} records: strict F1 {p['onnx_f1']:.4f} (PyTorch {p['torch_f1']:.4f}, "
        f"difference {p['f1_difference']:+.4f}, tolerance {PARITY_TOLERANCE}); "
        f"max logit difference {p['max_logit_difference']:.4f}"
    )
    out.print(f"export written to {out_dir} ({info['file']})")
