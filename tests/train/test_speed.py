"""Presets, continued training, bf16, the ONNX export with its parity check, and the bench's contract."""

import json
import sys
from dataclasses import asdict
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from conftest import NAME, SIX_STEPS
from phiner.analyze.tagger import DEFAULT_WINDOWING, Tagger
from phiner.cli.main import app
from phiner.core.config import PRESETS, LoraSettings, RunConfig, TrainSettings, preset

TEXTS = [
    f"Samtale med {NAME} om prøvesvar.",
    f"{NAME} ringte kl. 14, og {NAME} kommer i morgen.",
    "Ingen navn her, bare en vanlig setning om blodtrykk.",
]


def name_records():
    out = []
    for text in TEXTS:
        spans, at = [], 0
        while (i := text.find(NAME, at)) >= 0:
            spans.append({"start": i, "end": i + len(NAME), "label": "PATIENT"})
            at = i + len(NAME)
        out.append({"text": text, "ner_tags": spans})
    return out


def test_the_design_preset_is_the_dataclass_defaults_and_phiner_differs_in_cost_rate_and_window():
    assert preset("design") == TrainSettings()
    fast = asdict(preset("phiner"))
    changed = {k for k, v in asdict(TrainSettings()).items() if fast[k] != v}
    assert changed == set(PRESETS["phiner"])
    assert fast["pad_to_max_length"] is False and fast["precision"] == "auto" and fast["group_by_length"] is True
    assert (fast["max_length"], fast["stride"], fast["epochs"], fast["learning_rate"]) == (512, 128, 10.0, 1e-3)
    assert preset("phiner", learning_rate=1e-4, epochs=None).learning_rate == 1e-4
    with pytest.raises(ValueError, match="unknown preset 'fast'"):
        preset("fast")


def test_given_an_unknown_preset_or_precision_then_the_cli_says_so(tmp_path, synth_data):
    for args in (["--preset", "fast"], ["--precision", "fp8"]):
        result = CliRunner().invoke(app, ["train", "--data", str(synth_data), "--out", str(tmp_path / "r"), *args])
        assert result.exit_code != 0
        assert args[1] in str(result.exception)  # named in one line (main() prints it and exits 2)
        assert not (tmp_path / "r").exists()


def test_given_init_then_training_starts_from_the_runs_adapter(tiny_run, tiny_roberta, synth_data, tmp_path):
    from phiner.train.trainer import train

    run, first = tiny_run
    settings = TrainSettings(**{**asdict(SIX_STEPS), "max_steps": 1, "learning_rate": 1e-12})
    config = RunConfig(
        base_model=str(tiny_roberta), data=[str(synth_data)], init=str(run), lora=LoraSettings(), train=settings
    )
    second = train(config, tmp_path / "again", log=lambda _: None)
    # before any step the continued model scores exactly what the first run scored at its end
    assert second["before"]["eval_loss"] == pytest.approx(first["after"]["eval_loss"], rel=1e-5)


def test_bf16_prediction_finds_the_same_spans(name_tagger, roberta_tokenizer):
    fp32 = Tagger(name_tagger, roberta_tokenizer, precision="fp32").predict(TEXTS)
    bf16 = Tagger(name_tagger, roberta_tokenizer, precision="bf16")
    assert bf16.precision == "bf16"
    assert [[(s.start, s.end, s.label) for s in doc] for doc in bf16.predict(TEXTS)] == [
        [(s.start, s.end, s.label) for s in doc] for doc in fp32
    ]


def test_the_onnx_export_of_a_run_gives_the_pytorch_logits(tiny_run, synth_data, tmp_path):
    from phiner.export.onnx import export_onnx

    run, _ = tiny_run
    info = export_onnx(run, tmp_path / "onnx", data=synth_data, log=lambda _: None)
    assert info["file"] == "model.onnx" and not info["int8"]
    assert info["parity"]["max_logit_difference"] < 1e-3
    assert info["parity"]["f1_difference"] == 0
    records = json.loads((tmp_path / "onnx" / "onnx.json").read_text())
    assert records == info
    texts = [json.loads(line)["text"] for line in (synth_data / "test.jsonl").read_text().splitlines()]
    onnx, torch = Tagger.load(tmp_path / "onnx"), Tagger.load(run, precision="fp32")
    assert onnx.precision == "onnx"
    assert [[s.to_dict() for s in d] for d in onnx.predict(texts)] == [
        [s.to_dict() for s in d] for d in torch.predict(texts)
    ]


