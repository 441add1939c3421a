"""A job's ledger: what a finished job did, for an audit after it, written beside its output when the output
appears, in two files (0600) that hold no PHI:

- ``NAME.ledger.json``, the summary: the job's settings (the secret and a seed only by kind), the analyzer it ran
  (its model's folder and the digest of its weights, thresholds, recognizers and rule counts, and the short
  digests its audit lines carry), its documents, how many of them had nothing found, and how many spans of each
  type each source found (``model``, ``pattern:date``, ``rule:NAME``, ...);
- ``NAME.audit.jsonl``, one line per span replaced (redact) or found (predict), in output order: the document's
  id, the span's offsets in the input, its type, source and score, the threshold in force (a number, ``argmax``
  for a model span with none, null for the other sources), the operator, and short digests of the model's
  weights, the rules and the thresholds. Never the span's text.

Both are counted and written per committed chunk, so that a resumed job's ledger holds every document once.
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


def audit_path(output: Path) -> Path:
    """Where a job's audit lines go: beside its output, ``NAME.audit.jsonl``."""
    return output.with_name(f"{output.name}.audit.jsonl")


def redaction_findings(redaction: Any) -> list[dict[str, Any]]:
    """A :class:`~phiner.anonymize.operators.Redaction`'s items as the audit keeps them: offsets in the input."""
    return [
        {
            "start": item.original_start,
            "end": item.original_end,
            "type": item.label,
            "source": item.source or "model",
            "score": item.score,
            "operator": item.operator,
        }
        for item in redaction.items
    ]


def span_findings(spans: Iterable[Any]) -> list[dict[str, Any]]:
    """Predicted :class:`~phiner.core.records.Span` s as the audit keeps them (no operator)."""
    return [
        {
            "start": span.start,
            "end": span.end,
            "type": span.label,
            "source": span.source or "model",
            "score": span.score,
            "operator": None,
        }
        for span in spans
    ]


def _short(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode("utf-8")).hexdigest()[:12]


def digests(tagger: Any, weights: dict[str, str] | None) -> dict[str, str]:
    """Short digests (12 hex digits) of what decides the spans: the model's weights (``weights``' sha256, else its
    folder), the detection in force (built-in parts and the site's rules, terms and patterns included) and the
    thresholds."""
    detector = getattr(tagger, "detector", None)
    rules = None
    if detector is not None:
        site = detector.rules
        rules = {
            "describe": detector.describe(),
            "deny": site.deny,
            "patterns": [repr(p) for p in site.patterns],
            "allow": site.allow,
            "titles": site.titles,
        }
    model = weights["sha256"][:12] if weights else _short((getattr(tagger, "info", None) or {}).get("path"))
    return {"model": model, "rules": _short(rules), "thresholds": _short(dict(getattr(tagger, "thresholds", {}) or {}))}


def audit_lines(
    ids: list[str], findings: list[list[dict[str, Any]]], thresholds: dict[str, float], digest: dict[str, str]
) -> list[str]:
    """One JSONL line per finding of a chunk's documents (``ids`` and ``findings`` aligned), for its audit file."""
    lines = []
    for document, found in zip(ids, findings):
        for f in found:
            threshold: float | str | None = None
            if f["source"] == "model":
                threshold = thresholds.get(f["type"], "argmax")
            lines.append(json.dumps({"document": document, **f, "threshold": threshold, **digest}) + "\n")
    return lines


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
    without: int | None = None,
    audit: dict[str, Any] | None = None,
    analyzer: dict[str, Any] | None = None,
    path: Path | None = None,
) -> Path:
    """The ledger of a job that is about to put ``output`` in place (see the module's docstring), written at
    ``path`` (default: :func:`ledger_path`)."""
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
        "analyzer": analyzer if analyzer is not None else analyzer_of(tagger),
        "found": found,
        "documents_without_findings": without,
        "audit": audit,
    }
    path = path if path is not None else ledger_path(output)
    with atomic_write(path) as fh:
        json.dump(ledger, fh, ensure_ascii=False, indent=2)
        fh.write("\n")
    return path
