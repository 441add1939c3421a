"""A run folder (written by ``phiner train``, ``merge`` or ``export``): the one place that reads its files and
the one way such a folder is written (to a hidden partial folder, renamed into place when complete).

Errors name the file and the field, never what it held.
"""

from __future__ import annotations

import json
import math
import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from phiner.core.config import RunConfig
from phiner.core.errors import Errors, OutputExistsError, PhinerError, os_errors
from phiner.core.labels import ID2LABEL, LABEL2ID
from phiner.core.labels import LABELS as LABEL_LIST
from phiner.core.records import write_json

CONFIG = "config.yaml"
METRICS = "metrics.json"
LABELS = "labels.json"
ADAPTER_CONFIG = "adapter_config.json"
THRESHOLDS = "thresholds.json"
"""Per-type thresholds written by ``phiner calibrate`` (with the recall they reached and what they cost)."""
RUN_FILES = (
    ADAPTER_CONFIG,
    "adapter_model.safetensors",
    "tokenizer.json",
    "tokenizer_config.json",
    LABELS,
    CONFIG,
    METRICS,
    "history.json",
    "loss.png",
    "confusion.json",
    "confusion.png",
)
"""What ``phiner train`` writes into a run folder (and the run folder's README.md)."""
TRAVELLING = (LABELS, METRICS, CONFIG, THRESHOLDS, "README.md")
"""What goes with a model into the folders made from its run (merged, exported): its labels, scores and
settings and its model card, so that they predict with the windows it was trained on and the thresholds
calibrated for it."""


class RunFolder:
    """The files of one run folder, each read on demand."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"RunFolder({str(self.path)!r})"

    def config(self) -> RunConfig | None:
        """The run's ``config.yaml`` as a checked :class:`RunConfig`, or None where the folder has none."""
        path = self.path / CONFIG
        return read_config(path) if path.is_file() else None

    def json(self, name: str) -> dict[str, Any] | None:
        """One of the folder's JSON files (``metrics.json``, ``adapter_config.json``), or None if absent."""
        path = self.path / name
        if not path.is_file():
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise PhinerError(Errors.E042.format(path=path)) from None
        if not isinstance(data, dict):
            raise PhinerError(Errors.E043.format(path=path))
        return data

    def describe(self) -> dict[str, Any]:
        """What the folder says of itself: adapter settings, metrics, config and base model (absent parts left
        out)."""
        info: dict[str, Any] = {}
        for name, key in ((ADAPTER_CONFIG, "adapter"), (METRICS, "metrics")):
            if (data := self.json(name)) is not None:
                info[key] = data
        config = self.config()
        if config is not None:
            info["config"] = config.to_dict()
        info["base_model"] = info.get("adapter", {}).get("base_model_name_or_path") or (
            config.base_model if config else None
        )
        return info

    @os_errors()
    def save_config(self, config: RunConfig) -> None:
        """Write ``config.yaml``: the resolved configuration the run was made with."""
        import yaml

        (self.path / CONFIG).write_text(yaml.safe_dump(config.to_dict(), sort_keys=False), encoding="utf-8")

    def save_json(self, name: str, data: Any, *, finite: bool = False) -> None:
        """Write one of the folder's JSON files (atomically); with ``finite``, refuse a NaN or infinite number
        (not valid JSON), naming its field, and write nothing."""
        if finite and (field := _non_finite(data)) is not None:
            raise PhinerError(Errors.E044.format(path=self.path / name, field=field))
        write_json(self.path / name, data)

    def save_labels(self) -> None:
        """Write ``labels.json``: the IOB2 labels and both maps."""
        self.save_json(LABELS, {"labels": LABEL_LIST, "label2id": LABEL2ID, "id2label": ID2LABEL})

    @os_errors()
    def copy_travelling(self, folder: str | Path) -> None:
        """Copy the files that go with a model (:data:`TRAVELLING`) into ``folder``."""
        for name in TRAVELLING:
            if (self.path / name).is_file():
                shutil.copyfile(self.path / name, Path(folder) / name)


