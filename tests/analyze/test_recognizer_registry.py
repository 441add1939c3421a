"""Recognizers by name: the built-ins registered, a site's own added by name or by import path, refused with
a clear error where a name is unknown, taken or malformed; and operators a user adds, used by name everywhere."""

import pytest

from phiner.analyze.config import AnalyzerConfig, build_analyzer
from phiner.analyze.detector import Detector
from phiner.analyze.recognizers import BUILTIN, RECOGNIZERS, make_recognizers, register_recognizer
from phiner.anonymize.operators import OPERATORS, Operator, redact, register_operator
from phiner.core.errors import PhinerError
from phiner.core.records import Span


class WardRecognizer:
    """A site's own: ward codes like ``W-123`` as LOC."""

    name = "ward"

    def find(self, text: str) -> list[Span]:
        import re

        return [Span(m.start(), m.end(), "LOC", 0.9, m.group(), "pattern:ward") for m in re.finditer(r"W-\d{3}", text)]


@pytest.fixture
def ward():
    register_recognizer(WardRecognizer, replace=True)
    yield
    RECOGNIZERS.pop("ward", None)


def test_given_the_builtins_then_they_are_registered_by_name_in_priority_order():
    made = make_recognizers(BUILTIN)
    assert [r.name for r in made] == list(BUILTIN)
    assert [r.name for r in Detector.default().recognizers] == list(BUILTIN)


def test_given_a_registered_recognizer_then_the_detector_finds_with_it_beside_the_builtins(ward):
    detector = Detector.default(recognizers=("ward",))
    assert [r.name for r in detector.recognizers] == [*BUILTIN, "ward"]
    found = detector.find("Pasienten ligger på W-123 fra 12.03.2024.")
    assert {(s.text, s.label, s.source) for s in found} >= {("W-123", "LOC", "pattern:ward")}
    assert [r.name for r in Detector.default(builtin=False, recognizers=("ward",)).recognizers] == ["ward"]


def test_given_an_import_path_then_the_recognizer_is_found_in_any_process(name_age_model_dir):
    path = f"{__name__}:WardRecognizer"
    config = AnalyzerConfig(model=name_age_model_dir, recognizers=(path,))
    [spans] = build_analyzer(config).predict(["Lagt inn på W-456."])
    assert ("W-456", "LOC") in {(s.text, s.label) for s in spans}


@pytest.mark.parametrize(
    "names,message",
    [
        (("no-such",), "no recognizer named 'no-such'"),
        (("nowhere.module:Thing",), "cannot be imported"),
        (("phiner.analyze.recognizers:VALID",), "should make objects with a name and a find"),
    ],
)
def test_given_a_bad_recognizer_then_the_config_refuses_it_before_a_model_loads(names, message):
    with pytest.raises(PhinerError, match=message):
        AnalyzerConfig(recognizers=names)


def test_given_a_taken_or_malformed_name_then_registering_is_refused():
    with pytest.raises(PhinerError, match="registered already"):
        register_recognizer(WardRecognizer, name="phone")
    with pytest.raises(PhinerError, match="recognizer name should be"):
        register_recognizer(WardRecognizer, name="Bad Name")


def test_given_a_registered_operator_then_redact_takes_it_by_name():
    class Initials(Operator):
        name = "initials"

        def replace(self, text, span, context):
            return "".join(word[0] + "." for word in text.split())

    register_operator(Initials)
    try:
        out = redact("Ring Kari Nordmann i dag.", [Span(5, 18, "PATIENT", 1.0, "Kari Nordmann", "model")], "initials")
        assert out.text == "Ring K.N. i dag."
        with pytest.raises(PhinerError, match="registered already"):
            register_operator(Initials)
    finally:
        OPERATORS.pop("initials", None)
    with pytest.raises(PhinerError, match="subclass"):
        register_operator(str)
