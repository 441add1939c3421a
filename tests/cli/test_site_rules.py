"""A leak closed the same day: a rule added to the site's YAML file finds a name the model misses, and an
allow-listed term the model takes for a name is left alone, through the CLI and the service."""

import json

import pytest

from conftest import NAME, hand_set_tagger, run_cli
from helpers import call, running
from phiner.analyze import Detector, SiteRules
from phiner.analyze.tagger import Tagger
from phiner.serve.app import create_app

TEXT = f"Pasient {NAME} fikk Medivakt. Zorblax ringte 22 11 33 44."
RULES = """deny:
  - {text: "Zorblax", label: PATIENT}
allow:
  - "Medivakt"
"""


@pytest.fixture(scope="module")
def drug_model_dir(roberta_tokenizer, tmp_path_factory):
    """A hand-set tagger that tags the name and, wrongly, the ward's own system Medivakt as a place (one direction
    per type): a site's term that no vocabulary knows (a drug the built-ins would drop themselves)."""
    out = tmp_path_factory.mktemp("drug-model")
    hand_set_tagger(roberta_tokenizer, {NAME: "PATIENT", "Medivakt": "LOC"}).save_pretrained(str(out))
    roberta_tokenizer.save_pretrained(str(out))
    return out


def entities(path):
    [row] = [json.loads(line) for line in path.read_text().splitlines()]
    return [(TEXT[e["start"] : e["end"]], e["label"], e["source"]) for e in row["entities"]]


def test_given_a_rule_added_then_predict_finds_the_missed_name_and_leaves_the_allowed_term(
    drug_model_dir, tmp_path, monkeypatch, capsys
):
    src, rules = tmp_path / "in.jsonl", tmp_path / "rules.yaml"
    src.write_text(json.dumps({"text": TEXT}) + "\n")
    before, after = tmp_path / "before.jsonl", tmp_path / "after.jsonl"
    code, *_ = run_cli(monkeypatch, capsys, "predict", "--model", drug_model_dir, "--input", src, "--output", before)
    assert code == 0
    assert entities(before) == [
        (NAME, "PATIENT", "model"),
        ("Medivakt", "LOC", "model"),
        ("22 11 33 44", "PHONE", "pattern:phone"),
    ]
    rules.write_text(RULES)
    args = ("predict", "--model", drug_model_dir, "--input", src, "--output", after, "--rules", rules)
    code, *_ = run_cli(monkeypatch, capsys, *args)
    assert code == 0
    assert entities(after) == [
        (NAME, "PATIENT", "model"),
        ("Zorblax", "PATIENT", "rule:deny"),
        ("22 11 33 44", "PHONE", "pattern:phone"),
    ]


def test_given_a_rule_then_redact_replaces_the_name_and_keeps_the_drug(drug_model_dir, tmp_path, monkeypatch, capsys):
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES)
    code, stdout, _ = run_cli(
        monkeypatch, capsys, "redact", "--model", drug_model_dir, "--text", TEXT, "--rules", rules
    )
    assert code == 0
    assert stdout.strip() == "Pasient [PATIENT] fikk Medivakt. [PATIENT] ringte [PHONE]."


def test_given_no_rules_then_only_the_model_and_the_site_rules_find_phi(drug_model_dir, tmp_path, monkeypatch, capsys):
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES)
    args = ("redact", "--model", drug_model_dir, "--text", TEXT, "--rules", rules, "--no-rules")
    code, stdout, _ = run_cli(monkeypatch, capsys, *args)
    assert code == 0
    assert stdout.strip() == "Pasient [PATIENT] fikk Medivakt. [PATIENT] ringte 22 11 33 44."


def test_given_a_bad_rules_file_then_the_cli_says_where_in_one_line(drug_model_dir, tmp_path, monkeypatch, capsys):
    rules = tmp_path / "rules.yaml"
    rules.write_text("deny:\n  - {text: Zorblax, label: NAME}\n")
    code, _, stderr = run_cli(
        monkeypatch, capsys, "redact", "--model", drug_model_dir, "--text", TEXT, "--rules", rules
    )
    assert code == 2
    assert f"{rules}:2: deny[0].label should be one of" in stderr and "Zorblax" not in stderr


def test_given_rules_in_the_server_or_in_a_request_then_the_service_closes_the_leak(drug_model_dir, tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES)
    plain = Tagger.load(drug_model_dir)
    site = Tagger.load(drug_model_dir, detector=Detector.default(SiteRules.load(rules)))
    with running(create_app(plain)) as base:
        status, body = call(base, "/v1/entities", {"text": TEXT}, key=None)
        assert status == 200
        assert [(e["text"], e["source"]) for e in body["entities"]] == [
            (NAME, "model"),
            ("Medivakt", "model"),
            ("22 11 33 44", "pattern:phone"),
        ]
        request_rules = {"deny": [{"text": "Zorblax", "label": "PATIENT"}], "allow": ["Medivakt"]}
        status, body = call(base, "/v1/redact", {"text": TEXT, "rules": request_rules}, key=None)
        assert status == 200 and body["redacted"] == "Pasient [PATIENT] fikk Medivakt. [PATIENT] ringte [PHONE]."
        assert [i["source"] for i in body["entities"]] == ["model", "rule:deny", "pattern:phone"]
        status, body = call(base, "/v1/entities", {"text": TEXT, "rules": {"deny": [{"text": "Zorblax"}]}}, key=None)
        assert status == 422 and "deny[0] is missing `label`" in body["detail"] and "Zorblax" not in json.dumps(body)
        status, body = call(base, "/v1/entities", {"text": TEXT, "known": {"PATIENT": ["Zorblax"]}}, key=None)
        assert status == 200 and ("Zorblax", "known") in [(e["text"], e["source"]) for e in body["entities"]]
        for bad, message in (
            ({"text": TEXT, "known": {"NAVN": ["Zorblax"]}}, "unknown type"),
            ({"texts": [TEXT], "known": {"PATIENT": ["Zorblax"]}}, "`known` goes with `text`"),
            ({"texts": [TEXT, TEXT], "knowns": [None]}, "one entry per text"),
            ({"text": TEXT, "rules": {"patterns": [{"name": "x", "regex": "(Zorblax", "label": "ID"}]}}, "position"),
        ):
            status, body = call(base, "/v1/entities", bad, key=None)
            assert status == 422 and message in json.dumps(body), body
            assert "Zorblax" not in json.dumps(body) and "NAVN" not in json.dumps(body)
    with running(create_app(site)) as base:
        status, body = call(base, "/v1/redact", {"texts": [TEXT, "Zorblax"]}, key=None)
        assert status == 200
        assert [r["redacted"] for r in body["results"]] == [
            "Pasient [PATIENT] fikk Medivakt. [PATIENT] ringte [PHONE].",
            "[PATIENT]",
        ]
