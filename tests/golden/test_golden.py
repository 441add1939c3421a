"""What `phiner predict` and `phiner redact` print and write, held fixed: every input format (one text, JSONL,
CSV, Parquet, a folder of .txt files) and every operator, on a fixed set of notes, against the outputs recorded
before the code was moved (``expected/``). A move that changes one byte of an output fails here.

The notes are read by the hand-set tagger of ``conftest`` (a real RoBERTa whose weights tag one name and one
age), so that the model's part is fixed and what is held is phiner's own: recognizers, rules, merging,
windows, operators, surrogates, keys and the job writers. Two cases read with the shipped model.

Record again (only where a change of output is meant, said in its commit):
``PHINER_GOLDEN=record HF_HUB_OFFLINE=1 .venv/bin/python -m pytest -q tests/golden``.
"""

from __future__ import annotations

import csv
import json
import os
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import run_cli

HERE = Path(__file__).parent
NOTES = [json.loads(line) for line in (HERE / "notes.jsonl").read_text(encoding="utf-8").splitlines()]
EXPECTED = HERE / "expected"
RULES = HERE.parent.parent / "examples" / "rules.yaml"

ONE = NOTES[0]["text"]
SURROGATE = "--operator surrogate --seed 7"
CASES: dict[str, list[str]] = {
    "predict-text": ["predict", "--text", ONE],
    "predict-jsonl": "predict --input {jsonl} --output {out}/out.jsonl".split(),
    "predict-jsonl-rules": f"predict --input {{jsonl}} --output {{out}}/out.jsonl --rules {RULES}".split(),
    "predict-jsonl-no-rules": "predict --input {jsonl} --output {out}/out.jsonl --no-rules".split(),
    "predict-csv": "predict --input {csv} --output {out}/parts --id-field id".split(),
    "predict-parquet": "predict --input {parquet} --output {out}/parts --id-field id".split(),
    "redact-text-tag": ["redact", "--text", ONE],
    "redact-text-mask": ["redact", "--text", ONE, "--operator", "mask"],
    "redact-text-remove": ["redact", "--text", ONE, "--operator", "remove"],
    "redact-text-surrogate": ["redact", "--text", ONE, *SURROGATE.split()],
    "redact-text-keep-override": ["redact", "--text", NOTES[2]["text"], "--keep", "LOC", "--override", "DATE=mask"],
    "redact-jsonl-tag": "redact --input {jsonl} --output {out}/out.jsonl".split(),
    "redact-jsonl-surrogate": (
        f"redact --input {{jsonl}} --output {{out}}/out.jsonl {SURROGATE} --id-field id --patient-field patient "
        "--key {out}/key.jsonl"
    ).split(),
    "redact-jsonl-mask-keep-original": (
        "redact --input {jsonl} --output {out}/out.jsonl --operator mask --keep-original original".split()
    ),
    "redact-jsonl-shifts": (
        f"redact --input {{jsonl}} --output {{out}}/out.jsonl {SURROGATE} --age-shift 3 --date-shift-days 10 40"
    ).split(),
    "redact-csv-surrogate": f"redact --input {{csv}} --output {{out}}/parts {SURROGATE} --id-field id".split(),
    "redact-csv-tag-entities": (
        "redact --input {csv} --output {out}/parts --id-field id --entities-out {out}/entities.jsonl".split()
    ),
    "redact-parquet-remove": "redact --input {parquet} --output {out}/parts --operator remove --id-field id".split(),
    "redact-parquet-to-jsonl": (
        "redact --input {parquet} --output {out}/parts --id-field id --output-format jsonl".split()
    ),
    "redact-folder-surrogate": f"redact --input {{folder}} --output {{out}}/folder {SURROGATE}".split(),
}
SHIPPED = {"predict-text", "redact-text-surrogate"}
"""Cases also read by the shipped model (its own expected file, ``shipped-NAME.json``)."""


