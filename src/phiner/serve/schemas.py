"""The service's request and answer schemas: what a body may hold, checked as it is read, and the one error shape,
:class:`ErrorOut`, that every error answer has; the routes that take them are in :mod:`phiner.serve.app`."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, field_validator, model_validator

from phiner.anonymize.operators import OPERATORS
from phiner.core.errors import Errors, PhinerError
from phiner.core.labels import PHI_TYPES
from phiner.core.records import check_text
from phiner.model.adapters import ADAPTER_NAME

API_KEY_HEADER = "X-API-Key"


def _unicode(value: str | None, where: str) -> None:
    if value is not None:
        check_text(value, where)  # a RecordError is a ValueError: pydantic makes it a 422


MAX_REQUEST_PATTERNS, MAX_REGEX_CHARS, MAX_REQUEST_TERMS = 20, 500, 10_000
"""Limits on a request's own rules (a regex runs on the server's CPU: keep them few and short)."""

_NULL: dict[str, Any] = {"type": "null"}
_TYPES: list[str] = list(PHI_TYPES)
_KNOWN_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {t: {"type": "array", "items": {"type": "string"}} for t in PHI_TYPES},
    "additionalProperties": False,
}
# A term is not only white space, as ``str.strip`` has it: the class spelled out, since `\s` differs between JSON
# Schema's regexes (ECMA-262) and Python's.
_WORDS: dict[str, Any] = {
    "type": "string",
    "pattern": r"[^\t\n\x0b\x0c\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]",
    "description": "not only white space",
}
_TERM: dict[str, Any] = {
    "anyOf": [
        _WORDS,
        {
            "type": "object",
            "properties": {"text": _WORDS},
            "required": ["text"],
            "additionalProperties": False,
        },
    ]
}
_TERMS: dict[str, Any] = {"type": "array", "items": _TERM, "maxItems": MAX_REQUEST_TERMS}
_SCORE: dict[str, Any] = {"anyOf": [{"type": "number", "exclusiveMinimum": 0, "maximum": 1}, _NULL]}
_RULE_NAME: dict[str, Any] = {"type": "string", "pattern": "^[A-Za-z0-9_.-]{1,40}$"}
_DENY: dict[str, Any] = {
    "type": "object",
    "properties": {
        "text": _WORDS,
        "terms": _TERMS,
        "label": {"enum": _TYPES},
        "score": _SCORE,
        "name": {"anyOf": [_RULE_NAME, _NULL]},
    },
    "required": ["label"],
    "oneOf": [{"required": ["text"]}, {"required": ["terms"]}],
    "additionalProperties": False,
}
_PATTERN: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": _RULE_NAME,
        "regex": {"type": "string", "minLength": 1, "maxLength": MAX_REGEX_CHARS, "description": "RE2 syntax"},
        "label": {"enum": _TYPES},
        "score": _SCORE,
        "group": {"anyOf": [{"type": "integer", "minimum": 0}, {"type": "string"}], "description": "of the regex"},
        "ignore_case": {"type": "boolean"},
    },
    "required": ["name", "regex", "label"],
    "additionalProperties": False,
}
_RULES_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "deny": {"anyOf": [{"type": "array", "items": _DENY, "maxItems": MAX_REQUEST_TERMS}, _NULL]},
        "patterns": {"anyOf": [{"type": "array", "items": _PATTERN, "maxItems": MAX_REQUEST_PATTERNS}, _NULL]},
        "allow": {"anyOf": [_TERMS, _NULL]},
        "titles": {"anyOf": [_TERMS, _NULL]},
    },
    "additionalProperties": False,
    "description": f"at most {MAX_REQUEST_TERMS} deny and allow terms in all",
}
Known = Annotated[dict[str, list[str]], WithJsonSchema(_KNOWN_SCHEMA)]
"""PHI known about a text's patient, by type (checked by :func:`phiner.core.records.check_known`)."""
Rules = Annotated[dict[str, Any], WithJsonSchema(_RULES_SCHEMA)]
"""A request's own rules, the shape of a rules file (checked by :meth:`phiner.analyze.SiteRules.from_dict`)."""


