"""What the writing commands (merge, export onnx, calibrate) refuse: an output that is, is inside, or holds one of
their inputs; a calibration set with nothing to calibrate on; and a --model folder that does not exist."""

import json
import math
import shutil

import pytest

from conftest import NAME, run_cli
from phiner.core.errors import PhinerError


def snapshot(folder):
    """Every file under ``folder`` with its bytes."""
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def run_copy(tiny_run, tmp_path):
    """A copy of the tiny run folder that a test may lose."""
    run = tmp_path / "runs" / "run"
    shutil.copytree(tiny_run[0], run)
    return run


@pytest.fixture
def model_copy(name_model_dir, tmp_path):
    """A copy of the hand-set name tagger (a merged model folder) with thresholds from an earlier calibration."""
    model = tmp_path / "model"
    shutil.copytree(name_model_dir, model)
    (model / "thresholds.json").write_text(json.dumps({"thresholds": {"PATIENT": 0.4}}) + "\n")
    return model


def name_records(path, n=4):
    lines = []
    for i in range(n):
        text = f"Pasient {NAME} ble sett i rom {i}."
        start = text.index(NAME)
        lines.append(
            json.dumps({"text": text, "ner_tags": [{"start": start, "end": start + len(NAME), "label": "PATIENT"}]})
        )
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("where", ["same", "inside"])
def test_given_an_out_that_is_or_is_inside_the_model_then_merge_refuses_and_keeps_the_run(
    monkeypatch, capsys, run_copy, where
):
    before = snapshot(run_copy)
    out = run_copy if where == "same" else run_copy / "inner"
    code, _, err = run_cli(monkeypatch, capsys, "merge", "--model", run_copy, "--out", out, "--overwrite")
    assert code == 2 and "Traceback" not in err, err
    assert f"--out {out}" in err and "--model" in err
    assert snapshot(run_copy) == before


def test_given_an_out_that_holds_the_model_then_merge_refuses_to_delete_it(monkeypatch, capsys, run_copy):
    before = snapshot(run_copy)
    parent = run_copy.parent
    code, _, err = run_cli(monkeypatch, capsys, "merge", "--model", run_copy, "--out", parent, "--overwrite")
    assert code == 2 and f"--out {parent}" in err and "would delete" in err, err
    assert snapshot(run_copy) == before


@pytest.mark.parametrize("where", ["same", "inside", "parent"])
def test_given_an_out_overlapping_the_model_then_export_onnx_refuses_and_keeps_the_run(
    monkeypatch, capsys, run_copy, where
):
    before = snapshot(run_copy)
    out = {"same": run_copy, "inside": run_copy / "onnx", "parent": run_copy.parent}[where]
    args = ("export", "onnx", "--model", run_copy, "--out", out, "--overwrite", "--max-records", "2")
    code, _, err = run_cli(monkeypatch, capsys, *args)
    assert code == 2 and "Traceback" not in err and f"--out {out}" in err, err
    assert snapshot(run_copy) == before


def test_given_a_curve_onto_an_input_then_calibrate_refuses_and_writes_nothing(
    monkeypatch, capsys, model_copy, tmp_path
):
    data = name_records(tmp_path / "val.jsonl")
    before, records = snapshot(model_copy), data.read_bytes()
    for curve, names in ((data, "--data"), (model_copy / "thresholds.json", "--model"), (model_copy, "--model")):
        args = ("calibrate", "--model", model_copy, "--data", data, "--curve", curve)
        code, _, err = run_cli(monkeypatch, capsys, *args)
        assert code == 2 and f"--curve {curve}" in err and names in err, err
    assert snapshot(model_copy) == before and data.read_bytes() == records


