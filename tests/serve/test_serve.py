"""The real server on a loopback port, called over HTTP."""

import json
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import NAME
from helpers import API_KEY, call, chunked_head, raw_request, running
from phiner.analyze.tagger import Tagger
from phiner.serve.app import create_app


@pytest.fixture(scope="module")
def server(name_tagger, roberta_tokenizer, tiny_run):
    app = create_app(
        Tagger(name_tagger, roberta_tokenizer),
        api_key=API_KEY,
        max_body_bytes=20_000,
        max_batch=8,
        run_dir=tiny_run[0],
        max_queue=128,
    )
    with running(app) as base:
        yield base


def test_given_health_then_ok_without_a_key(server):
    assert call(server, "/health", key=None) == (200, {"status": "ok"})


def test_given_one_text_then_entities_index_it(server):
    text = f"Ring {NAME} i morgen."
    status, body = call(server, "/v1/entities", {"text": text})
    assert status == 200
    [entity] = body["entities"]
    assert text[entity["start"] : entity["end"]] == NAME and entity["label"] == "PATIENT"


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


@pytest.mark.parametrize(
    "case,body,raw,key,status",
    [
        ("no key", {"text": "x"}, None, None, 401),
        ("wrong key", {"text": "x"}, None, "nope", 401),
        ("body too large", {"text": "x" * 30_000}, None, API_KEY, 413),
        ("batch too large", {"texts": ["x"] * 9}, None, API_KEY, 413),
        ("invalid JSON", None, b'{"text": ', API_KEY, 422),
        ("text not a string", {"text": 5}, None, API_KEY, 422),
        ("both text and texts", {"text": "a", "texts": ["b"]}, None, API_KEY, 422),
        ("unknown field", {"txt": "a"}, None, API_KEY, 422),
    ],
)
def test_given_a_bad_request_then_the_status_says_why(server, case, body, raw, key, status):
    got, answer = call(server, "/v1/entities", body, key=key, raw=raw)
    assert got == status, (case, answer)
    assert "detail" in answer


def test_given_an_unknown_operator_then_422_names_the_field_without_echoing_text_or_value(server):
    status, body = call(server, "/v1/redact", {"text": f"{NAME} Hemmelig", "operator": "shred"})
    assert status == 422 and "`operator`" in json.dumps(body)
    assert "Hemmelig" not in json.dumps(body) and "shred" not in json.dumps(body)


def test_given_a_validation_error_then_the_text_is_not_echoed(server):
    status, body = call(server, "/v1/entities", {"text": "Kari Hemmelig", "texts": ["Ola Hemmelig"]})
    assert status == 422 and "Hemmelig" not in json.dumps(body)


def test_given_the_openapi_schema_then_both_endpoints_are_described(server):
    status, schema = call(server, "/openapi.json", key=None)
    assert status == 200 and {"/v1/entities", "/v1/redact", "/v1/model", "/health"} <= set(schema["paths"])


# ----------------------------------------------------------------------------------------------------------------
# Hardening (issue 10): each test below failed on the service as it was before.

MARKER = "Zq9Hemmelig"


def test_given_a_chunked_body_over_the_limit_then_413_comes_before_the_body_ends(server):
    # finding 4: the body was buffered to its end before the limit was checked; here the body never ends,
    # so an answer can only come from counting bytes as they arrive.
    chunks = [b"x" * 8192] * 4  # 32 KB against a 20 KB limit
    status, body = raw_request(server, chunked_head("/v1/entities"), chunks, finish=False)
    assert status == 413 and b"over 20000 bytes" in body


def test_given_no_key_then_401_comes_before_any_body_is_read(server):
    # finding 4: the key was checked only after the whole body was read
    status, _ = raw_request(server, chunked_head("/v1/entities", key=None), [], finish=False)
    assert status == 401


def test_given_a_non_ascii_key_header_then_401_not_500(server):
    # finding 5: compare_digest on a str with non-ASCII characters raised TypeError
    head = (
        (
            "POST /v1/entities HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 12\r\n"
        ).encode()
        + "X-API-Key: nøkkel\r\n\r\n".encode("utf-8")
        + b'{"text":"x"}'
    )
    status, _ = raw_request(server, head, finish=False)
    assert status == 401


