"""Adapters on one base through the real server on a loopback port: chosen per request, listed, added and removed
at run time by the key's holder, in one process."""

import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import run_cli
from helpers import API_KEY, call, delete, free_port, running, wait_for_health
from phiner.analyze.registry import AdapterRegistry
from phiner.analyze.tagger import Tagger
from phiner.serve.app import create_app

MARKER = "Zq9Hemmelig"
NOTE = "Notat 3: Kari kom i dag."


@pytest.fixture(scope="module")
def served(adapter_runs):
    """A server of both adapters (PATIENT's the default), with a key, and its registry."""
    registry = AdapterRegistry.load(None, adapter_runs, detector=None)
    with running(create_app(registry, api_key=API_KEY, max_batch=8, max_queue=64)) as base:
        yield base, registry


def labels(body):
    return [(e["text"], e["label"]) for e in body["entities"]]


def test_given_each_adapter_named_then_each_answers_with_its_own_labels(served):
    base, _ = served
    assert [labels(call(base, "/v1/entities", {"text": NOTE, "adapter": a})[1]) for a in ("patient", "loc")] == [
        [("Kari", "PATIENT")],
        [("Kari", "LOC")],
    ]
    status, body = call(base, "/v1/entities", {"text": NOTE})
    assert status == 200 and labels(body) == [("Kari", "PATIENT")]  # the default: the first adapter
    status, body = call(base, "/v1/redact", {"texts": [NOTE], "adapter": "loc"})
    assert status == 200 and body["results"][0]["redacted"] == "Notat 3: [LOC] kom i dag."


def test_given_concurrent_requests_to_both_adapters_then_each_gets_its_adapters_answer(served):
    base, _ = served
    names = ["patient", "loc"] * 16

    def one(name):
        return call(base, "/v1/entities", {"text": NOTE, "adapter": name})

    with ThreadPoolExecutor(max_workers=32) as pool:
        answers = list(pool.map(one, names))
    assert [labels(body)[0][1] for _, body in answers] == [n.upper() for n in names]


def test_given_the_adapters_endpoint_then_it_lists_names_bases_labels_metrics_and_thresholds(served, tiny_roberta):
    base, _ = served
    status, body = call(base, "/v1/adapters")
    assert status == 200 and body["default"] == "patient" and body["base"] == str(tiny_roberta)
    listed = {a["name"]: a for a in body["adapters"]}
    assert set(listed) == {"patient", "loc"} and listed["loc"]["thresholds"] == {"LOC": 0.4}
    assert len(listed["patient"]["labels"]) == 13 and "after" in listed["patient"]["metrics"]
    status, model = call(base, "/v1/model")
    assert status == 200 and model["adapters"] == ["patient", "loc"] and model["default_adapter"] == "patient"


def test_given_an_unknown_adapter_then_404_names_the_loaded_ones_without_echoing_the_request(served):
    base, _ = served
    status, body = call(base, "/v1/entities", {"text": f"{NOTE} {MARKER}", "adapter": MARKER})
    assert status == 404 and "patient, loc" in body["detail"] and MARKER not in json.dumps(body)


def test_given_an_adapter_added_at_run_time_then_it_is_served_without_restart_and_removed_then_refused(
    served, adapter_runs
):
    base, registry = served
    status, added = call(base, "/v1/adapters", {"name": "loc-2", "path": str(adapter_runs["loc"])})
    assert status == 201 and added["name"] == "loc-2" and added["thresholds"] == {"LOC": 0.4}
    status, body = call(base, "/v1/entities", {"texts": [NOTE], "adapter": "loc-2"})
    assert status == 200 and labels(body["results"][0]) == [("Kari", "LOC")]
    assert delete(base, "/v1/adapters/loc-2") == (200, {"adapters": ["patient", "loc"]})
    assert call(base, "/v1/entities", {"text": NOTE, "adapter": "loc-2"})[0] == 404
    assert "loc-2" not in registry.shared.names  # the weights are unloaded, not just hidden


def test_given_a_run_of_another_base_then_post_refuses_it_naming_both_bases(served):
    from phiner.model.base import default_model

    base, registry = served
    status, body = call(base, "/v1/adapters", {"name": "shipped", "path": str(default_model())})
    assert status == 422 and "trained on base 'me5-small'" in body["detail"] and "shipped" not in registry


