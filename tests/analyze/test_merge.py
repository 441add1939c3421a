"""The one merge: covering spans, the label by source priority, allow lists last, sources kept."""

from phiner.analyze import Detector, SiteRules, merge
from phiner.analyze.terms import TermMatcher
from phiner.core.records import Span


def show(spans):
    return [(s.start, s.end, s.label, s.source) for s in spans]


def test_given_overlapping_spans_then_one_covering_span_takes_the_label_of_the_highest_priority_source():
    text = "Nordmann 14033143010 i Oslo"
    spans = [
        Span(0, 14, "PATIENT", 0.9, source="model"),  # the model ran into the number
        Span(9, 20, "ID", 0.5, source="pattern:fnr"),  # a checksum that fails still outranks the model
        Span(23, 27, "LOC", 0.99, source="model"),
        Span(23, 27, "PATIENT", 0.6, source="rule:deny"),
    ]
    assert show(merge(text, spans)) == [(0, 20, "ID", "pattern:fnr"), (23, 27, "PATIENT", "rule:deny")]


def test_given_known_and_context_spans_then_known_outranks_rules_and_the_higher_score_breaks_ties():
    text = "dr Hansen"
    spans = [
        Span(3, 9, "LOC", 0.99, source="model"),
        Span(3, 9, "PATIENT", 0.8, source="context:title"),
        Span(3, 9, "ID", 0.7, source="rule:x"),
        Span(3, 9, "PATIENT", 0.97, source="known"),
    ]
    assert show(merge(text, spans)) == [(3, 9, "PATIENT", "known")]
    assert show(merge(text, spans[:3])) == [(3, 9, "PATIENT", "context:title")]


def test_given_spans_that_only_touch_then_one_label_joins_them_and_two_labels_stay_apart():
    text = "kommer 7/14."
    joined = merge(text, [Span(7, 11, "DATE", 0.6, source="pattern:date"), Span(11, 12, "DATE", 0.5, source="model")])
    assert show(joined) == [(7, 12, "DATE", "pattern:date")]
    assert len(merge("Kari22113344", [Span(0, 4, "PATIENT"), Span(4, 12, "PHONE")])) == 2


def test_given_an_allow_list_then_allowed_spans_go_and_allowed_edges_are_trimmed():
    text = "Sønnen Per kom. Pt sov. Paracetamol 1 g."
    spans = [Span(0, 10, "PATIENT", 0.9, source="model"), Span(16, 18, "PATIENT"), Span(24, 35, "PATIENT")]
    allow = TermMatcher([(w, True) for w in ("sønnen", "pt", "Paracetamol")])
    assert [(s.text, s.label) for s in merge(text, spans, allow)] == [("Per", "PATIENT")]


def test_given_a_detector_then_request_rules_add_to_the_sites_and_allow_removes_what_any_source_found():
    detector = Detector.default(SiteRules.from_dict({"deny": [{"text": "Zorblax", "label": "PATIENT"}]}))
    request = SiteRules.from_dict({"allow": ["22 11 33 44"], "deny": [{"text": "Qux", "label": "LOC"}]})
    text = "Zorblax og Qux, tlf 22 11 33 44"
    assert [(s.text, s.source) for s in detector.merge(text, [])] == [
        ("Zorblax", "rule:deny"),
        ("22 11 33 44", "pattern:phone"),
    ]
    assert [(s.text, s.source) for s in detector.merge(text, [], rules=request)] == [
        ("Zorblax", "rule:deny"),
        ("Qux", "rule:deny"),
    ]


def test_given_no_builtin_rules_then_only_the_model_site_rules_and_known_phi_remain():
    detector = Detector.default(builtin=False)
    text = "Kari ringte 22 11 33 44"
    assert detector.merge(text, [Span(0, 4, "PATIENT", 0.9)]) == [Span(0, 4, "PATIENT", 0.9, "Kari", "model")]
    assert [s.source for s in detector.merge(text, [], known={"PHONE": ["22113344"]})] == ["known"]


def test_given_two_allowed_words_inside_one_span_then_both_edges_are_trimmed():
    text = "Pt Kari Sønnen"
    allow = TermMatcher([(w, True) for w in ("pt", "sønnen")])
    assert [s.text for s in merge(text, [Span(0, 14, "PATIENT", 0.9, source="model")], allow)] == ["Kari"]
