"""The HTTP service: a thin FastAPI app over a Tagger, or over an adapter registry (one base model, LoRA adapters
chosen per request by ``adapter``, added and removed at run time by the key's holder).

What it holds to, since its callers send clinical text:
- the API key is checked (as bytes, in constant time) before a byte of the body is read, and the body is
  counted as it arrives: a body over the limit gets 413 at once, whatever its declared length or chunking, and a
  body not in within a time limit gets 408 (:func:`serve` also limits connections and keeps idle ones briefly);
- errors name the field at fault, never what it held (texts, operators, keys and field names a caller sent, the
  path of a run folder); every error is an :class:`ErrorOut`, and every status a route answers is in the OpenAPI
  schema, whose request models say what the validators hold to;
- the access log has method, route and status: no query string, no body, no unknown path;
- the windows of concurrent requests are read together in shared forward passes on one worker
  (:mod:`phiner.serve.batcher`), a window of each request in turn, so a long request cannot hold a short one
  behind it for its whole length; a per-request time limit, and a limit on requests waiting (503 with
  ``Retry-After``);
- an adapter is added or removed on the worker between two passes, and a request whose adapter was removed or
  replaced while it ran is refused (404), never finished on another model.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import os
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager, nullcontext
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader
from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, field_validator, model_validator
from starlette.exceptions import HTTPException as StarletteHTTPException

from phiner.anonymize.operators import OPERATORS, check_operators
from phiner.core.errors import PhinerError, TimeLimitError, UnknownAdapterError
from phiner.core.labels import LABELS, PHI_TYPES
from phiner.core.records import check_text
from phiner.model.adapters import ADAPTER_NAME, AdapterConflict
from phiner.pipeline import Pipeline
from phiner.serve.batcher import Batcher, Busy

API_KEY_HEADER = "X-API-Key"
access_log = logging.getLogger("phiner.access")


def _unicode(value: str | None, where: str) -> None:
    if value is not None:
        check_text(value, where)  # a RecordError is a ValueError: pydantic makes it a 422


def valid_api_key(key: str) -> bool:
    """A key the header can carry and the service compares as bytes: non-empty, printable ASCII."""
    return bool(key) and key.isascii() and key.isprintable()


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
            raise ValueError("give exactly one of `text` or `texts`")
        _unicode(self.text, "`text`")
        for i, text in enumerate(self.texts or []):
            _unicode(text, f"`texts[{i}]`")
        if self.known is not None and self.text is None:
            raise ValueError("`known` goes with `text`; use `knowns` with `texts`")
        if self.knowns is not None and (self.texts is None or len(self.knowns) != len(self.texts)):
            raise ValueError("`knowns` needs `texts`, one entry per text")
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
                raise PhinerError(f"`rules.{key}` should be a list")
        rules = SiteRules.from_dict(self.rules, where="rules")
        if len(rules.patterns) > MAX_REQUEST_PATTERNS:
            raise PhinerError(f"`rules.patterns` holds more than {MAX_REQUEST_PATTERNS} patterns")
        if any(len(p.regex.pattern) > MAX_REGEX_CHARS for p in rules.patterns):
            raise PhinerError(f"a regex in `rules.patterns` is over {MAX_REGEX_CHARS} characters")
        if len(rules.deny) + len(rules.allow) > MAX_REQUEST_TERMS:
            raise PhinerError(f"`rules` holds more than {MAX_REQUEST_TERMS} terms")
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
            raise ValueError("`patient_id` goes with `text`; use `patient_ids` with `texts`")
        if self.patient_ids is not None:
            if self.texts is None or len(self.patient_ids) != len(self.texts):
                raise ValueError("`patient_ids` needs `texts`, one entry per text")
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


class Forbidden(PhinerError):
    """A call this service does not allow as it was started (403)."""


class Admission:
    """At most ``limit`` requests inside the model at once (running or waiting their turn)."""

    def __init__(self, limit: int) -> None:
        self.limit, self.count, self._lock = limit, 0, threading.Lock()

    @contextmanager
    def enter(self) -> Iterator[None]:
        with self._lock:
            if self.count >= self.limit:
                raise Busy(f"{self.count} requests are waiting; try again shortly", retry_after=1)
            self.count += 1
        try:
            yield
        finally:
            with self._lock:
                self.count -= 1


def create_app(
    tagger,
    *,
    api_key: str | None = None,
    max_body_bytes: int = 1_000_000,
    max_batch: int = 64,
    run_dir: str | Path | None = None,
    secret: bytes | None = None,
    max_queue: int = 32,
    request_timeout: float = 30.0,
    batch_wait_ms: float = 5.0,
    worker_thread: bool = True,
    body_timeout: float = 10.0,
) -> FastAPI:
    """The app; ``api_key`` (if set) is required in the ``X-API-Key`` header of every /v1 call.

    ``tagger`` is a :class:`phiner.analyze.tagger.Tagger` (one model), or an
    :class:`phiner.analyze.registry.AdapterRegistry`: then requests name their ``adapter``, ``GET /v1/adapters`` lists
    them, and ``POST /v1/adapters`` and ``DELETE /v1/adapters/{name}`` load and unload them at run time (only where
    ``api_key`` is set: they read folders on the server). ``secret`` is what surrogates derive from (a fresh random
    one per process when None: then a patient keeps one date shift across requests only until the server restarts).
    The forward passes of concurrent requests are shared (:mod:`phiner.serve.batcher`): a pass waits up to
    ``batch_wait_ms`` after a request arrives for others to fill it, up to the tagger's (or registry's) batch size.
    They run on a worker thread of the app's own, or, with ``worker_thread=False``, on the thread that runs
    :func:`serve` (the main thread: see :meth:`phiner.serve.batcher.Batcher.run` for why). A request body not
    received in full within ``body_timeout`` seconds of its headers is answered 408, and its connection closed.
    """
    from phiner.analyze.registry import AdapterRegistry

    if api_key is not None and not valid_api_key(api_key):
        raise PhinerError("the API key should be a non-empty string of printable ASCII characters")
    if batch_wait_ms < 0:
        raise PhinerError("the batch wait should be 0 ms or more")
    if not body_timeout > 0:
        raise PhinerError("the body timeout should be above 0 seconds")
    secret = secret if secret is not None else os.urandom(32)
    registry = tagger if isinstance(tagger, AdapterRegistry) else None
    batcher = Batcher(
        max_windows=tagger.batch_size,
        wait=batch_wait_ms / 1000,
        check=_still_served(registry) if registry is not None else None,
        thread=worker_thread,
    )
    admission = Admission(max_queue)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        batcher.close()

    app = FastAPI(
        title="phiner", description="Find and de-identify PHI in clinical text.", version="1", lifespan=lifespan
    )
    app.state.batcher = batcher
    single_info = _model_info(run_dir, tagger) if registry is None else {}
    routes = {
        "/health",
        "/v1/model",
        "/v1/entities",
        "/v1/redact",
        "/v1/adapters",
        "/v1/adapters/{name}",
        "/openapi.json",
        "/docs",
        "/redoc",
    }
    app.add_middleware(
        Guard,
        api_key=api_key.encode() if api_key else None,
        max_body_bytes=max_body_bytes,
        routes=routes,
        body_timeout=body_timeout,
    )
    # With a key, the /v1 routes say so in the schema (the Guard has checked it before they run).
    keyed = [Depends(APIKeyHeader(name=API_KEY_HEADER, auto_error=False))] if api_key else []

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        headers = dict(exc.headers or {})
        if exc.status_code == 405:  # Starlette's Allow names the methods of one route of the path, not of all
            headers["Allow"] = ", ".join(_methods(app, request.scope))
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        # FastAPI's default echoes the input; keep the location (names a caller chose hidden) and the message.
        errors = [
            {"loc": _safe_loc(tuple(e.get("loc", ()))), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()
        ]
        return JSONResponse({"detail": errors}, status_code=422)

    @app.exception_handler(TimeLimitError)
    async def over_time(request: Request, exc: TimeLimitError):
        return JSONResponse({"detail": str(exc)}, status_code=503)

    @app.exception_handler(Busy)
    async def busy(request: Request, exc: Busy):
        headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else None
        return JSONResponse({"detail": str(exc)}, status_code=503, headers=headers)

    @app.exception_handler(PhinerError)
    async def domain_error(request: Request, exc: PhinerError):
        return JSONResponse({"detail": str(exc)}, status_code=422)

    def check_batch(texts: list[str]) -> JSONResponse | None:
        return (
            _too_large(f"batch of {len(texts)} texts is over the limit of {max_batch}")
            if len(texts) > max_batch
            else None
        )

    @app.exception_handler(UnknownAdapterError)
    async def unknown_adapter(request: Request, exc: UnknownAdapterError):
        return JSONResponse({"detail": str(exc)}, status_code=404)

    @app.exception_handler(AdapterConflict)
    async def conflict(request: Request, exc: AdapterConflict):
        return JSONResponse({"detail": str(exc)}, status_code=409)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden):
        return JSONResponse({"detail": str(exc)}, status_code=403)

    def the_registry() -> AdapterRegistry:
        if registry is None:
            raise UnknownAdapterError(
                "this service serves one model and no adapters; start it with --adapter NAME=RUN to serve adapters"
            )
        return registry

    def pick(adapter: str | None):
        """The tagger of the request's adapter (the service's one model where it serves no adapters)."""
        if registry is None and adapter is None:
            return tagger
        return the_registry().tagger(adapter)

    @contextmanager
    def batched(texts: list[str], adapter: str | None = None) -> Iterator[Any]:
        """The request's tagger, its forward passes shared with other requests', within its time limit; the block
        runs holding the batcher's turn (one CPU-heavy step at a time), lent while it waits for its logits, unless
        its texts are over :data:`TURN_MAX_CHARS`."""
        deadline = time.monotonic() + request_timeout
        chosen = pick(adapter)
        small = sum(len(text) for text in texts) <= TURN_MAX_CHARS
        with admission.enter(), batcher.turn.hold(deadline) if small else nullcontext():
            yield chosen.through(lambda features: batcher.logits(chosen, features, deadline), deadline)

    def change(fn) -> Any:
        """``fn(registry)``, one change, run between two forward passes (none runs while it changes)."""
        served = the_registry()
        if api_key is None:
            raise Forbidden("adding and removing adapters needs an API key: start the service with one")
        with admission.enter():
            return batcher.call(lambda: fn(served), time.monotonic() + request_timeout)

    @app.get("/health", responses=_errors(413))
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/v1/model", dependencies=keyed, responses=_errors(401, 413))
    def model() -> dict[str, Any]:
        """The model (with adapters: the default adapter's run, and the adapters' names), and the forward passes
        so far: how many, and how many windows and requests they read."""
        if registry is None:
            return {**single_info, "batching": batcher.describe()}
        default = registry.tagger()
        info = _model_info(default.info["path"], default)
        return {
            **info,
            "adapters": list(registry.adapters),
            "default_adapter": registry.default,
            "batching": batcher.describe(),
        }

    @app.get("/v1/adapters", operation_id="list_adapters", dependencies=keyed, responses=_errors(401, 404, 413))
    def adapters() -> dict[str, Any]:
        """The adapters served: names, base, labels, metrics, thresholds and windows; the default marked."""
        served = the_registry()
        return {"base": served.base, "default": served.default, "adapters": served.describe()}

    @app.post(
        "/v1/adapters",
        status_code=201,
        operation_id="add_adapter",
        dependencies=keyed,
        responses={
            201: {"description": "the adapter, as GET /v1/adapters lists it", "links": ADDED_LINKS},
            **_errors(400, 401, 403, 404, 408, 409, 413, 422, 503),
        },
    )
    def add_adapter(body: AdapterIn) -> dict[str, Any]:
        """Load a run folder on the server as a new adapter; it is served from the next request on."""
        try:
            added = change(lambda served: served.add(body.name, body.path))
        except PhinerError as err:  # the caller's path is not said back: the files in it are named by their names
            err.args = (_without_run(str(err), body.path),)
            raise
        return {**added.describe(), "default": False}

    @app.delete(
        "/v1/adapters/{name}",
        operation_id="remove_adapter",
        dependencies=keyed,
        responses=_errors(401, 403, 404, 409, 413, 422, 503),
    )
    def remove_adapter(name: Annotated[str, PathParam(pattern=f"^{ADAPTER_NAME.pattern}$")]) -> dict[str, Any]:
        """Unload an adapter (not the default); requests still reading with it are refused."""
        change(lambda served: served.remove(name))
        return {"adapters": list(the_registry().adapters)}

    body_errors = _errors(400, 401, 404, 408, 413, 422, 503)

    @app.post("/v1/entities", operation_id="entities", dependencies=keyed, responses=body_errors)
    def entities(body: TextsIn):
        texts = body.batch()
        if (refused := check_batch(texts)) is not None:
            return refused
        known, rules = body.known_list(), body.site_rules()
        with batched(texts, body.adapter) as reader:
            found = [p.spans for p in reader.read(texts, known=known, rules=rules)]
        results = [{"entities": [s.to_dict() for s in spans]} for spans in found]
        return results[0] if body.text is not None else {"results": results}

    @app.post("/v1/redact", operation_id="redact", dependencies=keyed, responses=body_errors)
    def redact(body: RedactIn):
        texts = body.batch()
        if (refused := check_batch(texts)) is not None:
            return refused
        check_operators(body.operator, body.overrides)
        check_operators(body.operator, {t: "keep" for t in body.keep}, overrides_field="keep")
        overrides = {**body.overrides, **{t: "keep" for t in body.keep}}
        known, rules = body.known_list(), body.site_rules()
        with batched(texts, body.adapter) as reader:
            done = Pipeline(reader).redact(
                texts,
                body.operator,
                overrides=overrides,
                seed=body.seed,
                secret=None if body.seed is not None else secret,
                patient_ids=body.patients(),
                known=known,
                rules=rules,
            )
        results = [{"redacted": r.text, "entities": [i.to_dict() for i in r.items]} for r in done]
        return results[0] if body.text is not None else {"results": results}

    def openapi() -> dict[str, Any]:
        """FastAPI's schema, with this app's limit on a batch of texts."""
        if app.openapi_schema is None:
            schema = FastAPI.openapi(app)
            for model in (TextsIn, RedactIn):
                texts = schema["components"]["schemas"][model.__name__]["properties"]["texts"]
                for choice in texts.get("anyOf", [texts]):
                    if choice.get("type") == "array":
                        choice["maxItems"] = max_batch
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


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


def _methods(app: FastAPI, scope) -> list[str]:
    """The methods of every route of the request's path."""
    from starlette.routing import Match

    methods: set[str] = set()
    for route in app.router.routes:
        if getattr(route, "methods", None) and route.matches(scope)[0] is not Match.NONE:
            methods |= route.methods
    return sorted(methods)