def _non_finite(data: Any, where: str = "") -> str | None:
    """The dotted field of the first NaN or infinite number in ``data``, or None."""
    if isinstance(data, float) and not math.isfinite(data):
        return where or "(the document)"
    if isinstance(data, Mapping):
        items = ((f"{where}.{k}" if where else str(k), v) for k, v in data.items())
    elif isinstance(data, (list, tuple)):
        items = (((f"{where}[{i}]"), v) for i, v in enumerate(data))
    else:
        return None
    for field, value in items:
        if (found := _non_finite(value, field)) is not None:
            return found
    return None


def read_config(path: str | Path) -> RunConfig:
    """A run config file (a run folder's ``config.yaml``, or one written for ``phiner train --config``) as a
    checked :class:`RunConfig`; errors name the file and the field."""
    from phiner.core.yamlfile import parse_yaml

    path = Path(path)
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as err:
        raise PhinerError(Errors.E045.format(path=path, reason=err.strerror)) from None
    except UnicodeDecodeError:
        raise PhinerError(Errors.E046.format(path=path)) from None
    data = parse_yaml(raw, str(path))[0] or {}  # no aliases: a run folder may come from anyone
    if not isinstance(data, dict) or not all(isinstance(data.get(k, {}), dict) for k in ("train", "lora")):
        raise PhinerError(Errors.E047.format(path=path))
    try:
        return RunConfig.from_dict(data)
    except ValueError as err:  # the config's own checks, from the catalogue
        raise PhinerError(Errors.E048.format(path=path, problem=err)) from None
    except TypeError as err:  # Python's words for a key the settings do not have (it names the key)
        raise PhinerError(Errors.E049.format(path=path, reason=err)) from None


def refuse_overlap(out: str | Path, inputs: Mapping[str, str | Path | None], *, option: str = "--out") -> None:
    """Refuse an output that is, or is inside, one of ``inputs`` (``{option: path}``), or that holds one
    (replacing it would delete it). Paths are compared resolved, links followed."""
    target = Path(out).resolve()
    for name, source in inputs.items():
        if source is None:
            continue
        src = Path(source).resolve()
        if target == src:
            raise PhinerError(Errors.E050.format(option=option, path=out, option2=name, path2=source))
        if src in target.parents:
            raise PhinerError(Errors.E051.format(option=option, path=out, option2=name, path2=source))
        if target in src.parents:
            raise PhinerError(Errors.E052.format(option=option, path=out, option2=name, path2=source))


def refuse_existing(
    out: str | Path, *, overwrite: bool = False, inputs: Mapping[str, str | Path | None] | None = None
) -> None:
    """Refuse to replace an existing folder unless ``overwrite``, and an ``out`` that overlaps one of ``inputs``
    (:func:`refuse_overlap`): called before costly work, and by :func:`writing`."""
    refuse_overlap(out, inputs or {})
    if Path(out).exists() and not overwrite:
        raise OutputExistsError(Errors.E053.format(path=out))


@contextmanager
def writing(
    out: str | Path, *, overwrite: bool = False, inputs: Mapping[str, str | Path | None] | None = None
) -> Iterator[Path]:
    """A hidden partial folder beside ``out`` to write into; renamed to ``out`` when the block succeeds,
    removed when it fails. An existing ``out`` is refused unless ``overwrite``, and one that is, is inside or
    holds one of ``inputs`` always."""
    out = Path(out)
    refuse_existing(out, overwrite=overwrite, inputs=inputs)
    partial = out.with_name(f".{out.name}.partial")
    refuse_overlap(partial, inputs or {}, option="the partial folder")
    shutil.rmtree(partial, ignore_errors=True)
    with os_errors(partial):
        partial.mkdir(parents=True)
    try:
        with os_errors(partial):
            yield partial
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    with os_errors(out):
        if out.exists():
            shutil.rmtree(out)
        partial.rename(out)
