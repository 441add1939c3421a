"""The model card phiner writes into every run folder (``README.md``), in place of peft's empty template.

It says what the model is for and what it is not, the languages, base model, training data and the licence
that data allows, the recipe, the scores with their intervals, the failure modes seen on the evaluation set
(by type and confusion, never the PHI itself), the thresholds where ``phiner calibrate`` set them, and how to
retrain it on one's own notes. Every figure comes from the run folder's own files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from phiner.core.runfolder import CONFIG, METRICS, THRESHOLDS, RunFolder

CARD = "README.md"
DATA_LICENCES = {
    "nordeid": "Nor-DeID-SynthData: its files carry no licence, so the terms for models trained on them are unstated",
    "synth": "phiner's generated text (Faker values, phiner's own templates): redistributable with phiner",
}


def write_card(folder: str | Path, sources: dict[str, int] | None = None) -> Path:
    """Write ``folder/README.md`` from the folder's config, metrics and thresholds; ``sources`` counts the
    training records by origin (``nordeid``, ``synth``, ``own`` for anything else)."""
    run = RunFolder(folder)
    config, metrics = run.config(), run.json(METRICS) or {}
    thresholds = run.json(THRESHOLDS)
    sources = sources if sources is not None else (metrics.get("data", {}).get("sources") or {})
    base = config.base_model if config else "unknown"
    restricted = not sources or "nordeid" in sources or "own" in sources  # unknown data: no licence claimed
    licence = "other" if restricted else "apache-2.0"
    lines = [
        "---",
        "library_name: peft",
        f"base_model: {base}",
        "pipeline_tag: token-classification",
        "language: [nb, en]",
        f"license: {licence}",
        "tags: [phiner, de-identification, phi, lora, token-classification]",
        "---",
        "",
        f"# phiner PHI tagger: LoRA adapter on `{base}`",
        "",
        "## Intended use",
        "Finding protected health information (PHI) in clinical text so that it can be redacted or replaced "
        "(`phiner redact`), in Norwegian (bokmål) and English notes. It tags six types in IOB2: ID, DATE, LOC, "
        "PATIENT (patients, relatives and clinicians by name), AGE and PHONE. Use it with phiner's "
        "recognizers and rules (on by default) and a human check of a sample of its output before release: "
        "no tagger catches every identifier, and what it misses stays in the text.",
        "",
        "Not for: deciding that a text is safe to publish without review; languages other than Norwegian "
        "and English; PHI types it was not trained on (e-mail addresses and URLs are left to phiner's "
        "recognizers and rules; hospital, clinic and workplace names are LOC only where its training data "
        "marks them so, as phiner's generated notes and `phiner data nordeid --unit-as-loc` do).",
        "",
        "## Training data and licence",
    ]
    for source, count in sorted(sources.items()):
        lines.append(f"- {count:,} records from {DATA_LICENCES.get(source, 'your own data: its terms apply')}")
    if not sources:
        lines.append("- not recorded in this run folder")
    lines += [
        "",
        "Licence of this adapter: "
        + ("Apache-2.0, as phiner." if not restricted else "bound by the terms of its training data (above)."),
        "",
        "## Recipe",
    ]
    if config is not None:
        t, lora = config.train, config.lora
        lines += [
            f"- base model `{base}`, LoRA r={lora.r}, alpha={lora.alpha}, dropout={lora.dropout}, "
            f"targets {', '.join(lora.target_modules)}; a new token-classification head",
            f"- {t.epochs:g} epochs at learning rate {t.learning_rate:g}, batch {t.batch_size}, windows of "
            f"{t.max_length} tokens sharing {t.stride}, seed {t.seed}",
            f"- the whole configuration: `{CONFIG}`; repeat it with `phiner train --config {CONFIG} --out NEW`",
        ]
    train = metrics.get("train", {})
    if train:
        lines.append(
            f"- trained in {train.get('wall_seconds', 0):.0f} s ({train.get('precision', '?')}, "
            f"attention {train.get('attention', '?')}"
            + (f", on {train['device']}" if train.get("device") else "")
            + ")"
        )
    lines += ["", "## Scores on its evaluation set (the model alone)"]
    lines += _scores(metrics)
    lines += ["", "## Failure modes seen on that set"]
    lines += _failures(metrics, run)
    lines += ["", "## Thresholds"]
    if thresholds:
        t_line = ", ".join(f"{k} {v:g}" for k, v in thresholds.get("thresholds", {}).items()) or (
            "every type at the arg-max (it reached the target with no threshold)"
        )
        cal = thresholds.get("calibrated", {})
        rec = cal.get("char_recall", {})
        lines.append(
            f"Calibrated by `phiner calibrate` for char recall {thresholds.get('recall_target')} on "
            f"{thresholds.get('data')}: {t_line}; char recall {rec.get('value', float('nan')):.4f} "
            f"{_ci(rec)}, over-redaction {cal.get('over_redaction', {}).get('value', float('nan')):.4f}."
        )
    else:
        lines.append("None: each token takes its most likely label. `phiner calibrate` sets per-type thresholds.")
    lines += [
        "",
        "## Retrain on your own notes",
        'Label a few hundred of your notes as phiner records (`{"text", "ner_tags": [{"start", "end", '
        '"label"}]}`), then go on from this adapter: `phiner train --init THIS_FOLDER --data your-notes.jsonl '
        "--out runs/site`; score it with `phiner evaluate --model runs/site --data your-test.jsonl` and "
        "calibrate it with `phiner calibrate`.",
        "",
    ]
    path = Path(folder) / CARD
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _ci(ratio: dict[str, Any], label: bool = True) -> str:
    low, high = ratio.get("ci95", [float("nan"), float("nan")])
    return f"[{low:.4f}, {high:.4f}]" + (" (95% CI)" if label else "")


def _scores(metrics: dict[str, Any]) -> list[str]:
    after, deid = metrics.get("after") or {}, metrics.get("deid") or {}
    if not after and not deid:
        return ["Not recorded in this run folder."]
    n = metrics.get("data", {}).get("test_records", "?")
    lines = [f"On {n} held-out records:", ""]
    if after:
        lines.append(
            f"- seqeval (entity level): precision {after.get('eval_precision', float('nan')):.4f}, "
            f"recall {after.get('eval_recall', float('nan')):.4f}, F1 {after.get('eval_f1', float('nan')):.4f}"
        )
    if deid:
        rec, over = deid["char_recall"]["all"], deid["over_redaction"]
        lines += [
            f"- PHI characters caught (char recall): {rec['value']:.4f} {_ci(rec)}",
            f"- non-PHI characters flagged (over-redaction): {over['value']:.4f} {_ci(over)}",
            f"- strict span F1: {deid['strict']['all']['f1']:.4f}",
            "",
            "| type | char recall (95% CI) | strict F1 | support |",
            "|---|---|---|---|",
        ]
        for kind, ratio in deid["char_recall"].items():
            strict = deid["strict"].get(kind, {})
            if kind == "all" or not strict.get("support"):
                continue
            row = f"| {kind} | {ratio['value']:.4f} {_ci(ratio, False)} | {strict['f1']:.4f} | {strict['support']} |"
            lines.append(row)
    return lines


def _failures(metrics: dict[str, Any], run: RunFolder) -> list[str]:
    deid = metrics.get("deid") or {}
    lines = []
    weak = [
        (kind, r["value"])
        for kind, r in deid.get("char_recall", {}).items()
        if kind != "all" and r.get("chars") and r["value"] < 0.99
    ]
    for kind, value in sorted(weak, key=lambda kv: kv[1]):
        lines.append(f"- {kind}: {1 - value:.1%} of its characters missed")
    conf = run.json("confusion.json") or {}
    classes, matrix = conf.get("classes", []), conf.get("matrix", [])
    pairs = [
        (matrix[i][j], classes[i], classes[j])
        for i in range(len(classes))
        for j in range(len(classes))
        if i != j and matrix[i][j]
    ]
    for count, gold, pred in sorted(pairs, reverse=True)[:5]:
        tokens = "token" if count == 1 else "tokens"
        if gold == "O":
            lines.append(f"- {count} {tokens} of no PHI tagged {pred}")
        else:
            lines.append(f"- {count} {gold} {tokens} " + ("missed (tagged O)" if pred == "O" else f"tagged {pred}"))
    return lines or ["- none on this set (a set like the training data: expect more on other text)"]
