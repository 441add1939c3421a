"""The model shipped in the package: it loads offline with no --model, and finds PHI in a note it never saw."""

import json

import phiner
from conftest import run_cli
from phiner.model.base import default_model
from phiner.train.quickstart import SAMPLE_NOTE, redact_with_shipped_model


def test_given_no_model_then_the_cli_uses_the_shipped_one_and_finds_the_name_number_and_date(monkeypatch, capsys):
    code, stdout, stderr = run_cli(monkeypatch, capsys, "predict", "--text", SAMPLE_NOTE)
    assert code == 0, stderr
    assert "Kari Nordmann" in stdout and "140331 43010" in stdout and "14.03.2024" in stdout


def test_given_the_shipped_model_then_a_redacted_note_keeps_no_name_number_or_place():
    shipped = redact_with_shipped_model(log=lambda _: None)
    assert shipped is not None and shipped["note"] == SAMPLE_NOTE
    for phi in ("Kari", "Nordmann", "140331 43010", "917 11 663", "Tromsø", "14.03.2024", "Per ", "Hansen"):
        assert phi not in shipped["redacted"], phi


def test_given_the_shipped_folder_then_it_is_small_has_its_card_and_loads_through_the_api():
    folder = default_model()
    size = sum(p.stat().st_size for p in folder.iterdir())
    assert size < 8_000_000  # an adapter and head (LoRA on me5-small's 12 layers: 5.5 MB), not a model
    card = (folder / "README.md").read_text()
    assert "## Training data and licence" in card and "More Information Needed" not in card
    assert json.loads((folder / "adapter_config.json").read_text())["base_model_name_or_path"] == "me5-small"
    tagger = phiner.load()
    assert tagger.info["path"] == str(folder)
