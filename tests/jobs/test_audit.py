"""A redaction job's audit trail: one line per replaced span beside the output (0600), counts that match the output,
no PHI in it; `phiner audit sample` draws some of every kind of finding."""

import json
import os

import pytest

from conftest import run_cli
from phiner.jobs.audit import band, sample

N = 1000


def write_notes(path):
    from phiner.data.synth.notes import generate_notes

    notes = generate_notes(0, N, seed=21)["test"]
    rows = [
        {"id": f"note-{chr(97 + i % 26)}{i}", "patient": f"p{i % 40}", "text": n["text"]} for i, n in enumerate(notes)
    ]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return notes, rows


@pytest.mark.slow
def test_given_a_job_of_1000_notes_then_its_audit_counts_match_the_output_and_hold_no_phi(
    monkeypatch, capsys, name_model_dir, tmp_path
):
    src, dst = tmp_path / "notes.jsonl", tmp_path / "out" / "safe.jsonl"
    notes, rows = write_notes(src)
    args = ("redact", "--model", name_model_dir, "--input", src, "--output", dst, "--operator", "surrogate")
    code, _, err = run_cli(monkeypatch, capsys, *args, "--id-field", "id", "--patient-field", "patient", "--seed", "3")
    assert code == 0, err
    audit_file = dst.with_name("safe.jsonl.audit.jsonl")
    ledger = json.loads(dst.with_name("safe.jsonl.ledger.json").read_text(encoding="utf-8"))
    assert os.stat(audit_file).st_mode & 0o777 == 0o600
    raw = audit_file.read_text(encoding="utf-8")
    audit = [json.loads(line) for line in raw.splitlines()]
    output = [json.loads(line) for line in dst.read_text(encoding="utf-8").splitlines()]

    # The counts match the output, item for item, in output order.
    items = [(row["id"], e["original_start"], e["original_end"], e["label"], e["source"], e["operator"])
             for row in output for e in row["entities"]]  # fmt: skip
    assert [(a["document"], a["start"], a["end"], a["type"], a["source"], a["operator"]) for a in audit] == items
    assert ledger["audit"]["lines"] == len(audit) > N
    by_type = {}
    for a in audit:
        by_type.setdefault(a["type"], {}).setdefault(a["source"], 0)
        by_type[a["type"]][a["source"]] += 1
    assert ledger["found"] == by_type
    assert ledger["documents_without_findings"] == sum(not row["entities"] for row in output)
    model_lines = [a for a in audit if a["source"] == "model"]
    assert model_lines and all(a["threshold"] == "argmax" and 0 < a["score"] <= 1 for a in model_lines)
    assert all(a["threshold"] is None for a in audit if a["source"] != "model")
    assert {(a["model"], a["rules"], a["thresholds"]) for a in audit} == {tuple(ledger["audit"]["digests"].values())}

    # No PHI: no gold string that is not a bare number appears anywhere in the file; bare numbers appear in no
    # string value but the hexadecimal digests.
    gold = {n["text"][t["start"] : t["end"]] for n in notes for t in n["ner_tags"]}
    worded = [g for g in gold if not g.isdigit() and len(g) >= 3]
    assert len(worded) > 500
    assert [g for g in worded if g in raw] == []
    strings = {
        v for a in audit for k, v in a.items() if isinstance(v, str) and k not in ("model", "rules", "thresholds")
    }
    assert not [g for g in gold if g.isdigit() and any(g in s for s in strings - {r["id"] for r in rows})]


def test_given_an_audit_then_sample_draws_per_kind_the_asked_number_in_file_order_and_the_same_for_a_seed(
    monkeypatch, capsys, tmp_path
):
    path = tmp_path / "job.jsonl.audit.jsonl"
    lines = []
    for i in range(600):
        source = ("model", "pattern:date", "rule:ward")[i % 3]
        score = None if source == "rule:ward" else (0.3, 0.7, 0.9, 0.99)[i % 4]
        lines.append({"document": f"d{i}", "start": 0, "end": 4, "type": ("DATE", "LOC")[i % 2], "source": source,
                      "score": score})  # fmt: skip
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    drawn, counts = sample(path, 10, seed=1)
    kinds = {(line["type"], line["source"], band(line["score"])) for line in lines}
    assert set(counts) == kinds and sum(counts.values()) == 600
    per = {}
    for line in drawn:
        per[line["kind"]] = per.get(line["kind"], 0) + 1
    assert per == {"/".join(k): min(10, counts[k]) for k in kinds}
    positions = [int(line["document"][1:]) for line in drawn]
    assert positions == sorted(positions)
    assert sample(path, 10, seed=1)[0] == drawn and sample(path, 10, seed=2)[0] != drawn
    # From the ledger's or the output's name, to a file (0600) with a table of the kinds.
    out = tmp_path / "sample.jsonl"
    code, stdout, err = run_cli(monkeypatch, capsys, "audit", "sample", tmp_path / "job.jsonl", "--per-kind", "2",
                                "--output", out)  # fmt: skip
    assert code == 0, err
    assert len(out.read_text().splitlines()) == 2 * len(kinds) and os.stat(out).st_mode & 0o777 == 0o600
    assert f"{2 * len(kinds)} findings drawn" in stdout


def test_given_a_bad_audit_line_or_no_audit_then_one_clear_error(monkeypatch, capsys, tmp_path):
    path = tmp_path / "job.jsonl.audit.jsonl"
    path.write_text('{"document": "a", "start": 0, "end": 1, "type": "DATE", "source": "model"}\n[1]\n')
    code, _, err = run_cli(monkeypatch, capsys, "audit", "sample", path)
    assert code != 0 and f"{path}:2: an audit line should be an object" in " ".join(err.split())
    code, _, err = run_cli(monkeypatch, capsys, "audit", "sample", tmp_path / "other.jsonl")
    assert code != 0 and "no audit file" in err
    code, _, err = run_cli(monkeypatch, capsys, "audit", "sample", path, "--per-kind", "0")
    assert code != 0 and "--per-kind should be 1 or more" in err
