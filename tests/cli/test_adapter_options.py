"""The adapter options' functions (phiner.cli.adapters), as predict and redact would take them."""

import json
import pickle

import pytest

from phiner.cli.adapters import adapter_tagger_loader, parse_adapters
from phiner.core.errors import PhinerError


def test_given_adapter_options_then_the_loader_pickles_and_gives_the_named_adapters_tagger(adapter_runs):
    adapters = parse_adapters([f"notes={adapter_runs['patient']}", f"places={adapter_runs['loc']}"])
    loader = pickle.loads(pickle.dumps(adapter_tagger_loader(None, adapters, "places", no_rules=True)))
    tagger = loader()
    assert tagger.adapter == "places" and tagger.thresholds == {"LOC": 0.4}
    assert [(s.text, s.label) for s in tagger.predict(["Notat 3: Kari kom i dag."])[0]] == [("Kari", "LOC")]


@pytest.mark.parametrize("item", ["a", "=run", "a=", "a b=run"])
def test_given_a_malformed_adapter_entry_then_the_error_names_the_entry(item):
    with pytest.raises(PhinerError, match="--adapter entry 1"):
        parse_adapters([item])


@pytest.mark.parametrize(("default", "label"), [(None, "PATIENT"), ("places", "LOC")])
def test_given_predict_and_redact_with_adapters_then_they_read_through_the_chosen_one(
    adapter_runs, tmp_path, monkeypatch, capsys, default, label
):
    from conftest import run_cli

    adapters = ["--adapter", f"notes={adapter_runs['patient']}", "--adapter", f"places={adapter_runs['loc']}"]
    chosen = ["--default-adapter", default] if default else []
    src = tmp_path / "in.jsonl"
    src.write_text('{"text": "Notat 3: Kari kom i dag."}\n', encoding="utf-8")
    code, _, err = run_cli(
        monkeypatch,
        capsys,
        "predict",
        "--input",
        src,
        "--output",
        tmp_path / "p.jsonl",
        "--no-rules",
        *adapters,
        *chosen,
    )
    assert code == 0, err
    entities = json.loads((tmp_path / "p.jsonl").read_text())["entities"]
    assert [(e["text"], e["label"]) for e in entities] == [("Kari", label)]
    code, out, err = run_cli(
        monkeypatch, capsys, "redact", "--text", "Notat 3: Kari kom i dag.", "--no-rules", *adapters, *chosen
    )
    assert code == 0 and f"[{label}]" in out, (out, err)


def test_given_model_and_adapter_then_predict_refuses_both(adapter_runs, monkeypatch, capsys):
    from conftest import run_cli

    code, _, err = run_cli(
        monkeypatch,
        capsys,
        "predict",
        "--text",
        "x",
        "--model",
        adapter_runs["loc"],
        "--adapter",
        f"a={adapter_runs['loc']}",
    )
    assert code == 2 and "not both" in err
