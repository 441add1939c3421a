"""`phiner train --config`: a run config file, the preset's defaults, and the flags given on top."""

import pytest
import yaml

from phiner.cli.train import resolve_run_config
from phiner.core.config import PRESETS, RunConfig, TrainSettings, preset
from phiner.core.errors import PhinerError

NONE_TRAIN = dict.fromkeys(
    (
        "epochs",
        "max_steps",
        "learning_rate",
        "batch_size",
        "max_length",
        "stride",
        "pad_to_max_length",
        "precision",
        "group_by_length",
        "seed",
        "max_train_samples",
    )
)
NONE_LORA = dict.fromkeys(("r", "alpha", "dropout", "target_modules"))


def resolve(**given):
    args = dict(
        config=None,
        preset=None,
        base_model=None,
        data=["d"],
        init=None,
        truncate=False,
        train=dict(NONE_TRAIN),
        lora=dict(NONE_LORA),
    )
    args["train"].update(given.pop("train", {}))
    args["lora"].update(given.pop("lora", {}))
    return resolve_run_config(**{**args, **given})


def test_given_no_config_then_the_phiner_preset_with_the_flags_given_on_top():
    run = resolve(train={"epochs": 2.0}, lora={"r": 8, "target_modules": ["query", "value"]})
    assert run.train == TrainSettings(**{**PRESETS["phiner"], "epochs": 2.0})
    assert (run.lora.r, run.lora.alpha, run.lora.target_modules) == (8, 32, ["query", "value"])
    assert resolve(preset="design").train == preset("design")


def test_given_a_config_file_then_its_settings_stand_where_no_flag_is_given(tmp_path):
    saved = RunConfig(
        base_model="minilm", data=["a", "b"], train=preset("design", epochs=3.0, max_length=128, stride=32)
    )
    path = tmp_path / "run.yaml"
    path.write_text(yaml.safe_dump(saved.to_dict()))
    run = resolve(config=path, data=None, train={"learning_rate": 1e-3})
    assert (run.base_model, run.data, run.train.epochs, run.train.max_length) == ("minilm", ["a", "b"], 3.0, 128)
    assert run.train.learning_rate == 1e-3 and saved.train.learning_rate == 5e-4
    shorter = resolve(config=path, data=None, train={"max_length": 32})
    assert shorter.train.stride < 16, "a shorter window gets the config's stride fitted to it"
    assert resolve(config=path, data=None, truncate=True).train.stride is None


@pytest.mark.parametrize(
    "given,message",
    [
        (dict(preset="design", config="run.yaml"), "Give --preset or --config, not both"),
        (dict(data=None), "Give --data"),
        (dict(train={"precision": "fp8"}), "`train.precision` should be one of fp32, bf16, auto"),
        (dict(lora={"r": 0}), "`lora.r` should be positive"),
    ],
)
def test_given_bad_settings_then_one_error_names_them(tmp_path, given, message):
    if "config" in given:
        given["config"] = tmp_path / given["config"]
    with pytest.raises(PhinerError, match=message):
        resolve(**given)


def test_given_a_config_with_a_bad_field_then_the_error_names_the_file_and_field(tmp_path):
    path = tmp_path / "run.yaml"
    path.write_text("data: [d]\ntrain:\n  epochs: many\n")
    with pytest.raises(PhinerError, match="run.yaml: `train.epochs` should be int or float, got str"):
        resolve(config=path, data=None)


def test_given_train_with_a_config_then_the_run_folder_records_the_config_and_the_flags(
    tiny_roberta, synth_data, tmp_path
):
    from typer.testing import CliRunner

    from phiner.cli.main import app

    config = RunConfig(
        base_model=str(tiny_roberta),
        data=[str(synth_data)],
        train=TrainSettings(max_length=64, stride=16, pad_to_max_length=False, batch_size=4, eval_before=False),
    )
    path = tmp_path / "run.yaml"
    path.write_text(yaml.safe_dump(config.to_dict()))
    result = CliRunner().invoke(
        app, ["train", "--config", str(path), "--out", str(tmp_path / "run"), "--max-steps", "2", "--lora-r", "4"]
    )
    assert result.exit_code == 0, result.output
    saved = yaml.safe_load((tmp_path / "run" / "config.yaml").read_text())
    assert saved["train"]["max_steps"] == 2 and saved["train"]["max_length"] == 64 and saved["lora"]["r"] == 4
    assert saved["base_model"] == str(tiny_roberta)
