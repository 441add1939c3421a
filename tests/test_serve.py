"""The real server on a loopback port, called over HTTP."""
import json
import socket
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
import uvicorn

from phiner.predict import Tagger
from phiner.serve import create_app

from conftest import NAME

API_KEY = "test-key-123"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(name_tagger, roberta_tokenizer, tiny_run):
    app = create_app(Tagger(name_tagger, roberta_tokenizer), api_key=API_KEY, max_body_bytes=20_000, max_batch=8,
                     run_dir=tiny_run[0])
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", limit_concurrency=200)
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(200):
        if srv.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
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


def test_given_health_then_ok_without_a_key(server):
    assert call(server, "/health", key=None) == (200, {"status": "ok"})


def test_given_one_text_then_entities_index_it(server):
    text = f"Ring {NAME} i morgen."
    status, body = call(server, "/v1/entities", {"text": text})
    assert status == 200
    [entity] = body["entities"]
    assert text[entity["start"]:entity["end"]] == NAME and entity["label"] == "PATIENT"


def test_given_a_batch_then_redact_answers_each_with_audit_items(server):
    status, body = call(server, "/v1/redact", {"texts": [f"{NAME} ringte.", "   ", ""], "operator": "mask"})
    assert status == 200
    first, blank, empty = body["results"]
    assert first["redacted"] == "******** ringte."
    assert blank == {"redacted": "   ", "entities": []} and empty == {"redacted": "", "entities": []}


def test_given_keep_then_that_type_is_left_as_is(server):
    status, body = call(server, "/v1/redact", {"text": f"{NAME}.", "keep": ["PATIENT"]})
    assert (status, body["redacted"]) == (200, f"{NAME}.")


def test_given_the_model_endpoint_then_it_describes_the_run(server):
    status, body = call(server, "/v1/model")
    assert status == 200 and len(body["labels"]) == 13
    assert body["adapter"]["r"] == 16 and "after" in body["metrics"]


def test_given_100_concurrent_requests_then_all_succeed(server):
    def one(i):
        return call(server, "/v1/redact", {"text": f"Notat {i}: {NAME} er utskrevet."})

    with ThreadPoolExecutor(max_workers=100) as pool:
        answers = list(pool.map(one, range(100)))
    assert [s for s, _ in answers] == [200] * 100
    assert all(b["redacted"].endswith("[PATIENT] er utskrevet.") for _, b in answers)


@pytest.mark.parametrize("case,body,raw,key,status", [
    ("no key", {"text": "x"}, None, None, 401),
    ("wrong key", {"text": "x"}, None, "nope", 401),
    ("body too large", {"text": "x" * 30_000}, None, API_KEY, 413),
    ("batch too large", {"texts": ["x"] * 9}, None, API_KEY, 413),
    ("invalid JSON", None, b'{"text": ', API_KEY, 422),
    ("text not a string", {"text": 5}, None, API_KEY, 422),
    ("both text and texts", {"text": "a", "texts": ["b"]}, None, API_KEY, 422),
    ("unknown field", {"txt": "a"}, None, API_KEY, 422),
])
def test_given_a_bad_request_then_the_status_says_why(server, case, body, raw, key, status):
    got, answer = call(server, "/v1/entities", body, key=key, raw=raw)
    assert got == status, (case, answer)
    assert "detail" in answer


def test_given_an_unknown_operator_then_422_without_echoing_the_text(server):
    status, body = call(server, "/v1/redact", {"text": f"{NAME} Hemmelig", "operator": "shred"})
    assert status == 422 and "shred" in json.dumps(body)
    assert "Hemmelig" not in json.dumps(body)


def test_given_a_validation_error_then_the_text_is_not_echoed(server):
    status, body = call(server, "/v1/entities", {"text": "Kari Hemmelig", "texts": ["Ola Hemmelig"]})
    assert status == 422 and "Hemmelig" not in json.dumps(body)


def test_given_the_openapi_schema_then_both_endpoints_are_described(server):
    status, schema = call(server, "/openapi.json", key=None)
    assert status == 200 and {"/v1/entities", "/v1/redact", "/v1/model", "/health"} <= set(schema["paths"])
