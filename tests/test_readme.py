"""The README's examples, run as written: each command and the output shown under it are read from README.md's
fenced blocks, the command is run for real with the shipped model, and what it prints must be what the README shows.

Commands (``$ `` lines, a trailing ``\\`` continuing one) run as ``python -m phiner ...`` from the repository root;
the batch job writes under the test's own folder instead of /tmp/phiner-demo; the service is a real ``phiner serve``
on a free loopback port, called with urllib as the README's ``curl`` calls it. Editing an example in the README
changes what is tested here, so the README cannot drift from what phiner does.
"""

import dataclasses
import difflib
import json
import os
import re
import shlex
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from helpers import free_port

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
PHINER = ".venv/bin/phiner"
DEMO = "/tmp/phiner-demo"
"""The batch example's folder, rewritten to the test's tmp_path in its commands and output."""
SECRET = bytes(range(32))
"""The Python example's SECRET (the README leaves it to the reader): a fixed 32-byte secret."""
TIMEOUT = 600


def section(title: str) -> str:
    """The text of the README's ``### title`` section, up to the next heading."""
    text = README.read_text(encoding="utf-8")
    match = re.search(rf"^### {re.escape(title)}\n(.*?)(?=^#)", text, re.M | re.S)
    assert match, f"README.md has no '### {title}' section"
    return match.group(1)


def blocks(text: str) -> list[tuple[str, str]]:
    """Each fenced code block of ``text``: (its language, possibly empty; its body)."""
    return re.findall(r"^```(\w*)\n(.*?)^```$", text, re.M | re.S)


def logical_lines(body: str) -> list[str]:
    """The lines of a shell block, each ``\\``-continued line joined to the next as the shell joins them."""
    lines, pending = [], ""
    for line in body.splitlines():
        if line.endswith("\\"):
            pending += line[:-1]
        else:
            lines.append(pending + line)
            pending = ""
    assert not pending, "a README command ends in a line continuation"
    return lines


def sessions(body: str) -> list[tuple[str, str]]:
    """A terminal block as (command, output) pairs: a ``$ `` line is a command, the lines up to the next its output."""
    pairs: list[tuple[str, list[str]]] = []
    for line in logical_lines(body):
        if line.startswith("$ "):
            pairs.append((line[2:], []))
        else:
            assert pairs, f"README output line before any command: {line!r}"
            pairs[-1][1].append(line)
    return [(command, "\n".join(output)) for command, output in pairs]


def phiner_args(command: str) -> list[str]:
    """A README ``.venv/bin/phiner ...`` command as the arguments of ``python -m phiner``."""
    assert command.startswith(PHINER + " "), f"not a phiner command: {command!r}"
    return shlex.split(command[len(PHINER) :])


