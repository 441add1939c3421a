"""bf16 inference keeps its linear layers in bf16 once: the very logits autocast gives, without a cast a pass."""

import copy

import pytest
import torch

from phiner.analyze.backends import batched_logits
from phiner.core.errors import PhinerError
from phiner.core.labels import LABELS
from phiner.model.windows import encode

TEXTS = ["Kari Nordmann ble innlagt 12.03.2024 i Tromsø.", "Ring 41 22 33 44.", "ok"]


@pytest.fixture()
def model(tiny_roberta):
    from transformers import AutoModelForTokenClassification

    torch.manual_seed(0)
    return AutoModelForTokenClassification.from_pretrained(str(tiny_roberta), num_labels=len(LABELS)).eval()


def test_given_bf16_then_logits_equal_autocasts_bit_for_bit_and_the_linear_layers_stay_bf16(model, roberta_tokenizer):
    from phiner.analyze.tagger import DEFAULT_WINDOWING

    features = encode(roberta_tokenizer, TEXTS, DEFAULT_WINDOWING)
    untouched = copy.deepcopy(model)
    with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16):  # what autocast alone computes
        expected = [
            untouched(input_ids=torch.tensor([ids]), attention_mask=torch.tensor([mask])).logits[0].float().numpy()
            for ids, mask in zip(features["input_ids"], features["attention_mask"])
        ]
    got = batched_logits(model, roberta_tokenizer, features, batch_size=1, precision="bf16")
    assert all((a == b).all() for a, b in zip(got, expected))
    linears = [m for m in model.modules() if isinstance(m, torch.nn.Linear)]
    assert linears and all(m.weight.dtype == torch.bfloat16 for m in linears)
    assert all(p.dtype == torch.float32 for n, p in model.named_parameters() if "LayerNorm" in n or "embeddings" in n)
    again = batched_logits(model, roberta_tokenizer, features, batch_size=1, precision="bf16")
    assert all((a == b).all() for a, b in zip(again, got))


def test_given_a_model_read_in_bf16_then_reading_it_in_fp32_is_refused(model, roberta_tokenizer):
    from phiner.analyze.tagger import DEFAULT_WINDOWING

    features = encode(roberta_tokenizer, TEXTS[:1], DEFAULT_WINDOWING)
    batched_logits(model, roberta_tokenizer, features, precision="fp32")  # fp32 first: nothing changes
    assert all(p.dtype == torch.float32 for p in model.parameters())
    batched_logits(model, roberta_tokenizer, features, precision="bf16")
    with pytest.raises(PhinerError, match="load it again"):
        batched_logits(model, roberta_tokenizer, features, precision="fp32")


def test_given_a_model_then_as_backend_reads_it_through_one_protocol(name_tagger, roberta_tokenizer):
    from phiner.analyze.backends import TorchBackend, as_backend
    from phiner.analyze.tagger import DEFAULT_WINDOWING
    from phiner.model.windows import encode

    backend = as_backend(name_tagger, "fp32")
    assert isinstance(backend, TorchBackend) and backend.tensors == "pt" and as_backend(backend) is backend
    features = encode(roberta_tokenizer, ["Pasienten Kari Nordmann", "ok"], DEFAULT_WINDOWING)
    through_backend = batched_logits(backend, roberta_tokenizer, features)
    through_model = batched_logits(name_tagger, roberta_tokenizer, features)
    assert [a.shape for a in through_backend] == [b.shape for b in through_model]
    assert all((a == b).all() for a, b in zip(through_backend, through_model))
