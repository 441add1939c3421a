"""Site rules: the example file works, every key does what it says, and a bad file names its line."""

from pathlib import Path

import pytest

from phiner.analyze import RulesError, SiteRules, builtin_rules

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "rules.yaml"


def spans(rules, text):
    return [(s.text, s.label, s.source) for s in rules.find(text)]


def test_given_the_example_file_then_deny_terms_and_patterns_are_found_with_their_sources():
    rules = SiteRules.load(EXAMPLE)
    text = "ZORBLAX ble flyttet fra Solsiden til rom 412, MRN 1234567. Paracetamol gitt."
    assert sorted(spans(rules, text)) == sorted(
        [
            ("ZORBLAX", "PATIENT", "rule:deny"),
            ("Solsiden", "LOC", "rule:wards"),
            ("412", "LOC", "rule:room"),
            ("MRN 1234567", "ID", "rule:mrn"),
        ]
    )
    assert rules.allowed().contains("paracetamol") and rules.titles == ["avdelingssykepleier"]


def test_given_deny_terms_then_they_match_whole_words_in_any_case_and_without_accents():
    rules = SiteRules.from_dict({"deny": [{"text": "Bjørn Åsen", "label": "PATIENT"}]})
    assert spans(rules, "bjorn  asen; BJØRN\nÅSEN; Bjørn Åsenby") == [
        ("bjorn  asen", "PATIENT", "rule:deny"),
        ("BJØRN\nÅSEN", "PATIENT", "rule:deny"),
    ]


def test_given_the_builtin_rules_then_relatives_and_abbreviations_are_allowed():
    allowed = builtin_rules().allowed()
    assert all(allowed.contains(w) for w in ("Pt", "onkel", "Farfar", "sønnen", "MOTHER"))
    assert not allowed.contains("Nordmann")


def test_given_rules_then_repr_shows_counts_not_terms():
    rules = SiteRules.from_dict({"deny": [{"text": "Zorblax", "label": "PATIENT"}], "allow": ["Paracetamol"]})
    assert "Zorblax" not in repr(rules) and "deny=1" in repr(rules)


BAD = [
    ("deny:\n  - {text: Zorblax, label: PATIENT\n", 3, "not valid YAML"),
    ("- just a list\n", 1, "should be a mapping"),
    ("deny: []\nblock:\n  - x\n", 2, "rules has an unknown key; use deny"),
    ("deny:\n  - {text: Zorblax, label: ID, lable: ID}\n", 2, "deny[0] has an unknown key"),
    ("deny:\n  - {text: Zorblax}\n", 2, "deny[0] is missing `label`"),
    ("deny:\n  - {text: Zorblax, label: NAME}\n", 2, "deny[0].label should be one of"),
    ("deny:\n  - text: Zorblax\n    label: PATIENT\n    score: 3\n", 4, "deny[0].score should be a number"),
    (
        "patterns:\n  - {name: mrn, regex: 'MRN (\\d', label: ID}\n",
        2,
        "patterns[0].regex is not a valid regular expression",
    ),
    ("patterns:\n  - name: mrn\n    regex: '\\d*'\n    label: ID\n", 3, "matches the empty string"),
    ("patterns:\n  - {name: mrn, regex: 'MRN', label: ID, group: 2}\n", 2, "patterns[0].group names no group"),
    ("patterns:\n  - {regex: 'MRN', label: ID}\n", 2, "patterns[0] is missing `name`"),
    ("patterns:\n  - {name: 'a b', regex: 'MRN', label: ID}\n", 2, "patterns[0].name should be a name"),
    ("allow:\n  - Paracetamol\n  - 12\n", 3, "allow[1] should be a non-empty string"),
    ("allow: Paracetamol\n", 1, "allow should be a list"),
]


@pytest.mark.parametrize("content, line, message", BAD)
def test_given_a_bad_rules_file_then_the_error_names_its_line_and_entry_but_no_term(tmp_path, content, line, message):
    path = tmp_path / "rules.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(RulesError) as err:
        SiteRules.load(path)
    assert str(err.value).startswith(f"{path}:{line}: "), str(err.value)
    assert message in str(err.value)
    assert "Zorblax" not in str(err.value) and "Paracetamol" not in str(err.value)


def test_given_an_empty_rules_file_then_no_rules():
    assert not SiteRules.from_dict({})
