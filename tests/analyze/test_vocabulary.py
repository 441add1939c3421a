"""What is not PHI: the vocabularies' evidence and the filter the detector applies after its merge."""

import pytest

from phiner.analyze.detector import Detector
from phiner.analyze.recognizers import PhoneRecognizer
from phiner.analyze.temporal import DateRecognizer
from phiner.analyze.vocabulary import Vocabulary, case_marks_names, not_phi
from phiner.core.records import Span


@pytest.fixture(scope="module")
def vocabulary():
    return Vocabulary.default()


def model(text: str, word: str, label: str = "PATIENT", nth: int = 0) -> Span:
    start = -1
    for _ in range(nth + 1):
        start = text.index(word, start + 1)
    return Span(start, start + len(word), label, 0.9, word, "model")


def kept(text: str, spans: list[Span], language: str = "en") -> list[str]:
    return [s.text for s in not_phi(text, spans, language)]


@pytest.mark.parametrize(
    "word, drug", [("lasix", True), ("HEPARIN", True), ("Ativan", True), ("vanco", True), ("Kari", False)]
)
def test_given_drug_names_and_their_short_forms_then_they_are_drugs_and_names_are_not(vocabulary, word, drug):
    assert vocabulary.is_drug(word) is drug


@pytest.mark.parametrize("word, name", [("Price", True), ("Sarah", True), ("Hansen", True), ("will", False)])
def test_given_census_and_faker_names_then_a_name_borne_more_than_written_is_a_name(vocabulary, word, name):
    assert vocabulary.is_name(word) is name


def test_given_a_mixed_case_note_then_lower_case_drugs_and_words_taken_for_names_are_dropped():
    text = "Pt seen by Dr. Lee today. Plan to wean vent, lasix given, Ativan prn. Wife Sarah Jones at bedside."
    spans = [model(text, "wean"), model(text, "lasix", "LOC"), model(text, "Ativan"), model(text, "Sarah Jones")]
    assert kept(text, spans) == ["Sarah Jones"]


def test_given_a_note_all_in_capitals_then_common_words_go_and_names_stay():
    text = "PT REMAINS ON VENT. SPUTUM THICK YELLOW. WIFE BARBARA PRICE AT BEDSIDE. DR TOSCA AWARE."
    spans = [model(text, "REMAINS"), model(text, "THICK YELLOW"), model(text, "BARBARA PRICE"), model(text, "TOSCA")]
    assert kept(text, spans) == ["BARBARA PRICE", "TOSCA"]


def test_given_a_note_all_in_lower_case_then_case_is_no_evidence_and_names_stay():
    text = "pt seen by dr ridlon. son rob and daughter margie called, will call back. foley draining."
    assert not case_marks_names(text)
    spans = [model(text, "ridlon"), model(text, "margie"), model(text, "will")]
    assert kept(text, spans) == ["ridlon", "margie"]


def test_given_places_then_common_words_are_no_evidence_against_them():
    text = "PT TRANSFERRED FROM HOLY CROSS TO BALTIMORE. ON HEPARIN."
    spans = [model(text, "HOLY CROSS", "LOC"), model(text, "BALTIMORE", "LOC"), model(text, "HEPARIN", "LOC")]
    assert kept(text, spans) == ["HOLY CROSS", "BALTIMORE"]


def test_given_a_name_after_a_title_then_only_strong_evidence_drops_it():
    text = "Pt seen by Dr. Tyro, RN made aware. Dr. ridlon aware."
    spans = [
        Span(15, 19, "PATIENT", 0.8, "Tyro", "context:title"),
        Span(24, 28, "PATIENT", 0.8, "made", "context:title"),
        Span(45, 51, "PATIENT", 0.8, "ridlon", "context:title"),
    ]
    assert kept(text, spans) == ["Tyro", "ridlon"]


