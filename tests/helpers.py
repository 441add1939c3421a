"""Helpers the tests share (the fixtures are in conftest.py): a real server on a loopback port and the HTTP calls
made to it; the notes and config that every way of building an analyzer is compared on."""

import json
import socket
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import uvicorn

from conftest import AGE, NAME

API_KEY = "test-key-123"

RULES = Path(__file__).resolve().parents[1] / "examples" / "rules.yaml"
CONFIG_NOTES = [
    f"Pasient {NAME} ({AGE} år) innlagt 12.03.2024, tlf 912 34 567.",
    f"{NAME}s datter ringte. Fnr 01016312345. Lege: dr. Berit Lien.",
    "Ingen PHI her, bare Lasix 40 mg og 5/5 kraft.",
]
"""Notes the CLI's, the service's, Ray's and phiner.load()'s analyzers, built from one config, are compared on."""


def one_config(model_dir):
    """The config they are all built from: a model, the example rules file and thresholds set and dropped."""
    from phiner.analyze.config import AnalyzerConfig

    return AnalyzerConfig(model=model_dir, rules=RULES, thresholds={"DATE": 0.3, "ID": None})


def spans(found) -> list[list[tuple]]:
    """Each text's spans as (start, end, label, source)."""
    return [[(s.start, s.end, s.label, s.source) for s in text] for text in found]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running(app):
    """The app served by uvicorn on a free loopback port, in a thread, for the block."""
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", limit_concurrency=200, access_log=False
    )
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(200):
        if srv.started:
            break
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=10)


def call(base, path, body=None, key=API_KEY, raw=None):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    request = urllib.request.Request(base + path, data=data, method="POST" if data is not None else "GET")
    request.add_header("Content-Type", "application/json")
    if key:
        request.add_header("X-API-Key", key)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def raw_request(base, head: bytes, body_chunks=(), finish=True, timeout=20):
    """Send a hand-made HTTP/1.1 request over a socket; the status line and body of the answer."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(head)
        try:
            for chunk in body_chunks:
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            if finish:
                sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed before the body was all sent: what these tests want
        data = b""
        while b"\r\n\r\n" not in data or len(data.split(b"\r\n\r\n", 1)[1]) < _length(data):
            piece = sock.recv(65536)
            if not piece:
                break
            data += piece
    status = int(data.split(b" ", 2)[1])
    return status, data.split(b"\r\n\r\n", 1)[1]


def _length(data: bytes) -> int:
    for line in data.split(b"\r\n\r\n", 1)[0].split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return int(line.split(b":")[1])
    return 0


def chunked_head(path, key=API_KEY):
    lines = [
        f"POST {path} HTTP/1.1",
        "Host: localhost",
        "Content-Type: application/json",
        "Transfer-Encoding: chunked",
    ] + ([f"X-API-Key: {key}"] if key else [])
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def wait_for_health(base, server, seconds=120):
    """Poll ``base``/health until it answers 200, failing with the server's stderr if it exits first."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert server.poll() is None, server.stderr.read().decode()[-2000:]
        try:
            with urllib.request.urlopen(base + "/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.25)
    raise AssertionError("the service did not answer /health in time")


def delete(base, path, key=API_KEY):
    request = urllib.request.Request(base + path, method="DELETE", headers={"X-API-Key": key} if key else {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())
