"""What each source of detection adds, on labelled sets: the model alone; + the built-in recognizers and rules;
+ the run's calibrated thresholds (``phiner calibrate``, stored in the run folder); + each record's known PHI,
without and with the thresholds.

The model runs once per set; the four rows re-read its votes. Prints a Markdown table (char recall with its 95%
bootstrap interval, strict span F1, over-redaction with its interval, each source's share of the caught PHI
characters) and writes every figure to ``--out`` as JSON.

    python benchmarks/detection_table.py --model runs/minilm-notes \\
        --set "Nor-DeID validation notes=data/nordeid-notes-k" --set "generated test notes=data/gen-notes"
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from phiner.analyze import merge
from phiner.analyze.tagger import Tagger, _to_spans, run_thresholds
from phiner.core.records import record_known
from phiner.data.dataset import load_records
from phiner.evaluate.evaluation import source_shares
from phiner.evaluate.metrics import deid_scores

ROWS = {
    # name: (recognizers and rules, known PHI, calibrated thresholds)
    "model alone": (False, False, False),
    "+ recognizers and rules": (True, False, False),
    "+ calibrated thresholds": (True, False, True),
    "+ known PHI (arg-max)": (True, True, False),
    "+ known PHI + calibrated thresholds": (True, True, True),
}


def table(model: str, sets: list[tuple[str, str]]) -> dict:
    tagger = Tagger.load(model, thresholds={})
    thresholds = run_thresholds(model)
    detector = tagger.detector
    allow = detector.rules.allowed()
    results: dict = {"model": model, "thresholds": thresholds, "sets": {}}
    for name, path in sets:
        records = load_records(path, "test")
        texts = [r["text"] for r in records]
        started = time.perf_counter()
        votes = []
        for b in range(0, len(texts), 16):
            votes += [v.tokens for v in tagger.token_votes(texts[b : b + 16])]
        known = [record_known(r, "known") for r in records]
        plain = [detector.find(t) for t in texts]
        with_known = [detector.find(t, k) for t, k in zip(texts, known)]
        rows = {}
        for row, (detect, use_known, thresholded) in ROWS.items():
            entities = []
            for i, text in enumerate(texts):
                spans = _to_spans(text, votes[i], thresholds if thresholded else None)
                if detect:
                    spans = merge(text, spans + (with_known[i] if use_known else plain[i]), allow)
                entities.append([s.to_dict() for s in spans])
            scores = deid_scores(texts, [r["ner_tags"] for r in records], entities)
            rows[row] = {
                "char_recall": scores["char_recall"]["all"],
                "per_type_recall": {k: v["value"] for k, v in scores["char_recall"].items() if k != "all"},
                "strict_f1": scores["strict"]["all"]["f1"],
                "over_redaction": scores["over_redaction"],
                "sources": source_shares(records, entities),
            }
        results["sets"][name] = {
            "path": path,
            "records": len(records),
            "with_known": sum(k is not None for k in known),
            "seconds": round(time.perf_counter() - started, 1),
            "rows": rows,
        }
    return results


def markdown(results: dict) -> str:
    lines = [
        "| set | detection | char recall [95% CI] | strict F1 | over-redaction [95% CI] | share of caught PHI by source |",
        "|---|---|---|---|---|---|",
    ]
    for name, one in results["sets"].items():
        for row, r in one["rows"].items():
            if ROWS[row][1] and not one["with_known"]:
                continue
            rec, over = r["char_recall"], r["over_redaction"]
            shares = ", ".join(f"{k} {v:.3f}" for k, v in r["sources"].items())
            lines.append(
                f"| {name} ({one['records']}) | {row} | {rec['value']:.4f} [{rec['ci95'][0]:.4f}, {rec['ci95'][1]:.4f}] "
                f"| {r['strict_f1']:.4f} | {over['value']:.4f} [{over['ci95'][0]:.4f}, {over['ci95'][1]:.4f}] | {shares} |"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--set", action="append", required=True, help="NAME=PATH (a dataset folder or JSONL)")
    parser.add_argument("--out", default=None, help="Write every figure here as JSON.")
    args = parser.parse_args()
    sets = [tuple(s.split("=", 1)) for s in args.set]
    results = table(args.model, sets)  # type: ignore[arg-type]
    print(f"thresholds: {results['thresholds'] or 'none (arg-max)'}")
    print(markdown(results))
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
