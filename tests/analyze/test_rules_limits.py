"""Rules from a request or a file cannot take a service or a job down: duplicate terms are one term, patterns run
in linear time, a rules set finds a bounded number of spans, a YAML file cannot multiply itself through aliases,
and errors name the entry, never what a caller sent."""

import json
import pickle
import re
import resource
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import NAME, run_cli
from helpers import call, running
from phiner.analyze import SiteRules
from phiner.analyze.linear import LinearRegex, PatternError
from phiner.analyze.rules import MAX_SPANS, RulesError
from phiner.serve.app import create_app


def _max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def test_given_one_term_repeated_9999_times_then_each_match_is_one_span_at_once():
    started, before = time.monotonic(), _max_rss_mb()
    rules = SiteRules.from_dict({"deny": [{"terms": ["a"] * 9999, "label": "ID"}]})
    spans = rules.find("a " * 20000)
    assert len(spans) == 20000
    # the same term in 9,999 entries of other names and cases: still one span a match
    rules = SiteRules.from_dict(
        {"deny": [{"terms": ["a" if i % 2 else "A"], "label": "ID", "name": f"n{i}"} for i in range(9999)]}
    )
    assert len(rules.find("a " * 20000)) == 20000
    assert time.monotonic() - started < 2 and _max_rss_mb() - before < 200


def test_given_rules_that_find_more_spans_than_the_cap_then_they_are_refused_naming_no_term():
    rules = SiteRules.from_dict({"deny": [{"text": "zq", "label": "ID"}]})
    with pytest.raises(RulesError, match="over 100,000 spans") as err:
        rules.find("zq " * (MAX_SPANS + 1))
    assert "zq" not in str(err.value)
    patterns = SiteRules.from_dict({"patterns": [{"name": "x", "regex": "q", "label": "ID"}]})
    with pytest.raises(RulesError, match="spans"):
        patterns.find("q" * (MAX_SPANS + 1))


@pytest.mark.parametrize("n", [29, 5000])
def test_given_a_backtracking_regex_then_it_runs_in_linear_time(n):
    rules = SiteRules.from_dict({"patterns": [{"name": "x", "regex": "(a+)+$", "label": "ID"}]})
    started = time.monotonic()
    assert rules.find("a" * n + "b") == []
    assert [(s.start, s.end) for s in rules.find("b" + "a" * n)] == [(1, n + 1)]
    assert time.monotonic() - started < 1


@pytest.mark.parametrize(
    "regex", [r"(?<!\d)\d{7}", r"Kari(?= Nordmann)", r"(a)\1", r"(?P<x>a)(?P=x)", r"a*+", r"(?>a+)b"]
)
def test_given_a_pattern_that_cannot_run_in_linear_time_then_it_is_refused_without_quoting_it(regex):
    with pytest.raises(RulesError, match=r"patterns\[0\]\.regex ") as err:
        SiteRules.from_dict({"patterns": [{"name": "x", "regex": regex, "label": "ID"}]})
    assert regex not in str(err.value) and "Kari" not in str(err.value)


def test_given_classes_and_word_boundaries_then_they_read_as_pythons_re_reads_them():
    text = "bor i Åsen, ikke i Nordåsen; rom 12 og rom 123, ٤٥ år"
    assert [text[a:b] for a, b in LinearRegex(r"\bÅsen\b").spans(text)] == ["Åsen"]
    assert list(LinearRegex(r"\bsen\b").spans(text)) == []  # RE2's own \b would match inside Åsen
    assert [text[a:b] for a, b in LinearRegex(r"\w+åsen").spans(text)] == ["Nordåsen"]
    assert [text[a:b] for a, b in LinearRegex(r"\d+ år").spans(text)] == ["٤٥ år"]
    assert [text[a:b] for a, b in LinearRegex(r"\brom (\d{2})\b").spans(text, group=1)] == ["12"]
    assert [text[a:b] for a, b in LinearRegex(r"\bRom (?P<n>\d+)\b", ignore_case=True).spans(text, "n")] == [
        "12",
        "123",
    ]
    with pytest.raises(PatternError, match="alternatives"):
        LinearRegex(r"\bab\b|\bcd\b")
    with pytest.raises(PatternError, match="both word and other"):
        LinearRegex(r"\b.+\b")
    rx = pickle.loads(pickle.dumps(LinearRegex(r"\brom (\d+)", ignore_case=True)))
    assert list(rx.spans("ROM 7", 1)) == [(4, 5)]


PATTERNS = [r"\d+", r"[a-zå]+\d?", r"a|å1", r"\w+", r"\s+\S", r"(a)(1)?", r"[^ ,]+,", r"\bå\w*", r"\w+1\b", r"-\d\b"]


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(PATTERNS), st.text(alphabet="aå1٣ ,-_\n", max_size=40), st.booleans())
def test_given_any_text_then_linear_patterns_find_what_pythons_re_finds(pattern, text, ignore_case):
    flags = re.IGNORECASE if ignore_case else 0
    expected = [m.span() for m in re.finditer(pattern, text, flags)]
    assert list(LinearRegex(pattern, ignore_case=ignore_case).spans(text)) == expected


BOMB = "a: &a [x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 8)}]\n" for i in range(9)
)


