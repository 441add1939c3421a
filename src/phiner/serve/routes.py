"""The service's routes: ``public`` (``GET /health``) and ``v1`` (the model, entities, redaction and adapters;
the app adds the API key's dependency to them where it has a key). Each route reads its :class:`Service`
through :func:`phiner.serve.service.current`, and answers with the schemas of :mod:`phiner.serve.schemas`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi import Path as PathParam

from phiner.anonymize.operators import check_operators
from phiner.core.errors import PhinerError
from phiner.model.adapters import ADAPTER_NAME
from phiner.pipeline import Pipeline
from phiner.serve.schemas import ADDED_LINKS, AdapterIn, RedactIn, TextsIn, _errors
from phiner.serve.service import Service, current

public = APIRouter()
v1 = APIRouter()
Served = Annotated[Service, Depends(current)]
BODY_ERRORS = _errors(400, 401, 404, 408, 413, 422, 503)


@public.get("/health", responses=_errors(413))
def health() -> dict[str, str]:
    return {"status": "ok"}


@v1.get("/v1/model", responses=_errors(401, 413))
def model(service: Served) -> dict[str, Any]:
    """The model (with adapters: the default adapter's run, and the adapters' names), and the forward passes
    so far: how many, and how many windows and requests they read."""
    return service.describe()


@v1.get("/v1/adapters", operation_id="list_adapters", responses=_errors(401, 404, 413))
def adapters(service: Served) -> dict[str, Any]:
    """The adapters served: names, base, labels, metrics, thresholds and windows; the default marked."""
    served = service.the_registry()
    return {"base": served.base, "default": served.default, "adapters": served.describe()}


@v1.post(
    "/v1/adapters",
    status_code=201,
    operation_id="add_adapter",
    responses={
        201: {"description": "the adapter, as GET /v1/adapters lists it", "links": ADDED_LINKS},
        **_errors(400, 401, 403, 404, 408, 409, 413, 422, 503),
    },
)
def add_adapter(body: AdapterIn, service: Served) -> dict[str, Any]:
    """Load a run folder on the server as a new adapter; it is served from the next request on."""
    try:
        added = service.change(lambda served: served.add(body.name, body.path))
    except PhinerError as err:  # the caller's path is not said back: the files in it are named by their names
        err.args = (without_run(str(err), body.path),)
        raise
    return {**added.describe(), "default": False}


@v1.delete(
    "/v1/adapters/{name}",
    operation_id="remove_adapter",
    responses=_errors(401, 403, 404, 409, 413, 422, 503),
)
def remove_adapter(
    name: Annotated[str, PathParam(pattern=f"^{ADAPTER_NAME.pattern}$")], service: Served
) -> dict[str, Any]:
    """Unload an adapter (not the default); requests still reading with it are refused."""
    service.change(lambda served: served.remove(name))
    return {"adapters": list(service.the_registry().adapters)}


@v1.post("/v1/entities", operation_id="entities", responses=BODY_ERRORS)
def entities(body: TextsIn, service: Served):
    texts = body.batch()
    if (refused := service.too_many(texts)) is not None:
        return refused
    known, rules = body.known_list(), body.site_rules()
    with service.batched(texts, body.adapter) as reader:
        found = [p.spans for p in reader.read(texts, known=known, rules=rules)]
    results = [{"entities": [s.to_dict() for s in spans]} for spans in found]
    return results[0] if body.text is not None else {"results": results}


@v1.post("/v1/redact", operation_id="redact", responses=BODY_ERRORS)
def redact(body: RedactIn, service: Served):
    texts = body.batch()
    if (refused := service.too_many(texts)) is not None:
        return refused
    check_operators(body.operator, body.overrides)
    check_operators(body.operator, {t: "keep" for t in body.keep}, overrides_field="keep")
    overrides = {**body.overrides, **{t: "keep" for t in body.keep}}
    known, rules = body.known_list(), body.site_rules()
    with service.batched(texts, body.adapter) as reader:
        done = Pipeline(reader).redact(
            texts,
            body.operator,
            overrides=overrides,
            seed=body.seed,
            secret=None if body.seed is not None else service.secret,
            patient_ids=body.patients(),
            known=known,
            rules=rules,
        )
    results = [{"redacted": r.text, "entities": [i.to_dict() for i in r.items]} for r in done]
    return results[0] if body.text is not None else {"results": results}


def without_run(message: str, run: str) -> str:
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
