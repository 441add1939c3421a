"""Adapters refused at run time, through the real server on a loopback port: a run folder that cannot be served is
answered 4xx before anything is registered, the registry is left as it was (the name is free afterwards), and the
answer never repeats the path or the name the caller sent."""

import json
import shutil

import pytest

from helpers import API_KEY, call, delete, running
from phiner.analyze.registry import AdapterRegistry
from phiner.serve.app import create_app

MARKER = "Zq9Hemmelig"
NOTE = "Notat 3: Kari kom i dag."


@pytest.fixture(scope="module")
def served(adapter_runs):
    registry = AdapterRegistry.load(None, adapter_runs, detector=None)
    with running(create_app(registry, api_key=API_KEY, max_queue=64)) as base:
        yield base, registry


def broken_run(adapter_runs, tmp_path, breakage: str):
    """A copy of the LOC run, in a folder whose path holds the marker, with one of its files broken."""
    from safetensors.torch import load_file, save_file

    run = tmp_path / f"run-{MARKER}"
    shutil.copytree(adapter_runs["loc"], run)
    weights = run / "adapter_model.safetensors"
    if breakage == "empty weights":
        save_file({}, str(weights))
    elif breakage in ("weights without the head", "weights without the LoRA"):
        dropped = "classifier" if breakage == "weights without the head" else "lora_"
        save_file({k: v for k, v in load_file(str(weights)).items() if dropped not in k}, str(weights))
    elif breakage == "truncated weights":
        weights.write_bytes(weights.read_bytes()[:100])
    elif breakage == "metrics not JSON":
        (run / "metrics.json").write_text('{"after": ', encoding="utf-8")
    elif breakage == "metrics not an object":
        (run / "metrics.json").write_text("[1, 2]", encoding="utf-8")
    elif breakage == "thresholds of an unknown type":
        (run / "thresholds.json").write_text('{"thresholds": {"NAVN": 0.5}}', encoding="utf-8")
    elif breakage == "config not YAML":
        (run / "config.yaml").write_text("train: [", encoding="utf-8")
    elif breakage == "other labels":
        (run / "labels.json").write_text('{"labels": ["O"]}', encoding="utf-8")
    elif breakage == "no adapter config":
        (run / "adapter_config.json").unlink()
    elif breakage == "missing folder":
        shutil.rmtree(run)
    return run


def listed(base) -> list[str]:
    status, body = call(base, "/v1/adapters")
    assert status == 200, body
    return [a["name"] for a in body["adapters"]]


def assert_left_as_it_was(base, registry, name):
    """Nothing of ``name`` is left: not listed, not read with, not removable, not in the model; and the name is
    free: a good run is added under it, served, and removed."""
    assert listed(base) == ["patient", "loc"]
    assert call(base, "/v1/entities", {"text": NOTE, "adapter": name})[0] == 404
    assert delete(base, f"/v1/adapters/{name}")[0] == 404
    assert name not in registry and name not in registry.shared.names
    status, added = call(base, "/v1/adapters", {"name": name, "path": str(registry.adapters["loc"].run)})
    assert status == 201, added
    assert call(base, "/v1/entities", {"text": NOTE, "adapter": name})[0] == 200
    assert delete(base, f"/v1/adapters/{name}") == (200, {"adapters": ["patient", "loc"]})


@pytest.mark.parametrize(
    "breakage", ["empty weights", "weights without the head", "weights without the LoRA", "truncated weights"]
)
def test_given_a_run_whose_weights_cannot_serve_then_422_and_the_registry_is_left_as_it_was(
    served, adapter_runs, tmp_path, breakage
):
    # issue 11: an empty weights file answered 500 and left the name stuck (loaded already, unlisted, 404 on DELETE)
    base, registry = served
    run = broken_run(adapter_runs, tmp_path, breakage)
    for _ in range(2):  # a second try is refused the same way, not as a name loaded already
        status, body = call(base, "/v1/adapters", {"name": "broken", "path": str(run)})
        assert status == 422 and "adapter_model.safetensors" in body["detail"], body
    assert_left_as_it_was(base, registry, "broken")


@pytest.mark.parametrize("breakage", ["metrics not JSON", "metrics not an object"])
def test_given_a_run_with_invalid_metrics_then_it_is_refused_before_it_is_served_and_the_list_still_answers(
    served, adapter_runs, tmp_path, breakage
):
    # issue 12: the adapter was refused 422 but stayed loaded and served, and GET /v1/adapters answered that 422
    base, registry = served
    run = broken_run(adapter_runs, tmp_path, breakage)
    status, body = call(base, "/v1/adapters", {"name": "badmetrics", "path": str(run)})
    assert status == 422 and "metrics.json" in body["detail"], body
    assert_left_as_it_was(base, registry, "badmetrics")


def test_given_a_served_adapter_whose_metrics_break_on_disk_then_the_list_still_answers(served, adapter_runs, tmp_path):
    base, registry = served
    run = broken_run(adapter_runs, tmp_path, "none")
    assert call(base, "/v1/adapters", {"name": "later", "path": str(run)})[0] == 201
    (run / "metrics.json").write_text("not JSON", encoding="utf-8")
    try:
        assert listed(base) == ["patient", "loc", "later"]  # what the run said of itself when it was added
    finally:
        assert delete(base, "/v1/adapters/later")[0] == 200


@pytest.mark.parametrize(
    "breakage",
    [
        "missing folder",
        "no adapter config",
        "config not YAML",
        "metrics not JSON",
        "metrics not an object",
        "thresholds of an unknown type",
        "other labels",
        "empty weights",
        "truncated weights",
    ],
)
def test_given_a_run_that_cannot_be_added_then_the_error_says_why_without_repeating_its_path(
    served, adapter_runs, tmp_path, breakage
):
    # issue 16: the errors of POST /v1/adapters repeated the caller's path
    base, registry = served
    run = broken_run(adapter_runs, tmp_path, breakage)
    status, body = call(base, "/v1/adapters", {"name": "hidden", "path": str(run)})
    assert status == 422 and body["detail"] and MARKER not in json.dumps(body), body
    assert str(tmp_path) not in json.dumps(body)
    assert "hidden" not in registry


def test_given_a_run_of_another_base_then_the_refusal_names_the_bases_but_not_the_path(served, tmp_path):
    from phiner.model.base import default_model

    base, registry = served
    run = tmp_path / f"shipped-{MARKER}"
    shutil.copytree(default_model(), run)
    status, body = call(base, "/v1/adapters", {"name": "shipped", "path": str(run)})
    assert status == 422 and "trained on base 'me5-small'" in body["detail"] and MARKER not in json.dumps(body)
    assert body["detail"].startswith("the run folder was trained on base") and "shipped" not in registry


@pytest.mark.parametrize("name", [f"{MARKER}!", "", "a.b", "x" * 65])
def test_given_a_bad_adapter_name_then_422_without_repeating_it(served, adapter_runs, name):
    base, registry = served
    status, body = call(base, "/v1/adapters", {"name": name, "path": str(adapter_runs["loc"])})
    assert status == 422 and (not name or name not in json.dumps(body)), body
    assert listed(base) == ["patient", "loc"]


def test_given_a_name_loaded_already_then_409_and_the_adapter_is_kept(served, adapter_runs):
    base, registry = served
    status, body = call(base, "/v1/adapters", {"name": "loc", "path": str(adapter_runs["patient"])})
    assert status == 409 and "loaded already" in body["detail"]
    assert call(base, "/v1/entities", {"text": NOTE, "adapter": "loc"})[1]["entities"][0]["label"] == "LOC"