@pytest.mark.parametrize(
    "method,path,body",
    [("POST", "/v1/adapters", {"name": "x", "path": "/nowhere"}), ("DELETE", "/v1/adapters/loc", None)],
)
def test_given_no_or_a_wrong_key_then_adding_and_removing_adapters_is_refused(served, method, path, body):
    base, registry = served
    for key in (None, "wrong"):
        got = call(base, path, body, key=key) if method == "POST" else delete(base, path, key=key)
        assert got[0] == 401
    assert "loc" in registry


def test_given_a_service_without_a_key_then_adapters_cannot_be_added_or_removed(adapter_runs):
    registry = AdapterRegistry.load(None, {"loc": adapter_runs["loc"]}, detector=None)
    with running(create_app(registry)) as base:
        status, body = call(base, "/v1/adapters", {"name": "x", "path": str(adapter_runs["patient"])}, key=None)
        assert status == 403 and "API key" in body["detail"]
        assert delete(base, "/v1/adapters/loc", key=None)[0] == 403
        assert call(base, "/v1/entities", {"text": NOTE}, key=None)[0] == 200


def test_given_the_default_adapter_then_delete_refuses_it(served):
    base, _ = served
    status, body = delete(base, "/v1/adapters/patient")
    assert status == 409 and "default adapter" in body["detail"]


def test_given_a_one_model_service_then_naming_an_adapter_is_404(name_tagger, roberta_tokenizer):
    with running(create_app(Tagger(name_tagger, roberta_tokenizer))) as base:
        status, body = call(base, "/v1/entities", {"text": "x", "adapter": MARKER}, key=None)
        assert status == 404 and "--adapter" in body["detail"] and MARKER not in json.dumps(body)
        assert call(base, "/v1/adapters", key=None)[0] == 404


def test_given_serve_with_adapters_on_the_command_line_then_the_service_lists_and_uses_them(adapter_runs, tiny_roberta):
    port = free_port()
    command = [sys.executable, "-m", "phiner", "serve", "--port", str(port), "--base", str(tiny_roberta), "--no-rules"]
    command += ["--adapter", f"notes={adapter_runs['patient']}", "--adapter", f"places={adapter_runs['loc']}"]
    command += ["--default-adapter", "places"]
    server = subprocess.Popen(command, env={**os.environ, "PHINER_API_KEY": API_KEY}, stderr=subprocess.PIPE)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for_health(base, server)
        status, body = call(base, "/v1/adapters")
        assert (
            status == 200
            and body["default"] == "places"
            and [a["name"] for a in body["adapters"]]
            == [
                "notes",
                "places",
            ]
        )
        assert labels(call(base, "/v1/entities", {"text": NOTE})[1]) == [("Kari", "LOC")]
        assert labels(call(base, "/v1/entities", {"text": NOTE, "adapter": "notes"})[1]) == [("Kari", "PATIENT")]
        server.terminate()  # SIGTERM: the HTTP thread stops, then the passes on the main thread
        assert server.wait(timeout=30) == 0
    finally:
        server.kill()
        server.wait(timeout=30)


@pytest.mark.parametrize(
    "args,message",
    [
        (["--model", "m", "--adapter", "a=r"], "not both"),
        (["--adapter", "a"], "NAME=RUN"),
        (["--adapter", "a=r", "--adapter", "a=s"], "repeats a name"),
        (["--adapter", "a=r", "--default-adapter", "b"], "should name one of"),
        (["--adapter", "a=r", "--threshold", "DATE=0.2"], "--threshold goes with --model"),
        (["--base", "minilm"], "go with --adapter"),
    ],
)
def test_given_adapter_options_that_do_not_go_together_then_serve_says_why(monkeypatch, capsys, args, message):
    code, _, stderr = run_cli(monkeypatch, capsys, "serve", *args)
    assert code == 2 and message in stderr


def test_given_an_adapter_removed_while_a_request_reads_with_it_then_that_request_gets_404_not_another_models_answer(
    adapter_runs,
):
    import threading

    registry = AdapterRegistry.load(None, adapter_runs, detector=None, batch_size=1)  # a turn per window
    registry.add("going", adapter_runs["loc"])
    answer = {}
    long_texts = [NOTE * 800] * 4  # thousands of windows: seconds of turns
    with running(create_app(registry, api_key=API_KEY, max_body_bytes=3_000_000)) as base:
        reading = threading.Thread(
            target=lambda: answer.update(got=call(base, "/v1/entities", {"texts": long_texts, "adapter": "going"}))
        )
        reading.start()
        time.sleep(1.0)  # the request is inside the model by now
        assert delete(base, "/v1/adapters/going")[0] == 200
        reading.join()
    status, body = answer["got"]
    assert status == 404 and "removed or replaced while the request ran" in body["detail"]
