"""Interop: a merged phiner model is a plain transformers model, read by the Hugging Face pipeline."""

from conftest import run_cli
from phiner.model.base import default_model

NOTE = "Pasient: Kari Nordmann, fnr 14033143010, innlagt 14.03.2024."


def test_given_the_shipped_model_merged_then_the_hf_token_classification_pipeline_finds_its_phi(
    tmp_path, monkeypatch, capsys
):
    from transformers import pipeline

    out = tmp_path / "merged"
    code, _, stderr = run_cli(monkeypatch, capsys, "merge", "--model", default_model(), "--out", out)
    assert code == 0, stderr
    tagger = pipeline("token-classification", model=str(out), aggregation_strategy="first", device="cpu")
    # The pipeline groups a SentencePiece model's tokens into words split at blanks only, so its entities keep
    # the sentence's punctuation (`Nordmann,`); phiner's own decoding trims it (phiner.analyze.tagger.trim_edges).
    found = {(e["entity_group"], NOTE[e["start"] : e["end"]].strip().rstrip(".,")) for e in tagger(NOTE)}
    assert ("PATIENT", "Kari Nordmann") in found and ("ID", "14033143010") in found
    assert ("DATE", "14.03.2024") in found