@pytest.mark.parametrize(
    "text, word",
    [
        ("Pt comfortable this AFTERNOON, will reassess", "AFTERNOON"),
        ("BP stable. Recheck lytes at 1930 tonight", "1930"),
        ("SBP in the 90's overnight", "90's"),
        ("Hct 28 this am", "28"),
        ("K 3.5 repleted", "3.5"),
        ("weaned to CPAP 5/5 this am", "5/5"),
    ],
)
def test_given_english_numbers_and_times_that_are_no_dates_then_model_dates_there_are_dropped(text, word):
    assert kept(text, [model(text, word, "DATE")]) == []


@pytest.mark.parametrize("text, word", [("admitted 8/18, cath done", "8/18"), ("S/P MI '92 and CABG", "92")])
def test_given_dates_and_years_then_model_dates_stay(text, word):
    assert kept(text, [model(text, word, "DATE")]) == [word]


def test_given_norwegian_day_month_dates_then_they_stay():
    text = "Pasienten ble innlagt med smerter. Rtg thorax 28.04 og tidligere appendektomi 80."
    assert kept(text, [model(text, "28.04", "DATE"), model(text, "80", "DATE")], "nb") == ["28.04", "80"]


def test_given_ages_then_english_notes_keep_only_those_over_89_and_norwegian_notes_keep_all():
    text = "The patient is a 67 yr old man, his mother is 94 and in her 90's"
    spans = [model(text, "67", "AGE"), model(text, "94", "AGE"), model(text, "90's", "AGE")]
    assert kept(text, spans) == ["94", "90's"]
    assert kept(text, spans, "nb") == ["67", "94", "90's"]
    assert [s.text for s in not_phi(text, spans, "en", ages="all")] == ["67", "94", "90's"]


def test_given_patterns_known_phi_and_site_rules_then_the_filter_leaves_them():
    text = "pt on lasix, wean vent"
    spans = [Span(6, 11, "PATIENT", 1.0, "lasix", "known"), Span(13, 17, "PATIENT", 1.0, "wean", "rule:deny")]
    assert kept(text, spans) == ["lasix", "wean"]


@pytest.mark.parametrize(
    "text",
    [
        "BP 110-120/40-50 HR 80",
        "ABG 7.35/49/87/28/0",
        "vent 500x10x35x5",
        "Tmax 101.8-102.8",
        "UO 1000-1200 ml",
        "148/60 77 28 99%",
    ],
)
def test_given_measurements_with_a_phone_number_shape_then_they_are_no_phone(text):
    assert PhoneRecognizer().find(text) == []


def test_given_a_phone_in_parentheses_then_the_span_takes_both():
    text = "daughter called (201-223-4567) and was updated"
    assert [s.text for s in PhoneRecognizer().find(text)] == ["(201-223-4567)"]


@pytest.mark.parametrize(
    "text",
    ["on CPAP 5/5 this am", "pain 7/10 with movement", "BC + 4/4 bottles", "MoCA 26/30", "ends at 7.5."],
)
def test_given_scores_strengths_and_ratios_then_the_date_pattern_leaves_them(text):
    assert DateRecognizer().find(text) == []


def test_given_a_bare_date_with_no_measure_then_the_pattern_still_finds_it():
    assert [s.text for s in DateRecognizer().find("Pt was admitted 8/18 with chest pain")] == ["8/18"]
    assert [s.text for s in DateRecognizer().find("Innlagt 14.3. med smerter")] == ["14.3."]


def test_given_the_detector_with_and_without_built_ins_then_only_the_built_ins_filter():
    text = "Pt was started on lasix and will wean vent today."
    spans = [model(text, "lasix"), model(text, "wean")]
    assert Detector.default().merge(text, spans) == []
    assert [s.text for s in Detector.default(builtin=False).merge(text, spans)] == ["lasix", "wean"]


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("Last ABG was 7.42/32/82. Pt seems", "7.42/32/82"),
        ("PTS RR 16-22. PLAN IS TO", "16-22"),
        ("GU- UO 10-12 CC/HR THIS", "10-12"),
        ("HEPARIN RESTARTED @ 1000U/HR AFTER", "1000U/HR"),
        ("CREAT 1.5 UP FROM 29 YESTERDAY.", "29 YESTERDAY"),
        ("peak/plat 34/24. Will start", "34/24"),
    ],
)
def test_given_english_numbers_with_no_date_shape_then_model_dates_there_are_dropped(text, word):
    assert kept(text, [model(text, word, "DATE")]) == []


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("s/p pelvic fx 4/97, right arm", "4/97"),
        ("S/P CABG 1957, 1971 ENDOCARDITIS", "1957, 1971"),
        ("admitted on 10/3 with", "10/3"),
        ("seen 07/14/2019 in clinic", "07/14/2019"),
    ],
)
def test_given_english_dates_of_every_numeric_shape_then_model_dates_stay(text, word):
    assert kept(text, [model(text, word, "DATE")]) == [word]


