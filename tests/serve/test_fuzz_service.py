"""Schemathesis against the running service's own OpenAPI schema, on loopback: no 5xx, and no error that
echoes a planted marker (issue 10). Each example is a real HTTP request to a real uvicorn server."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from test_serve import running

from phiner.infer.tagger import Tagger
from phiner.serve.app import create_app

API_KEY = "fuzz-key-1"
MARKER = "Zq9Hemmelig"
SEEN = {"cases": 0, "server_errors": 0}


@pytest.fixture(scope="module")
def fuzz_base(name_tagger, roberta_tokenizer):
    app = create_app(
        Tagger(name_tagger, roberta_tokenizer),
        api_key=API_KEY,
        max_body_bytes=50_000,
        max_batch=8,
        max_queue=64,
        secret=b"f" * 32,
    )
    with running(app) as base:
        yield base


def plant(value):
    """The generated body with the marker planted in every string and key a caller controls."""
    if isinstance(value, str):
        return value + MARKER
    if isinstance(value, list):
        return [plant(v) for v in value]
    if isinstance(value, dict):
        planted = {
            (
                k
                if k in ("text", "texts", "operator", "keep", "overrides", "seed", "patient_id", "patient_ids")
                else k + MARKER
            ): plant(v)
            for k, v in value.items()
        }
        if "overrides" in planted and isinstance(planted["overrides"], dict):
            planted["overrides"] = {MARKER + k: v for k, v in planted["overrides"].items()}
        return planted
    return value


def test_given_generated_requests_then_no_server_error_and_no_echo(fuzz_base):
    from hypothesis import given

    api = schemathesis.openapi.from_url(f"{fuzz_base}/openapi.json")
    operations = [result.ok() for result in api.get_all_operations()]
    assert {op.path for op in operations} >= {"/v1/entities", "/v1/redact", "/v1/model", "/health"}
    modes = (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)
    for operation, mode in [(op, mode) for op in operations for mode in modes]:
        if mode is schemathesis.GenerationMode.NEGATIVE and operation.method.upper() == "GET":
            continue  # nothing a GET without parameters could get wrong

        @given(case=operation.as_strategy(mode))
        @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def fuzz(case):
            check(case)

        fuzz()
    print(f"schemathesis: {SEEN['cases']} requests, {SEEN['server_errors']} server errors")
    assert SEEN["cases"] >= 2 * 2 * 40 and SEEN["server_errors"] == 0  # two POST routes, two modes


def check(case):
    response = case.call(headers={"X-API-Key": API_KEY})
    SEEN["cases"] += 1
    SEEN["server_errors"] += response.status_code >= 500
    assert response.status_code < 500, (case.method, case.path, response.status_code)
    if isinstance(case.body, (dict, list)):
        case.body = plant(case.body)
        planted = case.call(headers={"X-API-Key": API_KEY})
        SEEN["cases"] += 1
        SEEN["server_errors"] += planted.status_code >= 500
        assert planted.status_code < 500, (case.method, case.path, planted.status_code)
        if planted.status_code >= 400:
            assert MARKER not in planted.text, (case.method, case.path, planted.status_code, planted.text[:300])
