"""Table jobs in one process: CSV, Parquet and JSONL in and out, columns kept, resumed by id, 0600, bad input named."""

import csv
import json
import os
import signal
import subprocess
import sys
import time

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import NAME, run_cli

NOTE = 'Notat {i}:\npasienten {name} har det bra, sier «dr.», og "ringer"; i morgen.'


def rows(n, start=0):
    return [
        {
            "id": i,
            "mrn": f"{i:07d}",
            "text": NOTE.format(i=i, name=NAME),
            "ward": "" if i % 2 else "B-2",
            "admitted": "2024-03-14",
        }
        for i in range(start, start + n)
    ]


def write_parquet(path, items):
    pq.write_table(pa.Table.from_pylist(items), path)


def write_csv(path, items):
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(items[0]))
        writer.writeheader()
        writer.writerows(items)


def read_csv(path):
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def mode(path):
    return os.stat(path).st_mode & 0o777


def redact(monkeypatch, capsys, model, src, dst, *extra):
    return run_cli(monkeypatch, capsys, "redact", "--model", model, "--input", src, "--output", dst, *extra)


def test_given_a_parquet_table_then_redact_replaces_the_text_and_keeps_every_other_column_and_type(
    monkeypatch, capsys, name_model_dir, tmp_path
):
    src, dst = tmp_path / "notes.parquet", tmp_path / "out"
    write_parquet(src, rows(5))
    code, out, err = redact(monkeypatch, capsys, name_model_dir, src, dst, "--id-field", "id", "--batch-size", "2")
    assert code == 0, err
    assert "wrote 5 rows" in out
    [part] = list(dst.iterdir())
    assert part.name == "notes.parquet"
    table = pq.read_table(part)
    assert table.column_names == ["id", "mrn", "text", "ward", "admitted", "entities"]
    assert table.schema.field("id").type == pa.int64()
    done = table.to_pylist()
    for before, after in zip(rows(5), done):
        assert {k: v for k, v in after.items() if k not in ("text", "entities")} == {
            k: v for k, v in before.items() if k != "text"
        }
        assert after["text"] == before["text"].replace(NAME, "[PATIENT]")
        [item] = json.loads(after["entities"])
        assert item["label"] == "PATIENT" and "Nordmann" not in after["entities"]
    assert mode(dst) == 0o700 and mode(part) == 0o600
    assert not (tmp_path / ".out.partial").exists()


def test_given_a_csv_table_then_every_column_comes_back_as_written(monkeypatch, capsys, name_model_dir, tmp_path):
    # ids with leading zeros, empty values and dates are text in CSV: none may turn into a number, null or date
    src, dst = tmp_path / "notes.csv", tmp_path / "out"
    write_csv(src, rows(4))
    code, _, err = redact(monkeypatch, capsys, name_model_dir, src, dst, "--id-field", "mrn")
    assert code == 0, err
    done = read_csv(dst / "notes.csv")
    assert list(done[0]) == ["id", "mrn", "text", "ward", "admitted", "entities"]
    for before, after in zip(rows(4), done):
        assert after["mrn"] == before["mrn"] and after["ward"] == before["ward"] and after["admitted"] == "2024-03-14"
        assert after["text"] == before["text"].replace(NAME, "[PATIENT]")  # its newline and quotes kept


@pytest.mark.parametrize("suffix", ["jsonl", "csv", "parquet"])
def test_given_another_output_format_then_part_files_are_written_in_it(
    monkeypatch, capsys, name_model_dir, tmp_path, suffix
):
    src, dst = tmp_path / "in.jsonl", tmp_path / "out"
    src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows(3)), encoding="utf-8")
    code, _, err = redact(monkeypatch, capsys, name_model_dir, src, dst, "--output-format", suffix)
    assert code == 0, err
    part = dst / f"in.{suffix}"
    if suffix == "parquet":
        done = pq.read_table(part).to_pylist()
    elif suffix == "csv":
        done = read_csv(part)
    else:
        done = [json.loads(line) for line in part.read_text(encoding="utf-8").splitlines()]
    assert [str(r["id"]) for r in done] == ["0", "1", "2"]
    assert all(r["text"].count("[PATIENT]") == 1 and json.loads(r["entities"]) for r in done)


