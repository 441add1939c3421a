"""Dataset folders: one JSONL per split (the canonical copy), a ``datasets.DatasetDict`` saved beside it,
and ``info.json`` saying where the data came from."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from phiner.core.errors import Errors, RecordError
from phiner.core.records import read_jsonl, validate_record, write_json, write_jsonl


def save_dataset(out: str | Path, splits: dict[str, list[dict[str, Any]]], info: dict[str, Any]) -> Path:
    """Write ``out/{split}.jsonl``, the DatasetDict (``save_to_disk``) and ``out/info.json``."""
    from datasets import Dataset, DatasetDict
    from datasets.utils.logging import disable_progress_bar

    disable_progress_bar()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for name, records in splits.items():
        for i, record in enumerate(records):
            try:
                validate_record(record)
            except RecordError as err:
                raise RecordError(Errors.E093.format(name=name, index=i, problem=err.problem)) from None
        write_jsonl(out / f"{name}.jsonl", records)
    DatasetDict({name: Dataset.from_list(_arrow_ready(records)) for name, records in splits.items()}).save_to_disk(
        str(out / "hf")
    )
    write_json(out / "info.json", {**info, "splits": {name: len(r) for name, r in splits.items()}})
    return out


def _arrow_ready(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # Arrow needs one schema per column: keep the contract's two fields only.
    return [
        {"text": r["text"], "ner_tags": [{k: t[k] for k in ("start", "end", "label")} for t in r["ner_tags"]]}
        for r in records
    ]


def load_records(path: str | Path, split: str = "test", *, require_tags: bool = True) -> list[dict[str, Any]]:
    """Records of a JSONL file, or of one split of a dataset folder written by :func:`save_dataset`."""
    path = Path(path)
    if path.is_dir():
        file = path / f"{split}.jsonl"
        if not file.exists():
            have = sorted(p.stem for p in path.glob("*.jsonl"))
            raise RecordError(
                Errors.E094.format(path=path, name=split, file=file.name, choices=", ".join(have) or "none")
            )
        path = file
    elif not path.exists():
        raise RecordError(Errors.E095.format(path=path))
    return read_jsonl(path, require_tags=require_tags)
