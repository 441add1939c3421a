import json
import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import NAME, run_cli
from phiner.analyze.tagger import Tagger
from phiner.jobs.batch import redact_folder, redact_jsonl
from phiner.pipeline import RedactOptions


def write_corpus(path, n):
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(json.dumps({"id": i, "text": f"Notat {i}: pasienten {NAME} har det bra."}) + "\n")


def run_redact(model_dir, src, dst, *extra):
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    cmd = [
        sys.executable,
        "-m",
        "phiner",
        "redact",
        "--model",
        str(model_dir),
        "--input",
        str(src),
        "--output",
        str(dst),
        *extra,
    ]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def partial_of(dst):
    return dst.with_name(f".{dst.name}.partial")


def committed(dst):
    """Documents a running or killed job has committed: the ids its partial folder's commits list."""
    total = 0
    for commit in list(partial_of(dst).glob(".chunks/*/*.ids.json")):
        try:
            total += len(json.loads(commit.read_bytes()))
        except (OSError, ValueError):  # renamed into place or merged as we read
            pass
    return total


@pytest.mark.slow
def test_given_a_4000_document_job_killed_midway_then_resume_writes_each_document_exactly_once(
    name_model_dir, tmp_path
):
    src, dst = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_corpus(src, 4_000)
    job = run_redact(name_model_dir, src, dst, "--id-field", "id")
    deadline = time.time() + 240
    while committed(dst) < 1500 and job.poll() is None and time.time() < deadline:
        time.sleep(0.005)
    job.send_signal(signal.SIGKILL)
    job.wait()
    interrupted_at = committed(dst)
    assert 0 < interrupted_at < 4_000, "the job should have been stopped midway"
    assert not dst.exists(), "a killed job leaves no output, only its partial folder"
    chunks = partial_of(dst) / ".chunks" / "records"
    torn = chunks / f"{len(list(chunks.glob('*.ids.json'))):06d}.jsonl"
    torn.write_bytes(b'{"id": 99999, "text": "Notat')  # a chunk killed as it was written, before its commit
    resumed = run_redact(name_model_dir, src, dst, "--id-field", "id", "--resume")
    _, stderr = resumed.communicate(timeout=600)
    assert resumed.returncode == 0, stderr[-2000:]
    rows = [json.loads(line) for line in dst.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == list(range(4_000))
    assert all(r["text"].endswith("pasienten [PATIENT] har det bra.") for r in rows)
    assert not partial_of(dst).exists()


def test_given_an_existing_output_without_resume_then_the_job_refuses(name_tagger, roberta_tokenizer, tmp_path):
    src, dst = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_corpus(src, 3)
    dst.write_text("{}\n")
    with pytest.raises(FileExistsError, match="exists; choose another --output"):
        redact_jsonl(Tagger(name_tagger, roberta_tokenizer), src, dst, RedactOptions())


def test_given_surrogates_and_a_key_file_then_keys_hold_each_document_once(name_tagger, roberta_tokenizer, tmp_path):
    src, dst, key = tmp_path / "in.jsonl", tmp_path / "out.jsonl", tmp_path / "key.jsonl"
    write_corpus(src, 5)
    options = RedactOptions(operator="surrogate", seed=3, buffer=2)
    stats = redact_jsonl(Tagger(name_tagger, roberta_tokenizer), src, dst, options, key_file=key)
    assert stats == {**stats, "written": 5, "skipped": 0}
    rows = [json.loads(l) for l in dst.read_text(encoding="utf-8").splitlines()]
    keys = [json.loads(l) for l in key.read_text(encoding="utf-8").splitlines()]
    assert [k["line"] for k in keys] == [0, 1, 2, 3, 4]
    for row in rows:
        assert NAME not in row["text"]
        [item] = row["entities"]
        assert row["text"][item["start"] : item["end"]] == item["replacement"]


def test_given_a_folder_of_text_files_then_each_is_redacted_and_a_finished_job_is_not_done_again(
    name_tagger, roberta_tokenizer, tmp_path
):
    from phiner.core.errors import OutputExistsError

    src, dst = tmp_path / "notes", tmp_path / "safe"
    (src / "sub").mkdir(parents=True)
    for name in ("a.txt", "b.txt", "sub/c.txt"):
        (src / name).write_text(f"Kontakt {NAME}.", encoding="utf-8")
    tagger = Tagger(name_tagger, roberta_tokenizer)
    dst.mkdir()  # an empty folder is an output like any other
    stats = redact_folder(tagger, src, dst, RedactOptions())
    assert stats == {**stats, "skipped": 0, "written": 3, "links_skipped": 0}
    assert (dst / "sub" / "c.txt").read_text(encoding="utf-8") == "Kontakt [PATIENT]."
    assert sorted(str(p.relative_to(dst)) for p in dst.rglob("*")) == ["a.txt", "b.txt", "sub", "sub/c.txt"]
    assert redact_folder(tagger, src, dst, RedactOptions(), resume=True)["skipped"] == 3
    with pytest.raises(OutputExistsError, match="exists; choose another --output"):
        redact_folder(tagger, src, dst, RedactOptions())


@pytest.mark.parametrize("shift,expected", [("2", "43 år"), ("0", "41 år"), ("60", "90+ år")])
def test_given_an_age_shift_then_the_cli_shifts_surrogate_ages(name_age_model_dir, shift, expected):
    from typer.testing import CliRunner

    from phiner.cli.main import app

    result = CliRunner().invoke(
        app,
        [
            "redact",
            "--model",
            str(name_age_model_dir),
            "--text",
            f"{NAME}, 41 år",
            "--operator",
            "surrogate",
            "--age-shift",
            shift,
            "--date-shift-days",
            "10",
            "20",
            "--seed",
            "1",
        ],
    )
    assert result.exit_code == 0, result.output
    assert NAME not in result.output and result.output.strip().endswith(f", {expected}")


@pytest.mark.parametrize(
    "args,message",
    [
        (["--operator", "shred"], "`operator` names an unknown operator; choose one of tag, mask, remove"),
        (["--keep", "ID", "--keep", "NAME"], "`--keep` entry 2 names an unknown entity type; choose one of ID, DATE"),
        (["--override", "DATE=shred"], "`--override` entry 1 names an unknown operator"),
    ],
)
def test_given_an_unknown_operator_or_type_then_redact_names_the_option_and_the_choices_not_the_value(
    name_model_dir, args, message
):
    from typer.testing import CliRunner

    from phiner.cli.main import app

    result = CliRunner().invoke(app, ["redact", "--model", str(name_model_dir), "--text", "x", *args])
    assert result.exit_code != 0 and message in str(result.exception)
    assert "shred" not in str(result.exception) and "NAME" not in str(result.exception)


# ----------------------------------------------------------------------------------------------------------------
# Hardening (issue 10): each test below failed on the jobs as they were before.


def mode(path):
    return os.stat(path).st_mode & 0o777


def test_given_a_jsonl_job_then_the_output_holds_no_original_text_and_outputs_and_keys_are_0600(
    monkeypatch, capsys, name_model_dir, tmp_path
):
    # findings 2 and 3: the original `text` sat beside `redacted`, and output and key file were 0644
    src, dst, key = tmp_path / "in.jsonl", tmp_path / "out.jsonl", tmp_path / "key.jsonl"
    write_corpus(src, 4)
    code, _, err = run_cli(
        monkeypatch,
        capsys,
        "redact",
        "--model",
        name_model_dir,
        "--input",
        src,
        "--output",
        dst,
        "--operator",
        "surrogate",
        "--key",
        key,
        "--seed",
        1,
    )
    assert code == 0, err
    written = dst.read_text(encoding="utf-8")
    assert NAME not in written and "pasienten" in written
    for original in src.read_text(encoding="utf-8").splitlines():
        assert json.loads(original)["text"] not in written
    assert set(json.loads(written.splitlines()[0])) == {"id", "text", "entities"}
    assert mode(dst) == 0o600 and mode(key) == 0o600


def test_given_keep_original_then_the_original_is_kept_under_that_key_with_a_warning(
    monkeypatch, capsys, name_model_dir, tmp_path
):
    src, dst = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_corpus(src, 2)
    code, _, err = run_cli(
        monkeypatch,
        capsys,
        "redact",
        "--model",
        name_model_dir,
        "--input",
        src,
        "--output",
        dst,
        "--keep-original",
        "original",
    )
    assert code == 0 and "not de-identified" in err
    row = json.loads(dst.read_text(encoding="utf-8").splitlines()[0])
    assert NAME in row["original"] and NAME not in row["text"]


def test_given_a_field_option_then_that_key_is_read_and_replaced(monkeypatch, capsys, name_model_dir, tmp_path):
    # finding 10: `--field body` failed with "missing field 'text'"
    src, dst = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_text(json.dumps({"body": f"Ring {NAME}."}) + "\n", encoding="utf-8")
    code, _, err = run_cli(
        monkeypatch,
        capsys,
        "redact",
        "--model",
        name_model_dir,
        "--input",
        src,
        "--output",
        dst,
        "--text-field",
        "body",
    )
    assert code == 0, err
    assert json.loads(dst.read_text(encoding="utf-8"))["body"] == "Ring [PATIENT]."


def test_given_a_bad_line_late_in_the_input_then_nothing_is_written_and_the_line_is_named(
    monkeypatch, capsys, name_model_dir, tmp_path
):
    # finding 6: a bad line at 300 left 256 lines written (and exit 2)
    src, dst = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_corpus(src, 400)
    lines = src.read_text(encoding="utf-8").splitlines()
    lines[299] = json.dumps({"id": 299, "txt": f"{NAME} {MARKER}"})
    lines[349] = json.dumps({"id": 349, "text": "\ud800" + MARKER})
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, err = run_cli(monkeypatch, capsys, "redact", "--model", name_model_dir, "--input", src, "--output", dst)
    assert code == 2
    assert f"{src}:300: field `text` is missing" in err
    assert f"{src}:350: field `text` is not valid Unicode" in err and "nothing was written" in err
    assert MARKER not in err + out and NAME not in err + out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl"]


MARKER = "Zq9Hemmelig"


@pytest.mark.parametrize("content,message", [("", "no documents"), ("\n\n", "no documents")])
def test_given_an_empty_input_then_the_job_fails_and_writes_nothing(
    monkeypatch, capsys, name_model_dir, tmp_path, content, message
):
    # finding 10: an empty input exited 0 with "wrote 0 documents"
    src, dst = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_text(content, encoding="utf-8")
    code, _, err = run_cli(monkeypatch, capsys, "redact", "--model", name_model_dir, "--input", src, "--output", dst)
    assert code == 2 and message in err and not dst.exists()


def test_given_a_missing_input_then_one_line_error_and_no_output_that_blocks_the_next_run(
    monkeypatch, capsys, name_model_dir, tmp_path
):
    # findings 6 and 9: a nonexistent --input created an empty output (and a traceback)
    dst = tmp_path / "out.jsonl"
    code, _, err = run_cli(
        monkeypatch, capsys, "redact", "--model", name_model_dir, "--input", tmp_path / "nope.jsonl", "--output", dst
    )
    assert code == 2 and "nope.jsonl: no such file" in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_given_an_unwritable_output_then_one_line_error(monkeypatch, capsys, name_model_dir, tmp_path):
    # finding 9: an unwritable --output gave a traceback
    src = tmp_path / "in.jsonl"
    write_corpus(src, 2)
    blocked = tmp_path / "blocked"
    blocked.write_text("a file, not a folder")
    code, _, err = run_cli(
        monkeypatch, capsys, "redact", "--model", name_model_dir, "--input", src, "--output", blocked / "out.jsonl"
    )
    assert code == 2 and "Traceback" not in err
    assert err.strip().splitlines()[-1] == f"error: {blocked}: not a folder"


def test_given_an_output_folder_inside_the_input_folder_then_the_job_refuses(name_tagger, roberta_tokenizer, tmp_path):
    # finding 7: `--input in --output in --resume` exited 0 and redacted nothing
    from phiner.core.errors import PhinerError

    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text(f"Kontakt {NAME}.", encoding="utf-8")
    tagger = Tagger(name_tagger, roberta_tokenizer)
    for dst in (src, src / "safe"):
        with pytest.raises(PhinerError, match="should not be the input folder or inside it"):
            redact_folder(tagger, src, dst, RedactOptions(), resume=True)
    assert (src / "a.txt").read_text(encoding="utf-8") == f"Kontakt {NAME}."


def test_given_a_link_out_of_the_input_folder_then_it_is_not_followed(name_tagger, roberta_tokenizer, tmp_path):
    # finding 7: a file link to /etc/hostname was followed and its content copied to the output
    src, dst, outside = tmp_path / "in", tmp_path / "out", tmp_path / "secret.txt"
    (src / "sub").mkdir(parents=True)
    outside.write_text(MARKER, encoding="utf-8")
    (src / "a.txt").write_text(f"Kontakt {NAME}.", encoding="utf-8")
    (src / "leak.txt").symlink_to(outside)
    (src / "inside.txt").symlink_to(src / "a.txt")
    (src / "dir").symlink_to(tmp_path, target_is_directory=True)
    stats = redact_folder(Tagger(name_tagger, roberta_tokenizer), src, dst, RedactOptions())
    assert stats["links_skipped"] == 1 and stats["written"] == 2
    assert sorted(p.name for p in dst.rglob("*") if p.is_file()) == ["a.txt", "inside.txt"]
    assert all(mode(p) == 0o600 for p in dst.rglob("*.txt"))


def test_given_one_patient_in_two_jobs_then_the_date_shift_and_names_agree(name_tagger, roberta_tokenizer, tmp_path):
    # finding 1: a patient's documents in different files got unrelated shifts (and unrelated ones the same)
    tagger, secret = Tagger(name_tagger, roberta_tokenizer), b"k" * 32
    options = RedactOptions(operator="surrogate", secret=secret, id_field="id", patient_field="patient")
    keys = []
    for run in range(2):
        src, dst, key = tmp_path / f"in{run}.jsonl", tmp_path / f"out{run}.jsonl", tmp_path / f"key{run}.jsonl"
        src.write_text(
            "".join(
                json.dumps({"id": f"{run}-{i}", "patient": f"p{i % 3}", "text": f"{NAME} {run} {i}"}) + "\n"
                for i in range(6)
            ),
            encoding="utf-8",
        )
        redact_jsonl(tagger, src, dst, options, key_file=key)
        keys += [json.loads(line) for line in key.read_text(encoding="utf-8").splitlines()]
    by_patient = {}
    for entry in keys:
        by_patient.setdefault(entry["patient"], set()).add((entry["date_offset_days"], entry["names"][NAME]))
    assert all(len(v) == 1 for v in by_patient.values()), by_patient
    assert len({next(iter(v)) for v in by_patient.values()}) == 3


def write_patient_corpus(path, n, patients=7):
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(
                json.dumps(
                    {"id": f"d{i}", "patient": f"p{i % patients}", "text": f"Notat {i}: pasienten {NAME} har det bra."}
                )
                + "\n"
            )


@pytest.mark.slow
def test_given_jsonl_jobs_killed_at_random_points_then_resume_gives_each_document_once_with_one_key(
    name_model_dir, tmp_path
):
    # finding 3: after kill -9 and --resume, key entries of the last buffer were missing for good
    import random

    rng = random.Random(10)
    src = tmp_path / "in.jsonl"
    n = 1200
    write_patient_corpus(src, n)
    args = ("--operator", "surrogate", "--id-field", "id", "--patient-field", "patient", "--batch-size", "64")
    cut = []  # documents committed when each job was killed
    for trial in range(3):
        dst, key = tmp_path / f"out{trial}.jsonl", tmp_path / f"key{trial}.jsonl"
        job = run_redact(name_model_dir, src, dst, *args, "--key", key)
        target = rng.randrange(0, n)
        deadline = time.time() + 120
        while committed(dst) < target and job.poll() is None and time.time() < deadline:
            time.sleep(0.002)
        time.sleep(rng.random() * 0.05)
        job.send_signal(signal.SIGKILL)
        job.wait()
        cut.append(committed(dst))
        resumed = run_redact(name_model_dir, src, dst, *args, "--key", key, "--resume")
        _, stderr = resumed.communicate(timeout=300)
        assert resumed.returncode == 0, stderr[-2000:]
        rows = [json.loads(line)["id"] for line in dst.read_text(encoding="utf-8").splitlines()]
        keys = [json.loads(line) for line in key.read_text(encoding="utf-8").splitlines()]
        assert rows == [f"d{i}" for i in range(n)], trial
        assert [k["document"] for k in keys] == rows, trial
        shifts = {}
        for entry in keys:  # the job's own secret outlived the kill: one shift per patient
            shifts.setdefault(entry["patient"], set()).add(entry["date_offset_days"])
        assert all(len(s) == 1 for s in shifts.values()), trial
        assert mode(dst) == 0o600 and mode(key) == 0o600
        assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(f".out{trial}")) == []
    assert sum(0 < done < n for done in cut) >= 2, cut  # most kills fell in the middle of a job
