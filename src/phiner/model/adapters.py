"""Many LoRA adapters on one base model in memory, each with its own classification head.

peft keeps named adapters side by side (its ``ModulesToSaveWrapper`` holds one copy of the head per adapter), and
a forward pass given ``adapter_names`` (one per row) runs each row through its own adapter and head: a batch may
mix adapters, and nothing global is switched between calls.

A run trained with ``lora.bias=lora_only`` (the default) has also trained the biases of the layers its
LoRA wraps. peft keeps one such bias per layer, shared by every adapter, and refuses a second adapter with trained
biases; so each adapter's bias is kept here as its difference from the base's, as the bias of its LoRA ``B``
matrix (peft's ``lora_bias``). The forward pass multiplies ``B``'s output, bias included, by the LoRA scaling, so
the difference is stored divided by it: each adapter then computes what its run computes, to float rounding.
``lora.bias=all`` trains every bias of the base (layer norms too), which no adapter can carry: such runs are refused.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

from phiner.core.errors import Errors, ModelNotFoundError, PhinerError
from phiner.core.labels import LABELS
from phiner.core.runfolder import ADAPTER_CONFIG, CONFIG, RunFolder
from phiner.core.runfolder import LABELS as LABELS_FILE
from phiner.model.base import adapter_base, load_base_model, load_tokenizer, resolve_base

ADAPTER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
"""An adapter's name: it travels in URLs (``DELETE /v1/adapters/NAME``) and on command lines, and names the adapter's
modules in the model (where a '.' would split the name)."""
WEIGHTS = "adapter_model.safetensors"
BIAS_SUFFIX = ".base_layer.bias"


class AdapterConflict(PhinerError):
    """A change the adapters as loaded refuse: a name taken, the default or the last one removed (the service
    answers 409)."""


def check_name(name: str) -> str:
    """``name`` if it is a valid adapter name (:data:`ADAPTER_NAME`); the error does not repeat it."""
    if not isinstance(name, str) or not ADAPTER_NAME.fullmatch(name):
        raise PhinerError(Errors.E075)
    return name


def run_base(run: str | Path) -> str:
    """The base model a LoRA run folder was trained on, as it recorded it (``minilm``, a hub id or a folder)."""
    run = Path(run)
    if not (run / ADAPTER_CONFIG).is_file():
        raise ModelNotFoundError(Errors.E076.format(path=run, file=ADAPTER_CONFIG))
    return adapter_base(run / ADAPTER_CONFIG)


def base_of(base_or_run: str | Path) -> str:
    """The base named by ``base_or_run``: a base model (``minilm``, hub id, model folder), or a run folder, which
    stands for the base it was trained on. A merged model is refused: its weights are no longer the base's."""
    path = Path(base_or_run)
    if (path / ADAPTER_CONFIG).is_file():
        return run_base(path)
    if (path / CONFIG).is_file():
        config = RunFolder(path).config()
        if config is not None:
            raise ModelNotFoundError(Errors.E077.format(path=path, model=config.base_model))
        raise ModelNotFoundError(Errors.E078.format(path=path))
    return str(base_or_run)


def same_base(a: str, b: str) -> bool:
    """Whether two recorded base names load the same model (``minilm`` and the folder it resolves to are one)."""
    return a == b or resolve_base(a) == resolve_base(b)


