import pytest
import torch

from phiner.core.config import LoraSettings
from phiner.core.errors import ModelNotFoundError
from phiner.core.labels import ID2LABEL, LABEL2ID
from phiner.model.base import add_lora, count_parameters, load_base_model, load_run, merge, resolve_base


def test_given_roberta_base_architecture_then_lora_trains_2747149_of_126729242_parameters():
    from transformers import RobertaConfig, RobertaForTokenClassification

    config = RobertaConfig(
        vocab_size=50265,
        max_position_embeddings=514,
        type_vocab_size=1,
        num_labels=13,
        id2label=ID2LABEL,
        label2id=LABEL2ID,
    )
    counts = count_parameters(add_lora(RobertaForTokenClassification(config), LoraSettings()))
    assert (counts["trainable"], counts["total"]) == (2_747_149, 126_729_242)


def test_given_no_hub_then_the_error_names_both_ways_out_in_one_line():
    with pytest.raises(ModelNotFoundError) as info:
        load_base_model(resolve_base("roberta-base"))
    message = str(info.value)
    assert "\n" not in message
    assert "--base-model PATH" in message and "--base-model minilm" in message


def test_given_minilm_then_it_resolves_to_the_bundled_pretrained_bert():
    from transformers import AutoConfig

    config = AutoConfig.from_pretrained(resolve_base("minilm"))
    assert (config.model_type, config.num_hidden_layers, config.hidden_size) == ("bert", 6, 384)


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("r", 0, "`lora.r` should be positive, got 0."),
        ("bias", "some", "`lora.bias` should be one of none, all, lora_only, got 'some'."),
        ("dropout", 1.5, r"`lora.dropout` should be in \[0, 1\), got 1.5."),
    ],
)
def test_given_a_bad_lora_setting_then_the_error_names_field_and_value(field, value, message):
    with pytest.raises(ValueError, match=message):
        LoraSettings(**{field: value})


def test_given_lora_weights_off_zero_then_merged_logits_equal_adapter_logits(tiny_roberta, tmp_path):
    torch.manual_seed(1)
    model = add_lora(load_base_model(str(tiny_roberta)), LoraSettings(dropout=0.0))
    with torch.no_grad():
        for name, param in model.named_parameters():
            if "lora_B" in name:  # B starts at zero, which would make the test prove nothing
                param.normal_(0, 0.5)
    model.eval()
    ids = torch.tensor([[0, 1817, 5380, 29, 1530, 14999, 2]])
    with torch.no_grad():
        adapter_logits = model(input_ids=ids).logits
        with model.disable_adapter():
            base_logits = model(input_ids=ids).logits
    run = tmp_path / "run"
    model.save_pretrained(str(run))
    from phiner.model.base import load_tokenizer

    load_tokenizer(str(tiny_roberta)).save_pretrained(str(run))
    merged_dir = merge(run, tmp_path / "merged")
    assert not (merged_dir / "adapter_config.json").exists()
    from transformers import AutoModelForTokenClassification

    merged = AutoModelForTokenClassification.from_pretrained(str(merged_dir)).eval()
    with torch.no_grad():
        merged_logits = merged(input_ids=ids).logits
    assert torch.allclose(merged_logits, adapter_logits, atol=1e-4)
    assert not torch.allclose(adapter_logits, base_logits, atol=1e-2)  # the adapter really changes the output


def test_given_a_folder_that_is_not_a_run_then_load_run_says_so(tmp_path):
    with pytest.raises(ModelNotFoundError, match="neither adapter_config.json nor config.json"):
        load_run(tmp_path)


def test_given_linux_with_glibc_then_freed_memory_is_kept_in_the_process():
    import platform

    from phiner.model.hardware import keep_freed_memory

    if platform.system() == "Linux" and platform.libc_ver()[0] == "glibc":
        assert keep_freed_memory() is True  # mallopt accepted all three settings
    else:
        assert keep_freed_memory() is False


def test_given_a_run_then_its_merged_model_is_kept_in_the_cache_and_read_without_peft(tiny_run, tmp_path):
    import json
    import os
    import subprocess
    import sys

    run, _ = tiny_run
    env = {**os.environ, "PHINER_CACHE": str(tmp_path / "cache"), "HF_HUB_OFFLINE": "1"}
    probe = (
        "import json, sys, torch; from phiner.model.base import load_run; "
        f"model, tok = load_run({str(run)!r}); ids = tok('Kari Nordmann bor i Bodø', return_tensors='pt'); "
        "print(json.dumps({'peft': 'peft' in sys.modules, 'logits': model(**ids).logits.tolist()}))"
    )
    first, second = (
        json.loads(subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True,
                                  check=True).stdout.splitlines()[-1])
        for _ in range(2)
    )  # fmt: skip
    kept = list((tmp_path / "cache").glob("merged-*"))
    assert len(kept) == 1 and (kept[0] / "config.json").is_file()
    assert first["peft"] and not second["peft"], "the second load reads the kept model, without peft"
    assert first["logits"] == second["logits"], "the same weights: the same logits, bit for bit"
