"""The HTTP service: a thin FastAPI app over a Tagger. Request bodies are never logged, and validation
errors never echo the submitted text."""
from __future__ import annotations

import json
import secrets
import threading
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, model_validator

from phiner.errors import PhinerError
from phiner.labels import ENTITY_TYPES, LABELS
from phiner.redact import check_operators

API_KEY_HEADER = "X-API-Key"


class TextsIn(BaseModel):
    """One ``text`` or a batch of ``texts``."""

    model_config = ConfigDict(extra="forbid")
    text: str | None = None
    texts: list[str] | None = None

    @model_validator(mode="after")
    def _one_of(self) -> "TextsIn":
        if (self.text is None) == (self.texts is None):
            raise ValueError("give exactly one of `text` or `texts`")
        return self

    def batch(self) -> list[str]:
        return [self.text] if self.text is not None else list(self.texts or [])


class RedactIn(TextsIn):
    operator: str = Field("tag", description="tag, mask, remove or surrogate")
    keep: list[str] = Field(default_factory=list, description="entity types left as they are")
    overrides: dict[str, str] = Field(default_factory=dict, description="entity type -> operator")
    seed: int | None = Field(None, description="the same seed gives the same surrogates")


def create_app(tagger, *, api_key: str | None = None, max_body_bytes: int = 1_000_000, max_batch: int = 64,
               run_dir: str | Path | None = None) -> FastAPI:
    """The app; ``api_key`` (if set) is required in the ``X-API-Key`` header of every /v1 call."""
    app = FastAPI(title="phiner", description="Find and de-identify PHI in clinical text.", version="1")
    lock = threading.Lock()  # one forward pass at a time: the CPU threads are already all in use
    model_info = _model_info(run_dir)

    @app.middleware("http")
    async def guard(request: Request, call_next):
        if api_key and request.url.path.startswith("/v1/"):
            if not secrets.compare_digest(request.headers.get(API_KEY_HEADER, ""), api_key):
                return JSONResponse({"detail": f"missing or wrong {API_KEY_HEADER} header"}, status_code=401)
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > max_body_bytes:
            return _too_large(f"request body over {max_body_bytes} bytes")
        if request.method == "POST" and len(await request.body()) > max_body_bytes:
            return _too_large(f"request body over {max_body_bytes} bytes")
        return await call_next(request)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        # FastAPI's default echoes the offending input, which is clinical text: keep location and message only.
        errors = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
                  for e in exc.errors()]
        return JSONResponse({"detail": errors}, status_code=422)

    @app.exception_handler(PhinerError)
    async def domain_error(request: Request, exc: PhinerError):
        return JSONResponse({"detail": str(exc)}, status_code=422)

    def check_batch(texts: list[str]) -> JSONResponse | None:
        return _too_large(f"batch of {len(texts)} texts is over the limit of {max_batch}") if len(texts) > max_batch else None

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/v1/model")
    def model() -> dict[str, Any]:
        return model_info

    @app.post("/v1/entities")
    def entities(body: TextsIn):
        texts = body.batch()
        if (refused := check_batch(texts)) is not None:
            return refused
        with lock:
            found = tagger.predict(texts)
        results = [{"entities": [s.to_dict() for s in spans]} for spans in found]
        return results[0] if body.text is not None else {"results": results}

    @app.post("/v1/redact")
    def redact(body: RedactIn):
        texts = body.batch()
        if (refused := check_batch(texts)) is not None:
            return refused
        overrides = {**body.overrides, **{t: "keep" for t in body.keep}}
        check_operators(body.operator, overrides)
        with lock:
            done = tagger.redact(texts, body.operator, overrides=overrides, seed=body.seed)
        results = [{"redacted": r.text, "entities": [i.to_dict() for i in r.items]} for r in done]
        return results[0] if body.text is not None else {"results": results}

    return app


def _too_large(message: str) -> JSONResponse:
    return JSONResponse({"detail": message}, status_code=413)


def _model_info(run_dir: str | Path | None) -> dict[str, Any]:
    """What the run folder says of itself: base model, labels, adapter settings, metrics."""
    info: dict[str, Any] = {"labels": LABELS, "entity_types": list(ENTITY_TYPES)}
    if run_dir is None:
        return info
    run = Path(run_dir)
    for name, key in (("adapter_config.json", "adapter"), ("metrics.json", "metrics")):
        if (run / name).exists():
            info[key] = json.loads((run / name).read_text(encoding="utf-8"))
    if (run / "config.yaml").exists():
        import yaml

        info["config"] = yaml.safe_load((run / "config.yaml").read_text(encoding="utf-8"))
    base = info.get("adapter", {}).get("base_model_name_or_path") or info.get("config", {}).get("base_model")
    info["base_model"] = base
    return info