@pytest.mark.parametrize(
    "content,message",
    [
        ("", "no records"),
        ('{"text": "Ingen opplysninger her.", "ner_tags": []}\n' * 3, "no PHI spans"),
    ],
    ids=["empty file", "no PHI"],
)
def test_given_a_calibration_set_without_phi_then_calibrate_refuses_and_leaves_thresholds_and_card(
    monkeypatch, capsys, run_copy, tmp_path, content, message
):
    from phiner.train.card import write_card

    (run_copy / "thresholds.json").write_text(json.dumps({"thresholds": {"PATIENT": 0.4}}) + "\n")
    write_card(run_copy)
    before = snapshot(run_copy)
    data = tmp_path / "val.jsonl"
    data.write_text(content)
    code, _, err = run_cli(monkeypatch, capsys, "calibrate", "--model", run_copy, "--data", data)
    assert code == 2 and message in err and str(data) in err and "Traceback" not in err, err
    assert snapshot(run_copy) == before


def test_given_records_without_phi_then_the_calibration_is_refused_not_reached(name_model_dir):
    from phiner.analyze.tagger import Tagger
    from phiner.evaluate.calibration import calibrate, collect

    tagger = Tagger.load(name_model_dir, detector=None, thresholds={})
    collected = collect(tagger, [{"text": "Ingen opplysninger her.", "ner_tags": []}])
    with pytest.raises(PhinerError, match="no PHI spans"):
        calibrate(collected, 0.99)
    with pytest.raises(PhinerError, match="no records"):
        calibrate(collect(tagger, []), 0.99)


def test_given_a_non_finite_figure_then_save_json_finite_refuses_naming_the_field(tmp_path):
    from phiner.core.runfolder import RunFolder

    for value in (math.nan, math.inf):
        with pytest.raises(PhinerError, match=r"thresholds\.json: `calibrated\.char_recall\.value` is not a finite"):
            RunFolder(tmp_path).save_json(
                "thresholds.json", {"calibrated": {"char_recall": {"value": value}}}, finite=True
            )
        assert not (tmp_path / "thresholds.json").exists()


@pytest.mark.parametrize(
    "args",
    [
        ("export", "onnx", "--out", "{tmp}/out"),
        ("merge", "--out", "{tmp}/out"),
        ("calibrate", "--data", "{data}"),
        ("evaluate", "--data", "{data}"),
        ("predict", "--text", "Kari"),
        ("redact", "--text", "Kari"),
        ("serve", "--port", "1"),
    ],
    ids=lambda args: " ".join(args[:2]) if args[0] == "export" else args[0],
)
def test_given_a_missing_model_folder_then_each_command_says_it_does_not_exist(monkeypatch, capsys, tmp_path, args):
    monkeypatch.setenv("PHINER_API_KEY", "key")
    data = name_records(tmp_path / "val.jsonl")
    missing = tmp_path / "runs" / "nonexist"
    filled = [a.format(tmp=tmp_path, data=data) for a in args]
    code, _, err = run_cli(monkeypatch, capsys, *filled, "--model", missing)
    assert code == 2 and "Traceback" not in err, err
    assert f"{missing} does not exist" in err and "dataset" not in err, err
    assert not (tmp_path / "out").exists()


def test_given_an_empty_model_folder_then_export_onnx_says_it_is_no_model_folder(monkeypatch, capsys, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    code, _, err = run_cli(monkeypatch, capsys, "export", "onnx", "--model", empty, "--out", tmp_path / "out")
    assert code == 2 and f"{empty} has neither adapter_config.json nor config.json" in err, err


@pytest.mark.parametrize("where", ["same", "inside"])
def test_given_an_out_onto_its_init_adapter_then_train_refuses_before_loading_and_keeps_the_run(
    monkeypatch, capsys, run_copy, synth_data, tiny_roberta, where
):
    before = snapshot(run_copy)
    out = run_copy if where == "same" else run_copy / "inner"
    code, _, err = run_cli(monkeypatch, capsys, "train", "--data", synth_data, "--base-model", tiny_roberta,
                           "--init", run_copy, "--out", out, "--overwrite", "--max-steps", "1")  # fmt: skip
    assert code == 2 and "--init" in err and "Traceback" not in err, err
    assert snapshot(run_copy) == before
