"""The HTTP service: ``create_app(tagger, ...)`` is a FastAPI app (see :mod:`phiner.serve.app`)."""

from phiner.serve.app import API_KEY_HEADER, create_app

__all__ = ["API_KEY_HEADER", "create_app"]
