"""benchmarks/bench.py: its output contract on a tiny model, and its pipelines' reading of a long note."""

import json
import sys
from pathlib import Path

import pytest

from conftest import NAME


def test_the_bench_writes_its_contract_on_a_tiny_model(tiny_roberta):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
    from benchlib import run_bench, table

    result = run_bench(
        base_model=str(tiny_roberta),
        quick=True,
        with_minilm=False,
        log=lambda _: None,
        sizes={"n_short": 6, "n_long": 4, "n_train": 40},
        contenders=[
            "hf_pipeline",
            "hf_pipeline_stride",
            "phiner_fp32",
        ],  # phiner reads int8 and bf16 in tests/export, tests/analyze
        isolate=False,  # the fresh interpreter per worker is tested below, once
        ceiling_seconds=0.3,
    )
    assert set(result["machine"]) >= {"cpu", "cores", "bf16_native"}
    for name in ("design", "phiner"):
        assert result["train"][name]["samples_per_s"] > 0
        assert result["train"][name]["peak_rss_mb"] > 100
    assert result["train"]["design"]["precision"] == "fp32"
    assert result["train"]["design"]["padded_share"] > result["train"]["phiner"]["padded_share"]
    for kind in ("predict_long", "predict_short"):
        assert result[kind]["hf_pipeline"]["docs_per_s"] > 0 and result[kind]["phiner"]["docs_per_s"] > 0
        assert result[kind]["ratio"] == pytest.approx(
            result[kind]["phiner"]["docs_per_s"] / result[kind]["hf_pipeline_stride"]["docs_per_s"]
        )
        assert result[kind]["ratio_truncating"] == pytest.approx(
            result[kind]["phiner"]["docs_per_s"] / result[kind]["hf_pipeline"]["docs_per_s"]
        )
        assert result[kind]["hf_pipeline_stride"]["truncated_docs"] == 0  # reads every token, as phiner does

    assert result["matmul_gflops"]["fp32"] > 0
    bf16 = result["matmul_gflops"]["bf16"]  # measured where the CPU does bf16 natively, else not at all
    assert (bf16 > 0) if result["machine"]["bf16_native"] else (bf16 is None or bf16 >= 0)
    rows = table(result)
    assert rows[1][1] == "phiner / design" and rows[1][2].endswith("x")


def test_a_bench_worker_runs_in_a_fresh_interpreter_and_reports_its_peak_memory(name_model_dir, tmp_path):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
    from benchlib import _run_worker

    (tmp_path / "texts.json").write_text(json.dumps([f"Ring {NAME} i morgen."] * 3), encoding="utf-8")
    job = {"worker": "predict", "contender": "phiner_fp32", "texts": str(tmp_path / "texts.json")}
    job.update(merged=str(name_model_dir), onnx=None, passes=1, batch_size=4)
    job.update(pipeline_max_length=128, pipeline_stride=32)
    result = _run_worker(job)
    assert result["docs"] == 3 and result["docs_per_s"] > 0 and result["peak_rss_mb"] > 100


def test_the_bench_pipeline_with_stride_reads_every_token_of_a_long_note_and_the_plain_one_cuts_it(
    name_model_dir, tmp_path
):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
    from benchlib import _predict_worker

    note = "Pasienten er stabil og sover godt. " * 40 + f"Ring {NAME}."  # about 400 tokens
    (tmp_path / "texts.json").write_text(json.dumps([note]), encoding="utf-8")
    job = {"texts": str(tmp_path / "texts.json"), "merged": str(name_model_dir), "passes": 1}
    job.update(pipeline_max_length=128, pipeline_stride=32, batch_size=4)
    cut = _predict_worker({**job, "contender": "hf_pipeline"})
    whole = _predict_worker({**job, "contender": "hf_pipeline_stride"})
    assert (cut["truncated_docs"], whole["truncated_docs"]) == (1, 0)
    read = {name: m["tokens_per_s"] / m["docs_per_s"] for name, m in (("cut", cut), ("whole", whole))}
    assert read["cut"] == pytest.approx(128) and read["whole"] > 350