def _without_run(message: str, run: str) -> str:
    """``message`` with the run folder ``run`` left out: its files named by their names, the folder itself as "the
    run folder"; a message that would still hold it says only that the folder cannot be loaded."""
    from phiner.core.runfolder import RUN_FILES, THRESHOLDS

    folder = str(Path(run))
    for name in (*RUN_FILES, THRESHOLDS):
        message = message.replace(str(Path(folder) / name), name)
    if message.startswith(folder + " "):
        message = "the run folder" + message[len(folder) :]
    if folder in message or run in message:
        return "the run folder cannot be loaded as an adapter"
    return message


def server_config(
    app: FastAPI,
    *,
    host: str,
    port: int,
    log_level: str = "info",
    max_connections: int = 128,
    keep_alive: float = 5.0,
):
    """uvicorn's settings for ``app``: at most ``max_connections`` connections and requests at once (uvicorn answers
    503 beyond), an idle connection closed after ``keep_alive`` seconds, and no access log of its own (the
    :class:`Guard` logs each request without its query string)."""
    import uvicorn

    if max_connections < 1 or not keep_alive > 0:
        raise PhinerError("the connection limit should be 1 or more, and the keep-alive above 0 seconds")
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        access_log=False,
        limit_concurrency=max_connections,
        timeout_keep_alive=keep_alive,
    )