def environment(**extra: str) -> dict[str, str]:
    """The subprocesses' environment: offline, UTF-8, with no secret or key of the caller's."""
    env = {k: v for k, v in os.environ.items() if k not in ("PHINER_SECRET", "PHINER_API_KEY")}
    env.update(HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false", PYTHONIOENCODING="utf-8")
    return {**env, **extra}


def run_phiner(args: list[str]) -> bytes:
    """Run ``python -m phiner ARGS`` from the repository root; its stdout (it must exit 0)."""
    done = subprocess.run(
        [sys.executable, "-m", "phiner", *args], cwd=ROOT, env=environment(), capture_output=True, timeout=TIMEOUT
    )
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")[-3000:]
    return done.stdout


def text_diff(what: str, expected: str, actual: str) -> list[str]:
    """[] if the README's text and what was printed are equal, else a message with their diff."""
    if expected == actual:
        return []
    diff = "\n".join(
        difflib.unified_diff(expected.splitlines(), actual.splitlines(), "README.md", "actual", lineterm="")
    )
    exact = f"\nexpected: {expected!r}\nactual:   {actual!r}" if not diff or len(expected) < 500 else ""
    return [f"{what} differs from README.md:\n{diff}{exact}"]


def json_diff(what: str, expected, actual) -> list[str]:
    """[] if the README's JSON and the one written are equal as JSON, else a message with their diff."""
    if expected == actual:
        return []
    return text_diff(
        what, json.dumps(expected, indent=1, ensure_ascii=False), json.dumps(actual, indent=1, ensure_ascii=False)
    )


def check(problems: list[str]) -> None:
    if problems:
        pytest.fail("\n\n".join(problems), pytrace=False)


ONE_NOTE = sessions(blocks(section("Redact one note"))[0][1])


@pytest.mark.parametrize("command,shown", ONE_NOTE, ids=[f"command-{i + 1}" for i in range(len(ONE_NOTE))])
def test_given_a_readme_redact_command_then_it_prints_what_the_readme_shows(command, shown):
    printed = run_phiner(phiner_args(command))
    check(text_diff(f"the output of `{command}`", shown + "\n", printed.decode("utf-8")))


def test_given_the_readme_batch_job_then_it_prints_and_writes_what_the_readme_shows(tmp_path):
    text = section("A batch job")
    (_, script), (_, shown), (json_lang, first_line) = blocks(text)[:3]
    assert json_lang == "json" and DEMO in script and DEMO in shown
    here = str(tmp_path / "phiner-demo")
    lines = script.replace(DEMO, here).splitlines()

    # The script's first line makes the folder and opens the heredoc that writes notes.jsonl.
    opening = re.fullmatch(r"mkdir -p (\S+) && cat > (\S+) <<'(\w+)'", lines[0])
    assert opening, f"unexpected start of the batch script: {lines[0]!r}"
    folder, notes, end = opening.groups()
    Path(folder).mkdir(parents=True)
    stop = lines.index(end)
    Path(notes).write_text("".join(line + "\n" for line in lines[1:stop]), encoding="utf-8")

    commands = logical_lines("\n".join(lines[stop + 1 :]))
    assert commands, "the batch script runs no command"
    printed = b"".join(run_phiner(phiner_args(command)) for command in commands)
    problems = text_diff("the batch job's output", shown.replace(DEMO, here), printed.decode("utf-8"))

    args = phiner_args(commands[-1])
    safe = Path(args[args.index("--output") + 1])
    written = safe.read_text(encoding="utf-8").splitlines()
    problems += json_diff("the first line of safe.jsonl", json.loads(first_line), json.loads(written[0]))

    mode = re.search(r"\(mode (0[0-7]{3})\)", text)
    assert mode, "the README no longer says the output's mode"
    problems += text_diff("safe.jsonl's mode", mode.group(1), f"{safe.stat().st_mode & 0o777:04o}")

    # The prose quotes n2's safe text (folded over two lines in the Markdown).
    n2 = re.search(r"`n2` reads `([^`]*)`", text)
    assert n2, "the README no longer quotes n2's safe text"
    by_id = {record["note_id"]: record for record in map(json.loads, written)}
    problems += text_diff("n2's safe text", " ".join(n2.group(1).split()), by_id["n2"]["text"])
    check(problems)


def curl_request(command: str, port: int) -> urllib.request.Request:
    """A README ``curl`` call as a urllib request to the service on ``port`` (the README's is 8000)."""
    words = shlex.split(command)
    assert words[0] == "curl", f"not a curl call: {command!r}"
    method, headers, data, url = None, {}, None, None
    rest = iter(words[1:])
    for word in rest:
        if word == "-s":
            continue
        elif word == "-X":
            method = next(rest)
        elif word == "-H":
            name, _, value = next(rest).partition(":")
            headers[name.strip()] = value.strip()
        elif word == "-d":
            data = next(rest).encode("utf-8")
        elif not word.startswith("-") and url is None:
            url = word
        else:
            raise AssertionError(f"the test does not know curl's {word!r} (in {command!r})")
    parts = urllib.parse.urlsplit("http://" + url)
    assert parts.hostname == "localhost" and parts.port == 8000, f"the README calls {url!r}, not localhost:8000"
    target = f"http://127.0.0.1:{port}{parts.path}" + (f"?{parts.query}" if parts.query else "")
    return urllib.request.Request(
        target, data=data, headers=headers, method=method or ("POST" if data is not None else "GET")
    )


def answer(request: urllib.request.Request) -> bytes:
    """The body the service answered, as ``curl -s`` prints it (whatever the status)."""
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.read()
    except urllib.error.HTTPError as err:
        return err.read()


def test_given_the_readme_service_then_its_curl_calls_answer_what_the_readme_shows(tmp_path):
    (_, start), (_, calls) = blocks(section("The service"))[:2]
    [line] = logical_lines(start.strip())
    words = shlex.split(line, comments=True)
    env = {}
    while re.fullmatch(r"[A-Z_][A-Z0-9_]*=.*", words[0]):
        name, _, value = words.pop(0).partition("=")
        env[name] = value
    assert env.get("PHINER_API_KEY"), "the README's service runs with no API key"
    assert words[0] == PHINER, f"not a phiner command: {line!r}"
    port = free_port()
    command = [sys.executable, "-m", "phiner", *words[1:], "--port", str(port)]
    log = tmp_path / "serve.log"
    with open(log, "wb") as stderr:
        server = subprocess.Popen(command, cwd=ROOT, env=environment(**env), stdout=stderr, stderr=stderr)
    try:
        deadline = time.monotonic() + TIMEOUT
        while True:
            assert server.poll() is None, log.read_text("utf-8", "replace")[-3000:]
            assert time.monotonic() < deadline, "the service did not start in time"
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2):
                    break
            except OSError:
                time.sleep(0.25)
        pairs = sessions(calls)
        assert pairs, "the README's service block makes no call"
        problems = []
        for call, shown in pairs:
            body = answer(curl_request(call, port)).decode("utf-8")
            found = text_diff(f"the answer to `{call}`", shown, body)
            if found and shown.startswith("{") and body.startswith("{"):  # one long line: show the JSON's diff too
                found += json_diff("as JSON, it", json.loads(shown), json.loads(body))
            problems += found
        server.terminate()
        assert server.wait(timeout=60) == 0, log.read_text("utf-8", "replace")[-3000:]
        check(problems)
    finally:
        server.kill()
        server.wait(timeout=60)


def test_given_the_readme_python_example_then_it_returns_what_its_comments_say():
    from phiner.core.records import Span

    [(lang, code)] = blocks(section("From Python"))
    assert lang == "python"
    namespace = {"SECRET": SECRET}
    exec(compile(code, f"{README}: From Python", "exec"), namespace)

    # `spans = ...[0]  # [Span(start, end, label, score, text, source), ...]`
    shape = re.search(r"^spans = .*# \[Span\(([\w, ]+)\), \.\.\.\]$", code, re.M)
    assert shape, "the README no longer says what predict returns"
    assert tuple(f.name for f in dataclasses.fields(Span)) == tuple(shape.group(1).split(", "))
    note = re.search(r'predict\(\["([^"]*)"\]\)', code).group(1)
    spans = namespace["spans"]
    assert isinstance(spans, list) and spans and all(isinstance(span, Span) for span in spans)
    assert all(span.text == note[span.start : span.end] for span in spans)

    safe = namespace["safe"]
    assert isinstance(safe, str) and safe != note
