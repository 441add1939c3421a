"""Per-type thresholds for a recall target (``phiner calibrate``), and the recall / over-redaction curve.

The model decides a token by its arg-max label, so a token it thinks 40% likely to be a name is kept. A
threshold per type trades precision for recall: a token whose likeliest PHI type is T is PHI when P(not O)
reaches T's threshold (:func:`phiner.analyze.decode.decide`). :func:`calibrate` lowers the thresholds of the
types where that buys the most recall for the least over-redaction, until the character recall on a
validation set reaches the target or the over-redaction budget is spent, with the tagger's detector
(recognizers, rules, known PHI) in place, since recall is the whole system's. The model runs once; each
threshold only re-reads its stored votes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from phiner.analyze.tagger import Tagger, readable_texts
from phiner.core.errors import Errors, PhinerError, SettingError, os_errors
from phiner.core.labels import ENTITY_TYPES
from phiner.core.records import Span
from phiner.evaluate.metrics import char_counts, deid_scores

GRID = (0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.15, 0.1, 0.07, 0.05, 0.03, 0.02, 0.01, 0.005, 0.002, 0.001)
"""Thresholds tried, from the strictest down."""


@dataclass
class Collected:
    """What the model and detector said on each record, kept so that thresholds can be tried cheaply."""

    texts: list[str]
    gold: list[list[dict]]
    votes: list[dict]
    found: list[list[Span] | None]
    tagger: Tagger

    def entities(self, thresholds: dict[str, float]) -> list[list[dict]]:
        """Each record's entities as the tagger gives them, with ``thresholds`` in place of its own."""
        out = []
        for text, votes, found in zip(self.texts, self.votes, self.found):
            out.append([s.to_dict() for s in self.tagger.entities(text, votes, found=found, thresholds=thresholds)])
        return out


def collect(tagger: Tagger, records: list[dict[str, Any]], *, known_field: str | None = "known") -> Collected:
    """Run the model once over ``records`` and the detector once over each text."""
    from phiner.core.records import record_known

    texts = readable_texts([r["text"] for r in records])  # as the tagger reads them: offsets kept
    votes = []
    for b in range(0, len(texts), 32):
        votes += [v.tokens for v in tagger.token_votes(texts[b : b + 32])]
    known = [record_known(record, known_field) if known_field else None for record in records]
    found = tagger.find(texts, known if any(known) else None)
    return Collected(texts, [r["ner_tags"] for r in records], votes, found, tagger)


def _recall_by_type(collected: Collected, entities: list[list[dict]]) -> tuple[dict[str, float | None], float]:
    docs = [char_counts(t, g, p) for t, g, p in zip(collected.texts, collected.gold, entities)]
    recall: dict[str, float | None] = {}
    for kind in ENTITY_TYPES:
        gold = sum(d.get(f"gold_{kind}", 0) for d in docs)
        recall[kind] = sum(d.get(f"hit_{kind}", 0) for d in docs) / gold if gold else None
    nonphi = sum(d["nonphi"] for d in docs)
    over = sum(d["flagged_nonphi"] for d in docs) / nonphi if nonphi else 0.0
    return recall, over


def sweep(collected: Collected, grid: Sequence[float] = GRID) -> dict[str, list[dict[str, float]]]:
    """For each type, the arg-max point (``threshold`` None) and each grid threshold (others at arg-max): the
    type's char recall and the over-redaction of all types together."""
    base_recall, base_over = _recall_by_type(collected, collected.entities({}))
    curves: dict[str, list[dict[str, Any]]] = {}
    for kind in ENTITY_TYPES:
        if base_recall[kind] is None:
            continue
        points = [{"threshold": None, "recall": base_recall[kind], "over_redaction": base_over}]
        for value in grid:
            recall, over = _recall_by_type(collected, collected.entities({kind: value}))
            points.append({"threshold": value, "recall": recall[kind], "over_redaction": over})
        curves[kind] = points
    return curves


