"""Interop: phiner's model as a recognizer in the real Presidio AnalyzerEngine (from PyPI), its results anonymized by
the real AnonymizerEngine. The NLP engine is spaCy's blank English pipeline, saved to a folder: nothing to download."""

import pytest

pytest.importorskip("presidio_analyzer", reason="presidio-analyzer is the `presidio` extra (also in `dev`)")

from presidio_analyzer import AnalyzerEngine, PatternRecognizer, RecognizerRegistry  # noqa: E402
from presidio_analyzer.nlp_engine import SpacyNlpEngine  # noqa: E402

import phiner  # noqa: E402
from phiner.presidio import SUPPORTED, PhinerRecognizer  # noqa: E402

NOTE = "Pasient: Kari Nordmann, fnr 14033143010, innlagt 14.03.2024. Dr. Hansen."


@pytest.fixture(scope="module")
def recognizer():
    return PhinerRecognizer(phiner.load())


@pytest.fixture(scope="module")
def analyzer(recognizer, tmp_path_factory):
    import spacy

    blank = tmp_path_factory.mktemp("spacy") / "blank-en"
    spacy.blank("en").to_disk(blank)
    titles = PatternRecognizer(supported_entity="TITLE", deny_list=["Dr."])  # a user's own recognizer beside it
    nlp = SpacyNlpEngine(models=[{"lang_code": "en", "model_name": str(blank)}])
    return AnalyzerEngine(registry=RecognizerRegistry([recognizer, titles]), nlp_engine=nlp, supported_languages=["en"])


def test_given_a_note_then_the_analyzer_finds_its_name_fodselsnummer_and_date_under_presidios_names(analyzer):
    results = analyzer.analyze(text=NOTE, language="en")
    found = {(r.entity_type, NOTE[r.start : r.end]) for r in results}
    assert {("PERSON", "Kari Nordmann"), ("NO_FODSELSNUMMER", "14033143010"), ("DATE_TIME", "14.03.2024")} <= found
    assert ("TITLE", "Dr.") in found
    assert all(0 < r.score <= 1 for r in results)


def test_given_a_result_then_its_explanation_names_phiner_and_the_source(analyzer):
    [fnr] = analyzer.analyze(text=NOTE, language="en", entities=["NO_FODSELSNUMMER"], return_decision_process=True)
    assert fnr.analysis_explanation.recognizer == "PhinerRecognizer"
    assert fnr.analysis_explanation.textual_explanation == "phiner ID found by pattern:fnr"
    assert fnr.recognition_metadata["recognizer_name"] == "PhinerRecognizer"


def test_given_entities_asked_for_then_only_those_come_back(analyzer):
    results = analyzer.analyze(text=NOTE, language="en", entities=["PERSON"])
    assert {r.entity_type for r in results} == {"PERSON"} and "Kari Nordmann" in {
        NOTE[r.start : r.end] for r in results
    }


def test_given_the_recognizer_then_its_supported_entities_are_presidios_names(recognizer):
    assert recognizer.get_supported_entities() == SUPPORTED
    assert {"PERSON", "DATE_TIME", "LOCATION", "PHONE_NUMBER", "AGE", "ID", "NO_FODSELSNUMMER"} <= set(SUPPORTED)


def test_given_the_analyzers_results_then_presidios_anonymizer_replaces_them(analyzer):
    anonymizer = pytest.importorskip("presidio_anonymizer")
    results = analyzer.analyze(text=NOTE, language="en")
    safe = anonymizer.AnonymizerEngine().anonymize(text=NOTE, analyzer_results=results).text
    assert "<PERSON>" in safe and "<NO_FODSELSNUMMER>" in safe and "<DATE_TIME>" in safe
    for phi in ("Kari", "Nordmann", "14033143010", "14.03.2024"):
        assert phi not in safe
