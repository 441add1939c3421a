"""Training presets and --init: the reference preset is the dataclass defaults, bad presets refused, training
starting from a run's adapter, the phiner preset's settings."""

import json
from dataclasses import asdict

import pytest
from typer.testing import CliRunner

from conftest import SIX_STEPS
from phiner.analyze.tagger import Tagger
from phiner.cli.main import app
from phiner.core.config import PRESETS, LoraSettings, RunConfig, TrainSettings, preset


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