class SharedBase:
    """One base model in memory with named LoRA adapters (and their heads) beside it."""

    def __init__(self, base: str) -> None:
        from phiner.model.hardware import cuda

        self.base = base
        """The base's name as runs record it (``minilm``, a hub id, a folder)."""
        self.path = resolve_base(base)
        self.tokenizer = load_tokenizer(self.path)
        self._model = load_base_model(self.path)
        if cuda():
            self._model = self._model.to("cuda")
        self.model: Any = None
        """The ``PeftModel`` once an adapter is attached: call it with ``adapter_names``, one per row."""

    @property
    def names(self) -> list[str]:
        return list(self.model.peft_config) if self.model is not None else []

    def attach(self, name: str, run: str | Path) -> None:
        """Load the run's LoRA and head as adapter ``name``; the run should be trained on this base."""
        import torch
        from peft import get_peft_model
        from peft.utils import set_peft_model_state_dict

        check_name(name)
        run = Path(run)
        if name in self.names:
            raise AdapterConflict(Errors.E079)
        self.check_run(run)
        config, weights = _read(run)
        if not weights:
            raise ModelNotFoundError(Errors.E080.format(path=run / WEIGHTS))
        biases = {key: weights.pop(key) for key in list(weights) if key.endswith(BIAS_SUFFIX)}
        config = dataclasses.replace(config, bias="none", lora_bias=bool(biases), inference_mode=True)
        try:  # whatever fails from here on, the adapter is taken out again: the base is left as it was
            if self.model is None:
                self.model = get_peft_model(self._model, config, adapter_name=name)
            else:
                self.model.add_adapter(name, config)
            loaded = set_peft_model_state_dict(self.model, weights, adapter_name=name)
            if loaded.unexpected_keys:
                raise ValueError(Errors.E081)  # only its type is shown, below
            if any(_own(key, name) for key in loaded.missing_keys):
                raise ValueError(Errors.E082)
            with torch.no_grad():
                for key, trained in biases.items():
                    layer = self.model.base_model.model.get_submodule(
                        key.removeprefix("base_model.model.").removesuffix(BIAS_SUFFIX)
                    )
                    delta = trained.to(layer.base_layer.bias) - layer.base_layer.bias
                    layer.lora_B[name].bias.copy_(delta / layer.scaling[name])
        except Exception as err:  # shapes or modules of another base, weights missing (peft raises its own kinds)
            self.discard(name)
            raise ModelNotFoundError(
                Errors.E083.format(path=run / WEIGHTS, model=self.base, error=type(err).__name__)
            ) from None
        self.model.eval()

    def detach(self, name: str) -> None:
        """Drop adapter ``name`` (its LoRA and head); the last one stays, since peft keeps at least one."""
        if name not in self.names:
            raise PhinerError(Errors.E084)
        if len(self.names) == 1:
            raise AdapterConflict(Errors.E085)
        self._drop(name)

    def discard(self, name: str) -> None:
        """Drop adapter ``name`` if it is attached, the last one too (the base as it was before it)."""
        if name in self.names:
            self._drop(name)

    def _drop(self, name: str) -> None:
        if len(self.names) > 1:
            self.model.delete_adapter(name)
        else:  # the base back as it was, LoRA layers and head wrappers taken out
            self._model, self.model = self.model.unload(), None

    def check_run(self, run: Path) -> None:
        """Refuse a run this base cannot carry: another base, another label set, trained biases everywhere."""
        trained_on = run_base(run)
        if not same_base(trained_on, self.base):
            raise PhinerError(Errors.E086.format(path=run, model=trained_on, model2=self.base))
        labels = RunFolder(run).json(LABELS_FILE)
        if labels is not None and labels.get("labels") != LABELS:
            raise PhinerError(Errors.E087.format(path=run / LABELS_FILE, count=len(LABELS)))
        adapter = RunFolder(run).json(ADAPTER_CONFIG) or {}
        if adapter.get("bias") == "all":
            raise PhinerError(Errors.E088.format(path=run / ADAPTER_CONFIG))
        if not adapter.get("modules_to_save"):
            raise PhinerError(Errors.E089.format(path=run / ADAPTER_CONFIG))


def _own(key: str, name: str) -> bool:
    """Whether a parameter of the model is one that adapter ``name``'s weights file should have set (its LoRA
    matrices and its head; not its LoRA bias, which is set from the run's biases)."""
    return any(f"{part}.{name}." in key for part in ("lora_A", "lora_B", "modules_to_save")) and not key.endswith(
        f"lora_B.{name}.bias"
    )


def _read(run: Path):
    """The run's ``LoraConfig`` and its saved weights (keys as peft writes them)."""
    from peft import LoraConfig
    from safetensors.torch import load_file

    weights = run / WEIGHTS
    if not weights.is_file():
        raise ModelNotFoundError(Errors.E061.format(path=weights))
    try:
        return LoraConfig.from_pretrained(str(run)), load_file(str(weights))
    except Exception as err:  # safetensors and peft each raise their own kinds
        raise ModelNotFoundError(Errors.E090.format(path=weights, error=type(err).__name__)) from None
