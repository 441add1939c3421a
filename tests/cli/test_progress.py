"""A job's progress bar tells the truth in a terminal (a total from the pre-read, a moving count, the time left) and
stays off stderr where stderr is no terminal."""

import json
import os
import pty
import re
import subprocess
import sys

from conftest import NAME


def notes(path, n):
    path.write_text(
        "".join(json.dumps({"id": i, "text": f"Notat {i}: {NAME} har det bra."}) + "\n" for i in range(n)),
        encoding="utf-8",
    )


def command(model, src, dst):
    return [sys.executable, "-m", "phiner", "redact", "--model", str(model), "--input", str(src), "--output",
            str(dst), "--batch-size", "20"]  # fmt: skip


def test_given_a_job_in_a_terminal_then_its_bar_shows_the_total_a_moving_count_and_the_time_left(
    name_model_dir, tmp_path
):
    src = tmp_path / "in.jsonl"
    notes(src, 200)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "COLUMNS": "160"}
    leader, follower = pty.openpty()
    job = subprocess.Popen(
        command(name_model_dir, src, tmp_path / "out.jsonl"), stdout=subprocess.PIPE, stderr=follower, env=env
    )
    os.close(follower)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the job closed its end
            break
        if not chunk:
            break
        seen += chunk
    stdout, _ = job.communicate(timeout=120)
    os.close(leader)
    assert job.returncode == 0
    screen = re.sub(rb"\x1b\[[0-9;?]*[A-Za-z]", b"", seen).decode("utf-8", "replace")
    counts = {int(m) for m in re.findall(r"documents\s+(\d+)/200", screen)}
    assert 200 in counts and len(counts) >= 2, screen[-2000:]  # the total from the start, and a count that moved
    assert "left" in screen and "docs/s" in screen
    assert re.search(r"200 documents in \d+\.\d s \(\d+\.\d/s\); found: PATIENT 200", screen), screen[-2000:]
    assert b"wrote 200 documents" in stdout


def test_given_a_command_then_stderr_says_what_it_loaded_once_and_holds_no_library_bar_or_warning_unless_verbose(
    name_model_dir, tmp_path
):
    src = tmp_path / "in.jsonl"
    notes(src, 40)
    env = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_DISABLE_PROGRESS_BARS", "TRANSFORMERS_VERBOSITY")}
    env["HF_HUB_OFFLINE"] = "1"
    base = [sys.executable, "-m", "phiner", "redact", "--model", str(name_model_dir), "--text", f"Ring {NAME}."]
    quiet = subprocess.run(base, capture_output=True, text=True, env=env, timeout=120)
    assert quiet.returncode == 0 and quiet.stdout.strip() == "Ring [PATIENT]."
    assert re.fullmatch(rf"loaded {re.escape(str(name_model_dir))} in \d+\.\d s\n", quiet.stderr), quiet.stderr
    job = [*base[:6], "--input", str(src), "--output", str(tmp_path / "out.jsonl")]
    piped = subprocess.run(job, capture_output=True, text=True, env=env, timeout=120)  # stderr no terminal: no bar
    summary = r"40 documents in \d+\.\d s \(\d+\.\d/s\); found: PATIENT 40\n"
    assert piped.returncode == 0 and re.fullmatch(rf"loaded \S+ in \d+\.\d s\n{summary}", piped.stderr), piped.stderr
    (tmp_path / "out.jsonl").unlink()
    quiet_job = subprocess.run([*job, "--quiet"], capture_output=True, text=True, env=env, timeout=120)
    assert quiet_job.returncode == 0 and quiet_job.stderr == "" and quiet_job.stdout == piped.stdout
    verbose = subprocess.run([*base, "--verbose"], capture_output=True, text=True, env=env, timeout=120)
    assert verbose.returncode == 0 and verbose.stdout == quiet.stdout
    assert "Loading weights" in verbose.stderr or "Warning" in verbose.stderr
