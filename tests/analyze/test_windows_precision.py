"""Prediction in bf16 finds the fp32 spans, and a run predicts with the window it was trained on."""

import copy

import yaml

from conftest import NAME
from phiner.analyze.tagger import DEFAULT_WINDOWING, Tagger
from phiner.core.config import LoraSettings, RunConfig, preset

TEXTS = [
    f"Samtale med {NAME} om prøvesvar.",
    f"{NAME} ringte kl. 14, og {NAME} kommer i morgen.",
    "Ingen navn her, bare en vanlig setning om blodtrykk.",
]


def test_bf16_prediction_finds_the_same_spans(name_tagger, roberta_tokenizer):
    fp32 = Tagger(name_tagger, roberta_tokenizer, precision="fp32").predict(TEXTS)
    # a copy: reading in bf16 keeps the linear layers in bf16, and the session's tagger is read in fp32 after
    bf16 = Tagger(copy.deepcopy(name_tagger), roberta_tokenizer, precision="bf16")
    assert bf16.precision == "bf16"
    assert [[(s.start, s.end, s.label) for s in doc] for doc in bf16.predict(TEXTS)] == [
        [(s.start, s.end, s.label) for s in doc] for doc in fp32
    ]


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
