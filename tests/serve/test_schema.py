"""The service's OpenAPI schema says what it answers: every error status a route sends is declared, with the one
documented error shape, the ``Allow`` of a 405 names every method of the path, and a body is accepted exactly when
the schema allows it. Real requests to a real server on a loopback port."""

import json
import urllib.error
import urllib.request

import pytest
from jsonschema import Draft202012Validator

from helpers import API_KEY, call, chunked_head, delete, raw_request, running
from phiner.analyze.registry import AdapterRegistry
from phiner.serve.app import create_app
from phiner.serve.schemas import ErrorOut

NOTE = "Notat 3: Kari kom i dag."


@pytest.fixture(scope="module")
def served(adapter_runs):
    registry = AdapterRegistry.load(None, adapter_runs, detector=None)
    app = create_app(registry, api_key=API_KEY, max_body_bytes=20_000, max_batch=2, max_queue=64, body_timeout=1.0)
    with running(app) as base:
        yield base, call(base, "/openapi.json", key=None)[1]


def validator(schema, component: str) -> Draft202012Validator:
    return Draft202012Validator({"$ref": f"#/components/schemas/{component}", "components": schema["components"]})


def assert_documented(schema, route: str, method: str, status: int, body) -> None:
    responses = schema["paths"][route][method]["responses"]
    assert str(status) in responses, (route, method, status, sorted(responses))
    assert responses[str(status)]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorOut"}
    assert not list(validator(schema, "ErrorOut").iter_errors(body)), body
    ErrorOut.model_validate(body)


def request(base, method, path, body=None, key=API_KEY):
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json", **({"X-API-Key": key} if key else {})}
    req = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=60) as response:
            return response.status, json.loads(response.read()), response.headers
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read()), err.headers


def test_given_each_kind_of_error_then_its_status_is_declared_and_its_body_has_the_documented_shape(
    served, adapter_runs
):
    # issue 17: string `detail` on the app's own 422s where the schema said an array; 404, 400, 401, 403, 408, 413,
    # 503 undeclared
    base, schema = served
    cases = [
        ("/v1/model", "get", request(base, "GET", "/v1/model", key=None)[:2]),
        ("/v1/entities", "post", call(base, "/v1/entities", {"text": "x" * 30_000})),
        ("/v1/entities", "post", call(base, "/v1/entities", {"texts": ["a", "b", "c"]})),
        ("/v1/entities", "post", call(base, "/v1/entities", raw=b'{"text": ')),
        ("/v1/entities", "post", call(base, "/v1/entities", raw=b'{"text": "\xff"}')),
        ("/v1/entities", "post", call(base, "/v1/entities", {"text": NOTE, "adapter": "nope"})),
        ("/v1/redact", "post", call(base, "/v1/redact", {"text": NOTE, "operator": "shred"})),
        ("/v1/redact", "post", call(base, "/v1/redact", {"text": NOTE, "rules": {"patterns": [{"name": "x"}]}})),
        ("/v1/adapters", "post", call(base, "/v1/adapters", {"name": "loc", "path": str(adapter_runs["loc"])})),
        ("/v1/adapters", "post", call(base, "/v1/adapters", {"name": "new", "path": "/nowhere"})),
        ("/v1/adapters/{name}", "delete", delete(base, "/v1/adapters/patient")),
        ("/v1/adapters/{name}", "delete", delete(base, "/v1/adapters/nope")),
        ("/v1/adapters/{name}", "delete", delete(base, "/v1/adapters/a.b")),
    ]
    status, body = raw_request(base, chunked_head("/v1/entities"), [], finish=False)
    cases.append(("/v1/entities", "post", (status, json.loads(body))))
    statuses = [status for _, _, (status, _) in cases]
    assert statuses == [401, 413, 413, 422, 400, 404, 422, 422, 409, 422, 409, 404, 422, 408]
    for route, method, (status, body) in cases:
        assert_documented(schema, route, method, status, body)
    assert isinstance(cases[6][2][1]["detail"], str) and isinstance(cases[3][2][1]["detail"], list)