@pytest.mark.parametrize(
    ("text", "word", "phi"),
    [
        ("ABG 7.33/73/71/40/95 t/b acidosis", "7.33/73/71/40/95", False),
        ("BP via AL 88-120/49-59. NBP", "88-120/49-59", False),
        ("Labs: 13.6>32.1<313 Vent", "13.6>32.1<313", False),
        ("Pager: #32007 call", "#32007", False),  # five digits: the pager rule's, not the model's
        ("call family at 410-555-9876.", "410-555-9876", True),
        ("wife (617) 555-1234 aware", "(617) 555-1234", True),
    ],
)
def test_given_model_phones_then_only_a_phone_shape_stays(text, word, phi):
    assert kept(text, [model(text, word, "PHONE")]) == ([word] if phi else [])


@pytest.mark.parametrize(
    ("text", "word", "phi"),
    [
        ("SATS STAY > 92; ATTEMPT TO WEAN", "92", False),
        ("SBP has been > 120 since", "120", False),
        ("She is a 94 yo woman", "94", True),
        ("patient, aged 91, lives", "91", True),
    ],
)
def test_given_english_ages_over_89_then_only_those_an_age_word_is_near_stay(text, word, phi):
    assert kept(text, [model(text, word, "AGE")]) == ([word] if phi else [])


@pytest.mark.parametrize(
    ("text", "word", "phi"),
    [
        ("DAUGHTER HERE FROM ENGLAND. WILL", "ENGLAND", False),  # a country: larger than Safe Harbor removes
        ("retire to florida in the winter", "florida", False),  # a state
        ("r/o MI. No ectopy", "MI", False),  # a clinical abbreviation
        ("WIFE AT BEDSIDE LAST EVENING", "BEDSIDE", False),  # a common word and no city
        ("ADMITTED TO CSRU @ NOON. PLACED", "NOON", False),
        ("ADMITTED TO CSRU @ NOON. PLACED", "CSRU", False),  # a care unit
        ("was then started on Levo. Over", "Levo", False),  # a drug
        ("SM AMT'S OF YELLOW STOOL", "OF", False),  # a function word (Of is also a town in Turkey)
        ("LASIX GTT STARTED @ 0400. GOAL", "0400", False),  # a number
        ("sedated until around midnite, pt requesting", "midnite", False),  # a time of day
        ("lives at 12 Elm St, Boston 02115", "02115", True),  # a ZIP code
        ("moved here from Baltimore last year", "Baltimore", True),  # a city
        ("LIVES IN FRAMINGHAM WITH WIFE", "FRAMINGHAM", True),
    ],
)
def test_given_english_model_places_then_states_countries_and_clinical_words_go_and_towns_stay(text, word, phi):
    assert kept(text, [model(text, word, "LOC")]) == ([word] if phi else [])


def test_given_a_norwegian_note_then_the_english_place_and_date_shapes_do_not_apply():
    text = "Pasienten bor i Norge, innlagt 16-20. mai."
    assert kept(text, [model(text, "Norge", "LOC")], "nb") == ["Norge"]


def test_given_an_english_word_no_name_list_holds_then_it_is_no_name_in_any_case_and_unknown_names_stay():
    text = "Plan: Wean vent as tol. Pt denies pain. Weaning to 40%. Wife Rakusin at bedside, Dr Tyro aware."
    spans = [model(text, w) for w in ("Wean", "Weaning", "Rakusin")]
    assert kept(text, spans) == ["Rakusin"]  # a name no list holds and no word of English stays
