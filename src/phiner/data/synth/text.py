"""The generators' vocabulary and templates, kept as YAML data files beside this module."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def load_text(name: str) -> dict[str, Any]:
    """A YAML file of this folder, every list in it read back as a tuple: the tables are shared, never changed."""
    import yaml

    text = (Path(__file__).with_name(name)).read_text(encoding="utf-8")
    return _tuples(yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))


def _tuples(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _tuples(v) for k, v in value.items()}
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    return value
