"""Adapters on one base (phiner.model.adapters): each computes what its run computes alone, in a mixed batch too."""

import pytest
import torch

from conftest import TINY_ROBERTA
from phiner.core.errors import ModelNotFoundError, PhinerError
from phiner.model.adapters import SharedBase, base_of, check_name
from phiner.model.base import load_run, merge, random_roberta

TEXTS = ["Notat 3: Kari kom i dag.", "Notat 40: Berit kom i dag, og Ola."]


@pytest.fixture(scope="module")
def shared(adapter_runs):
    base = SharedBase(base_of(adapter_runs["patient"]))
    for name, run in adapter_runs.items():
        base.attach(name, run)
    return base


def logits(model, tokenizer, **extra):
    batch = tokenizer(TEXTS, return_tensors="pt", padding=True)
    with torch.inference_mode():
        return model(**batch, **extra).logits


def test_given_lora_only_biases_then_each_adapter_and_a_mixed_batch_equal_the_merged_runs_to_1e_4(shared, adapter_runs):
    merged = {name: logits(load_run(run)[0], shared.tokenizer) for name, run in adapter_runs.items()}
    assert (merged["patient"] - merged["loc"]).abs().max() > 1.0  # the two runs disagree: the test can tell them apart
    for name in adapter_runs:
        assert torch.allclose(logits(shared.model, shared.tokenizer, adapter_names=[name] * 2), merged[name], atol=1e-4)
    mixed = logits(shared.model, shared.tokenizer, adapter_names=["loc", "patient"])
    assert torch.allclose(mixed[0], merged["loc"][0], atol=1e-4)
    assert torch.allclose(mixed[1], merged["patient"][1], atol=1e-4)


def test_given_the_runs_trained_biases_then_they_differ_from_the_base_so_the_test_above_checks_them(adapter_runs):
    from safetensors.torch import load_file

    from phiner.model.base import load_base_model

    trained = load_file(str(adapter_runs["loc"] / "adapter_model.safetensors"))
    base = dict(load_base_model(base_of(adapter_runs["loc"])).named_parameters())
    key = next(k for k in trained if k.endswith(".base_layer.bias"))
    original = base[key.removeprefix("base_model.model.").replace(".base_layer.bias", ".bias")]
    assert (trained[key] - original).abs().max() > 1e-3


def test_given_a_run_of_another_base_then_attach_refuses_it_naming_both_bases(adapter_runs, tmp_path):
    other = random_roberta(tmp_path / "other-base", **TINY_ROBERTA)
    base = SharedBase(str(other))
    with pytest.raises(PhinerError, match="was trained on base .* but the adapters here share base"):
        base.attach("patient", adapter_runs["patient"])


def test_given_a_merged_folder_then_it_is_no_base(adapter_runs, tmp_path):
    merged = merge(adapter_runs["patient"], tmp_path / "merged")
    with pytest.raises(ModelNotFoundError, match="merged or exported model, not a base"):
        base_of(merged)


def test_given_the_last_adapter_then_it_stays(adapter_runs):
    single = SharedBase(base_of(adapter_runs["loc"]))
    single.attach("only", adapter_runs["loc"])
    with pytest.raises(PhinerError, match="last adapter"):
        single.detach("only")


@pytest.mark.parametrize("name", ["", "-lead", "has space", "x" * 65, "a/b", "nøkkel"])
def test_given_a_bad_adapter_name_then_the_error_does_not_repeat_it(name):
    with pytest.raises(PhinerError) as info:
        check_name(name)
    assert "1 to 64 letters" in str(info.value) and (not name or name not in str(info.value))