def test_given_a_folder_of_tables_then_each_file_becomes_a_part_of_the_same_name(
    monkeypatch, capsys, name_model_dir, tmp_path
):
    src, dst = tmp_path / "in", tmp_path / "out"
    (src / "2024").mkdir(parents=True)
    write_parquet(src / "a.parquet", rows(2))
    write_parquet(src / "2024" / "b.parquet", rows(3, start=2))
    code, out, err = redact(monkeypatch, capsys, name_model_dir, src, dst, "--id-field", "id")
    assert code == 0, err
    assert pq.read_table(dst / "a.parquet").column("id").to_pylist() == [0, 1]
    assert pq.read_table(dst / "2024" / "b.parquet").column("id").to_pylist() == [2, 3, 4]
    glob_dst = tmp_path / "from-glob"
    code, _, err = redact(monkeypatch, capsys, name_model_dir, f"{src}/**/*.parquet", glob_dst)
    assert code == 0, err
    assert sorted(p.relative_to(glob_dst).as_posix() for p in glob_dst.rglob("*.parquet")) == [
        "2024/b.parquet",
        "a.parquet",
    ]


def test_given_entities_out_then_a_long_table_names_each_entity_by_document_id(
    monkeypatch, capsys, name_model_dir, tmp_path
):
    src, dst, entities = tmp_path / "notes.parquet", tmp_path / "out", tmp_path / "entities.csv"
    write_parquet(src, rows(3))
    args = ("--id-field", "mrn", "--entities-out", entities, "--batch-size", "2")
    code, _, err = redact(monkeypatch, capsys, name_model_dir, src, dst, *args)
    assert code == 0, err
    assert "entities" not in pq.read_table(dst / "notes.parquet").column_names
    found = read_csv(entities)
    assert [(r["mrn"], r["label"], r["replacement"]) for r in found] == [
        (f"{i:07d}", "PATIENT", "[PATIENT]") for i in range(3)
    ]
    assert mode(entities) == 0o600


def test_given_predict_on_a_table_then_the_text_is_kept_and_entities_added(
    monkeypatch, capsys, name_model_dir, tmp_path
):
    src, dst = tmp_path / "notes.csv", tmp_path / "out"
    write_csv(src, rows(2))
    code, _, err = run_cli(monkeypatch, capsys, "predict", "--model", name_model_dir, "--input", src, "--output", dst)
    assert code == 0, err
    done = read_csv(dst / "notes.csv")
    assert [r["text"] for r in done] == [r["text"] for r in rows(2)]
    assert [[(e["label"], e["text"]) for e in json.loads(r["entities"])] for r in done] == [[("PATIENT", NAME)]] * 2
    assert mode(dst / "notes.csv") == 0o600  # it holds PHI


@pytest.mark.parametrize(
    "args,expected",
    [
        (("--text-field", "body"), "column `body` (--text-field) is missing"),
        (("--id-field", "note_id"), "column `note_id` (--id-field) is missing"),
        (("--patient-field", "pid"), "column `pid` (--patient-field) is missing"),
    ],
    ids=["text", "id", "patient"],
)
def test_given_a_column_the_table_lacks_then_the_error_names_file_and_column_and_nothing_is_written(
    monkeypatch, capsys, name_model_dir, tmp_path, args, expected
):
    src, dst = tmp_path / "notes.parquet", tmp_path / "out"
    write_parquet(src, rows(2))
    code, _, err = redact(monkeypatch, capsys, name_model_dir, src, dst, *args)
    assert code == 2 and f"{src}: {expected}" in err and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.parquet"]


