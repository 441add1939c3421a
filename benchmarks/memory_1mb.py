"""Peak memory of tagging one 1 MB text with roberta-base's architecture (random weights, no download).

    python benchmarks/memory_1mb.py [--backend torch|onnx-int8] [--megabytes 1] [--max-length 512 --stride 128]

The model folder (merged LoRA, or its int8 ONNX export) is built first; then a fresh process loads it with
`phiner.load` and tags the text in the default recipe's windows (or those given), and reports its own peak
resident memory (VmHWM), windows and seconds.
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SENTENCE = "Pasienten Kari Nordmann (41 år) ble innlagt 14.12.2018 og kan nås på +47 917 11 663. "


def build(folder: Path, backend: str) -> Path:
    from phiner.core.config import LoraSettings
    from phiner.export.onnx import write_export
    from phiner.model.base import add_lora, load_base_model, load_tokenizer, random_roberta

    base = random_roberta(folder / "base")
    tokenizer = load_tokenizer(str(base))
    model = add_lora(load_base_model(str(base), seed=0), LoraSettings()).merge_and_unload().eval()
    out = folder / backend
    if backend == "onnx-int8":
        write_export(model, tokenizer, out, int8=True)
    else:
        model.save_pretrained(str(out))
        tokenizer.save_pretrained(str(out))
    return out


def measure(folder: str, megabytes: float, max_length: int, stride: int) -> None:
    import phiner
    from benchlib import peak_rss_mb
    from phiner.model.windows import Windowing

    tagger = phiner.load(folder, windowing=Windowing(max_length=max_length, pad_to_max_length=False, stride=stride))
    n = int(megabytes * 1_000_000)
    text = (SENTENCE * (n // len(SENTENCE) + 1))[:n]
    loaded = peak_rss_mb()
    started = time.perf_counter()
    [found] = tagger.read([text])
    print(
        json.dumps(
            {
                "precision": tagger.precision,
                "chars": len(text),
                "windows": found.windows,
                "window": [max_length, stride],
                "seconds": round(time.perf_counter() - started, 1),
                "peak_rss_mb_after_load": loaded,
                "peak_rss_mb": peak_rss_mb(),
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", choices=["torch", "onnx-int8"], default="onnx-int8")
    parser.add_argument("--megabytes", type=float, default=1.0)
    parser.add_argument("--max-length", type=int, default=None, help="tokens per window [the phiner preset's]")
    parser.add_argument("--stride", type=int, default=None, help="tokens shared by windows [the phiner preset's]")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    from phiner.core.config import preset

    recipe = preset("phiner")
    max_length, stride = args.max_length or recipe.max_length, args.stride or recipe.stride
    if args.measure:
        return measure(args.measure, args.megabytes, max_length, stride)
    with tempfile.TemporaryDirectory() as tmp:
        folder = build(Path(tmp), args.backend)
        subprocess.run(
            [
                sys.executable,
                __file__,
                "--measure",
                str(folder),
                "--megabytes",
                str(args.megabytes),
                "--max-length",
                str(max_length),
                "--stride",
                str(stride),
            ],
            check=True,
        )


if __name__ == "__main__":
    main()
