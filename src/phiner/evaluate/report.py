"""The evaluation report: one self-contained HTML file (no external asset, so it opens air-gapped) with what
``phiner evaluate`` scored, per type and in each view, a confusion matrix, recall-by-threshold curves drawn
as inline SVG, and the misses and false positives.

PHI text is written into the report only when asked (``show_text``); otherwise a finding is shown by its type,
length, shape (``Xxxxx``, ``dd.dd.dddd``) and document, so that the report can be passed to people who may not
read the notes.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import Any

from phiner.core.errors import os_errors
from phiner.core.records import atomic_write

ROWS = 500
"""Misses and false positives listed at most, each (the report says how many more there were)."""

CONTEXT = 40
"""Characters shown either side of a finding (``show_text`` only)."""

COLOURS = {
    "PATIENT": "#1f77b4",
    "DATE": "#ff7f0e",
    "LOC": "#2ca02c",
    "ID": "#d62728",
    "AGE": "#9467bd",
    "PHONE": "#8c564b",
    "CONTACT": "#e377c2",
}

STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:70em;color:#222;padding:0 1em}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ddd;padding:.2em .6em;text-align:right}
td{white-space:nowrap}small{color:#666}
th{background:#f4f4f4}td.l,th.l{text-align:left}.ctx{font-family:ui-monospace,monospace;white-space:pre-wrap}
mark{background:#ffe08a;padding:0 .1em}.note{color:#666}svg text{font:11px system-ui,sans-serif}
"""


def shape(text: str, limit: int = 40) -> str:
    """A string's shape: capitals ``X``, other letters ``x``, digits ``d``, spaces and punctuation kept; past
    ``limit`` characters, cut with ``…``.

    >>> shape("Kari Nordmann"), shape("01.02.2023"), shape("+47 912 34 567")
    ('Xxxx Xxxxxxxx', 'dd.dd.dddd', '+dd ddd dd ddd')
    """
    out = []
    for ch in text[:limit]:
        if ch.isdigit():
            out.append("d")
        elif ch.isalpha():
            out.append("X" if ch.isupper() else "x")
        elif ch.isspace():
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out) + ("…" if len(text) > limit else "")


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _num(value: Any, digits: int = 4) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:.{digits}f}"


def _ci(ratio: dict[str, Any] | None, digits: int = 4) -> str:
    """A value and, under it and smaller, its 95% interval."""
    if not ratio:
        return "–"
    low, high = ratio["ci95"]
    return Raw(f"{_num(ratio['value'], digits)}<br><small>[{_num(low, digits)}, {_num(high, digits)}]</small>")


def _table(head: Sequence[str], rows: Sequence[Sequence[Any]], left: int = 1) -> str:
    """An HTML table; the first ``left`` columns aligned left. Cells are escaped unless they are :class:`Raw`."""
    cls = lambda i: ' class="l"' if i < left else ""  # noqa: E731
    out = ["<table><tr>" + "".join(f"<th{cls(i)}>{_e(h)}</th>" for i, h in enumerate(head)) + "</tr>"]
    for row in rows:
        cells = (c if isinstance(c, Raw) else _e(c) for c in row)
        out.append("<tr>" + "".join(f"<td{cls(i)}>{c}</td>" for i, c in enumerate(cells)) + "</tr>")
    return "\n".join(out) + "</table>"


class Raw(str):
    """Cell content that is HTML already (escaped where it holds text)."""


def _summary(report: dict[str, Any]) -> str:
    seq, strict = report["seqeval"], report["strict"]["all"]
    overlap, false = report["overlap_precision"], report["false_per_1000_words"]
    rows = [
        ("PHI characters caught (character recall)", _ci(report["char_recall"]["all"])),
        ("redacted spans touching PHI (overlap precision)", _ci(overlap.get("all"))),
        ("false spans per 1,000 words", _ci(false.get("all"), 2)),
        ("non-PHI characters flagged (over-redaction)", _ci(report["over_redaction"])),
        ("strict spans: precision / recall / F1", " / ".join(_num(strict[k]) for k in ("precision", "recall", "f1"))),
        ("tokens (seqeval): precision / recall / F1", " / ".join(_num(seq[k]) for k in ("precision", "recall", "f1"))),
    ]
    return _table(("figure", "value [95% interval]"), rows)


def _per_type(report: dict[str, Any]) -> str:
    strict, recall = report["strict"], report["char_recall"]
    overlap, false, seq = report["overlap_precision"], report["false_per_1000_words"], report["seqeval"]["per_type"]
    rows = []
    for kind, row in strict.items():
        if kind == "all" or not row["support"] and not row["fp"]:
            continue
        token = seq.get(kind, {})
        rows.append(
            (
                Raw(f'<span style="color:{COLOURS.get(kind, "#000")}">■</span> {_e(kind)}'),
                row["support"],
                _ci(recall.get(kind)),
                _ci(overlap.get(kind)),
                _ci(false.get(kind), 2),
                _num(row["precision"]),
                _num(row["recall"]),
                _num(row["f1"]),
                _num(token.get("precision")),
                _num(token.get("recall")),
                _num(token.get("f1-score")),
            )
        )
    head = (
        "type",
        "gold spans",
        "char recall",
        "overlap precision",
        "false / 1k words",
        "strict P",
        "strict R",
        "strict F1",
        "token P",
        "token R",
        "token F1",
    )
    return _table(head, rows)


