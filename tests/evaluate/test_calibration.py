"""Thresholds for a recall target: calibrate writes them into the run folder, and predict and evaluate use
them (or a --threshold override)."""

import json
import shutil

from conftest import NAME, run_cli
from phiner.infer.tagger import Tagger


def records(n=6):
    out = []
    for i in range(n):
        text = f"Pasient {NAME} ble sett, rom {i}."
        start = text.index(NAME)
        out.append({"text": text, "ner_tags": [{"start": start, "end": start + len(NAME), "label": "PATIENT"}]})
    return out


def test_given_a_recall_target_then_calibrate_stores_per_type_thresholds_that_predict_uses(
    name_model_dir, tmp_path, monkeypatch, capsys
):
    model = tmp_path / "model"
    shutil.copytree(name_model_dir, model)
    data = tmp_path / "val.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in records()))
    phi = Tagger.load(model).token_votes([records()[0]["text"]])[0].tokens
    name_phi = max(v.phi for v in phi.values() if v.alt and v.label)  # P(not O) of the name's token
    curve = tmp_path / "curve.png"
    args = ("calibrate", "--model", model, "--data", data, "--recall-target", "0.995", "--curve", curve)
    code, stdout, _ = run_cli(monkeypatch, capsys, *args)
    assert code == 0, stdout
    stored = json.loads((model / "thresholds.json").read_text())
    threshold = stored["thresholds"]["PATIENT"]
    assert 0.5 <= threshold <= name_phi  # the strictest grid value that still catches the name
    assert stored["reached"]["PATIENT"] is True and stored["calibrated"]["char_recall"]["value"] == 1.0
    assert curve.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert Tagger.load(model).thresholds == {"PATIENT": threshold}

    text = records()[0]["text"]
    code, stdout, _ = run_cli(monkeypatch, capsys, "predict", "--model", model, "--text", text)
    assert f"Name: {NAME}" in stdout
    code, stdout, _ = run_cli(
        monkeypatch, capsys, "predict", "--model", model, "--text", text, "--threshold", "PATIENT=0.99"
    )
    assert "Name:" not in stdout  # stricter than the model's confidence in the name
    code, stdout, _ = run_cli(monkeypatch, capsys, "evaluate", "--model", model, "--data", data)
    assert code == 0
    assert "share of the caught PHI characters by source: model 1.000" in stdout
    assert f"thresholds: PATIENT {threshold:g}" in stdout


def test_given_a_bad_threshold_then_one_line_error(name_model_dir, monkeypatch, capsys):
    for value, message in (("PATIENT", "should be TYPE=P"), ("NAME=0.5", "unknown type"), ("DATE=2", "at most 1")):
        code, _, stderr = run_cli(
            monkeypatch, capsys, "predict", "--model", name_model_dir, "--text", "x", "--threshold", value
        )
        assert code == 2 and message in stderr, stderr
