"""One document's (or patient's) surrogate state, derived from a secret and an identity."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import random
import secrets
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from phiner.core.errors import Errors, PhinerError
from phiner.core.language import detect_locale
from phiner.core.vocab import FAKER_LOCALES

LOCALES: tuple[str, ...] = tuple(FAKER_LOCALES)
"""Document locales: ``nb`` (Norwegian bokmål) and ``en``."""


# ----------------------------------------------------------------------------------------------------------------
# Settings and the per-document context.


@dataclass(frozen=True)
class SurrogateSettings:
    """How surrogates are drawn: the date offset's range in days (either sign), an age shift, the age cap."""

    date_shift_min: int = 30
    date_shift_max: int = 365
    age_shift: int = 0
    age_cap: int = 89
    """Ages above this become ``90+`` (HIPAA safe harbour)."""

    def __post_init__(self) -> None:
        if not 0 <= self.date_shift_min <= self.date_shift_max:
            raise PhinerError(Errors.E163.format(given=self.date_shift_min, given2=self.date_shift_max))
        if self.age_cap < 0:
            raise PhinerError(Errors.E164.format(given=self.age_cap))


class DocumentContext:
    """One document's surrogate state: seeded RNG, date offset, and original -> surrogate maps."""

    def __init__(
        self,
        seed: int | str | None = None,
        key: str = "",
        *,
        locale: str | None = None,
        settings: SurrogateSettings | None = None,
        secret: bytes | None = None,
        patient: str | None = None,
    ) -> None:
        if locale is not None and locale not in LOCALES:
            raise PhinerError(Errors.E103.format(given=locale, choices=", ".join(LOCALES)))
        self.document = str(key)
        self.patient = None if patient is None else str(patient)
        self.locale = locale
        self.date_order: str | None = None
        """How the document orders day and month (``dmy``, ``mdy``; None: by its locale), set by
        :meth:`ensure_date_order`."""
        self.settings = settings or SurrogateSettings()
        scope = f"patient\0{self.patient}" if self.patient is not None else f"document\0{self.document}"
        self._secret_key = _hmac(resolve_secret(seed, secret), "phiner-context/v1", scope)
        self.rng = _rng(self._secret_key, "document")
        self.date_offset = _draw_offset(_rng(self._secret_key, "date-offset"), self.settings)
        self.names: dict[str, str] = {}  # casefolded name token -> surrogate token
        self._name_display: dict[str, str] = {}  # casefolded name token -> first spelling seen
        self._links: dict[str, set[str]] = {}  # given <-> family tokens seen together in one name
        self._values: dict[tuple[str, str], str] = {}  # (kind, normalised original) -> surrogate
        self._spans: dict[str, str] = {}  # whole span text, normalised -> surrogate, whatever its label

    @classmethod
    def for_document(
        cls,
        seed: int | str | None,
        key: str,
        *,
        locale: str | None = None,
        settings: SurrogateSettings | None = None,
        secret: bytes | None = None,
        patient: str | None = None,
    ) -> DocumentContext:
        """The context of document ``key`` (or of its ``patient``) under ``secret`` (or a test ``seed``):
        the same arguments give the same surrogates."""
        return cls(seed, key, locale=locale, settings=settings, secret=secret, patient=patient)

    @contextmanager
    def drawing(self, *slot: str) -> Iterator[random.Random]:
        """``self.rng`` seeded for one value (``slot``) while the block runs: a value's surrogate depends on
        the secret, the identity and the value, not on what else the document holds or in what order."""
        outer = self.rng
        self.rng = _rng(self._secret_key, "value", *slot)
        try:
            yield self.rng
        finally:
            self.rng = outer

    def __repr__(self) -> str:  # no identity, maps, offset or secret: a repr ends up in logs
        return f"DocumentContext(locale={self.locale!r})"

    def ensure_locale(self, text: str) -> str:
        """The document locale, detected from ``text`` when no hint was given."""
        if self.locale is None:
            self.locale = detect_locale(text)
        return self.locale

    def ensure_date_order(self, dates: Iterable[str]) -> str:
        """The document's one date order (:func:`phiner.anonymize.surrogates.dates.date_order`), from the
        unambiguous ones of its ``dates`` and its locale, so that ``02/09/1951`` and ``10/25/2019`` of one note
        are read (and written) the same way."""
        from phiner.anonymize.surrogates.dates import date_order

        self.date_order = date_order(dates, self.locale)
        return self.date_order

    def remember(self, kind: str, original: str, make: Callable[[], str]) -> str:
        """The surrogate of ``original`` of this kind, made once per document."""
        slot = (kind, original)
        if slot not in self._values:
            with self.drawing(kind, original):
                self._values[slot] = make()
        return self._values[slot]

    def key(self) -> dict[str, Any]:
        """The re-identification key of this document: date offset, age shift, name map and value maps.

        It holds original PHI: store it as the secret it is, never log it.
        """
        values: dict[str, dict[str, str]] = {}
        for (kind, original), replacement in self._values.items():
            values.setdefault(kind, {})[original] = replacement
        return {
            "document": self.document,
            **({"patient": self.patient} if self.patient is not None else {}),
            "date_offset_days": self.date_offset.days,
            "age_shift": self.settings.age_shift,
            "names": {self._name_display[cf]: sur for cf, sur in self.names.items()},
            "values": values,
        }


