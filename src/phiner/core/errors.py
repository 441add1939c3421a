"""Domain errors. Their messages name the file, line and field, never the text they came from."""

from __future__ import annotations


class PhinerError(Exception):
    """Base class of every error phiner raises on bad input or a bad setting."""


class RecordError(PhinerError, ValueError):
    """A record that breaks the contract ``{"text": str, "ner_tags": [{"start", "end", "label"}]}``."""

    def __init__(self, problem: str, *, source: str | None = None, line: int | None = None) -> None:
        self.problem, self.source, self.line = problem, source, line
        where = ":".join(str(p) for p in (source, line) if p is not None)
        super().__init__(f"{where}: {problem}" if where else problem)


class ModelNotFoundError(PhinerError, OSError):
    """A base model or run folder that cannot be loaded."""


class UnknownAdapterError(PhinerError, LookupError):
    """An adapter name that the registry does not hold (the service answers 404)."""


class TimeLimitError(PhinerError):
    """Work that ran past the time limit it was given (the service answers 503)."""
