"""The one job engine: every kind of local job (a JSONL file redacted or predicted, CSV, Parquet and JSONL tables, a
folder of texts) killed midway leaves only its partial folder, and resumed gives the output of a job never killed,
byte for byte."""

import json
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import NAME
from phiner.analyze.tagger import Tagger
from phiner.jobs.batch import predict_jsonl, redact_folder, redact_jsonl
from phiner.jobs.engine import partial_of
from phiner.jobs.tables import TableJob, run_table_job
from phiner.pipeline import RedactOptions

N = 11
KINDS = ["jsonl", "jsonl-predict", "csv", "parquet", "jsonl-tables", "texts"]


class Killed(Exception):
    """What a tagger raises where the job's process would have been killed."""


class Dying:
    """A tagger that reads ``batches`` batches, then dies."""

    def __init__(self, tagger, batches):
        self.tagger, self.left = tagger, batches

    def read(self, *args, **kwargs):
        if self.left == 0:
            raise Killed
        self.left -= 1
        return self.tagger.read(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.tagger, name)


def notes():
    return [{"id": f"d{i}", "patient": f"p{i % 3}", "text": f"Notat {i}: {NAME} kom inn 03.04.2021."} for i in range(N)]


def make_input(kind, root: Path) -> Path:
    if kind == "texts":
        folder = root / "notes"
        for note in notes():
            path = folder / ("sub" if int(note["id"][1:]) % 2 else "") / f"{note['id']}.txt"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(note["text"], encoding="utf-8")
        return folder
    if kind == "parquet":
        pq.write_table(pa.Table.from_pylist(notes()), root / "notes.parquet")
        return root / "notes.parquet"
    if kind == "csv":
        lines = ["id,patient,text", *(f"{n['id']},{n['patient']},{n['text']}" for n in notes())]
        (root / "notes.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
        return root / "notes.csv"
    path = root / "notes.jsonl"
    path.write_text("".join(json.dumps(n, ensure_ascii=False) + "\n" for n in notes()), encoding="utf-8")
    return path


def run(kind, tagger, src: Path, root: Path, resume=False) -> Path:
    """The job of ``kind`` from ``src`` into ``root``; returns its output."""
    options = RedactOptions(operator="surrogate", secret=b"s" * 32, id_field="id", buffer=3)
    if kind == "jsonl":
        redact_jsonl(tagger, src, root / "out.jsonl", options, key_file=root / "key.jsonl", resume=resume)
        return root / "out.jsonl"
    if kind == "jsonl-predict":
        predict_jsonl(tagger, src, root / "out.jsonl", options, resume=resume)
        return root / "out.jsonl"
    if kind == "texts":
        redact_folder(tagger, src, root / "out", RedactOptions(operator="surrogate", secret=b"s" * 32, buffer=3),
                      resume=resume)  # fmt: skip
        return root / "out"
    run_table_job(tagger, TableJob.plan(src, root / "out"), options, resume=resume)
    return root / "out"


def contents(root: Path) -> dict[str, bytes]:
    """Every file a job left under ``root`` (its input excluded), by relative name."""
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.name.startswith("notes") and "notes" not in p.relative_to(root).parts
    }


@pytest.mark.parametrize("kind", KINDS)
def test_given_a_job_of_any_kind_killed_midway_then_resume_gives_the_output_of_a_job_never_killed(
    kind, name_tagger, roberta_tokenizer, tmp_path
):
    tagger = Tagger(name_tagger, roberta_tokenizer)
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    whole.mkdir(), killed.mkdir()
    output = run(kind, tagger, make_input(kind, whole), whole)
    expected = contents(whole)
    written = b"".join(v for k, v in expected.items() if k != "key.jsonl")  # the key maps the names, as it should
    assert (NAME.encode() in written) == (kind == "jsonl-predict")

    src = make_input(kind, killed)
    with pytest.raises(Killed):
        run(kind, Dying(tagger, batches=2), src, killed)
    partial = partial_of(killed / output.name)
    assert not (killed / output.name).exists(), "a killed job leaves no output"
    commits = list(partial.rglob("*.ids.json"))
    assert sum(len(json.loads(c.read_bytes())) for c in commits) == 6, "two buffers of three committed"
    assert os.stat(partial).st_mode & 0o777 == 0o700
    assert all(os.stat(p).st_mode & 0o777 == 0o600 for p in partial.rglob("*") if p.is_file())

    reads = []

    class Counting(Dying):
        def read(self, texts, *args, **kwargs):
            reads.append(len(texts))
            return self.tagger.read(texts, *args, **kwargs)

    run(kind, Counting(tagger, batches=-1), src, killed, resume=True)
    assert sum(reads) == N - 6, "the resumed job reads only the documents not committed"
    ledgers = {name: json.loads(value) for name, value in expected.items() if name.endswith(".ledger.json")}
    assert len(ledgers) == 1, "a finished job leaves its ledger beside its output"
    [(name, whole_ledger)] = ledgers.items()
    resumed_ledger = json.loads((killed / name).read_bytes())
    assert resumed_ledger["found"] == whole_ledger["found"] and whole_ledger["found"], "each document counted once"
    assert resumed_ledger["documents"] == N and resumed_ledger["written_by_the_last_run"] == N - 6
    assert whole_ledger["settings"]["secret"] == "secret given" and "s" * 32 not in str(whole_ledger)
    assert NAME not in json.dumps(whole_ledger) and whole_ledger["mode"] == (
        "predict" if "predict" in kind else "redact"
    )
    assert {k: v for k, v in contents(killed).items() if k != name} == {k: v for k, v in expected.items() if k != name}
    assert not partial.exists()
    assert all(os.stat(killed / name).st_mode & 0o777 == 0o600 for name in expected)