@pytest.mark.parametrize(
    "path,allowed", [("/v1/adapters", {"GET", "POST"}), ("/v1/adapters/loc", {"DELETE"}), ("/health", {"GET"})]
)
def test_given_a_method_a_path_does_not_have_then_405_allows_every_method_it_has(served, path, allowed):
    # issue 17: Starlette's Allow named the methods of the first route of the path only (GET for /v1/adapters)
    base, schema = served
    status, body, headers = request(base, "OPTIONS", path)
    assert status == 405 and set(headers["Allow"].split(", ")) == allowed
    ErrorOut.model_validate(body)
    route = path if path != "/v1/adapters/loc" else "/v1/adapters/{name}"
    assert {method.upper() for method in schema["paths"][route]} == allowed


@pytest.mark.parametrize(
    "component,path,body",
    [
        ("TextsIn", "/v1/entities", {"texts": [], "known": {}}),
        ("TextsIn", "/v1/entities", {"texts": []}),
        ("TextsIn", "/v1/entities", {"texts": [], "knowns": []}),
        ("TextsIn", "/v1/entities", {"texts": [NOTE], "knowns": [None], "known": None}),
        ("TextsIn", "/v1/entities", {"text": NOTE, "texts": None, "knowns": None}),
        ("TextsIn", "/v1/entities", {"text": NOTE, "knowns": []}),
        ("TextsIn", "/v1/entities", {"text": None, "texts": [NOTE]}),
        ("TextsIn", "/v1/entities", {"text": NOTE, "texts": [NOTE]}),
        ("TextsIn", "/v1/entities", {"texts": [NOTE] * 3}),
        ("TextsIn", "/v1/entities", {"text": NOTE, "known": {"PATIENT": ["Kari"]}}),
        ("TextsIn", "/v1/entities", {"text": NOTE, "known": {"NAVN": ["Kari"]}}),
        ("TextsIn", "/v1/entities", {"text": NOTE, "rules": {"deny": False}}),
        ("TextsIn", "/v1/entities", {"text": NOTE, "rules": {"deny": [{"text": "Kari", "label": "PATIENT"}]}}),
        ("TextsIn", "/v1/entities", {"text": NOTE, "rules": {"deny": [{"text": "\x1c", "label": "ID"}]}}),
        ("TextsIn", "/v1/entities", {"text": NOTE, "rules": {"deny": [{"text": "\ufeffx", "label": "ID"}]}}),
        ("TextsIn", "/v1/entities", {"text": NOTE, "rules": {"deny": [{"text": "K", "terms": [], "label": "ID"}]}}),
        ("TextsIn", "/v1/entities", {"text": NOTE, "rules": {"allow": [{"text": "Kari"}], "titles": None}}),
        ("TextsIn", "/v1/entities", {"text": NOTE, "rules": {"patterns": [{"name": "n", "regex": "\\d+"}]}}),
        ("RedactIn", "/v1/redact", {"text": NOTE, "seed": "5"}),
        ("RedactIn", "/v1/redact", {"text": NOTE, "seed": -5, "operator": "surrogate", "patient_id": "p"}),
        ("RedactIn", "/v1/redact", {"text": NOTE, "operator": "shred"}),
        ("RedactIn", "/v1/redact", {"text": NOTE, "keep": ["DATE"], "overrides": {"PATIENT": "mask"}}),
        ("RedactIn", "/v1/redact", {"text": NOTE, "overrides": {"NAVN": "mask"}}),
        ("RedactIn", "/v1/redact", {"texts": [NOTE], "patient_id": "p"}),
        ("RedactIn", "/v1/redact", {"texts": [NOTE], "patient_ids": ["p"], "patient_id": None}),
        ("AdapterIn", "/v1/adapters", {"name": "", "path": "RUN"}),
        ("AdapterIn", "/v1/adapters", {"name": "a.b", "path": "RUN"}),
        ("AdapterIn", "/v1/adapters", {"name": "loc-3", "path": "RUN"}),
    ],
)
def test_given_a_body_then_the_service_accepts_it_exactly_when_its_schema_allows_it(
    served, adapter_runs, component, path, body
):
    # issue 17: schema-valid bodies were refused (`known` with `texts: []`, adapter name "") and schema-invalid ones
    # accepted (a seed "5")
    base, schema = served
    body = {**body, "path": str(adapter_runs["loc"])} if body.get("path") == "RUN" else body
    valid = validator(schema, component).is_valid(body)
    status, answer = call(base, path, body)
    if status == 201:
        assert delete(base, f"/v1/adapters/{body['name']}")[0] == 200
    assert (status < 400) == valid, (valid, status, answer)
