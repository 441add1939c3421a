import os

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from hypothesis import settings  # noqa: E402

# CI must be repeatable: hypothesis explores the same examples every run, with no deadline on a busy CPU.
# (To explore new examples locally, load a profile with derandomize=False.)
settings.register_profile("phiner", derandomize=True, deadline=None)
settings.load_profile("phiner")

SHARED = Path(os.environ.get("PHINER_SHARED", Path(__file__).resolve().parents[2] / "shared"))
NORDEID = SHARED / "data" / "nor-deid-synthdata"
TINY_ROBERTA = {"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 37}


@pytest.fixture(scope="session")
def tiny_roberta(tmp_path_factory) -> Path:
    """A random RoBERTa (hidden 32, 2 layers) with the real GPT-2 byte-level BPE, built locally."""
    from phiner.model.base import random_roberta

    return random_roberta(tmp_path_factory.mktemp("tiny-roberta"), **TINY_ROBERTA)


@pytest.fixture(scope="session")
def roberta_tokenizer(tiny_roberta):
    from phiner.model.base import load_tokenizer

    return load_tokenizer(str(tiny_roberta))


@pytest.fixture(scope="session")
def synth_data(tmp_path_factory) -> Path:
    from phiner.data.synth import scenarios as synth

    return synth.build(tmp_path_factory.mktemp("synth"), n_train=32, n_test=8, seed=1)


@pytest.fixture(scope="session")
def nordeid_dir() -> Path:
    if not (NORDEID / "validation.json").exists():
        pytest.skip(f"Nor-DeID-SynthData not found at {NORDEID} (set PHINER_SHARED)")
    return NORDEID


from phiner.core.config import TrainSettings  # noqa: E402

SIX_STEPS = TrainSettings(
    max_steps=6, batch_size=4, max_length=64, stride=16, pad_to_max_length=False, logging_steps=2, learning_rate=1e-3
)


@pytest.fixture(scope="session")
def tiny_run(tiny_roberta, synth_data, tmp_path_factory):
    """A run folder: the tiny RoBERTa trained with the design's LoRA for six steps."""
    from phiner.core.config import LoraSettings, RunConfig
    from phiner.train.trainer import train

    out = tmp_path_factory.mktemp("runs") / "run"
    config = RunConfig(base_model=str(tiny_roberta), data=[str(synth_data)], lora=LoraSettings(), train=SIX_STEPS)
    metrics = train(config, out, log=lambda _: None)
    return out, metrics


ADAPTER_NAMES = ("Kari", "Ola", "Nordmann", "Hansen", "Berit", "Per")


def one_type_notes(out: Path, label: str) -> Path:
    """A dataset folder of short notes, each naming one of :data:`ADAPTER_NAMES`, the name tagged ``label``."""
    import json

    out.mkdir(parents=True)
    for split, n in (("train", 48), ("test", 8)):
        with open(out / f"{split}.jsonl", "w", encoding="utf-8") as f:
            for i in range(n):
                name = ADAPTER_NAMES[i % len(ADAPTER_NAMES)]
                text = f"Notat {i}: {name} kom i dag."
                start = text.index(name)
                tags = [{"start": start, "end": start + len(name), "label": label}]
                f.write(json.dumps({"text": text, "ner_tags": tags}) + "\n")
    return out


@pytest.fixture(scope="session")
def adapter_runs(tiny_roberta, tmp_path_factory) -> dict[str, Path]:
    """Two LoRA runs on the tiny RoBERTa, trained (30 steps) on the same notes with the names tagged PATIENT in one
    and LOC in the other: adapters of one base whose outputs differ. The LOC run has calibrated thresholds."""
    from phiner.core.config import LoraSettings, RunConfig
    from phiner.core.records import write_json
    from phiner.train.trainer import train

    root = tmp_path_factory.mktemp("adapters")
    settings = TrainSettings(
        max_steps=30,
        batch_size=8,
        max_length=32,
        stride=8,
        pad_to_max_length=False,
        learning_rate=0.02,
        warmup_ratio=0.0,
        eval_before=False,
        logging_steps=10,
    )
    runs = {}
    for label in ("PATIENT", "LOC"):
        data = one_type_notes(root / f"data-{label}", label)
        config = RunConfig(base_model=str(tiny_roberta), data=[str(data)], lora=LoraSettings(), train=settings)
        train(config, root / label.lower(), log=lambda _: None)
        runs[label.lower()] = root / label.lower()
    write_json(runs["loc"] / "thresholds.json", {"thresholds": {"LOC": 0.4}})
    return runs


def fnr_check_digits_valid(digits: list[int]) -> bool:
    """Both mod-11 check digits of an 11-digit Norwegian fødselsnummer, computed here independently."""

    def mod11(part, weights):
        rest = 11 - sum(d * w for d, w in zip(part, weights)) % 11
        return 0 if rest == 11 else rest

    return digits[9] == mod11(digits[:9], (3, 7, 6, 1, 8, 9, 4, 5, 2)) and digits[10] == mod11(
        digits[:10], (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
    )


NAME = "Nordmann"


def hand_set_tagger(tokenizer, words: dict[str, str]):
    """A real RoBERTa (no layers) whose weights are set by hand to tag each word of ``words`` (its first
    piece, after a space) with its type, wherever it stands, and nothing else: it isolates windowing,
    merging, redaction and scoring from learning."""
    import torch
    from transformers import RobertaConfig, RobertaForTokenClassification

    from phiner.core.labels import ID2LABEL, LABEL2ID

    config = RobertaConfig(
        vocab_size=50265,
        max_position_embeddings=514,
        type_vocab_size=1,
        hidden_size=32,
        num_hidden_layers=0,
        num_attention_heads=4,
        intermediate_size=37,
        num_labels=13,
        id2label=ID2LABEL,
        label2id=LABEL2ID,
        hidden_dropout_prob=0.0,
    )
    torch.manual_seed(0)
    model = RobertaForTokenClassification(config).eval()
    with torch.no_grad():
        emb = model.roberta.embeddings
        emb.position_embeddings.weight.zero_()  # no position signal: a token means the same everywhere
        emb.token_type_embeddings.weight.zero_()
        model.classifier.weight.zero_()
        model.classifier.bias.zero_()
        model.classifier.bias[LABEL2ID["O"]] = 4.5  # a set word scores sqrt(32) = 5.66; other tokens ~ N(0, 1)
        for word, label in words.items():
            piece = tokenizer(" " + word, add_special_tokens=False)["input_ids"][0]
            direction = torch.randn(32)
            emb.word_embeddings.weight[piece] = direction
            unit = torch.nn.functional.layer_norm(direction, (32,))
            model.classifier.weight[LABEL2ID[f"B-{label}"]] = unit / unit.norm()
    return model


@pytest.fixture(scope="session")
def name_tagger(roberta_tokenizer):
    """The hand-set tagger of the word NAME, as PATIENT, and only it."""
    return hand_set_tagger(roberta_tokenizer, {NAME: "PATIENT"})


AGE = "41"


@pytest.fixture(scope="session")
def name_model_dir(name_tagger, roberta_tokenizer, tmp_path_factory):
    """The hand-set name tagger saved as a plain (merged) model folder, loadable by `phiner --model`."""
    out = tmp_path_factory.mktemp("name-model")
    name_tagger.save_pretrained(str(out))
    roberta_tokenizer.save_pretrained(str(out))
    return out


@pytest.fixture(scope="session")
def name_age_model_dir(roberta_tokenizer, tmp_path_factory):
    """A hand-set tagger of NAME as PATIENT and AGE as AGE, saved as a model folder."""
    out = tmp_path_factory.mktemp("name-age-model")
    hand_set_tagger(roberta_tokenizer, {NAME: "PATIENT", AGE: "AGE"}).save_pretrained(str(out))
    roberta_tokenizer.save_pretrained(str(out))
    return out


def run_cli(monkeypatch, capsys, *args):
    """Run `phiner ARGS` in this process as the console script does: (exit code, stdout, stderr)."""
    import sys

    from phiner.cli.main import main

    monkeypatch.setattr(sys, "argv", ["phiner", *map(str, args)])
    with pytest.raises(SystemExit) as exit_:
        main()
    captured = capsys.readouterr()
    return exit_.value.code, captured.out, captured.err
