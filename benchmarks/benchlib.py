"""The bench's machinery (run by benchmarks/bench.py): training and tagging throughput, the design's pipeline vs phiner's.

Every contender runs in its own fresh process (so that its peak memory is its own), contenders are
interleaved within each repeat (so that a machine that slows down mid-run slows all of them), and figures
are medians. The matrix-multiply rates of the same machine, measured in the same run, give each contender's
tokens/s as a share of the ceiling for its precision.

FLOPs are counted per real (non-pad) token: a forward pass costs 2 x (weights of the linear layers) plus
4 x layers x hidden x window tokens for attention; LoRA training costs about 2 forwards (the frozen weights
need gradients of their inputs, not of themselves). Padding is work that counts for nothing.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

from phiner.model.hardware import bf16_native, cuda, describe, threads

NORDEID_DEFAULT = Path("../shared/data/nor-deid-synthdata")
"""Where the repository's README keeps Nor-DeID-SynthData; generated texts stand in when it is absent."""


# ---------------------------------------------------------------- matrix-multiply ceilings


def matmul_gflops(dtype: str, n: int | None = None, seconds: float = 2.0) -> float:
    """Sustained GFLOP/s of an n x n x n matrix product in ``dtype`` (fp32, bf16) with torch, on the GPU where
    there is one (n 8192, enough to fill it; 2048 on a CPU)."""
    import torch

    device = "cuda" if cuda() else "cpu"
    n = n or (8192 if device == "cuda" else 2048)
    torch_dtype = {"fp32": torch.float32, "bf16": torch.bfloat16}[dtype]
    a = torch.randn(n, n, dtype=torch_dtype, device=device)
    b = torch.randn(n, n, dtype=torch_dtype, device=device)
    for _ in range(2):
        a @ b
    _sync()
    runs, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        a @ b
        runs += 1
        if runs % 8 == 0:
            _sync()
    _sync()
    return 2 * n**3 * runs / (time.perf_counter() - start) / 1e9


def _sync() -> None:
    """Wait for queued GPU work, so that host clocks time it (nothing to wait for on a CPU)."""
    if cuda():
        import torch

        torch.cuda.synchronize()


def int8_matmul_gflops(n: int = 2048, seconds: float = 2.0) -> float:
    """Equivalent GFLOP/s of ONNX Runtime's dynamically quantized (int8) matrix product, n x n x n."""
    import numpy as np
    import onnx
    import onnxruntime as ort
    from onnx import TensorProto, helper, numpy_helper

    from phiner.export.onnx import quantize_int8

    weight = numpy_helper.from_array(np.random.default_rng(0).standard_normal((n, n)).astype(np.float32), "w")
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["y"])],
        "mm",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [n, n])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [n, n])],
        [weight],
    )
    with tempfile.TemporaryDirectory() as tmp:
        fp32, int8 = Path(tmp) / "mm.onnx", Path(tmp) / "mm.int8.onnx"
        onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8), str(fp32))
        quantize_int8(fp32, int8)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads()
        session = ort.InferenceSession(str(int8), options, providers=["CPUExecutionProvider"])
    x = np.random.default_rng(1).standard_normal((n, n)).astype(np.float32)
    for _ in range(2):
        session.run(None, {"x": x})
    runs, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        session.run(None, {"x": x})
        runs += 1
    return 2 * n**3 * runs / (time.perf_counter() - start) / 1e9


def flops_per_token(config, tokens_per_window: float) -> float:
    """Forward FLOPs per token of a BERT/RoBERTa encoder (see the module's docstring)."""
    hidden, layers = config.hidden_size, config.num_hidden_layers
    inter = config.intermediate_size
    linear = layers * (4 * hidden * hidden + 2 * hidden * inter) + hidden * config.num_labels
    return 2 * linear + 4 * layers * hidden * tokens_per_window


# ---------------------------------------------------------------- texts


def bench_texts(nordeid: Path | None, n_short: int, n_long: int, n_train: int) -> dict[str, Any]:
    """Short records (scenarios), long notes, and training records: Nor-DeID where given, else generated."""
    if nordeid is not None and (nordeid / "validation.json").exists():
        from phiner.data.nordeid import read_split

        train = read_split(nordeid / "training.json", "scenarios")[0][:n_train]
        short = [r["text"] for r in read_split(nordeid / "validation.json", "scenarios")[0]][:n_short]
        long = [r["text"] for r in read_split(nordeid / "validation.json", "notes")[0]][:n_long]
        origin = "Nor-DeID-SynthData: training scenarios, validation scenarios and notes"
    else:
        from phiner.data.synth import notes
        from phiner.data.synth import scenarios as synth

        train = synth.generate(n_train, 0, seed=0)["train"]
        short = [r["text"] for r in synth.generate(0, n_short, seed=1)["test"]]
        long = [r["text"] for r in notes.generate_notes(0, n_long, seed=2)["test"]]
        origin = "generated (phiner data synth): scenarios and template-disjoint notes"
    return {"train": train, "short": short, "long": long, "origin": origin}


