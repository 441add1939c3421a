"""Entity types and their IOB2 label maps.

>>> LABELS[:3]
['O', 'B-ID', 'I-ID']
>>> len(LABELS)
13
"""

from __future__ import annotations

ENTITY_TYPES: tuple[str, ...] = ("ID", "DATE", "LOC", "PATIENT", "AGE", "PHONE")
"""The six PHI types the model tags, in the order of their label ids (:data:`LABELS`)."""

PHI_TYPES: tuple[str, ...] = (*ENTITY_TYPES, "CONTACT")
"""Every type phiner finds and redacts: the model's six, and CONTACT (e-mail addresses and URLs), which only
recognizers find. One type for both, as the i2b2 2014 guidelines group e-mail and URL under CONTACT; each
span's ``source`` (``pattern:email``, ``pattern:url``) says which it is. Phone numbers stay PHONE. The model's
label set stays the 13 of :data:`ENTITY_TYPES`: ``O`` and a ``B-``/``I-`` pair per type."""

LABELS: list[str] = ["O"] + [f"{prefix}-{t}" for t in ENTITY_TYPES for prefix in ("B", "I")]
LABEL2ID: dict[str, int] = {label: i for i, label in enumerate(LABELS)}
ID2LABEL: dict[int, str] = {i: label for label, i in LABEL2ID.items()}

IGNORE_INDEX = -100
"""Label id of tokens that take no part in the loss (special tokens, padding)."""


def entity_type(label: str) -> str | None:
    """The entity type of an IOB2 label, or None for ``O``.

    >>> entity_type("I-PATIENT"), entity_type("O")
    ('PATIENT', None)
    """
    return None if label == "O" else label[2:]