def _one_or_many(schema: dict[str, Any], model: type[BaseModel]) -> None:
    """The model's schema made to say what its validators hold to: ``text`` and what goes with it, or ``texts`` and
    what goes with them (a field of the other kind absent or null)."""
    one = [f for f in ("text", "known", "patient_id") if f in model.model_fields]
    many = [f for f in ("texts", "knowns", "patient_ids") if f in model.model_fields]
    schema["oneOf"] = [
        {"required": ["text"], "properties": {"text": {"type": "string"}, **{f: _NULL for f in many}}},
        {"required": ["texts"], "properties": {"texts": {"type": "array"}, **{f: _NULL for f in one}}},
    ]


class TextsIn(BaseModel):
    """One ``text`` or a batch of ``texts``; what is known about their patients; a request's own rules; the adapter
    that reads them."""

    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra=_one_or_many)
    text: str | None = None
    texts: list[str] | None = None
    adapter: str | None = Field(
        None, description="the adapter that reads the texts (GET /v1/adapters lists them); default: the service's"
    )
    known: Known | None = Field(
        None, description='with `text`: PHI known about its patient, e.g. {"PATIENT": ["Kari Nordmann"]}'
    )
    knowns: list[Known | None] | None = Field(
        None, description="with `texts`: the known PHI of each text (or null), one entry per text"
    )
    rules: Rules | None = Field(
        None,
        description="this request's own rules, the shape of a rules file (deny, patterns, allow, titles), "
        "used beside the server's",
    )

    @model_validator(mode="after")
    def _one_of(self) -> "TextsIn":
        if (self.text is None) == (self.texts is None):
            raise ValueError(Errors.E305)
        _unicode(self.text, "`text`")
        for i, text in enumerate(self.texts or []):
            _unicode(text, f"`texts[{i}]`")
        if self.known is not None and self.text is None:
            raise ValueError(Errors.E306)
        if self.knowns is not None and (self.texts is None or len(self.knowns) != len(self.texts)):
            raise ValueError(Errors.E307)
        for i, known in enumerate([self.known] if self.known is not None else self.knowns or []):
            for label, values in (known or {}).items():
                _unicode(label, "a `known` type")
                for value in values:
                    _unicode(value, f"`known` values of entry {i}")
        return self

    def batch(self) -> list[str]:
        return [self.text] if self.text is not None else list(self.texts or [])

    def known_list(self) -> list[dict[str, list[str]] | None] | None:
        from phiner.core.records import check_known

        given = [self.known] if self.known is not None else self.knowns
        if given is None:
            return None
        return [check_known(k, "known") if k is not None else None for k in given]

    def site_rules(self):
        """The request's rules as :class:`phiner.analyze.SiteRules` (checked, and held to the limits)."""
        if not self.rules:
            return None
        from phiner.analyze import SiteRules
        from phiner.analyze.rules import KEYS

        for key, value in self.rules.items():
            if key in KEYS and value is not None and not isinstance(value, list):
                raise PhinerError(Errors.E310.format(key=key))
        rules = SiteRules.from_dict(self.rules, where="rules")
        if len(rules.patterns) > MAX_REQUEST_PATTERNS:
            raise PhinerError(Errors.E311.format(limit=MAX_REQUEST_PATTERNS))
        if any(len(p.regex.pattern) > MAX_REGEX_CHARS for p in rules.patterns):
            raise PhinerError(Errors.E312.format(limit=MAX_REGEX_CHARS))
        if len(rules.deny) + len(rules.allow) > MAX_REQUEST_TERMS:
            raise PhinerError(Errors.E313.format(limit=MAX_REQUEST_TERMS))
        return rules