# ---------------------------------------------------------------- workers (one process each)


def _train_worker(job: dict) -> dict:
    import torch
    from transformers import TrainerCallback

    from phiner.core.config import LoraSettings, preset
    from phiner.model.base import load_tokenizer
    from phiner.model.hardware import resolve_precision
    from phiner.model.windows import Windowing
    from phiner.train.trainer import build_model, make_trainer, to_dataset

    settings = preset(
        job["preset"],
        max_steps=job["warmup"] + job["steps"],
        batch_size=job["batch_size"],
        eval_before=False,
        logging_steps=10_000,
    )
    precision = resolve_precision(settings.precision)
    tokenizer = load_tokenizer(job["base"])
    windowing = Windowing(
        max_length=settings.max_length, pad_to_max_length=settings.pad_to_max_length, stride=settings.stride
    )
    records = json.loads(Path(job["records"]).read_text())
    data = to_dataset(tokenizer, records, windowing)
    model, attention = build_model(job["base"], settings, LoraSettings())
    from transformers import DataCollatorForTokenClassification

    inner = DataCollatorForTokenClassification(tokenizer)
    batches: list[tuple[int, int]] = []  # (real tokens, padded tokens) of each batch, in order

    def collate(features):
        batch = inner(features)
        batches.append((int(batch["attention_mask"].sum()), int(batch["attention_mask"].numel())))
        return batch

    times: list[float] = []

    class Clock(TrainerCallback):
        def on_step_begin(self, args, state, control, **kwargs):
            _sync()
            self.t = time.perf_counter()

        def on_step_end(self, args, state, control, **kwargs):
            _sync()
            times.append(time.perf_counter() - self.t)

    with tempfile.TemporaryDirectory() as tmp:
        trainer = make_trainer(
            model, tokenizer, data, None, settings, tmp, precision, collator=collate, callbacks=[Clock()]
        )
        trainer.train()
    measured = range(job["warmup"], len(times))
    seconds = sum(times[i] for i in measured)
    real = sum(batches[i][0] for i in measured)
    padded = sum(batches[i][1] for i in measured)
    n = len(measured) * settings.batch_size
    return {
        "samples_per_s": n / seconds,
        "tokens_per_s": real / seconds,
        "padded_share": 1 - real / padded,
        "mean_window_tokens": padded / n,
        "precision": precision,
        "attention": attention,
        "fast_dropout": settings.fast_dropout,
        "threads": torch.get_num_threads(),
        "step_seconds": statistics.median(times[i] for i in measured),
    }


