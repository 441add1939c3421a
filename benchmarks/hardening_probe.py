"""The hostile repros of the second hardening round, timed: each must give a clear 4xx (service) or exit 2 (CLI)
within a second or two, or answer as quickly, with no memory growth past 200 MB.

    python benchmarks/hardening_probe.py [--out FILE] [--skip-cli]

Service: `phiner serve` of the shipped model on loopback; each repro is one request, timed, with the server's
resident memory (VmRSS) before and after and its peak (VmHWM) at the end. The backtracking-regex repro is sent
with a short request a moment later, whose wait is timed too. Stalled bodies: connections that send part of a
declared body and stop, answered after ``--body-timeout`` (set to 1 s here).

CLI: each repro is one `phiner redact` run in a fresh process, timed, with its peak resident memory (from
``wait4``'s rusage), beside a run of the same command with no rules (or on a small valid input) as its baseline.

Prints a Markdown table and writes every figure as JSON to ``--out``.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

PHINER = [sys.executable, "-m", "phiner"]
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
NOTE = "Pasient Kari Nordmann, født 12.03.1961, bor i Bergen. Tlf 912 34 567."
CELL = "Pasient Kari Nordmann bor i Bergen"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def memory_mb(pid: int, field: str = "VmRSS") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} for {pid}")


def post(port: int, path: str, body: dict, timeout: float = 120.0) -> tuple[int, float, str]:
    data = json.dumps(body).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", data=data, headers={"Content-Type": "application/json"}
    )
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            status, text = answer.status, answer.read().decode()
    except urllib.error.HTTPError as err:
        status, text = err.code, err.read().decode()
    return status, time.perf_counter() - start, text


def stalled(port: int, connections: int, declared: int, sent: int) -> dict:
    """``connections`` sockets, each sending ``sent`` of a ``declared``-byte body and stopping; the status each
    gets and when."""
    results: list[tuple[str, float]] = [("", 0.0)] * connections

    def one(i: int) -> None:
        start = time.perf_counter()
        with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
            head = (
                f"POST /v1/entities HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                f"Content-Length: {declared}\r\n\r\n"
            )
            sock.sendall(head.encode() + b'{"text": "' + b"a" * (sent - 10))
            try:
                reply = sock.recv(200).decode(errors="replace")
            except OSError as err:
                reply = type(err).__name__
        results[i] = (reply.split("\r\n", 1)[0], time.perf_counter() - start)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {
        "connections": connections,
        "statuses": sorted({status for status, _ in results}),
        "longest_s": max(seconds for _, seconds in results),
    }


def service(rows: list[dict]) -> None:
    port = free_port()
    server = subprocess.Popen(
        [*PHINER, "serve", "--port", str(port), "--body-timeout", "1"],
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1).read()
                break
            except OSError:
                time.sleep(0.2)
        post(port, "/v1/entities", {"text": NOTE})  # a first pass, untimed
        repros = {
            "1 duplicate deny terms": {
                "text": "a " * 20000,
                "rules": {"deny": [{"terms": ["a"] * 9999, "label": "ID"}]},
            },
            "baseline for 1: the same text, no rules": {"text": "a " * 20000},
            "2 backtracking regex": {
                "text": "a" * 29 + "b",
                "rules": {"patterns": [{"name": "x", "regex": "(a+)+$", "label": "ID"}]},
            },
            "2b backtracking regex, 10,000 a": {
                "text": "a" * 10000 + "b",
                "rules": {"patterns": [{"name": "x", "regex": "(a+)+$", "label": "ID"}]},
            },
            "1b a span per character (over the span cap), 200,000 characters": {
                "text": "a" * 200_000,
                "rules": {"patterns": [{"name": "x", "regex": "a", "label": "ID"}]},
            },
            "16 unknown pattern key": {
                "text": NOTE,
                "rules": {"patterns": [{"name": "x", "regex": "a", "label": "ID", "MARKER_KEY": 1}]},
            },
            "17 known with texts []": {"texts": [], "known": []},
        }
        for name, body in repros.items():
            before = memory_mb(server.pid)
            if name.startswith("2 "):
                short: dict = {}

                def later() -> None:
                    time.sleep(0.1)
                    short["status"], short["seconds"], _ = post(port, "/v1/entities", {"text": NOTE})

                thread = threading.Thread(target=later)
                thread.start()
                status, seconds, text = post(port, "/v1/entities", body)
                thread.join()
                name += f" (a short request 0.1 s later: {short['status']} in {short['seconds']:.2f} s)"
            else:
                status, seconds, text = post(port, "/v1/entities", body)
            after = memory_mb(server.pid)
            rows.append(
                {
                    "side": "service",
                    "repro": name,
                    "answer": status,
                    "seconds": round(seconds, 3),
                    "rss_before_mb": round(before),
                    "rss_growth_mb": round(after - before),
                    "echo": "MARKER_KEY" in text,
                }
            )
        before = memory_mb(server.pid)
        start = time.perf_counter()
        stall = stalled(port, connections=20, declared=999_000, sent=950_000)
        rows.append(
            {
                "side": "service",
                "repro": "13 20 stalled bodies (--body-timeout 1)",
                "answer": ",".join(stall["statuses"]),
                "seconds": round(time.perf_counter() - start, 3),
                "rss_before_mb": round(before),
                "rss_growth_mb": round(memory_mb(server.pid) - before),
                "echo": False,
            }
        )
        peak = memory_mb(server.pid, "VmHWM")
        rows.append({"side": "service", "repro": "peak (VmHWM) over all", "rss_before_mb": round(peak)})
    finally:
        server.terminate()
        server.wait(timeout=30)


def run_cli(args: list[str]) -> tuple[int, float, float, str]:
    start = time.perf_counter()
    child = subprocess.Popen([*PHINER, *args], env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stderr = child.stderr.read().decode(errors="replace")
    _, status, usage = os.wait4(child.pid, 0)
    child.stderr.close()
    return os.waitstatus_to_exitcode(status), time.perf_counter() - start, usage.ru_maxrss / 1024, stderr


def cli(rows: list[dict]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "dup.yaml").write_text("deny:\n  - label: ID\n    terms: [" + ", ".join(["a"] * 9999) + "]\n")
        (root / "regex.yaml").write_text("patterns:\n  - {name: x, regex: '(a+)+$', label: ID}\n")
        bomb = ["a: &a [x, x, x, x, x, x, x, x]"]
        for level in range(1, 9):
            bomb.append(f"{chr(97 + level)}: &{chr(97 + level)} [" + ", ".join([f"*{chr(96 + level)}"] * 8) + "]")
        (root / "bomb.yaml").write_text("\n".join(bomb) + "\n")
        (root / "key.yaml").write_text("patterns:\n  - {name: x, regex: a, label: ID, 3: y}\n")
        (root / "quote.csv").write_text(f'id,text\na,"{CELL}\nb,x\n')
        (root / "repeat.csv").write_text(f"id,text,text\na,{CELL},x\n")
        (root / "big.csv").write_text("id,text\na," + "Kari bor i Bergen. " * 920_000 + "\n")
        (root / "ok.csv").write_text(f"id,text\na,{CELL}\n")
        text = ["redact", "--text"]
        repros = [
            ("baseline: one note, no rules", [*text, NOTE], None),
            ("1 duplicate deny terms (--rules)", [*text, "a " * 20000, "--rules", str(root / "dup.yaml")], 0),
            ("baseline for 1: the same text, no rules", [*text, "a " * 20000], None),
            ("2 backtracking regex (--rules)", [*text, "a" * 29 + "b", "--rules", str(root / "regex.yaml")], 0),
            ("14 YAML alias bomb (--rules)", [*text, NOTE, "--rules", str(root / "bomb.yaml")], 2),
            ("10 non-string pattern key (--rules)", [*text, NOTE, "--rules", str(root / "key.yaml")], 2),
            ("3 CSV unclosed quote", ["redact", "--input", str(root / "quote.csv"), "--output", str(root / "o3")], 2),
            ("9 CSV repeated column", ["redact", "--input", str(root / "repeat.csv"), "--output", str(root / "o9")], 2),
            ("15 17.5 MB CSV cell", ["redact", "--input", str(root / "big.csv"), "--output", str(root / "o15")], 2),
            (
                "baseline for tables: a valid one-row CSV",
                ["redact", "--input", str(root / "ok.csv"), "--output", str(root / "ok")],
                0,
            ),
        ]
        for name, args, expected in repros:
            code, seconds, peak, stderr = run_cli(args)
            rows.append(
                {
                    "side": "cli",
                    "repro": name,
                    "answer": f"exit {code}",
                    "expected": expected,
                    "seconds": round(seconds, 2),
                    "peak_rss_mb": round(peak),
                    "message": next((line for line in stderr.splitlines() if line.startswith("error")), "")[:160],
                }
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--skip-cli", action="store_true")
    parser.add_argument("--skip-service", action="store_true")
    args = parser.parse_args()
    rows: list[dict] = []
    if not args.skip_service:
        service(rows)
    if not args.skip_cli:
        cli(rows)
    for row in rows:
        print(" | ".join(f"{key}={value}" for key, value in row.items()))
    if args.out:
        args.out.write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