SECRET_ENV = "PHINER_SECRET"
"""Environment variable that may hold the surrogate secret (else ``--secret-file``)."""
MIN_SECRET_BYTES = 16


def resolve_secret(seed: int | str | None = None, secret: bytes | None = None) -> bytes:
    """The secret contexts derive from: ``secret``; else one made from a test ``seed`` (anyone who knows the
    seed can recompute every surrogate: for tests and examples only); else a fresh random one."""
    if secret is not None:
        if not isinstance(secret, bytes) or len(secret) < MIN_SECRET_BYTES:
            raise PhinerError(Errors.E165.format(limit=MIN_SECRET_BYTES))
        return secret
    if seed is not None:
        return f"phiner-seed:{seed}".encode()
    return draw_secret()


def draw_secret() -> bytes:
    """A fresh random secret (32 bytes): the one place phiner draws one where none is given, so a call, a job,
    a Ray dataset or a service gets one for all its documents (one patient, one set of surrogates)."""
    return secrets.token_bytes(32)


def load_secret(path: str | os.PathLike | None = None, env: str = SECRET_ENV) -> bytes | None:
    """The secret from a file (its bytes, surrounding white space dropped) or from ``env``; None if neither.

    Errors name the file or the variable, never what it holds.
    """
    if path is not None:
        try:
            value = open(path, "rb").read().strip()
        except OSError as err:
            raise PhinerError(Errors.E166.format(path=path, reason=err.strerror)) from None
        where = str(path)
    elif os.environ.get(env) is not None:
        value, where = os.environ[env].strip().encode("utf-8", "surrogateescape"), f"${env}"
    else:
        return None
    if len(value) < MIN_SECRET_BYTES:
        raise PhinerError(Errors.E167.format(where=where, limit=MIN_SECRET_BYTES))
    return value


def _hmac(key: bytes, *parts: str) -> bytes:
    message = "\0".join(parts).encode("utf-8", "surrogatepass")
    return hmac.new(key, message, hashlib.sha256).digest()


def _rng(key: bytes, *parts: str) -> random.Random:
    return random.Random(int.from_bytes(_hmac(key, *parts), "big"))


def document_id(text: str) -> str:
    """The identity of a document that has no id or path: a hash of its text."""
    return "sha256:" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _draw_offset(rng: random.Random, settings: SurrogateSettings) -> dt.timedelta:
    days = rng.randint(settings.date_shift_min, settings.date_shift_max)
    return dt.timedelta(days=days if rng.random() < 0.5 else -days)
