"""The ONNX export of a run: the PyTorch logits, strict F1 kept in int8, parity refused without writing, and
predict reading the export."""

import json

import pytest
from typer.testing import CliRunner

from conftest import NAME
from phiner.analyze.tagger import Tagger
from phiner.cli.main import app

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
