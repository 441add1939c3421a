"""``phiner quickstart``: the whole job on embedded defaults, sized to finish in minutes on a 2-core CPU.

Synthetic scenario records (no outside data), the bundled ``minilm`` base, the default LoRA, evaluation
before and after training, the plots, and a sample prediction on the first test record (its entities grouped
by type).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from phiner.core.config import LoraSettings, RunConfig, preset
from phiner.data.synth import scenarios as synth

QUICKSTART_TRAIN = preset("phiner", epochs=3, learning_rate=2e-3)
"""phiner's default recipe shortened to 3 epochs (of 600 records) so that it fits in minutes, at twice its learning
rate so that so few steps still learn the synthetic records (docs/index.md, "What the quickstart does")."""
QUICKSTART_RECORDS = {"train": 600, "test": 100}
SAMPLE_NOTE = (
    "Innlagt 14.03.2024. Pasient: Kari Nordmann, 41 år, fnr 140331 43010, bor i Tromsø. Sønnen Per "
    "(tlf 917 11 663) ble informert av dr Hansen."
)
"""A made-up note that the quickstart redacts with the model shipped in the package."""


def run_quickstart(out: str | Path, *, seed: int = 0, log: Callable[[str], None] = print) -> dict[str, Any]:
    """Build data, train, evaluate and tag one sample under ``out``; return metrics and the sample."""
    from phiner.analyze.tagger import Tagger
    from phiner.train.trainer import train

    out = Path(out)
    data = out / "data"
    log(f"1/3 synthetic data -> {data}")
    synth.build(data, n_train=QUICKSTART_RECORDS["train"], n_test=QUICKSTART_RECORDS["test"], seed=seed)
    log(f"2/3 training minilm with LoRA -> {out / 'run'}")
    config = RunConfig(base_model="minilm", data=[str(data)], lora=LoraSettings(), train=QUICKSTART_TRAIN)
    metrics = train(config, out / "run", overwrite=True, log=log)
    log("3/3 tagging the first test record")
    from phiner.data.dataset import load_records

    sample = load_records(data, "test")[0]
    predicted = Tagger.load(out / "run").predict([sample["text"]])[0]
    real = [{**t, "text": sample["text"][t["start"] : t["end"]]} for t in sample["ner_tags"]]
    return {
        "metrics": metrics,
        "sample": {"text": sample["text"], "predicted": [s.to_dict() for s in predicted], "real": real},
        "shipped": redact_with_shipped_model(log),
    }


def redact_with_shipped_model(log: Callable[[str], None] = print) -> dict[str, str] | None:
    """:data:`SAMPLE_NOTE` redacted by the model shipped in the package (None where this install has none)."""
    from phiner.core.errors import ModelNotFoundError
    from phiner.model.base import default_model

    try:
        folder = default_model()
    except ModelNotFoundError:
        return None
    import phiner

    log("and a sample note redacted by the model phiner ships (no training needed)")
    [redaction] = phiner.load(folder).redact([SAMPLE_NOTE], seed=0)
    return {"note": SAMPLE_NOTE, "redacted": redaction.text}