@pytest.mark.parametrize(
    "body", [{"text": "Kari \ud800 Nordmann"}, {"texts": ["ok", "\udfff"]}, {"text": "x", "patient_id": "\ud800"}]
)
def test_given_a_text_that_is_not_valid_unicode_then_422_not_500(server, body):
    # finding 5: a lone surrogate reached the tokenizer (TypeError, 500)
    raw = json.dumps(body).encode()  # json escapes the surrogate as \ud800, as a client would send it
    path = "/v1/redact" if "patient_id" in body else "/v1/entities"
    status, answer = call(server, path, raw=raw)
    assert status == 422 and "not valid Unicode" in json.dumps(answer)


@pytest.mark.parametrize("key", ["", "nøkkel", "two\nlines"])
def test_given_an_empty_or_non_ascii_api_key_then_the_app_refuses_to_start(name_tagger, roberta_tokenizer, key):
    # findings 5 and 10: 'nøkkel' made every /v1 call a 500; '' silently turned auth off
    from phiner.core.errors import PhinerError

    with pytest.raises(PhinerError, match="printable ASCII"):
        create_app(Tagger(name_tagger, roberta_tokenizer), api_key=key)


@pytest.mark.parametrize(
    "path,body",
    [
        ("/v1/redact", {"text": "x", "operator": MARKER}),
        ("/v1/redact", {"text": "x", "overrides": {MARKER: "mask"}}),
        ("/v1/redact", {"text": "x", "overrides": {"DATE": MARKER}}),
        ("/v1/redact", {"text": "x", "overrides": {MARKER: 5}}),
        ("/v1/redact", {"text": "x", "keep": [MARKER]}),
        ("/v1/entities", {"text": "x", MARKER: 1}),
        ("/v1/entities", {"texts": [MARKER, 5]}),
    ],
)
def test_given_a_bad_value_then_the_422_names_the_field_but_never_echoes_it(server, path, body):
    # finding 8: 422 bodies held the operator, override keys and values, keep entries and extra field names
    status, answer = call(server, path, body)
    assert status == 422, answer
    assert MARKER not in json.dumps(answer)


def test_given_a_query_string_then_the_access_log_leaves_it_out(server, caplog):
    # finding 8: uvicorn's access log kept query strings
    import logging

    with caplog.at_level(logging.INFO, logger="phiner.access"):
        call(server, f"/health?name={MARKER}", key=None)
        call(server, f"/v1/{MARKER}?q={MARKER}")
        for _ in range(100):  # the server logs a request just after it has answered it
            lines = [r.getMessage() for r in caplog.records if r.name == "phiner.access"]
            if any("404" in line for line in lines):
                break
            time.sleep(0.02)
    assert any(line.startswith("GET /health 200") for line in lines)
    assert any(line.startswith("GET (other path) 404") for line in lines)
    assert not any(MARKER in line for line in lines)


@pytest.fixture(scope="module")
def slow_server(name_tagger, roberta_tokenizer):
    """A server whose tagger reads in small batches, with a large body limit: long requests take seconds."""
    tagger = Tagger(name_tagger, roberta_tokenizer, batch_size=1)
    app = create_app(tagger, max_body_bytes=3_000_000, max_batch=64, max_queue=4, request_timeout=120)
    with running(app) as base:
        yield base


