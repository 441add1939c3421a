"""Clients that hold the service's connections: a body that stops arriving is answered 408 and its connection
closed, and connections past the limit are refused, through real sockets to a real uvicorn server on loopback (as
:func:`phiner.serve.app.serve` and `phiner serve` configure it)."""

import os
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager

import pytest
import uvicorn

from helpers import free_port, wait_for_health
from phiner.analyze.tagger import Tagger
from phiner.serve.app import create_app, server_config

DECLARED, SENT = 999_000, 950_000


@contextmanager
def serving(app, **options):
    """``app`` served by uvicorn with :func:`server_config`'s settings, on a free loopback port, for the block."""
    port = free_port()
    server = uvicorn.Server(server_config(app, host="127.0.0.1", port=port, log_level="warning", **options))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def stalled(port: int, path: str = "/v1/entities") -> socket.socket:
    """A connection that declared a body of 999 KB, sent 950 KB of it and stopped."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    head = f"POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
    sock.sendall(f"{head}Content-Length: {DECLARED}\r\n\r\n".encode() + b'{"text": "' + b"x" * (SENT - 10))
    return sock


def answer_and_close(sock: socket.socket) -> tuple[int, bytes]:
    """The status and body the server answered, read until it closed the connection (socket.timeout if it does
    not)."""
    data = b""
    while piece := sock.recv(65536):
        data += piece
    sock.close()
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


def test_given_20_connections_stalled_in_their_bodies_then_each_is_answered_408_and_closed_within_seconds(
    name_tagger, roberta_tokenizer
):
    # issue 13: 20 connections, each stalled after 950 KB of a declared 999 KB body, stayed open past 45 s
    app = create_app(Tagger(name_tagger, roberta_tokenizer), body_timeout=1.0)
    with serving(app) as port:
        started = time.monotonic()
        connections = [stalled(port) for _ in range(20)]
        answers = [answer_and_close(sock) for sock in connections]
        seconds = time.monotonic() - started
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:  # the service still answers
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            assert answer_and_close(sock)[0] == 200
    assert [status for status, _ in answers] == [408] * 20
    assert all(b"not received within 1 s" in body for _, body in answers)
    assert seconds < 8, seconds


def test_given_more_connections_than_the_limit_then_the_next_request_is_refused_503(name_tagger, roberta_tokenizer):
    app = create_app(Tagger(name_tagger, roberta_tokenizer), body_timeout=30.0)
    with serving(app, max_connections=4) as port:
        held = [stalled(port) for _ in range(3)]
        time.sleep(0.3)
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")
            assert answer_and_close(sock)[0] == 503
        for sock in held:
            sock.close()
        time.sleep(0.3)
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            assert answer_and_close(sock)[0] == 200


@pytest.mark.parametrize("options", [{"max_connections": 0}, {"keep_alive": 0}])
def test_given_limits_that_would_serve_nothing_then_the_server_settings_are_refused(
    name_tagger, roberta_tokenizer, options
):
    from phiner.core.errors import PhinerError

    app = create_app(Tagger(name_tagger, roberta_tokenizer))
    with pytest.raises(PhinerError):
        server_config(app, host="127.0.0.1", port=free_port(), **options)
    with pytest.raises(PhinerError, match="body timeout"):
        create_app(Tagger(name_tagger, roberta_tokenizer), body_timeout=0)


def test_given_phiner_serve_with_a_body_timeout_and_a_connection_limit_then_both_hold(name_model_dir):
    port = free_port()
    command = [sys.executable, "-m", "phiner", "serve", "--model", str(name_model_dir), "--port", str(port)]
    command += ["--no-rules", "--body-timeout", "1", "--max-connections", "3", "--keep-alive", "2"]
    server = subprocess.Popen(command, env=dict(os.environ), stderr=subprocess.PIPE)
    try:
        wait_for_health(f"http://127.0.0.1:{port}", server)
        started = time.monotonic()
        status, _ = answer_and_close(stalled(port))
        assert status == 408 and time.monotonic() - started < 6
        held = [stalled(port) for _ in range(2)]
        time.sleep(0.3)
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")
            assert answer_and_close(sock)[0] == 503
        assert [answer_and_close(sock)[0] for sock in held] == [408, 408]
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:  # idle after an answer: closed
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")
            started = time.monotonic()
            assert answer_and_close(sock)[0] == 200 and time.monotonic() - started < 6
        server.terminate()
        assert server.wait(timeout=30) == 0
    finally:
        server.kill()
        server.wait(timeout=30)


def test_given_a_connection_stalled_when_the_service_is_stopped_then_it_exits_within_its_shutdown_bound(
    name_model_dir,
):
    from phiner.serve.app import SHUTDOWN_SECONDS

    port = free_port()
    command = [sys.executable, "-m", "phiner", "serve", "--model", str(name_model_dir), "--port", str(port)]
    command += ["--no-rules", "--body-timeout", "120"]  # the body deadline alone would hold it for two minutes
    server = subprocess.Popen(command, env=dict(os.environ), stderr=subprocess.PIPE)
    try:
        wait_for_health(f"http://127.0.0.1:{port}", server)
        sock = stalled(port)
        time.sleep(0.5)
        started = time.monotonic()
        server.terminate()
        assert server.wait(timeout=SHUTDOWN_SECONDS + 20) == 0
        assert time.monotonic() - started < SHUTDOWN_SECONDS + 10
        sock.close()
    finally:
        server.kill()
        server.wait(timeout=30)
