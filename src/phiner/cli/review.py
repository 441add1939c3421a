"""`phiner review`: a local page to accept, reject, relabel and add spans, note by note."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from phiner.cli.app import console


def review(
    path: Annotated[
        Path, typer.Argument(help="JSONL notes: `predict` output (entities), labelled records (ner_tags), or both.")
    ],
    host: Annotated[str, typer.Option(help="Address to bind; loopback by default.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8765,
    api_key_env: Annotated[
        str, typer.Option(help="Environment variable holding the key the page asks for (bound beyond loopback).")
    ] = "PHINER_API_KEY",
) -> None:
    """Serve the review page of PATH: each note with its spans by type, source and score; decisions saved as
    they are made in PATH.review.json (0600); export as records (PATH.reviewed.jsonl) or Label Studio tasks
    (PATH.labelstudio.json). Bound beyond loopback, the page needs the key: open it as /?key=KEY."""
    import os

    import uvicorn

    from phiner.core.errors import Errors, PhinerError
    from phiner.serve.app import server_config, valid_api_key
    from phiner.serve.review import Review, create_review_app

    api_key = os.environ.get(api_key_env) or None
    if api_key is not None and not valid_api_key(api_key):
        raise PhinerError(Errors.E288.format(where=f"${api_key_env}"))
    if host not in ("127.0.0.1", "localhost", "::1") and api_key is None:
        raise PhinerError(Errors.E341.format(where=f"${api_key_env}"))
    app = create_review_app(Review.open(path), api_key=api_key)
    console.print(f"reviewing {path} at http://{host}:{port}/ (Ctrl-C to stop)", highlight=False)
    uvicorn.Server(server_config(app, host=host, port=port, log_level="warning")).run()
