"""Domain errors. Their messages name the file, line and field, never the text they came from; each comes from the
catalogue :class:`phiner.core.messages.Errors` (re-exported here), whose templates name only fields that hold no
PHI."""

from __future__ import annotations

import contextlib

from phiner.core.messages import Errors

__all__ = [
    "Errors",
    "FileError",
    "MissingExtraError",
    "ModelNotFoundError",
    "OutputExistsError",
    "PhinerError",
    "RecordError",
    "SettingError",
    "TimeLimitError",
    "UnknownAdapterError",
    "UsageError",
    "os_errors",
]


class PhinerError(Exception):
    """Base class of every error phiner raises on bad input or a bad setting."""


class RecordError(PhinerError, ValueError):
    """A record that breaks the contract ``{"text": str, "ner_tags": [{"start", "end", "label"}]}``."""

    def __init__(self, problem: str, *, source: str | None = None, line: int | None = None) -> None:
        self.problem, self.source, self.line = problem, source, line
        where = ":".join(str(p) for p in (source, line) if p is not None)
        super().__init__(Errors.E001.format(where=where, problem=problem) if where else problem)


class SettingError(PhinerError, ValueError):
    """A setting, an argument or a config field that phiner cannot use (a ``ValueError`` too, as before)."""


class OutputExistsError(PhinerError, FileExistsError):
    """An output that exists already and that phiner will not replace (a ``FileExistsError`` too)."""


class UsageError(PhinerError, TypeError):
    """A call with an argument that phiner's API does not take (a ``TypeError`` too)."""


class MissingExtraError(PhinerError, ImportError):
    """A module of an optional extra imported without the extra installed (an ``ImportError`` too)."""


class ModelNotFoundError(PhinerError, OSError):
    """A base model or run folder that cannot be loaded."""


class UnknownAdapterError(PhinerError, LookupError):
    """An adapter name that the registry does not hold (the service answers 404)."""


class TimeLimitError(PhinerError):
    """Work that ran past the time limit it was given (the service answers 503)."""


class FileError(PhinerError, OSError):
    """A file that the operating system would not read or write (missing, a folder, not permitted, a full disk),
    named with the system's words: an ``OSError`` too, with the ``errno`` and ``filename`` of the one it stands
    for."""

    def __init__(self, message: str, err: OSError, path: object = None) -> None:
        super().__init__(err.errno, message, err.filename if err.filename is not None else path)

    def __str__(self) -> str:
        return self.strerror


class os_errors(contextlib.ContextDecorator):
    """At a file boundary (a function or block that reads or writes the user's files): an ``OSError`` raised in
    it leaves as a :class:`FileError`, which the command line shows as one line, named by the error's file or
    else by ``path``; phiner's own errors pass."""

    def __init__(self, path: object = None) -> None:
        self.path = path

    def __enter__(self) -> os_errors:
        return self

    def __exit__(self, kind, err, tb) -> bool:
        if isinstance(err, OSError) and not isinstance(err, PhinerError):
            where = err.filename if err.filename is not None else self.path
            problem = err.strerror or type(err).__name__
            if where is None:
                raise FileError(Errors.E318.format(problem=problem), err) from err
            raise FileError(Errors.E048.format(path=where, problem=problem), err, where) from err
        return False