def _predict_worker(job: dict) -> dict:
    import torch

    texts = json.loads(Path(job["texts"]).read_text())
    kind = job["contender"]
    if kind in ("hf_pipeline", "hf_pipeline_stride"):
        from transformers import AutoModelForTokenClassification, AutoTokenizer, pipeline

        model = AutoModelForTokenClassification.from_pretrained(job["merged"]).eval()
        tokenizer = AutoTokenizer.from_pretrained(job["merged"])
        tokenizer.model_max_length = job["pipeline_max_length"]
        # hf_pipeline_stride: the pipeline as a user reads long texts with it, in overlapping chunks of its
        # max length sharing `stride` tokens (as phiner's windows share theirs), so both sides read every token
        stride = {"stride": job["pipeline_stride"]} if kind == "hf_pipeline_stride" else {}
        tagger = pipeline(
            "token-classification",
            model=model,
            tokenizer=tokenizer,
            aggregation_strategy="first",
            device="cuda" if cuda() else "cpu",
            **stride,
        )
        lengths = [len(tokenizer(t)["input_ids"]) for t in texts]
        if stride:
            real, truncated = sum(lengths), 0
        else:
            real = sum(min(n, job["pipeline_max_length"]) for n in lengths)
            truncated = sum(n > job["pipeline_max_length"] for n in lengths)

        def run(batch: list[str]) -> None:
            with torch.inference_mode():
                tagger(batch)
    else:
        from phiner.analyze.tagger import Tagger

        precision = {"phiner_fp32": "fp32", "phiner_bf16": "bf16"}.get(kind, "fp32")
        path = job["onnx"] if kind.startswith("phiner_onnx") else job["merged"]
        from phiner.core.config import preset
        from phiner.model.base import max_window
        from phiner.model.windows import Windowing, fit_stride

        # phiner reads with the default recipe's windows (a model trained by it predicts with them)
        recipe = preset("phiner")
        tagger = Tagger.load(path, precision=precision, batch_size=job["batch_size"])
        length = min(recipe.max_length, max_window(job["merged"], tagger.tokenizer))
        tagger.windowing = Windowing(
            max_length=length, pad_to_max_length=False, stride=fit_stride(recipe.stride, length)
        )
        real = sum(len(tagger.tokenizer(t, add_special_tokens=False)["input_ids"]) for t in texts)
        truncated = 0

        def run(batch: list[str]) -> None:
            tagger.predict(batch)

    run(texts[: min(4, len(texts))])  # warm-up
    times = []
    for _ in range(job["passes"]):
        start = time.perf_counter()
        run(texts)
        times.append(time.perf_counter() - start)
    seconds = statistics.median(times)
    return {
        "docs_per_s": len(texts) / seconds,
        "tokens_per_s": real / seconds,
        "docs": len(texts),
        "truncated_docs": truncated,
        "threads": torch.get_num_threads(),
    }


WORKERS: dict[str, Callable[[dict], dict]] = {"train": _train_worker, "predict": _predict_worker}


def _run_worker(job: dict) -> dict:
    """Run ``job`` in a fresh interpreter; its result plus its peak resident memory."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(job, f)
    try:
        proc = subprocess.run(
            [sys.executable, __file__, f.name],
            capture_output=True,
            text=True,
            env={**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_VERBOSITY": "error"},
        )
    finally:
        os.unlink(f.name)
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-15:])
        raise RuntimeError(f"bench worker {job['worker']}/{job.get('contender', job.get('preset'))} failed:\n{tail}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _run_inline(job: dict) -> dict:
    """Run ``job`` in this interpreter; its result plus this process's peak resident memory so far."""
    return {**WORKERS[job["worker"]](job), "peak_rss_mb": peak_rss_mb()}


def _worker_main(path: str) -> None:
    job = json.loads(Path(path).read_text())
    result = WORKERS[job["worker"]](job)
    result["peak_rss_mb"] = peak_rss_mb()
    if cuda():
        import torch

        result["gpu_peak_mb"] = round(torch.cuda.max_memory_allocated() / 2**20, 1)
    print(json.dumps(result))


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB: ``VmHWM`` (Linux), which starts afresh at exec; elsewhere
    ``ru_maxrss``, which on Linux would also count the parent that forked this process."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    scale = 1024 if sys.platform != "darwin" else 1024 * 1024
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale, 1)


# ---------------------------------------------------------------- the run


def _median_of(results: list[dict]) -> dict:
    out: dict[str, Any] = {}
    for key in results[0]:
        values = [r[key] for r in results]
        out[key] = (
            statistics.median(values)
            if isinstance(values[0], (int, float)) and not isinstance(values[0], bool)
            else values[0]
        )
    out["repeats"] = len(results)
    return out


def _prepare_models(base_model: str, tmp: Path, log, onnx: bool = True) -> dict[str, str]:
    """The base folder, a merged model (random LoRA merged into it) and, with ``onnx``, its int8 ONNX export."""
    from phiner.core.config import LoraSettings
    from phiner.export.onnx import write_export
    from phiner.model.base import add_lora, load_base_model, load_tokenizer, random_roberta, resolve_base

    if base_model == "roberta-base-random":
        base = str(random_roberta(tmp / "base"))
    else:
        base = resolve_base(base_model)
    tokenizer = load_tokenizer(base)
    model = add_lora(load_base_model(base, seed=0), LoraSettings()).merge_and_unload().eval()
    merged = tmp / "merged"
    model.save_pretrained(str(merged))
    tokenizer.save_pretrained(str(merged))
    if onnx:
        started = time.perf_counter()
        write_export(model, tokenizer, tmp / "onnx-int8", int8=True)
        log(f"  int8 ONNX export of {base_model}: {time.perf_counter() - started:.0f} s")
    return {"base": base, "merged": str(merged), **({"onnx": str(tmp / "onnx-int8")} if onnx else {})}


