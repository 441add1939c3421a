"""predict and redact name the same thing the same way; the old names work for one release, each with a
deprecation line on stderr."""

import json
import re

import pytest

from conftest import NAME, run_cli
from phiner.cli.options import DEPRECATED, renamed


def names(monkeypatch, capsys, command: str) -> dict[str, str]:
    """Each option of ``command --help`` and its help text, as printed."""
    monkeypatch.setenv("COLUMNS", "400")
    code, out, _ = run_cli(monkeypatch, capsys, command, "--help")
    assert code == 0
    rows = {}
    for line in out.splitlines():
        match = re.match(r"^│\s+(--[a-z-]+)(?:\s+--[a-z-]+)*\s+(?:<[^>]+>\s+)?(.*?)\s*│$", line)
        if match:
            rows[match.group(1)] = match.group(2)
    return rows


def test_given_predict_and_redact_then_their_shared_options_have_one_name_and_one_help(monkeypatch, capsys):
    predict, redact = names(monkeypatch, capsys, "predict"), names(monkeypatch, capsys, "redact")
    shared = ["--text-field", "--id-field", "--batch-size", "--max-chars", "--resume", "--known-field",
              "--known-column", "--rules", "--no-rules", "--threshold", "--model", "--output-format", "--engine"]  # fmt: skip
    for option in shared:
        assert option in predict and option in redact, option
        assert predict[option] == redact[option], option
    for old in ("--text-column", "--id-column", "--buffer", "--field", "--patient-column"):
        assert old not in predict and old not in redact


def test_given_an_old_option_name_then_it_still_works_with_a_deprecation_line(
    name_model_dir, monkeypatch, capsys, tmp_path
):
    src = tmp_path / "notes.jsonl"
    src.write_text(json.dumps({"note": f"Ring {NAME}.", "nid": "a"}) + "\n")
    args = ["redact", "--model", name_model_dir, "--input", src, "--output", tmp_path / "out.jsonl"]
    code, _, err = run_cli(monkeypatch, capsys, *args, "--field", "note", "--id-column", "nid", "--buffer=8")
    assert code == 0, err
    for old, new in (("--field", "--text-field"), ("--id-column", "--id-field"), ("--buffer", "--batch-size")):
        assert f"{old} is deprecated and goes in the next release; use {new}" in err
    [row] = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert row["note"] == "Ring [PATIENT]."


@pytest.mark.parametrize(
    "argv,expected",
    [
        (["redact", "--text", "--buffer"], ["redact", "--text", "--buffer"]),  # a value, not an option
        (["redact", "--no-rules", "--buffer", "4"], ["redact", "--no-rules", "--batch-size", "4"]),
        (["predict", "--id-column=x"], ["predict", "--id-field=x"]),
        (["redact", "--", "--field"], ["redact", "--", "--field"]),
        (["train", "--batch-size", "4"], ["train", "--batch-size", "4"]),
    ],
)
def test_given_arguments_then_only_old_option_names_are_renamed(argv, expected):
    assert renamed(argv)[0] == expected


def test_given_the_old_names_then_each_maps_to_an_option_its_command_has(monkeypatch, capsys):
    for command, old_names in DEPRECATED.items():
        options = names(monkeypatch, capsys, command)
        assert all(new in options for new in old_names.values()), command


def test_given_a_bug_then_main_lets_its_exception_through_and_phiners_own_errors_exit_2(monkeypatch, capsys):
    import sys

    import phiner.jobs.plan
    from phiner.cli.main import main

    def broken(request):
        raise ValueError("a bug, not a user's mistake")

    monkeypatch.setattr(phiner.jobs.plan, "plan_redact", broken)
    monkeypatch.setattr(sys, "argv", ["phiner", "redact", "--text", "x"])
    with pytest.raises(ValueError, match="a bug"):
        main()
    monkeypatch.undo()
    code, _, err = run_cli(monkeypatch, capsys, "redact", "--text", "x", "--input", "y")
    assert code == 2 and "exactly one of --text or --input" in err


@pytest.mark.parametrize("command", ["redact", "predict"])
def test_given_a_job_setting_then_the_command_line_shows_the_help_its_options_field_carries(command):
    from dataclasses import fields

    import typer

    from phiner.cli.main import app
    from phiner.pipeline import RedactOptions

    params = {p.name: p for p in typer.main.get_command(app).commands[command].params}
    shown = {"buffer": "batch_size"}  # the field's name on the command line
    checked = 0
    for f in fields(RedactOptions):
        param = params.get(shown.get(f.name, f.name))
        if param is not None and getattr(param, "help", None):
            assert param.help == f.metadata["help"], (command, f.name)
            checked += 1
    assert checked >= (8 if command == "redact" else 5), checked


@pytest.mark.parametrize("command", ["redact", "predict"])
def test_given_a_ray_setting_then_its_option_and_its_field_show_one_help(command):
    from dataclasses import fields

    import typer

    from phiner.cli.main import app
    from phiner.ray import RaySettings

    params = {p.name: p for p in typer.main.get_command(app).commands[command].params}
    for f in fields(RaySettings):
        option = params["workers" if f.name == "workers" else f.name]
        assert option.help.startswith(f"--engine ray: {f.metadata['help']}"), (command, f.name)
        default = f" (default: {f.default:g})" if isinstance(f.default, (int, float)) else ""
        assert option.help.endswith(f.metadata["help"] + default), (command, f.name, option.help)


def test_given_a_training_setting_then_train_shows_the_help_its_field_carries():
    from dataclasses import fields

    import typer

    from phiner.cli.main import app
    from phiner.core.config import LoraSettings, RunConfig, TrainSettings

    params = {p.name: p for p in typer.main.get_command(app).commands["train"].params}
    checked = 0
    for cls, prefix in ((TrainSettings, ""), (LoraSettings, "lora_"), (RunConfig, "")):
        for f in fields(cls):
            name = {"target_modules": "lora_target"}.get(f.name, prefix + f.name)
            if name in params and "help" in f.metadata and name not in ("data", "init"):
                assert params[name].help.startswith(f.metadata["help"]), (name, params[name].help)
                checked += 1
    assert checked >= 15, checked
