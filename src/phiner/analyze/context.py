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

Each span's source is ``context:title``, ``context:date``, ``context:phone``, ``context:field`` (names) or
``context:place``.
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
        r"(?:\s?(?:#|nr\.?|no\.?|number|nummer))?(?:\s?:)?\s?(?P<number>\+?\d[\d -]{2,14}\d)(?![\w])"
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

    def __init__(self, titles: Iterable[str] = ()) -> None:
        short = [*SHORT_TITLES]
        nouns = [*NOUN_TITLES, *RELATIVES, *(t.strip().lower().rstrip(".") for t in titles if t.strip())]
        self._titles = re.compile(
            r"(?<![\w.])(?P<title>"
            + "|".join(re.escape(t) for t in sorted({*short, *nouns}, key=len, reverse=True))
            + r")\.?(?:\s?:)?[ \t]+(?P<name>"
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
        for m in self._PHONE_AFTER.finditer(text):
            digits = sum(ch.isdigit() for ch in m["number"])
            if digits >= 4:
                spans.append(Span(*m.span("number"), "PHONE", PHONE, m["number"], "context:phone"))
        return sorted(spans)

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
                if kept and (word[0].islower() or kept[0].group()[0].islower()):
                    break  # a lower-case name is one word: "dr smith today" is Smith
                kept.append(w)
            if kept:
                start = m.start("name") + kept[0].start()
                end = m.start("name") + kept[-1].end()
                out.append(Span(start, end, "PATIENT", TITLE, text[start:end], "context:title"))
        return out
