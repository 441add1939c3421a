"""The Ray engine on a local cluster started here: the one-process job's rows, a killed worker's batch done once,
bad rows named by id. The shipped model, as a user would run it, where a test reads what a model finds."""

import csv
import json
import os
import signal
import sys
from functools import partial

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import run_cli
from phiner.pipeline import RedactOptions

ray = pytest.importorskip("ray")

NOTES = 60
BATCH = 15
"""Rows tagged together, in both engines: a batch's padding moves bf16 logits, so equal rows need equal batches."""


@pytest.fixture(scope="module")
def cluster():
    """Two CPUs for two one-CPU actors, and one for Ray's tasks that list, read and write files."""
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the fault injector below runs in actors
    env = {"HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    ray.init(num_cpus=3, include_dashboard=False, runtime_env={"env_vars": env})
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def notes(tmp_path_factory):
    """Generated notes of 7 patients, the same rows as Parquet, CSV and JSONL."""
    from phiner.data.synth.notes import generate_notes

    notes = generate_notes(0, NOTES, seed=15)["test"]
    items = [
        {"note_id": f"n{i:03d}", "patient": f"p{i % 7}", "text": note["text"], "kind": note["meta"]["kind"]}
        for i, note in enumerate(notes)
    ]
    folder = tmp_path_factory.mktemp("notes")
    pq.write_table(pa.Table.from_pylist(items), folder / "notes.parquet")
    with (folder / "notes.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(items[0]))
        writer.writeheader()
        writer.writerows(items)
    lines = (json.dumps(item, ensure_ascii=False) + "\n" for item in items)
    (folder / "notes.jsonl").write_text("".join(lines), encoding="utf-8")
    return folder, items


def read_rows(folder, kind):
    """Every row of every part file in ``folder``, in file order."""
    rows = []
    for path in sorted(folder.iterdir()):
        assert os.stat(path).st_mode & 0o777 == 0o600
        if kind == "parquet":
            rows += pq.read_table(path).to_pylist()
        elif kind == "csv":
            with path.open(newline="", encoding="utf-8") as fh:
                rows += list(csv.DictReader(fh))
        else:
            rows += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return rows


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["parquet", "csv", "jsonl"])
def test_given_the_same_secret_and_ids_then_ray_writes_the_rows_of_the_one_process_job(
    cluster, notes, monkeypatch, capsys, tmp_path, kind, name_model_dir
):
    # a small real RoBERTa (conftest's, tagging one name) and the patterns: what is compared is the engines' rows;
    # the shipped model on Ray is the predict test's below
    folder, items = notes
    secret = tmp_path / "secret"
    secret.write_text("a3" * 32)
    args = ["redact", "--input", folder / f"notes.{kind}", "--operator", "surrogate", "--secret-file", secret]
    args += ["--model", name_model_dir]
    # fp32: bf16 sums move a token at a threshold's edge with the batch's padding and the thread count, in either
    # engine (1 of 100 notes differed with the shipped model's thresholds); fp32 reads every batch alike.
    args += ["--id-field", "note_id", "--patient-field", "patient", "--batch-size", BATCH, "--precision", "fp32"]
    code, _, err = run_cli(monkeypatch, capsys, *args, "--output", tmp_path / "local")
    assert code == 0, err
    code, out, err = run_cli(
        monkeypatch, capsys, *args, "--output", tmp_path / "ray", "--engine", "ray", "--workers", 2
    )
    assert code == 0, err[-3000:]
    assert f"wrote {NOTES} rows" in out
    local, on_ray = read_rows(tmp_path / "local", kind), read_rows(tmp_path / "ray", kind)
    assert [r["note_id"] for r in local] == [item["note_id"] for item in items]
    assert sorted(on_ray, key=lambda r: r["note_id"]) == local
    assert sum(r["text"] != item["text"] for r, item in zip(local, items)) > NOTES * 0.9  # surrogates went in
    assert not (tmp_path / ".ray.partial").exists()


@pytest.mark.slow
def test_given_predict_on_ray_then_each_row_keeps_its_text_and_gets_the_one_process_spans(
    cluster, notes, monkeypatch, capsys, tmp_path
):
    folder, items = notes
    args = ["predict", "--input", folder / "notes.jsonl", "--id-field", "note_id", "--batch-size", BATCH]
    args += ["--precision", "fp32"]
    code, _, err = run_cli(monkeypatch, capsys, *args, "--output", tmp_path / "local")
    assert code == 0, err
    code, _, err = run_cli(monkeypatch, capsys, *args, "--output", tmp_path / "ray", "--engine", "ray", "--workers", 2)
    assert code == 0, err[-3000:]
    local, on_ray = read_rows(tmp_path / "local", "jsonl"), read_rows(tmp_path / "ray", "jsonl")
    assert [r["text"] for r in local] == [item["text"] for item in items]

    # Scores aside: their last decimals may differ with the batch, even in fp32.
    def spans(row):
        return row["note_id"], row["text"], [(e["start"], e["end"], e["label"]) for e in json.loads(row["entities"])]

    assert sorted(map(spans, on_ray)) == sorted(map(spans, local))


def dying_tagger(model: str, marker: str, victim: str):
    """``model`` (conftest's small real RoBERTa: what is tested is Ray's retry, not the model), in a process that
    kills itself (SIGKILL) the first time it is given ``victim``."""
    import phiner

    return Dying(phiner.load(model), marker, victim)


class Dying:
    """A tagger whose process dies once, on one text: a worker lost in the middle of a job."""

    def __init__(self, tagger, marker: str, victim: str) -> None:
        self.tagger, self.marker, self.victim = tagger, marker, victim

    def read(self, texts, known=None, rules=None):
        if self.victim in texts:
            try:
                os.close(os.open(self.marker, os.O_CREAT | os.O_EXCL))
            except FileExistsError:
                pass  # killed once already: this is the retry
            else:
                os.kill(os.getpid(), signal.SIGKILL)
        return self.tagger.read(texts, known=known, rules=rules)


@pytest.mark.slow
def test_given_a_worker_killed_mid_job_then_ray_retries_its_batch_and_each_row_comes_out_once(
    cluster, notes, tmp_path, name_model_dir
):
    from phiner.ray import RaySettings, redact_dataset

    items = notes[1][:60]
    marker = tmp_path / "killed"
    options = RedactOptions(id_field="note_id", patient_field="patient", seed=3, buffer=10)
    load = partial(dying_tagger, str(name_model_dir), str(marker), items[37]["text"])
    done = redact_dataset(ray.data.from_items(items), options=options, settings=RaySettings(workers=2), load=load)
    rows = done.take_all()
    assert marker.exists(), "the worker should have been killed"
    assert sorted(r["note_id"] for r in rows) == [item["note_id"] for item in items]
    redacted = {r["note_id"]: r["text"] for r in rows}
    assert redacted["n037"] != items[37]["text"] and json.loads(
        next(r for r in rows if r["note_id"] == "n037")["entities"]
    )


def test_given_a_row_with_no_text_then_the_ray_job_names_file_row_id_and_column_and_writes_nothing(
    monkeypatch, capsys, notes, tmp_path
):
    folder, items = notes
    broken = [dict(item) for item in items[:8]]
    broken[5]["text"] = None
    src, dst = tmp_path / "broken.parquet", tmp_path / "out"
    pq.write_table(pa.Table.from_pylist(broken), src)
    args = ("redact", "--input", src, "--output", dst, "--id-field", "note_id", "--engine", "ray")
    code, _, err = run_cli(monkeypatch, capsys, *args)
    assert code == 2 and f"{src}: row 6 (id n005): field `text` should be a string, got NoneType" in err
    assert "nothing was written" in err and items[0]["text"][:30] not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.parquet"]


@pytest.mark.slow
def test_given_a_dataset_row_with_no_text_then_redact_dataset_fails_naming_its_id_not_losing_it(
    cluster, notes, tmp_path
):
    from phiner.ray import redact_dataset

    items = [dict(item) for item in notes[1][:6]]
    items[3]["text"] = None  # a column that mixes text and numbers is no Arrow table: Ray refuses it itself
    done = redact_dataset(ray.data.from_items(items), options=RedactOptions(id_field="note_id", buffer=6))
    with pytest.raises(Exception) as failure:
        done.take_all()
    assert "a row (id n003): field `text` should be a string, got NoneType" in str(failure.value)


def test_given_a_csv_value_over_the_default_block_then_ray_reads_it_within_max_chars(cluster, tmp_path):
    from phiner.jobs.tables import TableJob, csv_block_bytes
    from phiner.ray import read_tables

    big = "a" * (csv_block_bytes() + 1_000)  # one value longer than a CSV block at the default --max-chars
    src = tmp_path / "big.csv"
    src.write_text(f"id,text\n1,{big}\n2,kort\n", encoding="utf-8")
    job = TableJob.plan(src, tmp_path / "out")
    rows = read_tables(job, max_chars=len(big) + 1).take_all()
    assert [len(row["text"]) for row in rows] == [len(big), 4]


@pytest.mark.slow
def test_given_one_config_then_ray_finds_the_spans_build_analyzer_finds(cluster, name_age_model_dir):
    # The config test's twin (tests/analyze/test_config.py: the CLI, the service and phiner.load()), on this cluster.
    from helpers import CONFIG_NOTES, one_config, spans
    from phiner.analyze.config import build_analyzer
    from phiner.ray import RaySettings, predict_dataset

    config = one_config(name_age_model_dir)
    expected = spans(build_analyzer(config).predict(CONFIG_NOTES))
    ds = ray.data.from_arrow(pa.table({"id": ["a", "b", "c"], "text": CONFIG_NOTES}))
    load = partial(build_analyzer, config)
    rows = predict_dataset(ds, options=RedactOptions(id_field="id"), settings=RaySettings(workers=1), load=load)
    by_id = {row["id"]: json.loads(row["entities"]) for row in rows.take_all()}
    found = [[(e["start"], e["end"], e["label"], e["source"]) for e in by_id[i]] for i in "abc"]
    assert found == expected
