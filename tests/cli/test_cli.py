import json
import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from conftest import NAME, run_cli
from phiner.cli.main import app


def phiner_cli(*args, cwd=None):
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "phiner", *map(str, args)], capture_output=True, text=True, env=env, cwd=cwd, timeout=300
    )


def test_given_data_synth_then_the_console_script_writes_a_dataset_folder(tmp_path):
    result = phiner_cli("data", "synth", "--out", tmp_path / "d", "--train", 8, "--test", 4, "--seed", 3)
    assert result.returncode == 0, result.stderr
    assert "train 8, test 4 (scenarios, seed 3)" in result.stdout
    lines = (tmp_path / "d" / "train.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 8 and json.loads(lines[0])["text"].startswith("locale: ")


def test_given_a_bad_input_line_then_predict_names_file_and_line_without_phi_and_writes_nothing(tmp_path, tiny_run):
    bad = tmp_path / "in.jsonl"
    bad.write_text('{"text": "Kari Nordmann"}\n{"txt": "Ola Hansen"}\n', encoding="utf-8")
    result = CliRunner().invoke(
        app, ["predict", "--model", str(tiny_run[0]), "--input", str(bad), "--output", str(tmp_path / "out.jsonl")]
    )
    assert result.exit_code != 0
    message = str(result.exception)
    assert f"{bad}:2: missing field `text`" in message
    assert "Ola" not in message and "Kari" not in message
    assert not (tmp_path / "out.jsonl").exists()


def test_given_input_jsonl_then_predict_keeps_every_key_and_adds_entities(tmp_path, tiny_run):
    src = tmp_path / "in.jsonl"
    src.write_text('{"text": "givenName: Kari", "id": "a"}\n{"text": "", "id": "b"}\n', encoding="utf-8")
    result = CliRunner().invoke(
        app, ["predict", "--model", str(tiny_run[0]), "--input", str(src), "--output", str(tmp_path / "out.jsonl")]
    )
    assert result.exit_code == 0, result.output
    rows = [json.loads(l) for l in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["a", "b"]
    assert all(isinstance(r["entities"], list) for r in rows) and rows[1]["entities"] == []
    assert os.stat(tmp_path / "out.jsonl").st_mode & 0o777 == 0o600  # it holds PHI


def test_given_one_text_then_predict_prints_predicted_entities_grouped_by_type(name_age_model_dir):
    result = CliRunner().invoke(
        app, ["predict", "--model", str(name_age_model_dir), "--text", f"{NAME} er 41 år. Ring {NAME}."]
    )
    assert result.exit_code == 0, result.output
    printed = [line for line in result.stdout.splitlines() if line.strip()]
    assert printed == ["--- Predicted Entities ---", f"Name: {NAME}, {NAME}", "Age: 41"]


def test_given_no_hub_then_train_fails_in_one_line_naming_the_ways_out(tmp_path, synth_data):
    result = phiner_cli("train", "--data", synth_data, "--out", tmp_path / "run", "--max-steps", 1)
    assert result.returncode == 2
    assert "--base-model PATH" in result.stderr and "minilm" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "run").exists()


def test_given_form_notes_then_data_synth_writes_free_text_notes(tmp_path):
    result = CliRunner().invoke(
        app, ["data", "synth", "--out", str(tmp_path / "n"), "--train", "6", "--test", "3", "--form", "notes"]
    )
    assert result.exit_code == 0, result.output
    rows = [json.loads(l) for l in (tmp_path / "n" / "test.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 3 and all(r["meta"]["form"] == "notes" for r in rows)


def test_given_an_unknown_form_then_data_synth_names_the_choices(tmp_path):
    result = CliRunner().invoke(app, ["data", "synth", "--out", str(tmp_path / "n"), "--form", "poems"])
    assert result.exit_code != 0
    assert "`--form` should be one of scenarios, notes, mixed, got 'poems'." in str(result.exception)


# ----------------------------------------------------------------------------------------------------------------
# Every failure a one-line error with exit 2 (issue 10, findings 9 and 10).


def damaged_run(tiny_run, tmp_path, damage):
    import shutil

    run = tmp_path / "run"
    shutil.copytree(tiny_run[0], run)
    damage(run)
    return run


def _truncate(run):
    path = run / "adapter_model.safetensors"
    path.write_bytes(path.read_bytes()[:200])


@pytest.mark.parametrize(
    "damage,message",
    [
        (lambda run: (run / "adapter_model.safetensors").unlink(), "adapter_model.safetensors: missing"),
        (_truncate, "adapter_model.safetensors: cannot be loaded"),
        (
            lambda run: (run / "config.yaml").write_text("train: [max_length: 5\n"),
            "config.yaml:2: not valid YAML (",
        ),
        (
            lambda run: (run / "config.yaml").write_text("train:\n  max_length: many\n"),
            "config.yaml: `train.max_length` should be int, got str",
        ),
        (lambda run: (run / "adapter_config.json").write_text("[1, 2"), "adapter_config.json: not a JSON object"),
    ],
    ids=["missing weights", "truncated weights", "bad yaml", "bad setting", "bad adapter config"],
)
def test_given_a_damaged_run_folder_then_one_line_error_naming_the_file(
    monkeypatch, capsys, tiny_run, tmp_path, damage, message
):
    run = damaged_run(tiny_run, tmp_path, damage)
    code, _, err = run_cli(monkeypatch, capsys, "predict", "--model", run, "--text", "Kari")
    assert code == 2 and message in err and "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("error:")


@pytest.mark.parametrize(
    "content,args,message",
    [
        ("", [], "no records"),
        ('{"text": "a"}\n{"text": "b"}\n', ["--record", "5"], "--record should be from 0 to 1"),
        ('{"text": "a"}\n{"text": "b"}\n', ["--record", "-1"], "--record should be from 0 to 1"),
    ],
    ids=["empty file", "record past the end", "negative record"],
)
def test_given_a_bad_predict_input_then_one_line_error(monkeypatch, capsys, tiny_run, tmp_path, content, args, message):
    src = tmp_path / "in.jsonl"
    src.write_text(content, encoding="utf-8")
    code, _, err = run_cli(monkeypatch, capsys, "predict", "--model", tiny_run[0], "--input", src, *args)
    assert code == 2 and message in err and "Traceback" not in err


def test_given_a_missing_predict_input_then_one_line_error(monkeypatch, capsys, tiny_run, tmp_path):
    code, _, err = run_cli(monkeypatch, capsys, "predict", "--model", tiny_run[0], "--input", tmp_path / "none.jsonl")
    assert code == 2 and "none.jsonl: no such file" in err and "Traceback" not in err


@pytest.mark.parametrize("key", ["", "nøkkel"])
def test_given_an_empty_or_non_ascii_api_key_then_serve_refuses_to_start(monkeypatch, capsys, tiny_run, key):
    monkeypatch.setenv("PHINER_API_KEY", key)
    code, _, err = run_cli(monkeypatch, capsys, "serve", "--model", tiny_run[0], "--port", "1")
    assert code == 2 and "$PHINER_API_KEY is set but empty or not printable ASCII" in err
    assert "nøkkel" not in err
