"""The evaluation report: one self-contained HTML file (0600) and its JSON, with no note text unless asked."""

import json
import re

from conftest import NAME, run_cli
from phiner.evaluate.report import curve_svg, shape


def gold_file(tmp_path):
    rows = []
    for i in range(6):
        text = f"Pasient {NAME} kom inn {i + 1}. mars. Ring Kari Hansen om svar."
        tags = [{"start": 8, "end": 8 + len(NAME), "label": "PATIENT"}]
        start = text.index("Kari")
        tags.append({"start": start, "end": start + len("Kari Hansen"), "label": "PATIENT"})  # the model misses it
        rows.append({"id": f"note-{i}", "text": text, "ner_tags": tags})
    path = tmp_path / "gold.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_given_report_then_html_and_json_are_written_0600_self_contained_and_without_note_text(
    monkeypatch, capsys, name_model_dir, tmp_path
):
    html_path = tmp_path / "out" / "eval.html"
    args = ("evaluate", "--model", name_model_dir, "--data", gold_file(tmp_path), "--report", html_path)
    code, stdout, err = run_cli(monkeypatch, capsys, *args)
    assert code == 0, err
    page = html_path.read_text(encoding="utf-8")
    data = json.loads(html_path.with_suffix(".json").read_text(encoding="utf-8"))
    for path in (html_path, html_path.with_suffix(".json")):
        assert path.stat().st_mode & 0o777 == 0o600
    # Self-contained: nothing is fetched (no src= or stylesheet link; the only URL is SVG's namespace).
    assert not re.search(r"<(script|link|img|iframe)\b", page)
    assert set(re.findall(r"https?://[^\s\"'<>]+", page)) <= {"http://www.w3.org/2000/svg"}
    # No text of the notes: the misses are shown by type, length and shape.
    for word in (NAME, "Kari", "Hansen", "Pasient", "svar"):
        assert word not in page and word not in json.dumps(data)
    assert "Xxxx Xxxxxx" in page  # the missed `Kari Hansen`
    missed = data["details"]["missed"]
    assert {(m["id"], m["label"], m["covered"]) for m in missed} >= {(f"note-{i}", "PATIENT", 0.0) for i in range(6)}
    assert data["char_recall"]["all"]["value"] < 1.0
    assert "PATIENT" in data["curves"] and page.count("<polyline") == len(data["curves"]) * 2
    assert f"<h2>Missed PHI ({len(missed)})</h2>" in page
    assert "report written to" in stdout


def test_given_show_text_then_the_report_shows_each_finding_in_its_context(
    monkeypatch, capsys, name_model_dir, tmp_path
):
    html_path = tmp_path / "eval.html"
    args = ("evaluate", "--model", name_model_dir, "--data", gold_file(tmp_path), "--report", html_path)
    code, _, err = run_cli(monkeypatch, capsys, *args, "--show-text")
    assert code == 0, err
    page = html_path.read_text(encoding="utf-8")
    assert "<mark>Kari Hansen</mark>" in page and "This report holds PHI" in page
    assert "Kari" not in html_path.with_suffix(".json").read_text(encoding="utf-8")


def test_given_markup_in_a_note_then_the_report_escapes_it():
    from phiner.evaluate.report import _context

    assert _context("a <b>x</b> c", 3, 4) == '<span class="ctx">a &lt;<mark>b</mark>&gt;x&lt;/b&gt; c</span>'
    assert shape("<Ole>") == "<Xxx>"


def test_given_curves_then_the_svg_draws_one_line_and_one_ring_per_type():
    points = [{"threshold": None, "recall": 0.8, "over_redaction": 0.01}]
    points += [{"threshold": t, "recall": 0.8 + t / 10, "over_redaction": 0.01 / t} for t in (0.9, 0.5, 0.1, 0.01)]
    svg = curve_svg({"DATE": points, "LOC": points}, "recall", "recall")
    assert svg.count("<polyline") == 2 and svg.count("<circle") == 2
    assert svg.startswith("<svg") and svg.endswith("</svg>")


def test_given_false_positives_then_the_report_json_names_them_by_shape_unless_show_text(
    monkeypatch, capsys, name_model_dir, tmp_path
):
    path = tmp_path / "gold.jsonl"
    path.write_text(json.dumps({"id": "a", "text": f"Ring {NAME} i dag.", "ner_tags": []}) + "\n", encoding="utf-8")
    for flag, key, value in (("--no-show-text", "shape", "Xxxxxxxx"), ("--show-text", "text", NAME.casefold())):
        out = tmp_path / f"{key}.html"
        args = ("evaluate", "--model", name_model_dir, "--data", path, "--report", out, flag)
        assert run_cli(monkeypatch, capsys, *args)[0] == 0
        data = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
        row = {key: value, "label": "PATIENT", "source": "model", "count": 1}
        assert data["frequent_false"] == [row if key == "shape" else {**row, "forms": [NAME]}]
        assert (NAME in out.read_text(encoding="utf-8")) == (key == "text")