def _overall(collected: Collected, entities: list[list[dict]]) -> tuple[float, float]:
    docs = [char_counts(t, g, p) for t, g, p in zip(collected.texts, collected.gold, entities)]
    gold, nonphi = sum(d["gold_all"] for d in docs), sum(d["nonphi"] for d in docs)
    recall = sum(d["hit_all"] for d in docs) / gold if gold else 1.0
    return recall, (sum(d["flagged_nonphi"] for d in docs) / nonphi if nonphi else 0.0)


def check_calibration_set(gold: Sequence[Sequence[dict]], source: str = "the calibration set") -> None:
    """Refuse a set with no records or no PHI spans: its recall is undefined, so no threshold can be chosen."""
    if not gold:
        raise PhinerError(Errors.E182.format(where=source))
    if not any(t["end"] > t["start"] for spans in gold for t in spans):
        raise PhinerError(Errors.E183.format(where=source))


@os_errors()
def calibrate(
    collected: Collected, target: float, grid: Sequence[float] = GRID, max_over_redaction: float = 0.01
) -> dict[str, Any]:
    """Per-type thresholds that reach char recall ``target`` (all types together) at the least over-redaction,
    never spending more than ``max_over_redaction``.

    From the arg-max, each step lowers the one type's threshold (to any grid value below its current one)
    that buys the most recall per unit of over-redaction, until the target is reached or no step fits the
    budget. Types are lowered only where that pays: a type the model already catches keeps its arg-max.
    Then the result: char recall (bootstrap 95% CI), over-redaction and per-type recall (the curves, for a
    plot, are :func:`sweep`'s).
    """
    if not 0 < target <= 1:
        raise SettingError(Errors.E184.format(given=target))
    if not 0 <= max_over_redaction <= 1:
        raise SettingError(Errors.E185.format(given=max_over_redaction))
    check_calibration_set(collected.gold)
    kinds = [
        k for k in ENTITY_TYPES if any(t["label"] == k and t["end"] > t["start"] for g in collected.gold for t in g)
    ]
    lower = sorted((g for g in grid if g < 0.5), reverse=True)
    thresholds: dict[str, float] = {}
    recall, over = _overall(collected, collected.entities(thresholds))
    steps = []
    while recall < target:
        best = None
        for kind in kinds:
            for value in (g for g in lower if g < thresholds.get(kind, 0.5)):
                trial = {**thresholds, kind: value}
                r, o = _overall(collected, collected.entities(trial))
                if r <= recall or o > max_over_redaction:
                    continue
                gain = (r - recall) / max(o - over, 1e-9)
                if best is None or gain > best[0]:
                    best = (gain, trial, r, o)
        if best is None:
            break
        _, thresholds, recall, over = best
        steps.append({"thresholds": dict(thresholds), "char_recall": recall, "over_redaction": over})
    before = deid_scores(collected.texts, collected.gold, collected.entities({}))
    after = deid_scores(collected.texts, collected.gold, collected.entities(thresholds))
    summary = {
        k: {
            "char_recall": s["char_recall"]["all"],
            "over_redaction": s["over_redaction"],
            "f1": s["strict"]["all"]["f1"],
        }
        for k, s in (("argmax", before), ("calibrated", after))
    }
    return {
        "thresholds": thresholds,
        "recall_target": target,
        "max_over_redaction": max_over_redaction,
        "reached": recall >= target,
        "records": len(collected.texts),
        "per_type_recall": {k: after["char_recall"][k] for k in kinds},
        **summary,
        "steps": steps,
    }


@os_errors()
def plot_curve(curves: dict[str, list[dict[str, Any]]], path: str | Path) -> None:
    """Char recall against over-redaction, one line per type over the thresholds (the arg-max point ringed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 5), dpi=120)
    for kind, points in curves.items():
        xs = [p["over_redaction"] for p in points[1:]]
        ys = [p["recall"] for p in points[1:]]
        (line,) = ax.plot(xs, ys, marker=".", label=kind)
        ax.plot([points[0]["over_redaction"]], [points[0]["recall"]], "o", mfc="none", color=line.get_color())
    ax.set_xlabel("over-redaction (non-PHI characters flagged)")
    ax.set_ylabel("char recall of the type")
    ax.set_title("Thresholds from 0.9 down to 0.001 (ring: arg-max)")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