def run_bench(
    *,
    base_model: str = "roberta-base-random",
    quick: bool = False,
    repeats: int | None = None,
    nordeid: Path | None = NORDEID_DEFAULT,
    with_minilm: bool = True,
    sizes: dict[str, int] | None = None,
    contenders: list[str] | None = None,
    log=print,
    isolate: bool = True,
    ceiling_seconds: float = 2.0,
) -> dict[str, Any]:
    """The whole bench; returns the JSON document (see the README for its keys).

    ``base_model``: ``roberta-base-random`` (roberta-base's architecture, random weights: no download),
    ``minilm``, or a model folder. ``sizes`` overrides the number of texts (n_short, n_long, n_train);
    ``contenders`` the prediction contenders (default: all of :data:`CONTENDERS` this machine runs).
    ``isolate``: each worker in a fresh interpreter (False: all in this one, for a test of the bench's contract;
    timings then share one process's caches). ``ceiling_seconds``: how long each matrix-multiply ceiling runs.
    """
    from transformers import AutoConfig

    repeats = repeats or (1 if quick else 3)
    size = {
        "n_short": 32 if quick else 100,
        "n_long": 24 if quick else 100,
        "n_train": 256 if quick else 1000,
        **(sizes or {}),
    }
    texts = bench_texts(Path(nordeid) if nordeid else None, **size)
    log(f"texts: {texts['origin']}; {len(texts['short'])} short, {len(texts['long'])} long")
    result: dict[str, Any] = {
        "machine": describe(),
        "settings": {"quick": quick, "repeats": repeats, **size, "texts": texts["origin"]},
    }
    log("matrix multiply ceilings ...")
    result["matmul_gflops"] = {
        "fp32": matmul_gflops("fp32", seconds=ceiling_seconds),
        "bf16": matmul_gflops("bf16", seconds=ceiling_seconds) if bf16_native() else None,
        "int8_onnx": int8_matmul_gflops(seconds=ceiling_seconds),
    }
    log("  " + ", ".join(f"{k} {v:.0f}" for k, v in result["matmul_gflops"].items() if v))
    bases = [base_model] + (["minilm"] if with_minilm and base_model != "minilm" else [])
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        files = {}
        for name in ("train", "short", "long"):
            files[name] = str(tmp / f"{name}.json")
            Path(files[name]).write_text(json.dumps(texts[name]))
        for i, base in enumerate(bases):
            log(f"{base}:")
            folder = tmp / f"model{i}"
            folder.mkdir()
            chosen = contenders or [c for c in CONTENDERS if c != "phiner_bf16" or bf16_native()]
            models = _prepare_models(base, folder, log, onnx=any("onnx" in c for c in chosen))
            config = AutoConfig.from_pretrained(models["merged"])
            run = _run_worker if isolate else _run_inline
            section = _bench_one(models, config, files, quick, repeats, result["matmul_gflops"], log, chosen, run)
            if base == base_model:
                result.update(section)
                result["base_model"] = base
            else:
                result[base] = section
    return result


CONTENDERS = ["hf_pipeline", "hf_pipeline_stride", "phiner_fp32", "phiner_onnx_int8", "phiner_bf16"]
"""What reads the notes in the prediction benches: the HF pipeline truncating and striding, phiner in fp32, int8
ONNX and bf16 (where the CPU does bf16 natively)."""