def long_texts(n=24, size=60_000):
    return [(f"Notat {NAME} ok. " * (size // 20))[:size] for _ in range(n)]


def test_given_a_long_request_running_then_a_short_one_is_not_held_behind_it(slow_server):
    # finding 10: one maximum-size request held the global lock and a tiny request waited 50 s behind it
    timings = {}

    def big():
        started = time.perf_counter()
        status, _ = call(slow_server, "/v1/entities", {"texts": long_texts()})
        timings["big"] = (status, time.perf_counter() - started)

    thread = threading.Thread(target=big)
    thread.start()
    time.sleep(1.0)  # the long request is inside the model by now
    started = time.perf_counter()
    status, body = call(slow_server, "/v1/entities", {"text": f"Ring {NAME}."})
    small = time.perf_counter() - started
    thread.join()
    assert status == 200 and body["entities"][0]["label"] == "PATIENT"
    big_status, big_seconds = timings["big"]
    assert big_status == 200 and big_seconds > 3, "the long request should take seconds for this test to mean much"
    assert small < big_seconds / 3, (small, big_seconds)


def test_given_a_request_over_the_time_limit_then_503(name_tagger, roberta_tokenizer):
    # finding 10: no request had a time limit
    app = create_app(
        Tagger(name_tagger, roberta_tokenizer, batch_size=1), max_body_bytes=3_000_000, request_timeout=0.5
    )
    with running(app) as base:
        status, body = call(base, "/v1/entities", {"texts": long_texts()})
    assert status == 503 and "time limit" in body["detail"]


def test_given_a_full_queue_then_503_with_retry_after(name_tagger, roberta_tokenizer):
    # finding 10: requests queued without limit
    app = create_app(Tagger(name_tagger, roberta_tokenizer, batch_size=1), max_body_bytes=3_000_000, max_queue=1)
    with running(app) as base:
        thread = threading.Thread(target=call, args=(base, "/v1/entities", {"texts": long_texts(8)}))
        thread.start()
        time.sleep(1.0)
        request = urllib.request.Request(
            base + "/v1/entities", data=b'{"text": "x"}', method="POST", headers={"Content-Type": "application/json"}
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=60)
        thread.join()
    assert refused.value.code == 503 and refused.value.headers["Retry-After"] == "1"


def test_given_the_same_patient_in_two_requests_then_surrogates_agree_and_other_documents_differ(
    name_tagger, roberta_tokenizer
):
    # finding 1: surrogates followed the position in the request, not the document or patient
    app = create_app(Tagger(name_tagger, roberta_tokenizer), secret=b"s" * 32)
    with running(app) as base:

        def surrogate_of(text, **extra):
            status, body = call(base, "/v1/redact", {"text": text, "operator": "surrogate", **extra}, key=None)
            assert status == 200, body
            return body["entities"][0]["replacement"]

        same = {surrogate_of(f"{NAME} kom {i}.", patient_id="p-1") for i in range(5)}
        others = {surrogate_of(f"{NAME} kom {i}.") for i in range(5)}
    assert len(same) == 1
    assert len(others) > 1


def test_given_no_secret_then_the_server_draws_one_for_its_lifetime(name_tagger, roberta_tokenizer):
    app = create_app(Tagger(name_tagger, roberta_tokenizer))
    with running(app) as base:
        answers = {
            call(base, "/v1/redact", {"text": f"{NAME} {i}", "operator": "surrogate", "patient_id": "p"}, key=None)[1][
                "entities"
            ][0]["replacement"]
            for i in range(3)
        }
    assert len(answers) == 1


def test_given_a_long_request_doing_its_own_work_then_short_requests_are_still_read_beside_it(
    name_tagger, roberta_tokenizer
):
    # a request over TURN_MAX_CHARS tallies and runs its recognizers beside the passes: holding the turn for its
    # seconds of work, it would stop every pass, and short requests sent then would wait for all of it
    from phiner.serve.service import TURN_MAX_CHARS

    tagger = Tagger(name_tagger, roberta_tokenizer)
    app = create_app(tagger, max_body_bytes=2_000_000, request_timeout=120)
    note = f"Ring {NAME} 12.03.2024 kl 14.05, tlf 917 11 663. "
    long_text = (note * (900_000 // len(note)))[:900_000]
    assert len(long_text) > TURN_MAX_CHARS
    latencies, done = [], threading.Event()
    with running(app) as base:

        def big():
            started = time.perf_counter()
            status, _ = call(base, "/v1/entities", {"text": long_text})
            latencies.append(("big", status, time.perf_counter() - started))
            done.set()

        thread = threading.Thread(target=big)
        thread.start()
        while not done.is_set():
            started = time.perf_counter()
            status, body = call(base, "/v1/entities", {"text": f"Ring {NAME}."})
            latencies.append(("small", status, time.perf_counter() - started))
            time.sleep(0.05)
        thread.join()
    ((_, big_status, big_seconds),) = [entry for entry in latencies if entry[0] == "big"]
    small = [seconds for kind, status, seconds in latencies if kind == "small" and status == 200]
    assert big_status == 200 and big_seconds > 4, "the long request should take seconds for this test to mean much"
    assert len(small) == len(latencies) - 1 and max(small) < big_seconds / 4, (max(small), big_seconds)
