"""Realistic surrogate values for PHI, consistent within a document.

A :class:`DocumentContext` holds one document's state: a seeded RNG, one random date offset, and the maps
from original names, places and numbers to their surrogates, so that a value that recurs gets the same
surrogate everywhere in the document. :func:`surrogate` turns one span's text into its replacement::

    >>> ctx = DocumentContext.for_document(seed=1, key="note-1", locale="nb")
    >>> surrogate("AGE", "93", ctx)
    '90+'

Each context derives from a secret and an identity: the document's own (its id, its path, or a hash of its
text), or its patient's, so that every document of one patient shares one date offset and one name map. Every
value's surrogate is drawn from ``HMAC-SHA256(context key, kind, value)``: the same patient gets the same
surrogates in any document, file, run or machine, with no shared state, and nothing about a context follows
from the identity without the secret. :meth:`DocumentContext.key` exports the date offset and the maps (a
re-identification key); nothing here logs them, and ``repr`` of a context shows neither them nor the secret.
"""

from __future__ import annotations

from collections.abc import Callable

from phiner.anonymize.surrogates.ages import surrogate_age
from phiner.anonymize.surrogates.common import _match_case
from phiner.anonymize.surrogates.contact import surrogate_contact
from phiner.anonymize.surrogates.context import (
    LOCALES,
    MIN_SECRET_BYTES,
    SECRET_ENV,
    DocumentContext,
    SurrogateSettings,
    detect_locale,
    document_id,
    draw_secret,
    load_secret,
    resolve_secret,
)
from phiner.anonymize.surrogates.dates import NO_YEAR, TWO_DIGIT_PIVOT, ParsedDate, parse_date, surrogate_date
from phiner.anonymize.surrogates.ids import RANDOM_BIRTH, fnr_birth_date, fnr_check_digits, make_fnr, surrogate_id
from phiner.anonymize.surrogates.names import surrogate_name
from phiner.anonymize.surrogates.phones import surrogate_phone
from phiner.anonymize.surrogates.places import surrogate_location

__all__ = [
    "LOCALES",
    "MIN_SECRET_BYTES",
    "NO_YEAR",
    "RANDOM_BIRTH",
    "SECRET_ENV",
    "TWO_DIGIT_PIVOT",
    "DocumentContext",
    "ParsedDate",
    "SurrogateSettings",
    "detect_locale",
    "document_id",
    "draw_secret",
    "fnr_birth_date",
    "fnr_check_digits",
    "load_secret",
    "make_fnr",
    "parse_date",
    "resolve_secret",
    "surrogate",
    "surrogate_age",
    "surrogate_contact",
    "surrogate_date",
    "surrogate_id",
    "surrogate_location",
    "surrogate_name",
    "surrogate_phone",
]


def surrogate(label: str, original: str, context: DocumentContext) -> str:
    """The surrogate of one span's text; labels without a generator get a ``[LABEL]`` tag."""
    handler = _HANDLERS.get(label)
    if handler is None:
        return f"[{label}]"
    same = " ".join(original.split()).casefold()
    if same in context._spans:  # the same string under another label keeps its first surrogate
        return _match_case(original, context._spans[same])
    value = handler(original, context)
    if any(ch.isalnum() for ch in same):
        context._spans[same] = value
    return value


_HANDLERS: dict[str, Callable[[str, DocumentContext], str]] = {
    "PATIENT": surrogate_name,
    "LOC": surrogate_location,
    "ID": surrogate_id,
    "PHONE": surrogate_phone,
    "DATE": surrogate_date,
    "AGE": surrogate_age,
    "CONTACT": surrogate_contact,
}
