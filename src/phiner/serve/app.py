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
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader
from starlette.exceptions import HTTPException as StarletteHTTPException

from phiner.anonymize.surrogates import draw_secret
from phiner.core.errors import Errors, PhinerError, TimeLimitError, UnknownAdapterError
from phiner.model.adapters import AdapterConflict
from phiner.serve import routes
from phiner.serve.batcher import Busy
from phiner.serve.schemas import (
    API_KEY_HEADER,
    RedactIn,
    TextsIn,
    _safe_loc,
)
from phiner.serve.service import Forbidden, Service

access_log = logging.getLogger("phiner.access")


def valid_api_key(key: str) -> bool:
    """A key the header can carry and the service compares as bytes: non-empty, printable ASCII."""
    return bool(key) and key.isascii() and key.isprintable()


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
    if api_key is not None and not valid_api_key(api_key):
        raise PhinerError(Errors.E295)
    if batch_wait_ms < 0:
        raise PhinerError(Errors.E296)
    if not body_timeout > 0:
        raise PhinerError(Errors.E297)
    service = Service(
        tagger,
        keyed=api_key is not None,
        max_batch=max_batch,
        run_dir=run_dir,
        secret=secret if secret is not None else draw_secret(),
        max_queue=max_queue,
        request_timeout=request_timeout,
        batch_wait_ms=batch_wait_ms,
        worker_thread=worker_thread,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        service.batcher.close()

    app = FastAPI(
        title="phiner", description="Find and de-identify PHI in clinical text.", version="1", lifespan=lifespan
    )
    app.state.service = service
    app.state.batcher = service.batcher
    # With a key, the /v1 routes say so in the schema (the Guard has checked it before they run).
    keyed = [Depends(APIKeyHeader(name=API_KEY_HEADER, auto_error=False))] if api_key else []
    app.include_router(routes.public)
    app.include_router(routes.v1, dependencies=keyed)
    app.add_middleware(
        Guard,
        api_key=api_key.encode() if api_key else None,
        max_body_bytes=max_body_bytes,
        routes={route.path for route in _routes(app)},
        body_timeout=body_timeout,
    )
    _handlers(app)

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


def _handlers(app: FastAPI) -> None:
    """Every error answer of the app an :class:`ErrorOut`, with the status its kind of error has."""

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

    @app.exception_handler(UnknownAdapterError)
    async def unknown_adapter(request: Request, exc: UnknownAdapterError):
        return JSONResponse({"detail": str(exc)}, status_code=404)

    @app.exception_handler(AdapterConflict)
    async def conflict(request: Request, exc: AdapterConflict):
        return JSONResponse({"detail": str(exc)}, status_code=409)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden):
        return JSONResponse({"detail": str(exc)}, status_code=403)


def _routes(app: FastAPI) -> list[Any]:
    """The app's own routes (the schema and docs) and those of the routers it includes."""
    own = [route for route in app.router.routes if hasattr(route, "path")]
    return [*own, *routes.public.routes, *routes.v1.routes]


def _methods(app: FastAPI, scope) -> list[str]:
    """The methods of every route of the request's path."""
    from starlette.routing import Match

    methods: set[str] = set()
    for route in _routes(app):
        if getattr(route, "methods", None) and route.matches(scope)[0] is not Match.NONE:
            methods |= route.methods
    return sorted(methods)


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
    503 beyond), an idle connection closed after ``keep_alive`` seconds, at most :data:`SHUTDOWN_SECONDS` of waiting
    for open connections and tasks once asked to stop, and no access log of its own (the :class:`Guard` logs each
    request without its query string)."""
    import uvicorn

    if max_connections < 1 or not keep_alive > 0:
        raise PhinerError(Errors.E298)
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        access_log=False,
        limit_concurrency=max_connections,
        timeout_keep_alive=keep_alive,
        timeout_graceful_shutdown=SHUTDOWN_SECONDS,
    )


SHUTDOWN_SECONDS = 10
"""How long a stopping service waits for its open connections and running requests before it closes them."""


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
        raise PhinerError(Errors.E299)
    config = server_config(
        app, host=host, port=port, log_level=log_level, max_connections=max_connections, keep_alive=keep_alive
    )
    server = uvicorn.Server(config)

    def stop(signum, frame) -> None:
        server.force_exit = server.should_exit
        server.should_exit = True
        # The passes go on while uvicorn finishes the requests in flight; past its bound they stop whatever it does.
        watchdog = threading.Timer(SHUTDOWN_SECONDS + 5, batcher.close)
        watchdog.daemon = True  # it must not hold the process's exit
        watchdog.start()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}

    def http() -> None:
        try:
            server.run()
        except SystemExit:  # uvicorn's way out when it cannot start; it has logged why
            pass
        finally:  # stopped, or never started: the worker on the main thread stops too
            batcher.close()

    thread = threading.Thread(target=http, name="phiner-http", daemon=True)
    thread.start()
    try:
        batcher.run()
    finally:
        server.should_exit = True
        thread.join(timeout=SHUTDOWN_SECONDS + 5)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if not server.started:
        raise PhinerError(Errors.E300.format(where=f"{host}:{port}"))


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