def test_given_a_yaml_alias_bomb_then_the_rules_file_is_refused_at_once(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text(f"patterns: []\n{BOMB}")
    started, before = time.monotonic(), _max_rss_mb()
    with pytest.raises(RulesError, match=r"rules\.yaml:2: uses a YAML anchor or alias"):
        SiteRules.load(path)
    assert time.monotonic() - started < 1 and _max_rss_mb() - before < 50


def test_given_a_non_string_key_in_a_pattern_then_the_file_is_refused_with_its_line(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text("patterns:\n  - name: mrn\n    regex: 'MRN \\d{7}'\n    label: ID\n    1: x\n    zq: y\n")
    with pytest.raises(RulesError, match=r"rules\.yaml:\d: patterns\[0\] has a key that is not a pattern key") as e:
        SiteRules.load(path)
    assert "zq" not in str(e.value)


def test_given_the_probes_rules_then_the_cli_exits_2_or_finishes_at_once(name_model_dir, tmp_path, monkeypatch, capsys):
    src, rules = tmp_path / "in.txt", tmp_path / "rules.yaml"
    src.write_text(f"Pasient {NAME} " + "a " * 20000)
    rules.write_text(json.dumps({"deny": [{"terms": ["a"] * 9999, "label": "ID"}]}))
    started = time.monotonic()
    code, out, _ = run_cli(monkeypatch, capsys, "redact", "--model", str(name_model_dir), "--input", str(src),
                           "--rules", str(rules))  # fmt: skip
    assert code == 0 and out.count("[ID]") == 20000
    rules.write_text(BOMB)
    code, _, err = run_cli(monkeypatch, capsys, "redact", "--model", str(name_model_dir), "--input", str(src),
                           "--rules", str(rules))  # fmt: skip
    assert code == 2 and "anchor or alias" in err
    assert time.monotonic() - started < 20


def test_given_the_probes_requests_then_the_service_answers_within_a_second_or_two(name_tagger, roberta_tokenizer):
    from phiner.analyze.tagger import Tagger

    tagger = Tagger(name_tagger, roberta_tokenizer)
    with running(create_app(tagger)) as base:
        started = time.monotonic()
        body = {"text": "a " * 20000, "rules": {"deny": [{"terms": ["a"] * 9999, "label": "ID"}]}}
        status, answer = call(base, "/v1/entities", body, key=None)
        assert status == 200 and len(answer["entities"]) == 20000
        body = {"text": "a" * 29 + "b", "rules": {"patterns": [{"name": "x", "regex": "(a+)+$", "label": "ID"}]}}
        status, answer = call(base, "/v1/entities", body, key=None)
        assert status == 200 and answer["entities"] == []
        body = {"text": "zq", "rules": {"patterns": [{"name": "x", "regex": "zq", "label": "ID", "zqkey": 1}]}}
        status, answer = call(base, "/v1/entities", body, key=None)
        assert status == 422 and "zq" not in json.dumps(answer)
        body = {"text": "zq", "rules": {"patterns": [{"name": "x", "regex": "(?<=z)q", "label": "ID"}]}}
        status, answer = call(base, "/v1/entities", body, key=None)
        assert status == 422 and "linear time" in json.dumps(answer) and "(?<=" not in json.dumps(answer)
        assert time.monotonic() - started < 10


def test_given_a_run_config_with_an_alias_bomb_then_it_is_refused_at_once(tmp_path):
    from phiner.core.errors import PhinerError
    from phiner.core.runfolder import read_config

    path = tmp_path / "config.yaml"
    path.write_text(BOMB)
    started = time.monotonic()
    with pytest.raises(PhinerError, match=r"config\.yaml:1: uses a YAML anchor or alias"):
        read_config(path)
    assert time.monotonic() - started < 1


def test_given_rules_over_the_span_cap_then_the_text_is_refused_before_the_model_reads_it(
    name_tagger, roberta_tokenizer
):
    from phiner.analyze.tagger import Tagger

    tagger = Tagger(name_tagger, roberta_tokenizer)
    passes = []

    def reader(features):
        passes.append(len(features["input_ids"]))
        return []

    rules = SiteRules.from_dict({"patterns": [{"name": "x", "regex": "q", "label": "ID"}]})
    with pytest.raises(RulesError):
        tagger.through(reader).read(["q" * (MAX_SPANS + 1)], rules=rules)
    assert passes == []


def test_given_a_deadline_then_a_read_past_it_stops_with_a_time_limit_error(name_tagger, roberta_tokenizer):
    from phiner.analyze.tagger import Tagger
    from phiner.core.errors import TimeLimitError

    tagger = Tagger(name_tagger, roberta_tokenizer)
    rules = SiteRules.from_dict({"deny": [{"terms": ["a"], "label": "ID"}]})
    late = tagger.through(lambda features: pytest.fail("read past its deadline"), deadline=time.monotonic() - 1)
    with pytest.raises(TimeLimitError, match="time limit"):
        late.read(["a " * 100], rules=rules)
    with running(create_app(tagger, request_timeout=0.001)) as base:
        status, answer = call(
            base, "/v1/entities", {"text": "a " * 5000, "rules": {"deny": [{"terms": ["a"], "label": "ID"}]}}, key=None
        )
    assert status == 503 and "time limit" in answer["detail"]
