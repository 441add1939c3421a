"""No character class can hide a word from detection: control, zero-width, bidi and other separator characters
between words are read as spaces (offsets kept), so the PHI found in a note is found with them too."""

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import phiner
from phiner.analyze import Detector
from phiner.data.synth.notes import generate_notes

HIDERS = ["\x00", "\x01", "\x1f", "\x7f", "\x85", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad",
          "\u200e", "\u200f", "\u202a", "\u202e", "\u2066", "\u2069", "\u2028", "\u00a0", "\u3000"]  # fmt: skip
NOTES = [r["text"] for r in generate_notes(0, 12, seed=22)["test"]]


@pytest.fixture(scope="module")
def shipped():
    return phiner.load()


def hide(text: str, rng: random.Random) -> tuple[str, list[int]]:
    """``text`` with hiding characters put between words (in place of a space, or beside it), and where each
    character of ``text`` went."""
    out, where = [], []
    for ch in text:
        if ch == " " and rng.random() < 0.5:
            mode = rng.choice(["replace", "before", "after"])
            hider = "".join(rng.choice(HIDERS) for _ in range(rng.randint(1, 2)))
            if mode == "replace":
                where.append(len(out))
                out.append(hider)
                continue
            if mode == "before":
                out.append(hider)
            where.append(len("".join(out)))
            out.append(" ")
            if mode == "after":
                out.append(hider)
            continue
        where.append(len("".join(out)))
        out.append(ch)
    return "".join(out), where


def covered(spans) -> set[int]:
    return {i for s in spans for i in range(s.start, s.end)}


def test_given_the_probes_note_then_every_name_and_place_is_found_through_control_characters(shipped):
    clean = "Pasient Kari Nordmann, bor i Tromsø."
    for sep in ("\x01", "\x00", "\x1f", "\u200b", "\u202e"):
        text = clean.replace(" ", sep)
        spans = shipped.predict([text])[0]
        found = {s.text for s in spans}
        assert {"Kari" + sep + "Nordmann", "Tromsø"} <= found, (repr(sep), found)
        assert all(text[s.start : s.end] == s.text for s in spans)  # the text as given, offsets into it
        redacted = shipped.redact([text])[0].text
        assert "Kari" not in redacted and "Nordmann" not in redacted and "Tromsø" not in redacted


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(0, len(NOTES) - 1), st.integers(0, 2**32))
def test_given_hiding_characters_between_words_then_every_phi_found_without_them_is_found_with_them(
    shipped, index, seed
):
    clean = NOTES[index]
    noisy, where = hide(clean, random.Random(seed))
    [found_clean], [found_noisy] = shipped.predict([clean]), shipped.predict([noisy])
    covered_noisy = covered(found_noisy)
    for span in found_clean:
        for i in range(span.start, span.end):
            if not clean[i].isspace():
                assert where[i] in covered_noisy, (span.label, span.source)


def test_given_hiding_characters_then_the_recognizers_alone_find_the_same_numbers_and_dates():
    detector = Detector.default()
    clean = "Født 14.03.1961, tlf 22 11 33 44, fnr 14036143010."
    from phiner.analyze.tagger import readable

    noisy = clean.replace(" ", "\x01")
    assert [(s.start, s.end, s.label) for s in detector.find(readable(noisy))] == [
        (s.start, s.end, s.label) for s in detector.find(clean)
    ]
