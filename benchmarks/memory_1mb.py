"""Peak memory of tagging one 1 MB text with roberta-base's architecture (random weights, no download).

    python benchmarks/memory_1mb.py [--backend torch|onnx-int8]

Prints the backend, the windows read, the seconds and the process's peak resident memory (ru_maxrss).
"""
import argparse
import json
import resource
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", choices=["torch", "onnx-int8"], default="torch")
    parser.add_argument("--megabytes", type=float, default=1.0)
    args = parser.parse_args()

    from phiner.config import LoraSettings
    from phiner.export import _torch_export, quantize_int8
    from phiner.model import add_lora, load_base_model, load_tokenizer, random_roberta
    from phiner.predict import Tagger

    with tempfile.TemporaryDirectory() as tmp:
        base = random_roberta(Path(tmp) / "base")
        tokenizer = load_tokenizer(str(base))
        model = add_lora(load_base_model(str(base), seed=0), LoraSettings()).merge_and_unload().eval()
        if args.backend == "onnx-int8":
            folder = Path(tmp) / "onnx"
            folder.mkdir()
            _torch_export(model, tokenizer, Path(tmp) / "model.onnx")
            quantize_int8(Path(tmp) / "model.onnx", folder / "model.int8.onnx")
            tokenizer.save_pretrained(str(folder))
            (folder / "onnx.json").write_text(json.dumps({"file": "model.int8.onnx", "int8": True}))
            del model
            tagger = Tagger.load(folder)
        else:
            tagger = Tagger(model, tokenizer, precision="auto")
        sentence = "Pasienten Kari Nordmann (41 år) ble innlagt 14.12.2018 og kan nås på +47 917 11 663. "
        text = (sentence * (int(args.megabytes * 1_000_000) // len(sentence) + 1))[: int(args.megabytes * 1_000_000)]
        started = time.perf_counter()
        tagger.predict([text])
        seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"backend": args.backend, "precision": tagger.precision, "chars": len(text),
                      "windows": tagger.last_windows[0], "seconds": round(seconds, 1), "peak_rss_mb": round(peak)}))


if __name__ == "__main__":
    main()
