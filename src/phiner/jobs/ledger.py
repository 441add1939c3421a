"""A job's ledger: what a finished job did, for an audit after it, written beside its output as ``NAME.ledger.json``
(0600) when the output appears. It holds no PHI: the job's settings (the secret and a seed only by kind), the
analyzer it ran (its model's folder and the digest of its weights, thresholds, recognizers and rule counts),
its documents, and how many spans of each type each source found (``model``, ``pattern:date``, ``rule:NAME``,
...), counted per committed chunk so that a resumed job's ledger counts every document once.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from phiner.core.records import atomic_write
from phiner.pipeline import RedactOptions

FORMAT = "phiner-ledger/1"


def ledger_path(output: Path) -> Path:
    """Where a job's ledger goes: beside its output, ``NAME.ledger.json``."""
    return output.with_name(f"{output.name}.ledger.json")


def tally(found: Iterable[tuple[str, str]]) -> dict[str, dict[str, int]]:
    """``(type, source)`` pairs counted as ``{type: {source: count}}``.

    >>> tally([("DATE", "pattern:date"), ("PATIENT", "model"), ("DATE", "pattern:date")])
    {'DATE': {'pattern:date': 2}, 'PATIENT': {'model': 1}}
    """
    counts = Counter((label, source or "unknown") for label, source in found)
    out: dict[str, dict[str, int]] = {}
    for (label, source), n in sorted(counts.items()):
        out.setdefault(label, {})[source] = n
    return out


def add(into: dict[str, dict[str, int]], more: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    """Two tallies summed."""
    for label, sources in more.items():
        for source, n in sources.items():
            into.setdefault(label, {})[source] = into.get(label, {}).get(source, 0) + n
    return into


def secret_kind(options: RedactOptions) -> str:
    """Where a job's surrogates come from, as its ledger says it: ``secret given``, ``test seed``, or ``secret drawn
    for this job`` (kept in its partial folder until it ends)."""
    if options.seed is not None:
        return "test seed"
    return "secret given" if options.secret is not None else "secret drawn for this job"


def settings(options: RedactOptions, secret: str) -> dict[str, Any]:
    """A job's settings as the ledger keeps them: every field but the secret and the seed, which are named by kind
    only (``secret``: :func:`secret_kind`; either value would let a reader recompute the surrogates)."""
    kept = {f.name: getattr(options, f.name) for f in dataclasses.fields(options) if f.name not in ("secret", "seed")}
    if dataclasses.is_dataclass(options.surrogates):
        kept["surrogates"] = dataclasses.asdict(options.surrogates)
    kept["secret"] = secret
    return json.loads(json.dumps(kept, default=str))


def analyzer_of(tagger: Any) -> dict[str, Any]:
    """What ran: the model's folder and the digest of its weights, its thresholds, its detector's parts."""
    info = dict(getattr(tagger, "info", None) or {})
    path = info.get("path")
    weights = None
    if path is not None:
        for name in ("adapter_model.safetensors", "model.safetensors"):
            if (Path(path) / name).is_file():
                weights = {"file": name, "sha256": hashlib.sha256((Path(path) / name).read_bytes()).hexdigest()}
                break
    detector = getattr(tagger, "detector", None)
    return {
        "model": path,
        "weights": weights,
        "adapter": getattr(tagger, "adapter", None),
        "precision": getattr(tagger, "precision", None),
        "thresholds": dict(getattr(tagger, "thresholds", None) or {}),
        "detector": detector.describe() if detector is not None else None,
    }


def write_ledger(
    output: Path,
    *,
    mode: str,
    inputs: Iterable[Path],
    options: RedactOptions,
    secret: str,
    tagger: Any,
    documents: int,
    written: int,
    found: dict[str, dict[str, int]],
    started: float,
) -> Path:
    """The ledger of a job that is about to put ``output`` in place (see the module's docstring)."""
    import phiner

    ledger = {
        "format": FORMAT,
        "phiner": phiner.__version__,
        "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "seconds": round(time.perf_counter() - started, 3),
        "mode": mode,
        "inputs": [str(p) for p in inputs],
        "output": str(output),
        "documents": documents,
        "written_by_the_last_run": written,
        "settings": settings(options, secret),
        "analyzer": analyzer_of(tagger),
        "found": found,
    }
    path = ledger_path(output)
    with atomic_write(path) as fh:
        json.dump(ledger, fh, ensure_ascii=False, indent=2)
        fh.write("\n")
    return path
