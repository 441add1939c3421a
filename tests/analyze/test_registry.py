"""The adapter registry (phiner.load(BASE, adapters=...)): one base, each adapter reading as its run does alone."""

import pytest

import phiner
from phiner.analyze.registry import AdapterRegistry
from phiner.analyze.tagger import Tagger
from phiner.core.errors import PhinerError, UnknownAdapterError
from phiner.pipeline import Pipeline

TEXTS = ["Notat 3: Kari kom i dag.", "Notat 40: Berit kom i dag.", "Notat 7: Per kom i dag."]


@pytest.fixture(scope="module")
def registry(adapter_runs):
    return phiner.load(adapter_runs["patient"], adapters=adapter_runs, detector=None).analyzer


def found(spans):
    return [[(s.text, s.label) for s in text] for text in spans]


def test_given_two_adapters_then_each_finds_what_its_run_finds_alone(registry, adapter_runs):
    for name, label in (("patient", "PATIENT"), ("loc", "LOC")):
        alone = Tagger.load(adapter_runs[name], detector=None).predict(TEXTS)
        got = registry.predict(TEXTS, adapter=name)
        assert found(got) == found(alone)
        scores = [s.score for t in got for s in t]
        assert scores == pytest.approx([s.score for t in alone for s in t], abs=1e-3)
        assert found(got) == [[("Kari", label)], [("Berit", label)], [("Per", label)]]


def test_given_a_batch_that_mixes_adapters_then_each_text_is_read_by_its_own(registry):
    mixed = registry.predict(TEXTS, adapter=["loc", "patient", None])
    assert found(mixed) == [[("Kari", "LOC")], [("Berit", "PATIENT")], [("Per", "PATIENT")]]


def test_given_no_adapter_named_then_the_default_reads_and_the_default_can_be_changed(adapter_runs):
    registry = AdapterRegistry.load(None, adapter_runs, default="loc", detector=None)
    assert registry.default == "loc" and found(registry.predict(TEXTS[:1])) == [[("Kari", "LOC")]]


def test_given_the_listing_then_each_adapter_shows_its_base_labels_metrics_thresholds_and_windows(
    registry, tiny_roberta
):
    listed = {a["name"]: a for a in registry.describe()}
    assert set(listed) == {"patient", "loc"} and listed["patient"]["default"] and not listed["loc"]["default"]
    assert listed["loc"]["base"] == str(tiny_roberta) and len(listed["loc"]["labels"]) == 13
    assert listed["loc"]["thresholds"] == {"LOC": 0.4} and listed["patient"]["thresholds"] == {}
    assert "after" in listed["patient"]["metrics"] and listed["patient"]["windowing"] == {"max_length": 32, "stride": 8}


def test_given_an_adapter_added_at_run_time_then_it_reads_at_once_and_once_removed_it_is_refused(
    registry, adapter_runs
):
    registry.add("loc-2", adapter_runs["loc"])
    assert found(registry.predict(TEXTS[:1], adapter="loc-2")) == [[("Kari", "LOC")]]
    registry.remove("loc-2")
    with pytest.raises(UnknownAdapterError, match="loaded are patient, loc"):
        registry.predict(TEXTS[:1], adapter="loc-2")
    assert found(registry.predict(TEXTS[:1], adapter="loc")) == [[("Kari", "LOC")]]  # the others are untouched


def test_given_a_taken_name_or_the_default_then_add_and_remove_refuse(registry, adapter_runs):
    with pytest.raises(PhinerError, match="loaded already"):
        registry.add("loc", adapter_runs["loc"])
    with pytest.raises(PhinerError, match="default adapter cannot be removed"):
        registry.remove("patient")


def test_given_one_adapters_tagger_then_redact_works_as_a_taggers_does(registry):
    [redaction] = Pipeline(registry.tagger("loc")).redact(TEXTS[:1], "tag")
    assert redaction.text == "Notat 3: [LOC] kom i dag."
    [named] = Pipeline(registry).redact(TEXTS[:1], "tag", adapter="loc")
    assert named.text == redaction.text
    [default] = Pipeline(registry).redact(TEXTS[:1], "tag")
    assert default.text == "Notat 3: [PATIENT] kom i dag."


def test_given_an_adapter_name_without_adapters_then_redact_refuses_it(name_tagger, roberta_tokenizer):
    with pytest.raises(PhinerError, match="goes with adapters on one base"):
        Pipeline(Tagger(name_tagger, roberta_tokenizer)).redact(["x"], adapter="loc")


def test_given_an_adapter_list_of_another_length_then_the_error_counts_both(registry):
    with pytest.raises(PhinerError, match="adapter has 1 entries for 3 texts"):
        registry.predict(TEXTS, adapter=["loc"])


def test_given_threads_reading_through_both_adapters_at_once_then_none_gets_the_others_labels(registry):
    from concurrent.futures import ThreadPoolExecutor

    names = ["patient", "loc"] * 12
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(lambda name: registry.predict(TEXTS, adapter=name), names))
    assert [{s.label for t in spans for s in t} for spans in got] == [{n.upper()} for n in names]