def serve(
    app: FastAPI,
    *,
    host: str,
    port: int,
    log_level: str = "info",
    max_connections: int = 128,
    keep_alive: float = 5.0,
) -> None:
    """Serve ``app`` (made with ``worker_thread=False``) until SIGINT or SIGTERM: uvicorn on a thread of its own,
    the forward passes on this thread, which should be the main thread. A second signal stops at once.
    ``max_connections`` and ``keep_alive`` are as in :func:`server_config`.
    :class:`PhinerError` if the server could not start (the port taken...)."""
    import signal

    import uvicorn

    batcher = app.state.batcher
    if batcher.threaded:
        raise PhinerError("serve() reads on the calling thread: make the app with create_app(..., worker_thread=False)")
    config = server_config(
        app, host=host, port=port, log_level=log_level, max_connections=max_connections, keep_alive=keep_alive
    )
    server = uvicorn.Server(config)

    def stop(signum, frame) -> None:
        server.force_exit = server.should_exit
        server.should_exit = True

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}

    def http() -> None:
        try:
            server.run()
        except SystemExit:  # uvicorn's way out when it cannot start; it has logged why
            pass
        finally:  # stopped, or never started: the worker on the main thread stops too
            batcher.close()

    thread = threading.Thread(target=http, name="phiner-http")
    thread.start()
    try:
        batcher.run()
    finally:
        server.should_exit = True
        thread.join()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if not server.started:
        raise PhinerError(f"the service could not start on {host}:{port}; the log above says why")


