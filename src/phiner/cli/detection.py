"""The options that say how PHI is found, shared by predict, redact, evaluate, calibrate and serve:
``--rules FILE``, ``--no-rules``, ``--threshold TYPE=P``, ``--known-field`` and ``--known-column KEY=TYPE``."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from phiner.core.errors import Errors, PhinerError
from phiner.core.help import JOB

Model = Annotated[
    Optional[Path],
    typer.Option(help="Run folder, merged model folder or ONNX export; default: the model shipped with phiner."),
]
Rules = Annotated[
    Optional[Path],
    typer.Option(help="A site rules YAML (deny, patterns, allow, titles): see examples/rules.yaml."),
]
NoRules = Annotated[
    bool,
    typer.Option(
        "--no-rules",
        help="Leave out the built-in recognizers, context rules and allow list (the model, --rules and known PHI stay).",
    ),
]
Thresholds = Annotated[
    Optional[list[str]],
    typer.Option(
        "--threshold",
        help="TYPE=P: a token is PHI of TYPE when P(not O) >= P (overrides the run's calibrated one); "
        "TYPE=argmax drops it. Repeat for several.",
    ),
]
KnownField = Annotated[str, typer.Option(help=JOB["known_field"])]
KnownColumns = Annotated[
    Optional[list[str]],
    typer.Option(
        "--known-column",
        help="KEY=TYPE: a record's structured field holding known PHI, e.g. givenName=PATIENT. Repeat for several.",
    ),
]


def load_tagger(
    model: Path,
    *,
    rules: Path | None = None,
    no_rules: bool = False,
    thresholds: list[str] | None = None,
    **kwargs: Any,
):
    """The model with its detector (built-in rules unless ``no_rules``, and a site's ``rules``) and thresholds
    (the run's calibrated ones, each overridden by ``TYPE=P``)."""
    return tagger_loader(model, rules=rules, no_rules=no_rules, thresholds=thresholds, **kwargs)()


def tagger_loader(
    model: Path | None,
    *,
    rules: Path | None = None,
    no_rules: bool = False,
    thresholds: list[str] | None = None,
    **kwargs: Any,
) -> Callable[[], Any]:
    """:func:`load_tagger` in two steps: its options checked now (an :class:`~phiner.analyze.config.AnalyzerConfig`),
    the model loaded when the function returned is called. That function pickles, so a Ray actor calls it on its
    own node, once."""
    from phiner.analyze.config import AnalyzerConfig, build_analyzer
    from phiner.analyze.tagger import check_thresholds

    overrides: dict[str, float | None] = {}
    for i, item in enumerate(thresholds or [], start=1):
        kind, sep, value = item.partition("=")
        if not sep:
            raise PhinerError(Errors.E273.format(index=i))
        if value.strip().lower() == "argmax":
            overrides[kind.strip()] = None
            continue
        try:
            overrides[kind.strip()] = float(value)
        except ValueError:
            raise PhinerError(Errors.E274.format(index=i)) from None
    check_thresholds({k: v for k, v in overrides.items() if v is not None}, where="--threshold")
    config = AnalyzerConfig(model=model, rules=rules, builtin=not no_rules, thresholds=overrides, **kwargs)
    return functools.partial(build_analyzer, config)


def resolve_model(model: Path | None) -> Path:
    """``--model``, or the model shipped with phiner where none is given."""
    if model is not None:
        return model
    from phiner.model.base import default_model

    return default_model()


def known_columns(items: list[str] | None) -> dict[str, str]:
    """``--known-column KEY=TYPE`` entries as a mapping."""
    from phiner.core.labels import PHI_TYPES

    out = {}
    for i, item in enumerate(items or [], start=1):
        key, sep, kind = item.partition("=")
        if not sep or not key.strip():
            raise PhinerError(Errors.E275.format(index=i))
        if kind.strip() not in PHI_TYPES:
            raise PhinerError(Errors.E276.format(index=i, choices=", ".join(PHI_TYPES)))
        out[key.strip()] = kind.strip()
    return out