def _confusion(report: dict[str, Any]) -> str:
    conf = report["confusion"]
    classes, matrix = conf["classes"], conf["matrix"]
    top = max((v for row in matrix for v in row), default=0) or 1
    out = ['<table><tr><th class="l">gold \\ predicted</th>' + "".join(f"<th>{_e(c)}</th>" for c in classes)]
    for name, row in zip(classes, matrix):
        cells = []
        for v in row:
            shade = 0 if not v else 0.15 + 0.6 * math.log1p(v) / math.log1p(top)
            cells.append(f'<td style="background:rgba(31,119,180,{shade:.2f})">{v}</td>')
        out.append(f'<tr><th class="l">{_e(name)}</th>' + "".join(cells) + "</tr>")
    return "\n".join(out) + "</table><p class=note>Tokens, the model's own decisions (thresholds applied).</p>"


def curve_svg(
    curves: dict[str, list[dict[str, Any]]], key: str, label: str, width: int = 560, height: int = 300
) -> str:
    """An inline SVG of ``key`` (``recall`` or ``over_redaction``) against the threshold (log scale), one line
    per type; the arg-max point (threshold None) drawn as a ring at the right edge."""
    pad_l, pad_r, pad_t, pad_b = 64, 90, 12, 36
    values = [p[key] for points in curves.values() for p in points if p[key] is not None]
    y_top = 1.0 if key == "recall" else max([*values, 1e-9]) * 1.1
    y_low = min([*values, 1.0]) if key == "recall" else 0.0
    y_low = max(0.0, min(y_low, y_top) - 0.02) if key == "recall" else 0.0
    x_min, x_max = math.log10(0.001), math.log10(1.0)
    plot_w, plot_h = width - pad_l - pad_r, height - pad_t - pad_b

    def x(t: float | None) -> float:
        pos = 1.0 if t is None else (math.log10(t) - x_min) / (x_max - x_min)
        return pad_l + pos * plot_w

    def y(v: float) -> float:
        return pad_t + (1 - (v - y_low) / ((y_top - y_low) or 1)) * plot_h

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img">']
    parts.append(f'<rect x="{pad_l}" y="{pad_t}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#999"/>')
    for t in (0.001, 0.01, 0.1, 1.0):
        parts.append(f'<line x1="{x(t):.1f}" x2="{x(t):.1f}" y1="{pad_t}" y2="{pad_t + plot_h}" stroke="#eee"/>')
        parts.append(f'<text x="{x(t):.1f}" y="{height - pad_b + 14}" text-anchor="middle">{t:g}</text>')
    for i in range(5):
        v = y_low + (y_top - y_low) * i / 4
        parts.append(f'<text x="{pad_l - 4}" y="{y(v) + 4:.1f}" text-anchor="end">{v:.3g}</text>')
    parts.append(f'<text x="{pad_l + plot_w / 2}" y="{height - 4}" text-anchor="middle">threshold (log)</text>')
    parts.append(f'<text x="12" y="{pad_t + plot_h / 2}" transform="rotate(-90 12 {pad_t + plot_h / 2})" ')
    parts.append(f'text-anchor="middle">{_e(label)}</text>')
    for n, (kind, points) in enumerate(curves.items()):
        colour = COLOURS.get(kind, "#000")
        line = [p for p in points if p["threshold"] is not None and p[key] is not None]
        coords = " ".join(f"{x(p['threshold']):.1f},{y(p[key]):.1f}" for p in line)
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" points="{coords}"/>')
        base = points[0]
        if base["threshold"] is None and base[key] is not None:
            parts.append(f'<circle cx="{x(None):.1f}" cy="{y(base[key]):.1f}" r="4" fill="none" stroke="{colour}"/>')
        parts.append(f'<text x="{width - pad_r + 8}" y="{pad_t + 14 + 14 * n}" fill="{colour}">{_e(kind)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _context(text: str, start: int, end: int) -> Raw:
    left, right = max(0, start - CONTEXT), min(len(text), end + CONTEXT)
    return Raw(
        '<span class="ctx">'
        + _e(("…" if left else "") + text[left:start])
        + f"<mark>{_e(text[start:end])}</mark>"
        + _e(text[end:right] + ("…" if right < len(text) else ""))
        + "</span>"
    )


def _findings(
    rows: Sequence[dict[str, Any]], texts: Sequence[str], ids: Sequence[Any], show_text: bool, missed: bool
) -> str:
    head = ["document", "type", "start", "end", "length", "shape"]
    head += ["covered"] if missed else ["source", "score"]
    if show_text:
        head.append("in context")
    out = []
    for row in rows[:ROWS]:
        surface = texts[row["record"]][row["start"] : row["end"]]
        cells: list[Any] = [
            ids[row["record"]],
            row["label"],
            row["start"],
            row["end"],
            row["end"] - row["start"],
            shape(surface),
        ]
        cells += [_num(row["covered"], 2)] if missed else [row["source"], _num(row.get("score"), 3)]
        if show_text:
            cells.append(_context(texts[row["record"]], row["start"], row["end"]))
        out.append(cells)
    more = f"<p class=note>{len(rows) - ROWS} more not listed.</p>" if len(rows) > ROWS else ""
    if not rows:
        return "<p>None.</p>"
    return _table(head, out, left=2) + more


def _shape_of(row: dict[str, Any]) -> str:
    """A frequent false positive's shape: of the first of its forms as written (or given already)."""
    return row["shape"] if "shape" in row else shape((row.get("forms") or [row["text"]])[0])


def _frequent(report: dict[str, Any], show_text: bool) -> str:
    rows = report.get("frequent_false") or []
    if not rows:
        return "<p>None.</p>"
    if show_text:
        return _table(
            ("text", "type", "source", "count"), [(r["text"], r["label"], r["source"], r["count"]) for r in rows], 3
        )
    return _table(
        ("shape", "type", "source", "count"),
        [(_shape_of(r), r["label"], r["source"], r["count"]) for r in rows],
        3,
    )


def render(
    report: dict[str, Any],
    records: Sequence[dict[str, Any]],
    *,
    title: str = "phiner evaluation",
    show_text: bool = False,
) -> str:
    """The report as one HTML document. ``report``: :func:`phiner.evaluate.evaluation.evaluate_tagger`'s result
    with ``details`` (misses and false positives), and ``curves`` where swept; ``records``: the scored notes."""
    texts = [r["text"] for r in records]
    ids = [r.get("id", i) for i, r in enumerate(records)]
    details = report.get("details", {"missed": [], "false": []})
    warn = (
        "<p><strong>This report holds PHI</strong> (written with --show-text): keep it as safe as the notes.</p>"
        if show_text
        else "<p class=note>No note text is shown: each finding is given by its type, length and shape "
        "(X capital, x letter, d digit). Written with --show-text, the report shows each in its context.</p>"
    )
    sources = report.get("sources") or {}
    parts = [
        "<!doctype html><html lang=en><head><meta charset=utf-8>",
        f"<title>{_e(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        f"<p>{report['records']} notes, {report['words']:,} words, {report['windows']} windows.</p>",
        warn,
        "<h2>Summary</h2>",
        _summary(report),
        "<p class=note>Intervals: 95% bootstrap over documents. Overlap precision: the share of redacted spans that "
        "touch any gold PHI. Character recall: the share of gold PHI characters redacted, whatever the type.</p>",
        "<h2>Per type</h2>",
        _per_type(report),
    ]
    if sources:
        parts += [
            "<h2>Caught PHI by source</h2>",
            _table(("source", "share"), [(k, _num(v)) for k, v in sources.items()]),
        ]
    if report.get("thresholds"):
        parts += [
            "<h2>Thresholds in force</h2>",
            _table(("type", "threshold"), [(k, f"{v:g}") for k, v in report["thresholds"].items()]),
        ]
    parts += ["<h2>Confusion matrix</h2>", _confusion(report)]
    if report.get("curves"):
        parts += [
            "<h2>Recall by threshold</h2>",
            "<p class=note>Each type's threshold moved alone (the others at the model's arg-max); ring: the "
            "arg-max.</p>",
            curve_svg(report["curves"], "recall", "char recall of the type"),
            curve_svg(report["curves"], "over_redaction", "over-redaction (all types)"),
        ]
    parts += [
        "<h2>Most frequent false positives</h2>",
        _frequent(report, show_text),
        f"<h2>Missed PHI ({len(details['missed'])})</h2>",
        _findings(details["missed"], texts, ids, show_text, missed=True),
        f"<h2>False positives ({len(details['false'])})</h2>",
        _findings(details["false"], texts, ids, show_text, missed=False),
        "</body></html>\n",
    ]
    return "\n".join(parts)


def without_text(report: dict[str, Any]) -> dict[str, Any]:
    """``report`` with the note text it holds (the most frequent false positives) given by shape instead (of the
    first of their forms as written).

    >>> without_text({"frequent_false": [{"text": "wean", "label": "PATIENT", "source": "model", "count": 2,
    ...     "forms": ["Wean", "wean"]}]})["frequent_false"]
    [{'shape': 'Xxxx', 'label': 'PATIENT', 'source': 'model', 'count': 2}]
    """
    rows = [
        {"shape": _shape_of(r), **{k: r[k] for k in ("label", "source", "count")}}
        for r in report.get("frequent_false") or []
    ]
    return {**report, "frequent_false": rows}


@os_errors()
def write_report(path, report: dict[str, Any], records: Sequence[dict[str, Any]], **kwargs: Any) -> None:
    """Write :func:`render`'s page atomically, 0600 (it may hold PHI)."""
    with atomic_write(path) as fh:
        fh.write(render(report, records, **kwargs))
