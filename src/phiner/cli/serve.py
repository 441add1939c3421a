"""`phiner serve`: The HTTP service."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Optional

import typer

from phiner.cli.adapters import Adapters, Base, DefaultAdapter, check_choice, parse_adapters, registry_loader
from phiner.cli.app import console
from phiner.cli.detection import Model, NoRules, Rules, Thresholds, load_tagger, resolve_model
from phiner.core.errors import Errors, PhinerError


def serve(
    model: Model = None,
    host: Annotated[str, typer.Option(help="Address to bind; loopback by default.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    api_key_env: Annotated[
        str, typer.Option(help="Environment variable holding the API key, if any.")
    ] = "PHINER_API_KEY",
    secret_file: Annotated[
        Optional[Path],
        typer.Option(help="File holding the surrogate secret (else $PHINER_SECRET, else a random one per process)."),
    ] = None,
    max_body_bytes: Annotated[int, typer.Option(help="Largest request body accepted (413 above).")] = 1_000_000,
    max_batch: Annotated[int, typer.Option(help="Most texts in one request (413 above).")] = 64,
    max_queue: Annotated[int, typer.Option(help="Most requests running or waiting for the model (503 above).")] = 32,
    request_timeout: Annotated[
        float, typer.Option(help="Seconds a request may take, waiting included (503 after).")
    ] = 30.0,
    body_timeout: Annotated[
        float, typer.Option(help="Seconds a request body may take to arrive in full (408 after).")
    ] = 10.0,
    max_connections: Annotated[int, typer.Option(help="Most connections and requests at once (503 above).")] = 128,
    keep_alive: Annotated[float, typer.Option(help="Seconds an idle connection is kept open.")] = 5.0,
    batch_wait_ms: Annotated[
        float,
        typer.Option(
            help="Milliseconds a forward pass waits, after a request arrives, for others to share it (0: none)."
        ),
    ] = 5.0,
    rules: Rules = None,
    no_rules: NoRules = False,
    threshold: Thresholds = None,
    base: Base = None,
    adapter: Adapters = None,
    default_adapter: DefaultAdapter = None,
) -> None:
    """Serve POST /v1/entities, POST /v1/redact, GET /v1/model and GET /health over HTTP (OpenAPI at /docs).

    With --adapter NAME=RUN (repeated): one base model and each run's adapter beside it; requests name their
    "adapter", GET /v1/adapters lists them, POST /v1/adapters and DELETE /v1/adapters/NAME change them (with a key).
    Concurrent requests share forward passes (up to 16 windows or 4,096 tokens each), whatever adapters they name.
    """
    import logging

    from phiner.anonymize.surrogates import load_secret
    from phiner.serve.app import create_app
    from phiner.serve.app import serve as run_service

    adapters = parse_adapters(adapter)
    check_choice(model, base, adapters, default_adapter, threshold)
    model = None if adapters else resolve_model(model)
    api_key = _api_key(api_key_env, host)
    if adapters:
        served = registry_loader(base, adapters, default=default_adapter, rules=rules, no_rules=no_rules)()
    else:
        served = load_tagger(model, rules=rules, no_rules=no_rules, thresholds=threshold)
    app = create_app(
        served,
        api_key=api_key,
        max_body_bytes=max_body_bytes,
        max_batch=max_batch,
        run_dir=model,
        secret=load_secret(secret_file),
        max_queue=max_queue,
        request_timeout=request_timeout,
        batch_wait_ms=batch_wait_ms,
        worker_thread=False,
        body_timeout=body_timeout,
    )
    logging.basicConfig(level=logging.INFO, format="%(levelname)s:     %(message)s")
    # phiner's own access log (method, route, status, time): uvicorn's would keep query strings.
    run_service(app, host=host, port=port, log_level="info", max_connections=max_connections, keep_alive=keep_alive)


def _api_key(variable: str, host: str) -> str | None:
    """The key in ``$variable`` (refused where it is not printable ASCII); a warning where the service is bound
    beyond loopback without one."""
    from phiner.serve.app import API_KEY_HEADER, valid_api_key

    api_key = os.environ.get(variable)
    if api_key is not None and not valid_api_key(api_key):
        raise PhinerError(Errors.E288.format(where=f"${variable}"))
    if host not in ("127.0.0.1", "localhost", "::1") and not api_key:
        console.print(
            f"[yellow]warning:[/yellow] bound to {host} with no API key; set {variable} to require "
            f"the {API_KEY_HEADER} header.",
            highlight=False,
        )
    return api_key