def inputs(root: Path) -> dict[str, str]:
    """The notes in every input format, under ``root``."""
    jsonl = root / "notes.jsonl"
    jsonl.write_text("".join(json.dumps(n, ensure_ascii=False) + "\n" for n in NOTES), encoding="utf-8")
    with (root / "notes.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=["id", "patient", "text"])
        writer.writeheader()
        writer.writerows(NOTES)
    pq.write_table(pa.Table.from_pylist(NOTES), root / "notes.parquet")
    folder = root / "notes"
    folder.mkdir()
    for note in NOTES:
        (folder / f"{note['id']}.txt").write_text(note["text"], encoding="utf-8")
    tables = {"csv": str(root / "notes.csv"), "parquet": str(root / "notes.parquet")}
    return {"jsonl": str(jsonl), **tables, "folder": str(folder)}


_VOLATILE = re.compile(r"\d+(\.\d+)? ?(s|seconds|docs/s|documents/s|rows/s|it/s)\b")


def scrub(text: str, root: Path) -> str:
    """``text`` with the test's folder and times taken out (they differ from run to run)."""
    return _VOLATILE.sub("<time>", text.replace(str(root), "<root>"))


def contents(out: Path, root: Path) -> dict[str, object]:
    """Every file a command wrote: JSONL and JSON as values, Parquet as rows, other text as is; job state files
    that hold times or a process's own secret by their names only."""
    files: dict[str, object] = {}
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        name = path.relative_to(out).as_posix()
        if path.suffix == ".parquet":
            files[name] = pq.read_table(path).to_pylist()
        elif path.name.endswith(".audit.jsonl"):  # the model's digest, as the ledger's: the weights as saved
            lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
            files[name] = [{**line, "model": "<digest>"} for line in lines]
        elif path.suffix == ".jsonl":
            files[name] = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        elif path.name.endswith(".ledger.json"):  # where the test's files and model are, and phiner's version
            ledger = _stable(json.loads(path.read_text(encoding="utf-8")))
            ledger.update(inputs="<paths>", output="<path>", phiner="<version>")
            ledger["analyzer"].update(model="<path>", weights="<digest>")
            ledger["audit"]["digests"]["model"] = "<digest>"
            files[name] = ledger
        elif path.suffix == ".json":
            files[name] = _stable(json.loads(path.read_text(encoding="utf-8")))
        else:
            files[name] = scrub(path.read_text(encoding="utf-8"), root)
    return files


def _stable(value):
    """A job's JSON state without what changes from run to run (times, durations, process ids)."""
    if isinstance(value, dict):
        return {
            k: ("<volatile>" if re.search(r"time|seconds|started|finished|elapsed|pid|host", k) else _stable(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_stable(v) for v in value]
    return value


def outputs(monkeypatch, capsys, tmp_path: Path, case: str, model: str | None) -> dict[str, object]:
    root = tmp_path / "in"
    root.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    paths = {**inputs(root), "out": str(out)}
    args = [arg.format(**paths) for arg in CASES[case]]
    if model is not None:
        args += ["--model", model]
    code, stdout, stderr = run_cli(monkeypatch, capsys, *args)
    assert code == 0, scrub(stderr, tmp_path)[-2000:]
    return {"exit": code, "stdout": scrub(stdout, tmp_path), "files": contents(out, tmp_path)}


def check(name: str, found: dict[str, object]) -> None:
    path = EXPECTED / f"{name}.json"
    if os.environ.get("PHINER_GOLDEN") == "record":
        EXPECTED.mkdir(exist_ok=True)
        path.write_text(json.dumps(found, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        return
    assert path.exists(), f"no recorded output for {name}: record with PHINER_GOLDEN=record"
    expected = json.loads(path.read_text(encoding="utf-8"))
    assert json.loads(json.dumps(found, ensure_ascii=False, sort_keys=True)) == expected


@pytest.mark.parametrize("case", sorted(CASES))
def test_given_the_fixed_notes_then_every_format_and_operator_writes_what_was_recorded(
    case, name_age_model_dir, monkeypatch, capsys, tmp_path
):
    monkeypatch.delenv("PHINER_SECRET", raising=False)
    check(case, outputs(monkeypatch, capsys, tmp_path, case, str(name_age_model_dir)))


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(SHIPPED))
def test_given_the_shipped_model_then_its_outputs_are_what_was_recorded(case, monkeypatch, capsys, tmp_path):
    monkeypatch.delenv("PHINER_SECRET", raising=False)
    check(f"shipped-{case}", outputs(monkeypatch, capsys, tmp_path, case, None))