TURN_MAX_CHARS = 20_000
"""Requests of more characters than this do their own work (windows, tallies, recognizers, redaction) beside the
forward passes rather than taking turns with them (:class:`phiner.serve.batcher.Turn`): while a request holds the
turn no pass runs, and that work grows with the text, so short requests sent behind a long one would wait for all
of it. Up to about this length a request's turn lasts no longer than a pass."""


class Guard:
    """ASGI middleware: the key before the body, the body counted as it arrives and read within a time limit, an
    access log line."""

    def __init__(
        self, app, *, api_key: bytes | None, max_body_bytes: int, routes: set[str], body_timeout: float = 10.0
    ) -> None:
        self.app, self.api_key, self.max_body_bytes, self.routes = app, api_key, max_body_bytes, routes
        self.body_timeout = body_timeout

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        status: list[int] = []

        async def send_logged(message) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
            await send(message)

        started = time.perf_counter()
        try:
            await self._handle(scope, receive, send_logged)
        finally:
            path = _route(scope["path"], self.routes)
            access_log.info(
                "%s %s %s %.0f ms",
                scope["method"],
                path,
                status[0] if status else "-",
                1000 * (time.perf_counter() - started),
            )

    async def _handle(self, scope, receive, send) -> None:
        headers = dict(scope["headers"])
        if self.api_key and scope["path"].startswith("/v1/"):
            if not hmac.compare_digest(headers.get(API_KEY_HEADER.lower().encode(), b""), self.api_key):
                return await _reply(send, 401, f"missing or wrong {API_KEY_HEADER} header")
        declared = headers.get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            return await _reply(send, 413, f"request body over {self.max_body_bytes} bytes")
        if scope["method"] not in ("POST", "PUT", "PATCH"):
            return await self.app(scope, receive, send)
        chunks, size, more = [], 0, True
        deadline = time.monotonic() + self.body_timeout
        while more:
            try:
                message = await asyncio.wait_for(receive(), max(0.0, deadline - time.monotonic()))
            except TimeoutError:
                return await _reply(send, 408, f"request body not received within {self.body_timeout:g} s")
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                return await _reply(send, 413, f"request body over {self.max_body_bytes} bytes")
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        replayed = False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _reply(send, status: int, detail: str) -> None:
    payload = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


