"""The service's throughput under concurrent clients, the memory of adapters on one base, and adapter switching, on
the shipped model (issue 14).

    python benchmarks/serve_bench.py [--quick] [--out FILE] [--clients 32] [--texts 256] [--adapters 1,4,16]
                                     [--repeats 3]

(a) Throughput: `phiner serve` of the shipped model, then of its run registered twice under two names (requests
    alternate between them), with ``--clients`` concurrent clients sending one generated note a request, against
    ``phiner.load().predict`` of the same notes in one call in one process: texts/s and their ratio, latency p50
    and p95, the forward passes the service ran, and how many answers equal the offline ones. Both sides first read
    other notes, untimed: a process's first passes are slow. Each side reads the notes ``--repeats`` times in the
    same process; the tables give the median run and the ratio of the medians, the JSON every run (a run of 256
    notes takes about 12 s here, and single runs of the service's ratio spread over 0.78-0.86).
(b) Memory: peak resident memory (VmHWM) of one process holding the base and N adapters (the shipped run under N
    names, each read once), against N merged models in N processes: one process of the merged model (written by
    ``phiner merge``) is measured, and its peak multiplied by N.
(c) Switching: in the process of the most adapters, the process's first request, then (after requests that warm it
    up) the first request to each other adapter, and the median request to an adapter right after a request to
    another against the median request to the same adapter again, taken in pairs.

Each contender runs in a fresh process, so that its peak memory is its own; the clients run in this one. Prints
Markdown tables, and writes every figure as JSON to ``--out``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np


def shipped_base() -> str:
    """The base the shipped model was trained on (``me5-small``; ``minilm`` before)."""
    from phiner.model.base import adapter_base, default_model

    return adapter_base(default_model() / "adapter_config.json")


QUICK = {"texts": 8, "clients": 4, "adapters": "1,2", "switches": 2, "repeats": 1}
FULL = {"texts": 256, "clients": 32, "adapters": "1,4,16", "switches": 5, "repeats": 3}
WARM_REQUESTS = 5
"""Requests to the first adapter before the other adapters' first requests are timed."""


# ---------------------------------------------------------------- contenders, each in a fresh process


def offline_worker(job: dict) -> dict:
    """``phiner.load().predict`` of every note in one call, after the warm-up notes in another."""
    import phiner
    from benchlib import peak_rss_mb

    notes = json.loads(Path(job["texts"]).read_text(encoding="utf-8"))
    texts = notes["texts"]
    started = time.perf_counter()
    tagger = phiner.load()
    loaded = time.perf_counter() - started
    tagger.predict(notes["warm"])
    runs = []
    for _ in range(job.get("repeats", 1)):
        started = time.perf_counter()
        found = tagger.predict(texts)
        runs.append(time.perf_counter() - started)
    seconds = statistics.median(runs)
    return {
        "precision": tagger.precision,
        "load_s": round(loaded, 2),
        "seconds": round(seconds, 3),
        "texts_per_s": round(len(texts) / seconds, 2),
        "texts_per_s_runs": [round(len(texts) / r, 2) for r in runs],
        "peak_rss_mb": peak_rss_mb(),
        "entities": [[_key(s.to_dict()) for s in spans] for spans in found],
    }


def registry_worker(job: dict) -> dict:
    """One base and N adapters (the shipped run under N names): peak memory after each adapter has read a note;
    with ``switches``, the first request to each adapter, and requests after a switch and without, in pairs."""
    import phiner
    from benchlib import peak_rss_mb
    from phiner.model.base import default_model

    note = job["note"]
    names = [f"adapter-{i}" for i in range(job["n"])]
    registry = phiner.load(shipped_base(), adapters={name: default_model() for name in names})
    cold = _timed(registry, note, names[0])  # the process's first request: its warm-up more than the adapter's
    for _ in range(WARM_REQUESTS):
        _timed(registry, note, names[0])
    first = [_timed(registry, note, name) for name in names[1:]]
    out: dict[str, Any] = {"n": job["n"], "process_first_ms": cold, "first_ms": first}
    switched, same = [], []
    for _ in range(job["switches"]):
        for name in names:
            switched.append(_timed(registry, note, name))  # the request before went to another adapter (N > 1)
            same.append(_timed(registry, note, name))  # the request before went to this one
    if same:
        out["after_switch_ms"] = round(statistics.median(switched), 1) if len(names) > 1 else None
        out["same_adapter_ms"] = round(statistics.median(same), 1)
    out["peak_rss_mb"] = peak_rss_mb()
    return out


