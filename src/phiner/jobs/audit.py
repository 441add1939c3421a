"""Reading a job's audit lines back (:mod:`phiner.jobs.ledger` writes them): a stratified sample of its findings,
so that a reviewer sees some of every kind (type x source x score band) of a job of a million notes, not the
thousand most common ones.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from phiner.core.errors import Errors, PhinerError
from phiner.core.records import iter_objects
from phiner.jobs.ledger import audit_path

BANDS = ((0.5, "<0.5"), (0.8, "0.5-0.8"), (0.95, "0.8-0.95"), (float("inf"), ">=0.95"))
"""Score bands, by their upper bounds (exclusive): where the model is unsure, nearly sure, sure."""

REQUIRED = ("document", "start", "end", "type", "source")


def band(score: float | None) -> str:
    """A score's band (``none`` where the finder gave no score).

    >>> band(0.3), band(0.5), band(0.97), band(None)
    ('<0.5', '0.5-0.8', '>=0.95', 'none')
    """
    if score is None:
        return "none"
    return next(name for upper, name in BANDS if score < upper)


def kind(line: dict[str, Any]) -> tuple[str, str, str]:
    """A finding's kind: its type, source and score band."""
    return line["type"], line["source"], band(line.get("score"))


def find_audit(path: Path) -> Path:
    """The audit file a path names: itself, or the one beside a job's ledger or output."""
    path = Path(path)
    if path.name.endswith(".audit.jsonl") and path.is_file():
        return path
    if path.name.endswith(".ledger.json"):
        path = path.with_name(path.name[: -len(".ledger.json")])
    found = audit_path(path)
    if not found.is_file():
        raise PhinerError(Errors.E335.format(path=path))
    return found


def read_audit(path: Path) -> Iterator[dict[str, Any]]:
    """Each audit line of ``path``, checked: a bad line stops the read, naming the file and line."""
    for lineno, line in iter_objects(path):
        if not isinstance(line, dict) or any(key not in line for key in REQUIRED):
            raise PhinerError(Errors.E336.format(path=path, line=lineno))
        yield line


def sample(path: Path, per_kind: int, seed: int = 0) -> tuple[list[dict[str, Any]], dict[tuple, int]]:
    """Up to ``per_kind`` findings of each kind, drawn uniformly (a reservoir per kind, one pass over the file,
    ``seed`` fixing the draw), in the file's order; and how many findings of each kind there were."""
    if per_kind < 1:
        raise PhinerError(Errors.E337.format(given=per_kind))
    rng = random.Random(seed)
    kept: dict[tuple, list[tuple[int, dict[str, Any]]]] = {}
    counts: dict[tuple, int] = {}
    for n, line in enumerate(read_audit(find_audit(path))):
        key = kind(line)
        counts[key] = seen = counts.get(key, 0) + 1
        reservoir = kept.setdefault(key, [])
        if len(reservoir) < per_kind:
            reservoir.append((n, line))
        else:
            j = rng.randrange(seen)
            if j < per_kind:
                reservoir[j] = (n, line)
    drawn = sorted(pair for reservoir in kept.values() for pair in reservoir)
    return [{**line, "kind": "/".join(kind(line))} for _, line in drawn], dict(sorted(counts.items()))
