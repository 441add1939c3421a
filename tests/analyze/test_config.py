"""One config builds the analyzer everywhere: the command line's loader, the service, phiner.ray and
phiner.load() all go through build_analyzer, and give the same spans on the same notes (Ray's: in
tests/jobs/test_ray.py, on its cluster)."""

import pickle

import pytest

import phiner
from helpers import CONFIG_NOTES as NOTES
from helpers import RULES, call, one_config, running, spans
from phiner.analyze.config import AnalyzerConfig, build_analyzer
from phiner.cli.adapters import tagger_or_adapter_loader
from phiner.cli.detection import tagger_loader
from phiner.core.errors import PhinerError
from phiner.serve.app import create_app


@pytest.fixture(scope="module")
def config(name_age_model_dir) -> AnalyzerConfig:
    return one_config(name_age_model_dir)


def test_given_one_config_then_the_cli_python_and_the_service_find_the_same_spans(config, name_age_model_dir):
    expected = spans(build_analyzer(config).predict(NOTES))
    assert any(s[2] == "PATIENT" for s in expected[0]) and any(s[3].startswith("pattern:") for s in expected[0])
    loader = tagger_loader(name_age_model_dir, rules=RULES, thresholds=["DATE=0.3", "ID=argmax"])
    assert loader.args == (config,)
    assert spans(loader().predict(NOTES)) == expected
    assert spans(tagger_or_adapter_loader(name_age_model_dir, None, None, None, rules=RULES,
                                          thresholds=["DATE=0.3", "ID=argmax"])().predict(NOTES)) == expected  # fmt: skip
    library = phiner.load(name_age_model_dir, rules=RULES, thresholds=config.chosen_thresholds())
    assert spans(library.predict(NOTES)) == expected
    with running(create_app(build_analyzer(config))) as base:
        status, body = call(base, "/v1/entities", {"texts": NOTES}, key=None)
    assert status == 200
    served = [[(e["start"], e["end"], e["label"], e["source"]) for e in r["entities"]] for r in body["results"]]
    assert served == expected


def test_given_a_config_then_it_pickles_with_absolute_paths(config, name_age_model_dir, tmp_path, monkeypatch):
    again = pickle.loads(pickle.dumps(config))
    assert again == config and again.model.is_absolute() and again.rules.is_absolute()
    monkeypatch.chdir(tmp_path)
    assert spans(build_analyzer(again).predict(NOTES[:1])) == spans(build_analyzer(config).predict(NOTES[:1]))


@pytest.mark.parametrize(
    "options,message",
    [
        ({"precision": "fp8"}, "`precision` should be auto, bf16 or fp32"),
        ({"rules": "no-such.yaml"}, "no such rules file"),
        ({"thresholds": {"NAME": 0.2}}, "names an unknown type"),
        ({"thresholds": {"DATE": 1.5}}, "a probability above 0 and at most 1"),
        ({"base": "minilm"}, "go with adapters"),
        ({"adapters": {"a": "no-such-run"}}, "is not a folder"),
        ({"adapters": {"bad name!": "."}}, "adapter name"),
        ({"batch_size": 0}, "`batch_size` should be at least 1"),
    ],
)
def test_given_a_bad_setting_then_the_config_is_refused_before_any_model_loads(options, message):
    with pytest.raises(PhinerError, match=message):
        AnalyzerConfig(**options)


def test_given_a_model_and_adapters_then_the_config_is_refused(tmp_path):
    with pytest.raises(PhinerError, match="not both"):
        AnalyzerConfig(model=tmp_path, adapters={"a": tmp_path})
