"""Schemathesis against the running service's own OpenAPI schema, on loopback: every check of its command line,
stateful runs over the schema's links included, finds nothing (issue 17); and no error echoes a planted marker
(issue 10). Each case is a real HTTP request to a real uvicorn server."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from helpers import running
from phiner.analyze.registry import AdapterRegistry
from phiner.analyze.tagger import Tagger
from phiner.serve.app import create_app

HERE = Path(__file__).resolve().parent

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
    print(f"schemathesis echo: {SEEN['cases']} requests, {SEEN['server_errors']} server errors, no echo")
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


@pytest.fixture(scope="module")
def adapters_base(adapter_runs):
    """A service of two adapters with a key: adapters can be added and removed, as the schema's links lead."""
    registry = AdapterRegistry.load(None, adapter_runs)
    app = create_app(registry, api_key=API_KEY, max_batch=8, max_queue=64, secret=b"f" * 32)
    with running(app) as base:
        yield base


def test_given_the_schema_then_schemathesis_with_every_check_and_its_links_finds_no_failure(
    adapters_base, adapter_runs, tmp_path
):
    command = [str(Path(sys.executable).parent / "schemathesis"), "--config-file", str(HERE / "schemathesis.toml")]
    command += ["run", f"{adapters_base}/openapi.json", "--checks", "all", "-H", f"X-API-Key: {API_KEY}"]
    command += ["--phases", "examples,coverage,fuzzing,stateful", "--max-examples", "50", "--seed", "1"]
    command += ["--workers", "1", "--no-color", "--generation-database", "none"]
    command += ["--report", "json", "--report-dir", str(tmp_path)]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": str(HERE / "fuzz_hooks.py"), "PHINER_FUZZ_RUN": str(adapter_runs["loc"])}
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    [report] = [json.loads(path.read_text()) for path in tmp_path.glob("*.json")]
    cases, phases = report["test_cases"], report["phases"]
    links = re.search(r"API Links: +(\d+) covered", result.stdout)
    ran = [name for name, phase in phases.items() if phase["status"] != "skip"]
    print(
        f"schemathesis: {cases['generated']} cases ({', '.join(ran)}; checks all; "
        f"{links.group(1) if links else '?'} links followed), {cases['with_failures']} failures, "
        f"{len(report['errors'])} errors, {report['running_time']:.0f} s"
    )
    assert report["exit_code"] == 0 and result.returncode == 0, result.stdout[-6000:]
    assert cases["with_failures"] == 0 and not report["errors"] and cases["generated"] >= 500
    assert {"coverage", "fuzzing", "stateful"} <= set(ran) and links and int(links.group(1)) >= 2