def test_the_int8_export_keeps_strict_f1_and_predict_uses_it(name_tagger, roberta_tokenizer, tmp_path):
    from phiner.core.records import write_jsonl

    merged = tmp_path / "merged"
    name_tagger.save_pretrained(str(merged))
    roberta_tokenizer.save_pretrained(str(merged))
    write_jsonl(tmp_path / "names.jsonl", name_records())
    result = CliRunner().invoke(
        app,
        [
            "export",
            "onnx",
            "--model",
            str(merged),
            "--out",
            str(tmp_path / "int8"),
            "--int8",
            "--data",
            str(tmp_path / "names.jsonl"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "strict F1 1.0000 (PyTorch 1.0000" in result.output
    info = json.loads((tmp_path / "int8" / "onnx.json").read_text())
    assert info["file"] == "model.int8.onnx" and not (tmp_path / "int8" / "model.onnx").exists()
    write_jsonl(tmp_path / "in.jsonl", [{"id": i, "text": t} for i, t in enumerate(TEXTS)])
    result = CliRunner().invoke(
        app,
        [
            "predict",
            "--model",
            str(tmp_path / "int8"),
            "--input",
            str(tmp_path / "in.jsonl"),
            "--output",
            str(tmp_path / "out.jsonl"),
        ],
    )
    assert result.exit_code == 0, result.output
    found = [
        [e["text"] for e in json.loads(line)["entities"]] for line in (tmp_path / "out.jsonl").read_text().splitlines()
    ]
    assert found == [[NAME], [NAME, NAME], []]


def test_a_failed_parity_check_writes_nothing(name_tagger, roberta_tokenizer, tmp_path, monkeypatch):
    from phiner.core.errors import PhinerError
    from phiner.core.records import write_jsonl
    from phiner.export import onnx as export

    merged = tmp_path / "merged"
    name_tagger.save_pretrained(str(merged))
    roberta_tokenizer.save_pretrained(str(merged))
    write_jsonl(tmp_path / "names.jsonl", name_records())
    monkeypatch.setattr(export, "PARITY_TOLERANCE", -1.0)  # no export can pass
    with pytest.raises(PhinerError, match="parity check failed"):
        export.export_onnx(merged, tmp_path / "out", data=tmp_path / "names.jsonl", log=lambda _: None)
    assert not (tmp_path / "out").exists()
    assert not list(tmp_path.glob(".out*"))


@pytest.mark.slow
def test_the_bench_writes_its_contract_on_a_tiny_model(tiny_roberta):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
    from benchlib import run_bench, table

    result = run_bench(
        base_model=str(tiny_roberta),
        quick=True,
        with_minilm=False,
        log=lambda _: None,
        sizes={"n_short": 6, "n_long": 4, "n_train": 40},
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


def test_fast_dropout_drops_at_rate_p_scales_the_rest_and_passes_gradients():
    import torch

    from phiner.model.dropout import FastDropout

    for p in (0.05, 0.1, 0.5):
        x = torch.ones(1_000_003, requires_grad=True)
        layer = FastDropout(p).train()
        y = layer(x)
        dropped = (y == 0).float().mean().item()
        assert abs(dropped - p) < 5 * (p * (1 - p) / x.numel()) ** 0.5  # five standard deviations
        assert torch.allclose(y[y != 0], torch.tensor(1 / (1 - p)))
        y.sum().backward()
        assert torch.equal(x.grad, y.detach())  # d(y)/d(x) is the same mask and scale
    x = torch.randn(4, 7)
    assert FastDropout(0.3).eval()(x) is x
    masks = [FastDropout(0.5).train()(torch.ones(64)) for _ in range(2)]
    assert not torch.equal(*masks)  # a fresh mask every call


def test_use_fast_dropout_swaps_every_dropout_and_changes_no_prediction(tiny_roberta):
    import torch
    from torch import nn

    from phiner.core.config import LoraSettings
    from phiner.model.base import add_lora, load_base_model
    from phiner.model.dropout import FastDropout, use_fast_dropout

    model = add_lora(load_base_model(str(tiny_roberta), seed=0), LoraSettings()).eval()
    before = sum(type(m) is nn.Dropout for m in model.modules())
    ids = torch.tensor([[0, 713, 16, 10, 1296, 2]])
    with torch.no_grad():
        expected = model(input_ids=ids).logits
    assert use_fast_dropout(model) == before > 0
    assert not any(type(m) is nn.Dropout for m in model.modules())
    assert sum(isinstance(m, FastDropout) for m in model.modules()) == before
    with torch.no_grad():
        assert torch.equal(model(input_ids=ids).logits, expected)


@pytest.mark.slow
def test_the_phiner_preset_trains_with_its_settings(tiny_roberta, synth_data, tmp_path):
    from phiner.model.hardware import resolve_precision
    from phiner.train.trainer import train

    settings = preset("phiner", max_steps=4, batch_size=4, max_length=64, stride=16, logging_steps=2)
    config = RunConfig(base_model=str(tiny_roberta), data=[str(synth_data)], lora=LoraSettings(), train=settings)
    metrics = train(config, tmp_path / "run", log=lambda _: None)
    assert metrics["train"]["precision"] == resolve_precision("auto")
    assert metrics["train"]["attention"] == "eager"  # a CPU, fast dropout, windows of 64
    history = json.loads((tmp_path / "run" / "history.json").read_text())
    assert max(h.get("step", 0) for h in history) == 4
    assert len(Tagger.load(tmp_path / "run").predict(["Kari Nordmann", ""])) == 2


def test_a_run_predicts_with_the_window_it_was_trained_on_and_a_long_window_is_fitted_to_the_model(
    tiny_roberta, synth_data, tmp_path
):
    from phiner.analyze.tagger import run_windowing
    from phiner.model.base import load_tokenizer, max_window
    from phiner.train.trainer import train

    limit = max_window(str(tiny_roberta), load_tokenizer(str(tiny_roberta)))
    settings = preset("phiner", max_steps=1, batch_size=4, max_length=limit + 100, eval_before=False)
    config = RunConfig(base_model=str(tiny_roberta), data=[str(synth_data)], lora=LoraSettings(), train=settings)
    logs: list[str] = []
    train(config, tmp_path / "run", log=logs.append)
    assert any(f"using {limit}" in line for line in logs)
    assert config.train.max_length == limit + 100, "train() must not change its caller's config"
    saved = yaml.safe_load((tmp_path / "run" / "config.yaml").read_text())["train"]
    assert saved["max_length"] == limit and saved["stride"] < limit // 2
    tagger = Tagger.load(tmp_path / "run")
    assert (tagger.windowing.max_length, tagger.windowing.stride) == (limit, saved["stride"])
    assert run_windowing(tmp_path / "run", max_length=64).max_length == 64
    assert run_windowing(tmp_path / "run", truncate=True).stride is None
    assert run_windowing(tmp_path / "nowhere") == DEFAULT_WINDOWING


def test_auto_attention_is_eager_for_short_windows_and_flash_for_long_ones_on_a_cpu():
    from phiner.model.hardware import cuda, resolve_attention

    assert resolve_attention("auto", True, 256) == ("sdpa" if cuda() else "eager")
    assert resolve_attention("auto", True, 512) == ("sdpa" if cuda() else "flash")
    assert resolve_attention("auto", False, 128) == ("sdpa" if cuda() else "flash")
    assert resolve_attention("eager", True, 512) == "eager"


def test_given_flash_attention_then_attention_weights_have_no_dropout_and_the_rest_keeps_its_own(tiny_roberta):
    import torch

    from phiner.core.config import LoraSettings, preset
    from phiner.train.trainer import build_model

    settings = preset("phiner", attention="flash", max_length=64, stride=16)
    model, attention = build_model(str(tiny_roberta), settings, LoraSettings())
    assert attention == "flash" and model.config._attn_implementation == "sdpa"
    drops = {n: m.p for n, m in model.named_modules() if isinstance(m, torch.nn.Dropout)}
    attention_drops = [p for n, p in drops.items() if n.endswith("attention.self.dropout")]
    assert attention_drops and set(attention_drops) == {0.0}
    assert any(p > 0 for n, p in drops.items() if not n.endswith("attention.self.dropout"))
    model.train()
    ids = torch.randint(5, 100, (2, 64))
    loss = model(input_ids=ids, attention_mask=torch.ones_like(ids), labels=torch.zeros_like(ids)).loss
    loss.backward()
    assert torch.isfinite(loss)