def _bench_one(models, config, files, quick, repeats, gflops, log, contenders, run) -> dict[str, Any]:
    train_jobs = {
        p: {
            "worker": "train",
            "preset": p,
            "base": models["base"],
            "records": files["train"],
            "batch_size": 16,
            "warmup": 1,
            "steps": 2 if quick else 4,
        }
        for p in ("design", "phiner")
    }
    pipeline_length = min(512, config.max_position_embeddings - 2)
    predict_jobs = {}
    for kind in ("short", "long"):
        for c in contenders:
            predict_jobs[(kind, c)] = {
                "worker": "predict",
                "contender": c,
                "texts": files[kind],
                "merged": models["merged"],
                "onnx": models.get("onnx"),
                "batch_size": 16,
                "passes": 1 if quick else 3,
                "pipeline_max_length": pipeline_length,
                "pipeline_stride": min(128, (pipeline_length - 2) // 2),
            }
    raw: dict[Any, list[dict]] = {}
    for r in range(repeats):
        order = list(train_jobs.items()) + list(predict_jobs.items())
        if r % 2:
            order.reverse()
        for key, job in order:
            res = run(job)
            raw.setdefault(key, []).append(res)
            label = key if isinstance(key, str) else "/".join(key)
            rate = res.get("samples_per_s") or res.get("docs_per_s")
            log(
                f"  [{r + 1}/{repeats}] {label}: {rate:.2f}/s, {res['tokens_per_s']:.0f} tok/s, "
                f"{res['peak_rss_mb']:.0f} MB"
            )
    section: dict[str, Any] = {"train": {}, "predict_short": {}, "predict_long": {}}
    for p in ("design", "phiner"):
        m = _median_of(raw[p])
        ceiling = gflops["bf16"] if m["precision"] == "bf16" else gflops["fp32"]
        flops = 2 * flops_per_token(config, m["mean_window_tokens"]) * m["tokens_per_s"] / 1e9
        m.update(gflops=flops, ceiling_share=flops / ceiling, ceiling=m["precision"])
        section["train"][p] = m
    section["train"]["ratio"] = (
        section["train"]["phiner"]["samples_per_s"] / section["train"]["design"]["samples_per_s"]
    )
    for kind in ("short", "long"):
        block = section[f"predict_{kind}"]
        for c in contenders:
            m = _median_of(raw[(kind, c)])
            precision = "int8_onnx" if "onnx" in c else ("bf16" if c.endswith("bf16") else "fp32")
            window = min(256, m["tokens_per_s"] / m["docs_per_s"])
            flops = flops_per_token(config, window) * m["tokens_per_s"] / 1e9
            m.update(gflops=flops, ceiling=precision, ceiling_share=flops / gflops[precision])
            block[c] = m
        fastest = max((c for c in contenders if c.startswith("phiner")), key=lambda c: block[c]["docs_per_s"])
        block["phiner"] = {**block[fastest], "contender": fastest}
        # against the pipeline reading every token (stride), the truncating pipeline's figure beside it
        block["ratio"] = block["phiner"]["docs_per_s"] / block["hf_pipeline_stride"]["docs_per_s"]
        block["ratio_truncating"] = block["phiner"]["docs_per_s"] / block["hf_pipeline"]["docs_per_s"]
    return section


def _memory(m: dict) -> str:
    """Peak host memory, and the GPU's where the contender ran on one."""
    return f"{m['peak_rss_mb']:.0f}" + (f" + GPU {m['gpu_peak_mb']:.0f}" if m.get("gpu_peak_mb") else "")


def table(result: dict[str, Any]) -> list[list[str]]:
    """Rows of the printed table: ratios first, then each contender."""
    rows = [["what", "contender", "rate", "tokens/s", "of ceiling", "peak MB"]]

    def add(section: dict, prefix: str) -> None:
        t = section["train"]
        rows.append([f"{prefix}train", "phiner / design", f"{t['ratio']:.2f}x", "", "", ""])
        for kind in ("long", "short"):
            p = section[f"predict_{kind}"]
            rows.append(
                [
                    f"{prefix}predict {kind}",
                    f"{p['phiner']['contender']} / hf_pipeline_stride",
                    f"{p['ratio']:.2f}x (truncating: {p['ratio_truncating']:.2f}x)",
                    "",
                    "",
                    "",
                ]
            )
        for name in ("design", "phiner"):
            m = t[name]
            rows.append(
                [
                    f"{prefix}train",
                    f"{name} ({m['precision']})",
                    f"{m['samples_per_s']:.2f} samples/s",
                    f"{m['tokens_per_s']:.0f}",
                    f"{100 * m['ceiling_share']:.0f}% {m['ceiling']}",
                    _memory(m),
                ]
            )
        for kind in ("long", "short"):
            for name, m in section[f"predict_{kind}"].items():
                if name in ("phiner", "ratio", "ratio_truncating"):
                    continue
                note = f" (truncated {m['truncated_docs']})" if m.get("truncated_docs") else ""
                rows.append(
                    [
                        f"{prefix}predict {kind}",
                        name + note,
                        f"{m['docs_per_s']:.2f} docs/s",
                        f"{m['tokens_per_s']:.0f}",
                        f"{100 * m['ceiling_share']:.0f}% {m['ceiling']}",
                        _memory(m),
                    ]
                )

    add(result, "")
    if "minilm" in result:
        add(result["minilm"], "minilm ")
    return rows


if __name__ == "__main__":
    _worker_main(sys.argv[1])
