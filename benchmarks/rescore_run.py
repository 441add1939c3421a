"""Score a run folder's model again on its evaluation set with this checkout's code, and write its card again.

A run's ``metrics.json`` holds the character-level scores (``deid``, ``per_type``) that ``phiner train`` measured
with the code of the machine it trained on; when span decoding changes (or a run was trained elsewhere, as the
shipped model was on a lent GPU), this re-measures them (the model alone, arg-max, fp32 as ``phiner evaluate
--no-rules --no-known --no-thresholds --precision fp32`` does) so that the card says what ``phiner evaluate``
prints. The trainer's own seqeval figures (``after``) are kept: they are token-level and do not change.

    python benchmarks/rescore_run.py RUN EVAL_DATA
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from phiner.analyze.tagger import Tagger
from phiner.core.runfolder import METRICS
from phiner.data.dataset import load_records
from phiner.evaluate.evaluation import evaluate_tagger
from phiner.train.card import write_card


def rescore(run: str, data: str) -> dict:
    folder = Path(run)
    records = load_records(data, split="test")
    tagger = Tagger.load(folder, precision="fp32", thresholds={}, detector=None)
    report = evaluate_tagger(tagger, records, known_field=None)
    metrics = json.loads((folder / METRICS).read_text(encoding="utf-8"))
    metrics["per_type"] = report["seqeval"]["per_type"]
    metrics["deid"] = {k: report[k] for k in ("strict", "char_recall", "over_redaction")}
    (folder / METRICS).write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    write_card(folder)
    return metrics["deid"]


if __name__ == "__main__":
    print(json.dumps(rescore(sys.argv[1], sys.argv[2]), indent=2))
