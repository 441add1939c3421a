"""The Docker image's entrypoint and healthcheck, run outside Docker (no daemon here): the same script starts the
service on loopback, with a mounted model or the shipped one, and the image's HEALTHCHECK command passes on it."""

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from helpers import free_port, wait_for_health

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")


def healthcheck_command() -> list[str]:
    """The image's HEALTHCHECK command, as Docker runs it (exec form)."""
    return json.loads(re.search(r"^HEALTHCHECK [^\n]*\\\n\s*CMD (\[.*\])$", DOCKERFILE, re.M).group(1))


def test_given_the_dockerfile_then_it_runs_the_entrypoint_as_a_non_root_user_with_models_as_a_volume():
    assert "COPY docker/serve.sh /usr/local/bin/phiner-serve" in DOCKERFILE
    assert 'ENTRYPOINT ["phiner-serve"]' in DOCKERFILE and "VOLUME /models" in DOCKERFILE
    assert re.search(r"^USER phiner$", DOCKERFILE, re.M) and "pip install ." in DOCKERFILE


@pytest.mark.parametrize("mounted", [True, False], ids=["PHINER_MODEL", "shipped model"])
def test_given_the_entrypoint_then_the_service_answers_health_and_the_images_healthcheck_passes(tiny_run, mounted):
    from phiner.model.adapters import run_base

    port = free_port()
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",  # the `phiner` script
        "PHINER_HOST": "127.0.0.1",
        "PHINER_PORT": str(port),
        "PHINER_MODEL": str(tiny_run[0]) if mounted else "",
    }
    server = subprocess.Popen(["sh", str(ROOT / "docker" / "serve.sh")], env=env, stderr=subprocess.PIPE)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for_health(base, server)
        check = subprocess.run(healthcheck_command(), env=env, capture_output=True, timeout=30)
        assert check.returncode == 0, check.stderr[-2000:]
        with urllib.request.urlopen(base + "/v1/model", timeout=10) as response:
            model = json.loads(response.read())
        assert model["base_model"] == (run_base(tiny_run[0]) if mounted else "me5-small")
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_given_a_port_already_taken_then_serve_says_so_and_stops_rather_than_hanging(tiny_run, monkeypatch, capsys):
    import socket
    import threading

    from conftest import run_cli

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        started = time.monotonic()
        code, _, stderr = run_cli(monkeypatch, capsys, "serve", "--model", tiny_run[0], "--port", port, "--no-rules")
    assert code == 2 and "could not start" in stderr and str(port) in stderr
    assert time.monotonic() - started < 60
    assert not [t for t in threading.enumerate() if t.name == "phiner-http"]  # the HTTP thread ended too


def test_given_an_app_with_a_worker_thread_of_its_own_then_serve_refuses_it_before_listening(
    name_tagger, roberta_tokenizer
):
    from phiner.analyze.tagger import Tagger
    from phiner.core.errors import PhinerError
    from phiner.serve.app import create_app, serve

    app = create_app(Tagger(name_tagger, roberta_tokenizer))  # worker_thread=True: for running under uvicorn alone
    with pytest.raises(PhinerError, match="worker_thread=False"):
        serve(app, host="127.0.0.1", port=free_port())
    app.state.batcher.close()
