import json

import pytest
import yaml

from conftest import SIX_STEPS
from phiner.core.config import RunConfig
from phiner.core.runfolder import RUN_FILES
from phiner.train.trainer import train


def test_given_six_steps_then_the_run_folder_holds_exactly_the_described_files(tiny_run):
    out, _ = tiny_run
    assert {p.name for p in out.iterdir()} == set(RUN_FILES) | {"README.md"}
    assert not list(out.parent.glob(".*partial*"))


def test_given_a_run_then_metrics_hold_before_and_after_and_parameter_counts(tiny_run):
    out, metrics = tiny_run
    saved = json.loads((out / "metrics.json").read_text())
    for stage in ("before", "after"):
        for key in (
            "eval_loss",
            "eval_precision",
            "eval_recall",
            "eval_f1",
            "eval_accuracy",
            "eval_runtime",
            "eval_samples_per_second",
        ):
            assert key in saved[stage]
    assert saved["train"]["train_runtime"] > 0 and saved["train"]["wall_seconds"] > 0
    assert 0 < saved["parameters"]["trainable"] < saved["parameters"]["total"]
    history = json.loads((out / "history.json").read_text())
    assert sum("loss" in h for h in history) == 3  # logged every 2 of 6 steps
    assert history[0]["step"] == 0 and history[0]["eval_loss"] == saved["before"]["eval_loss"]


def test_given_a_run_then_config_yaml_rebuilds_the_same_config(tiny_run):
    out, _ = tiny_run
    config = RunConfig.from_dict(yaml.safe_load((out / "config.yaml").read_text()))
    assert config.train.max_steps == 6 and config.lora.r == 16 and config.lora.bias == "lora_only"


def test_given_a_run_then_confusion_counts_every_scored_token(tiny_run):
    out, metrics = tiny_run
    conf = json.loads((out / "confusion.json").read_text())
    assert conf["classes"] == ["O", "ID", "DATE", "LOC", "PATIENT", "AGE", "PHONE"]
    assert sum(map(sum, conf["matrix"])) > 8 * 20
    assert set(metrics["per_type"]) >= {"PATIENT", "DATE", "micro avg"}


def test_given_a_run_then_phiner_load_predicts_spans_on_the_original_text(tiny_run):
    import phiner

    out, _ = tiny_run
    tagger = phiner.load(out)
    text = "givenName: Kari\nfamilyName: Nordmann\ncity: Tromsø"
    [spans] = tagger.predict([text])
    assert spans, "six steps of training should tag something in a record of its own training form"
    for span in spans:
        assert text[span.start : span.end] == span.text and 0 <= span.score <= 1


def test_given_an_existing_run_folder_then_train_refuses_to_overwrite(tiny_run, tiny_roberta, synth_data):
    out, _ = tiny_run
    config = RunConfig(base_model=str(tiny_roberta), data=[str(synth_data)], train=SIX_STEPS)
    with pytest.raises(FileExistsError, match="--overwrite"):
        train(config, out)


def test_given_a_note_longer_than_one_window_then_predict_reads_it_in_several_windows(tiny_run):
    import phiner

    out, _ = tiny_run
    tagger = phiner.load(out)
    long_text = "Pasienten har det bra. " * 400 + "Ring Kari Nordmann på 91711663."
    records = list(tagger.analyzer.predict_records([{"text": long_text, "id": 1}, {"text": "kort", "id": 2}]))
    assert [r["id"] for r in records] == [1, 2]
    assert records[0]["windows"] > 5 and records[1]["windows"] == 1
    assert records[0]["entities"], "the tiny run should tag something in a long text"
    for entity in records[0]["entities"]:
        assert long_text[entity["start"] : entity["end"]] == entity["text"]


def test_given_a_run_then_its_model_card_describes_it_from_its_own_files(tiny_run):
    out, metrics = tiny_run
    card = (out / "README.md").read_text()
    assert "More Information Needed" not in card and "/site-packages/" not in card  # peft's template is gone
    assert f"{metrics['data']['sources']['synth']:,} records from phiner's generated text" in card
    assert "license: apache-2.0" in card  # generated data only: redistributable
    f1 = metrics["after"]["eval_f1"]
    assert f"F1 {f1:.4f}" in card
    for section in ("## Intended use", "## Recipe", "## Failure modes", "## Thresholds", "## Retrain"):
        assert section in card