class RedactIn(TextsIn):
    operator: str = Field(
        "tag", description="tag, mask, remove, keep or surrogate", json_schema_extra={"enum": list(OPERATORS)}
    )
    keep: list[str] = Field(
        default_factory=list, description="entity types left as they are", json_schema_extra={"items": {"enum": _TYPES}}
    )
    overrides: dict[str, str] = Field(
        default_factory=dict,
        description="entity type -> operator",
        json_schema_extra={
            "properties": {t: {"enum": list(OPERATORS)} for t in PHI_TYPES},
            "additionalProperties": False,
        },
    )
    seed: int | None = Field(
        None,
        description="test seed of surrogates (anyone who knows it can recompute them); "
        "without it they derive from the server's secret",
    )
    patient_id: str | None = Field(
        None, description="with `text`: its patient; one date shift and name map per patient"
    )
    patient_ids: list[str | None] | None = Field(
        None, description="with `texts`: the patient of each text, one entry per text"
    )

    @field_validator("patient_id")
    @classmethod
    def _patient_unicode(cls, value: str | None) -> str | None:
        _unicode(value, "`patient_id`")
        return value

    @model_validator(mode="after")
    def _patients(self) -> "RedactIn":
        if self.patient_id is not None and self.text is None:
            raise ValueError(Errors.E308)
        if self.patient_ids is not None:
            if self.texts is None or len(self.patient_ids) != len(self.texts):
                raise ValueError(Errors.E309)
            for i, value in enumerate(self.patient_ids):
                _unicode(value, f"`patient_ids[{i}]`")
        return self

    def patients(self) -> list[str | None] | None:
        if self.patient_id is not None:
            return [self.patient_id]
        return self.patient_ids


class AdapterIn(BaseModel):
    """An adapter to load: its name and its run folder (a path on the server)."""

    model_config = ConfigDict(extra="forbid", strict=True)
    name: str = Field(
        description="1 to 64 letters, digits, '_' or '-', starting with a letter or digit",
        pattern=f"^{ADAPTER_NAME.pattern}$",
    )
    path: str = Field(description="the run folder (from `phiner train`) on the server, trained on the service's base")


class ErrorItem(BaseModel):
    """One way a request does not fit its schema: where (names a caller chose hidden), what, and its kind."""

    loc: list[str | int]
    msg: str
    type: str


class ErrorOut(BaseModel):
    """Every error the service answers: ``detail`` says what is wrong, as one sentence, or, where the request does
    not fit its schema, as a list of what does not."""

    detail: str | list[ErrorItem]


_FIELDS = frozenset(
    {"body", "query", "path", "header", *TextsIn.model_fields, *RedactIn.model_fields, *AdapterIn.model_fields}
)


_MAPS = frozenset({"overrides", "known", "rules"})


def _safe_loc(loc: tuple) -> list:
    """A validation error's location with every name a caller chose (extra fields, map keys) hidden."""
    out: list = []
    parent = grandparent = None
    for part in loc:
        in_map = parent in _MAPS or (grandparent == "knowns" and isinstance(parent, int))
        if isinstance(part, int) and not in_map or (part in _FIELDS and not in_map):
            out.append(part)
        else:
            out.append("(key)" if in_map else "(unknown field)")
        grandparent, parent = parent, part
    return out


ERRORS = {
    400: "the body could not be read as JSON",
    401: f"missing or wrong {API_KEY_HEADER} header",
    403: "adapters cannot be added or removed: the service was started without an API key",
    404: "no adapter of that name, or the service serves no adapters",
    408: "the request body did not arrive in full within the time limit (the connection is closed)",
    409: "the adapters as loaded refuse the change: the name is taken, or the adapter is the default",
    413: "the body, or the batch of texts, is over the service's limit",
    422: "the request does not fit its schema (`detail` lists where), or a value in it is refused (`detail` says why)",
    503: "the service is busy, or the request took over its time limit; try again (after `Retry-After` seconds)",
}
"""What each error status of the service means; every error answer is an :class:`ErrorOut`."""


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The error answers of a route, for its ``responses=``."""
    out: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        out[status] = {"model": ErrorOut, "description": ERRORS[status]}
        if status == 503:
            out[status]["headers"] = {"Retry-After": {"description": "seconds", "schema": {"type": "string"}}}
    return out


ADDED_LINKS = {
    "remove": {"operationId": "remove_adapter", "parameters": {"path.name": "$response.body#/name"}},
    "read": {"operationId": "entities", "requestBody": {"adapter": "$response.body#/name"}},
    "list": {"operationId": "list_adapters"},
}
"""Where an added adapter's name leads (OpenAPI links, followed by stateful clients and fuzzers)."""