def test_given_rows_with_a_null_or_a_number_as_text_then_each_is_named_by_file_row_and_id_before_anything_is_written(
    monkeypatch, capsys, name_model_dir, tmp_path
):
    src, dst = tmp_path / "notes.parquet", tmp_path / "out"
    items = rows(4)
    items[1]["text"] = None
    table = pa.Table.from_pylist(items)
    pq.write_table(table, src)
    bad_type = tmp_path / "typed.parquet"
    pq.write_table(table.set_column(2, "text", pa.array([1, 2, 3, 4])), bad_type)
    code, _, err = redact(monkeypatch, capsys, name_model_dir, src, dst, "--id-field", "mrn")
    assert code == 2 and "nothing was written" in err
    assert f"{src}: row 2 (id 0000001): field `text` should be a string, got NoneType" in err
    assert NAME not in err and not dst.exists() and not (tmp_path / ".out.partial").exists()
    code, _, err = redact(monkeypatch, capsys, name_model_dir, bad_type, dst, "--id-field", "mrn")
    assert code == 2 and f"{bad_type}: row 4 (id 0000003): field `text` should be a string, got int" in err


def run_redact(model_dir, src, dst, *extra):
    cmd = [sys.executable, "-m", "phiner", "redact", "--model", str(model_dir), "--input", str(src)]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    return subprocess.Popen(
        [*cmd, "--output", str(dst), *extra], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


@pytest.mark.slow
def test_given_a_killed_table_job_then_resume_by_id_writes_each_row_once_even_with_the_input_reordered(
    name_model_dir, tmp_path
):
    n = 3_000
    src, dst = tmp_path / "notes.parquet", tmp_path / "out"
    write_parquet(src, rows(n))
    args = ("--id-field", "id", "--batch-size", "100", "--operator", "surrogate")
    job = run_redact(name_model_dir, src, dst, *args)
    commits = tmp_path / ".out.partial" / ".chunks" / "notes.parquet"
    deadline = time.time() + 240
    while len(list(commits.glob("*.ids.json"))) < 5 and job.poll() is None and time.time() < deadline:
        time.sleep(0.005)
    job.send_signal(signal.SIGKILL)
    job.wait()
    committed = len(list(commits.glob("*.ids.json")))
    assert 0 < committed < n // 100, "the job should have been stopped midway"
    assert not dst.exists(), "a killed job leaves no output, only its partial folder"
    write_parquet(src, rows(n)[::-1])  # the same documents in another order: resume goes by id, not position
    resumed = run_redact(name_model_dir, src, dst, *args, "--resume")
    stdout, stderr = resumed.communicate(timeout=600)
    assert resumed.returncode == 0, stderr[-2000:]
    assert f"skipped {committed * 100} already done" in stdout
    done = pq.read_table(dst / "notes.parquet")
    assert sorted(done.column("id").to_pylist()) == list(range(n))
    assert all(NAME not in text for text in done.column("text").to_pylist())
    assert mode(dst / "notes.parquet") == 0o600 and not (tmp_path / ".out.partial").exists()


def test_given_an_existing_output_or_a_partial_job_then_the_table_job_refuses_without_resume(
    monkeypatch, capsys, name_model_dir, tmp_path
):
    src, dst = tmp_path / "notes.csv", tmp_path / "out"
    write_csv(src, rows(1))
    assert redact(monkeypatch, capsys, name_model_dir, src, dst)[0] == 0
    code, _, err = redact(monkeypatch, capsys, name_model_dir, src, dst)
    assert code == 2 and f"{dst} exists" in err
    code, out, _ = redact(monkeypatch, capsys, name_model_dir, src, dst, "--resume")
    assert code == 0 and "wrote 0 rows" in out and "skipped 1" in out
    (tmp_path / ".again.partial").mkdir()
    code, _, err = redact(monkeypatch, capsys, name_model_dir, src, tmp_path / "again")
    assert code == 2 and "holds an interrupted job; pass --resume" in err