def _route(path: str, routes: set[str]) -> str:
    """The route a request is logged under: its path for a fixed route, the template for one that holds a name.

    >>> _route("/v1/adapters/nb-notes", {"/v1/adapters/{name}"}), _route("/v1/x/y", {"/v1/adapters/{name}"})
    ('/v1/adapters/{name}', '(other path)')
    """
    if path in routes:
        return path
    head, _, last = path.rpartition("/")
    template = f"{head}/{{name}}"
    return template if last and template in routes else "(other path)"


def _still_served(registry) -> Callable[[Any], None]:
    """A check that refuses a request whose adapter was removed or replaced from ``registry`` since it was chosen."""

    def check(chosen) -> None:
        current = registry.adapters.get(chosen.adapter)
        if current is None or current.tagger is not chosen:
            raise UnknownAdapterError("the adapter was removed or replaced while the request ran; send it again")

    return check


def _too_large(message: str) -> JSONResponse:
    return JSONResponse({"detail": message}, status_code=413)


def _model_info(run_dir: str | Path | None, tagger) -> dict[str, Any]:
    """What the run folder says of itself (adapter settings, metrics, config, base model), the labels, the types
    found, and how: thresholds and detection."""
    from phiner.core.runfolder import RunFolder

    info: dict[str, Any] = {"labels": LABELS, **(RunFolder(run_dir).describe() if run_dir is not None else {})}
    detector = getattr(tagger, "detector", None)
    info["entity_types"] = list(PHI_TYPES)
    info["thresholds"] = dict(getattr(tagger, "thresholds", {}))
    info["detection"] = detector.describe() if detector is not None else None
    return info
