"""A name found in a note covers its genitive too (``Karis datter``, ``Nordmanns fastlege``, ``Kari's sister``),
where the model missed it, in the known PHI and in the surrogates, which keep the ending on the same surrogate."""

from phiner.analyze import Detector
from phiner.analyze.known import KnownPHI
from phiner.anonymize.operators import redact
from phiner.anonymize.surrogates.context import DocumentContext
from phiner.core.records import Span

TEXT = "Pasient Kari Nordmann kom. Karis datter var med, og Nordmanns fastlege. Kari's sister called. Karisma."
FOUND = Span(8, 21, "PATIENT", 0.9, "Kari Nordmann", "model")  # what the model found: the name, once


def texts(spans):
    return [(s.text, s.label) for s in spans]


def test_given_a_name_found_then_its_genitives_are_found_where_the_model_missed_them():
    found = Detector.default().merge(TEXT, [FOUND])
    assert texts(found) == [("Kari Nordmann", "PATIENT"), ("Karis", "PATIENT"), ("Nordmanns", "PATIENT"),
                            ("Kari's", "PATIENT")]  # fmt: skip
    assert {s.source for s in found[1:]} == {"context:name-form"}
    # the model alone (no detector) is left as it is; a lower-case word is not a name's genitive
    assert texts(Detector.default().merge("Karis datter kom.", [])) == []
    assert texts(Detector.default().merge("Kari kom; karis datter.", [Span(0, 4, "PATIENT", 0.9)])) == [
        ("Kari", "PATIENT")
    ]


def test_given_a_known_name_then_its_genitives_are_found():
    spans = KnownPHI({"PATIENT": ["Kari Nordmann"]}).find("Karis datter og Nordmanns lege; Nordmann's wife.")
    assert {"Karis", "Nordmanns", "Nordmann's"} <= {s.text for s in spans}


def test_given_genitives_then_their_surrogates_are_the_names_surrogates_with_the_ending():
    spans = Detector.default().merge(TEXT, [FOUND])
    context = DocumentContext.for_document(11, "doc")
    done = redact(TEXT, spans, "surrogate", context=context)
    items = {TEXT[i.original_start : i.original_end]: i.replacement for i in done.items}
    given, family = items["Kari Nordmann"].split()
    assert items["Karis"] in (given + "s", given + "'")
    assert items["Nordmanns"] in (family + "s", family + "'")
    assert items["Kari's"] == given + "'s"
    for phi in ("Kari", "Nordmann"):
        assert phi not in done.text.replace("Karisma", "")
    # the genitive first, the name after: the same surrogate still
    context = DocumentContext.for_document(11, "doc2")
    text = "Karis datter kom. Kari Nordmann er 41 år."
    done = redact(text, [Span(0, 5, "PATIENT"), Span(18, 31, "PATIENT")], "surrogate", context=context)
    first, second = (i.replacement for i in done.items)
    assert first in (second.split()[0] + "s", second.split()[0] + "'")
