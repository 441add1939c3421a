"""Fast dropout and the attention kernels: what they drop and scale, and that they change no prediction."""

from phiner.core.config import LoraSettings, preset


def test_fast_dropout_drops_at_rate_p_scales_the_rest_and_passes_gradients():
    import torch

    from phiner.model.dropout import FastDropout

    for p in (0.05, 0.1, 0.5):
        x = torch.ones(1_000_003, requires_grad=True)
        layer = FastDropout(p).train()
        y = layer(x)
        dropped = (y == 0).float().mean().item()
        assert abs(dropped - p) < 5 * (p * (1 - p) / x.numel()) ** 0.5  # five standard deviations
        assert torch.allclose(y[y != 0], torch.tensor(1 / (1 - p)))
        y.sum().backward()
        assert torch.equal(x.grad, y.detach())  # d(y)/d(x) is the same mask and scale
    x = torch.randn(4, 7)
    assert FastDropout(0.3).eval()(x) is x
    masks = [FastDropout(0.5).train()(torch.ones(64)) for _ in range(2)]
    assert not torch.equal(*masks)  # a fresh mask every call


def test_use_fast_dropout_swaps_every_dropout_and_changes_no_prediction(tiny_roberta):
    import torch
    from torch import nn

    from phiner.model.base import add_lora, load_base_model
    from phiner.model.dropout import FastDropout, use_fast_dropout

    model = add_lora(load_base_model(str(tiny_roberta), seed=0), LoraSettings()).eval()
    before = sum(type(m) is nn.Dropout for m in model.modules())
    ids = torch.tensor([[0, 713, 16, 10, 1296, 2]])
    with torch.no_grad():
        expected = model(input_ids=ids).logits
    assert use_fast_dropout(model) == before > 0
    assert not any(type(m) is nn.Dropout for m in model.modules())
    assert sum(isinstance(m, FastDropout) for m in model.modules()) == before
    with torch.no_grad():
        assert torch.equal(model(input_ids=ids).logits, expected)


def test_auto_attention_is_eager_for_short_windows_and_flash_for_long_ones_on_a_cpu():
    from phiner.model.hardware import cuda, resolve_attention

    assert resolve_attention("auto", True, 256) == ("sdpa" if cuda() else "eager")
    assert resolve_attention("auto", True, 512) == ("sdpa" if cuda() else "flash")
    assert resolve_attention("auto", False, 128) == ("sdpa" if cuda() else "flash")
    assert resolve_attention("eager", True, 512) == "eager"


def test_given_flash_attention_then_attention_weights_have_no_dropout_and_the_rest_keeps_its_own(tiny_roberta):
    import torch

    from phiner.train.trainer import build_model

    settings = preset("phiner", attention="flash", max_length=64, stride=16)
    model, attention = build_model(str(tiny_roberta), settings, LoraSettings())
    assert attention == "flash" and model.config._attn_implementation == "sdpa"
    drops = {n: m.p for n, m in model.named_modules() if isinstance(m, torch.nn.Dropout)}
    attention_drops = [p for n, p in drops.items() if n.endswith("attention.self.dropout")]
    assert attention_drops and set(attention_drops) == {0.0}
    assert any(p > 0 for n, p in drops.items() if not n.endswith("attention.self.dropout"))
    model.train()
    ids = torch.randint(5, 100, (2, 64))
    loss = model(input_ids=ids, attention_mask=torch.ones_like(ids), labels=torch.zeros_like(ids)).loss
    loss.backward()
    assert torch.isfinite(loss)