def merged_worker(job: dict) -> dict:
    """One merged model (its LoRA inside its weights) in a process of its own: peak memory after it read a note."""
    import phiner
    from benchlib import peak_rss_mb

    phiner.load(job["model"]).predict([job["note"]])
    return {"peak_rss_mb": peak_rss_mb()}


def _timed(registry, note: str, name: str) -> float:
    started = time.perf_counter()
    registry.predict([note], adapter=name)
    return round(1000 * (time.perf_counter() - started), 1)


def _key(entity: dict) -> list:
    return [entity["start"], entity["end"], entity["label"]]


WORKERS = {"offline": offline_worker, "registry": registry_worker, "merged": merged_worker}


def in_process(kind: str, **job: Any) -> dict:
    """Run a contender in a fresh Python process; what it printed last, as JSON."""
    done = subprocess.run([sys.executable, __file__, "--worker", kind, json.dumps(job)], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"the {kind} contender failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- the service and its clients


def serving(args: list[str], log_path: Path) -> tuple[subprocess.Popen, str]:
    """`phiner serve ARGS` on a free loopback port, without a key, once it answers /health."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k != "PHINER_API_KEY"}
    with open(log_path, "w", encoding="utf-8") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "phiner", "serve", "--port", str(port), *args],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"phiner serve stopped:\n{log_path.read_text(encoding='utf-8')[-3000:]}")
        try:
            with urllib.request.urlopen(base + "/health", timeout=5):
                return server, base
        except OSError:
            time.sleep(0.5)
    server.terminate()
    raise SystemExit("phiner serve did not answer /health in 10 minutes")


def post(base: str, path: str, body: dict) -> dict:
    request = urllib.request.Request(
        base + path, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=600) as response:
        return json.loads(response.read())


def batching(base: str) -> dict:
    with urllib.request.urlopen(base + "/v1/model", timeout=60) as response:
        return json.loads(response.read())["batching"]


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` so far (``/proc/PID/stat``, fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8").rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def clients(
    base: str, texts: list[str], adapters: list[str], n_clients: int, offline: list | None, server_pid: int
) -> dict:
    """``n_clients`` threads sending one text a request until every text is sent: texts/s, latency, passes, how
    many answers equal ``offline``, and the CPU time the clients (this process) and the service each took."""
    before = batching(base)
    cpu_clients, cpu_service = time.process_time(), _cpu_seconds(server_pid)
    order = iter(range(len(texts)))
    lock = threading.Lock()
    latencies: list[float] = [0.0] * len(texts)
    answers: list[list] = [[] for _ in texts]

    def client() -> None:
        while True:
            with lock:
                i = next(order, None)
            if i is None:
                return
            started = time.perf_counter()
            found = post(base, "/v1/entities", _body(texts, adapters, i))
            latencies[i] = time.perf_counter() - started
            answers[i] = [_key(e) for e in found["entities"]]

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=n_clients) as pool:
        for future in [pool.submit(client) for _ in range(n_clients)]:
            future.result()
    seconds = time.perf_counter() - started
    cpu_clients, cpu_service = time.process_time() - cpu_clients, _cpu_seconds(server_pid) - cpu_service
    after = batching(base)
    passes = after["forward_passes"] - before["forward_passes"]
    return {
        "clients": n_clients,
        "adapters": adapters,
        "seconds": round(seconds, 3),
        "texts_per_s": round(len(texts) / seconds, 2),
        "p50_ms": round(1000 * float(np.percentile(latencies, 50)), 1),
        "p95_ms": round(1000 * float(np.percentile(latencies, 95)), 1),
        "forward_passes": passes,
        "windows_per_pass": round((after["windows"] - before["windows"]) / max(passes, 1), 2),
        "padded_to_tokens": round(
            (after["padded_tokens"] - before["padded_tokens"]) / max(after["tokens"] - before["tokens"], 1), 3
        ),
        "mixed_adapter_passes": after["mixed_adapter_passes"] - before["mixed_adapter_passes"],
        "batch_wait_ms": after["wait_ms"],
        "same_as_offline": sum(a == o for a, o in zip(answers, offline or [])),
        "cpu_s_clients": round(cpu_clients, 1),
        "cpu_s_service": round(cpu_service, 1),
        "cpu_share_clients": round(cpu_clients / (seconds * (os.cpu_count() or 1)), 3),
    }


def _body(texts: list[str], adapters: list[str], i: int) -> dict:
    return {"text": texts[i], **({"adapter": adapters[i % len(adapters)]} if adapters else {})}


def service(
    args: list[str], notes: dict, adapters: list[str], n_clients: int, offline: list, tmp: Path, repeats: int = 1
) -> dict:
    """`phiner serve ARGS` sent the warm-up notes, untimed, then the notes ``repeats`` times, timed: the median
    run, with every run's texts/s."""
    server, base = serving(args, tmp / "serve.log")
    try:
        clients(base, notes["warm"], adapters, n_clients, None, server.pid)
        runs = [clients(base, notes["texts"], adapters, n_clients, offline, server.pid) for _ in range(repeats)]
        median = sorted(runs, key=lambda r: r["texts_per_s"])[len(runs) // 2]
        return {**median, "texts_per_s_runs": [r["texts_per_s"] for r in runs]}
    finally:
        server.terminate()
        server.wait(timeout=60)


# ---------------------------------------------------------------- the run


def run(texts_n: int, n_clients: int, ns: list[int], switches: int, wait_ms: float, repeats: int = 1) -> dict[str, Any]:
    from phiner.data.synth.notes import generate_notes
    from phiner.model.base import default_model, merge
    from phiner.model.hardware import describe

    texts = [r["text"] for r in generate_notes(0, texts_n, seed=0)["test"]]
    notes = {"texts": texts, "warm": [r["text"] for r in generate_notes(0, min(32, texts_n), seed=1)["test"]]}
    note = texts[0]
    result: dict[str, Any] = {
        "machine": describe(),
        "model": str(default_model()),
        "texts": {"n": len(texts), "median_chars": statistics.median(len(t) for t in texts)},
    }
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        (tmp / "texts.json").write_text(json.dumps(notes), encoding="utf-8")
        offline = in_process("offline", texts=str(tmp / "texts.json"), repeats=repeats)
        expected = offline.pop("entities")
        result["offline"] = offline
        # A generous time limit: the bench measures how long requests take rather than failing them at 30 s.
        common = ["--max-queue", str(2 * n_clients), "--batch-wait-ms", str(wait_ms), "--request-timeout", "600"]
        one = service(common, notes, [], n_clients, expected, tmp, repeats)
        two_adapters = [
            "--base",
            shipped_base(),
            "--adapter",
            f"a={default_model()}",
            "--adapter",
            f"b={default_model()}",
        ]
        mixed = service(common + two_adapters, notes, ["a", "b"], n_clients, expected, tmp, repeats)
        for entry in (one, mixed):
            entry["ratio_to_offline"] = round(entry["texts_per_s"] / offline["texts_per_s"], 3)
            entry["ratio_runs"] = [round(r / offline["texts_per_s"], 3) for r in entry["texts_per_s_runs"]]
        result["service"], result["service_2_adapters"] = one, mixed
        merged_model = merge(default_model(), tmp / "merged")
        merged = in_process("merged", model=str(merged_model), note=note)["peak_rss_mb"]
        memory = []
        for n in ns:
            shared = in_process("registry", n=n, note=note, switches=switches if n == max(ns) else 0)
            memory.append(
                {
                    "adapters": n,
                    "one_base_mb": shared["peak_rss_mb"],
                    "merged_processes_mb": round(n * merged, 1),
                    "ratio": round(shared["peak_rss_mb"] / (n * merged), 3),
                }
            )
            if n == max(ns):
                result["switching"] = {k: v for k, v in shared.items() if k != "peak_rss_mb"}
        result["memory"] = {"merged_process_mb": merged, "measured": "one merged process, times N", "rows": memory}
    return result


def tables(result: dict[str, Any]) -> str:
    """The result as Markdown tables."""
    offline, one, mixed = result["offline"], result["service"], result["service_2_adapters"]
    lines = [
        f"{result['texts']['n']} generated notes (median {result['texts']['median_chars']} characters), "
        f"{result['machine'].get('cpu', '?')}, {offline['precision']}",
        "",
        "| contender | texts/s (median run) | ratio to offline (each run) | p50 ms | p95 ms | forward passes | windows a pass "
        "| padded / own tokens | as offline | CPU s: clients / service (clients' share) |",
        "|---|---|---|---|---|---|---|---|---|---|",
        f"| `phiner.load().predict`, one call ({', '.join(map(str, offline.get('texts_per_s_runs', [])))} texts/s) "
        f"| {offline['texts_per_s']} | 1.0 | | | | | | | |",
    ]
    for name, entry in ((f"service, {one['clients']} clients", one), ("service, 2 adapters mixed", mixed)):
        lines.append(
            f"| {name} | {entry['texts_per_s']} | {entry['ratio_to_offline']} "
            f"({', '.join(map(str, entry.get('ratio_runs', [])))}) | {entry['p50_ms']} | "
            f"{entry['p95_ms']} | {entry['forward_passes']} | {entry['windows_per_pass']} | "
            f"{entry['padded_to_tokens']} | {entry['same_as_offline']}/{result['texts']['n']} | {entry['cpu_s_clients']} / "
            f"{entry['cpu_s_service']} ({entry['cpu_share_clients']:.0%}) |"
        )
    lines += [
        "",
        "| adapters | one base + N adapters, MB | N merged processes, MB | ratio |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {m['adapters']} | {m['one_base_mb']} | {m['merged_processes_mb']} | {m['ratio']} |"
        for m in result["memory"]["rows"]
    ]
    lines.append(f"(one merged process measured: {result['memory']['merged_process_mb']} MB peak, times N)")
    switching = result["switching"]
    first, after = switching["first_ms"], switching["after_switch_ms"]
    lines += [
        "",
        "| adapters | the process's first request ms | first request to each other adapter ms (median, max) | "
        "after a switch ms (median) | same adapter again ms (median) |",
        "|---|---|---|---|---|",
        f"| {switching['n']} | {switching['process_first_ms']} | "
        f"{f'{statistics.median(first)}, {max(first)}' if first else ''} | {after if after is not None else ''} | "
        f"{switching['same_adapter_ms']} |",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: 8 notes, 4 clients, 1 and 2 adapters")
    parser.add_argument("--out", type=Path, default=Path("serve_bench.json"), help="where the JSON goes")
    parser.add_argument("--texts", type=int, help=f"generated notes sent [{FULL['texts']}]")
    parser.add_argument("--clients", type=int, help=f"concurrent clients [{FULL['clients']}]")
    parser.add_argument("--adapters", help=f"adapter counts of the memory rows [{FULL['adapters']}]")
    parser.add_argument("--switches", type=int, help=f"requests to each adapter, switching [{FULL['switches']}]")
    parser.add_argument("--repeats", type=int, help=f"timed runs of each side's throughput [{FULL['repeats']}]")
    parser.add_argument("--batch-wait-ms", type=float, default=5.0, help="the service's --batch-wait-ms [5]")
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        kind, job = args.worker
        print(json.dumps(WORKERS[kind](json.loads(job))))
        return
    preset = QUICK if args.quick else FULL
    ns = sorted({int(n) for n in (args.adapters or preset["adapters"]).split(",")})
    result = run(
        args.texts or preset["texts"],
        args.clients or preset["clients"],
        ns,
        args.switches or preset["switches"],
        args.batch_wait_ms,
        args.repeats or preset["repeats"],
    )
    result["quick"] = args.quick
    from phiner.core.records import write_json

    write_json(args.out, result)
    print(tables(result))
    print(f"\nresults: {args.out}")


if __name__ == "__main__":
    main()
