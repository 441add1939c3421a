"""The options that serve adapters on one base, for serve (and predict and redact): ``--base BASE``, ``--adapter
NAME=RUN`` (repeated) and ``--default-adapter NAME``."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from phiner.core.errors import Errors, PhinerError

Base = Annotated[
    Optional[str],
    typer.Option(
        help="With --adapter: the base model the adapters share (minilm, a hub id, a model folder, or a run folder "
        "standing for its base); default: the first adapter's base."
    ),
]
Adapters = Annotated[
    Optional[list[str]],
    typer.Option(
        "--adapter",
        help="NAME=RUN: a run folder's LoRA adapter and head, loaded beside the others on one base. Repeat for several.",
    ),
]
Precision = Annotated[
    str,
    typer.Option(
        help="PyTorch models: auto (bf16 where the CPU or GPU runs it natively), bf16, or fp32 (the same figures "
        "whatever the batch and thread count)."
    ),
]
DefaultAdapter = Annotated[
    Optional[str], typer.Option(help="The adapter of requests that name none; default: the first --adapter.")
]


def parse_adapters(items: list[str] | None) -> dict[str, Path]:
    """``--adapter NAME=RUN`` entries as ``{name: run folder}``, in the order given."""
    from phiner.model.adapters import check_name

    out: dict[str, Path] = {}
    for i, item in enumerate(items or [], start=1):
        name, sep, run = item.partition("=")
        if not sep or not run.strip():
            raise PhinerError(Errors.E262.format(index=i))
        try:
            name = check_name(name.strip())
        except PhinerError as err:
            raise PhinerError(Errors.E263.format(index=i, problem=err)) from None
        if name in out:
            raise PhinerError(Errors.E264.format(index=i))
        out[name] = Path(run.strip())
    return out


def check_choice(
    model: Path | None, base: str | None, adapters: dict[str, Path], default: str | None, thresholds: list[str] | None
) -> None:
    """Refuse options that do not go together: one model or adapters, and adapter options without adapters."""
    if not adapters:
        if base is not None or default is not None:
            raise PhinerError(Errors.E265)
        return
    if model is not None:
        raise PhinerError(Errors.E266)
    if thresholds:
        raise PhinerError(Errors.E267)
    if default is not None and default not in adapters:
        raise PhinerError(Errors.E268)


def registry_config(
    base: str | None,
    adapters: dict[str, Path],
    *,
    default: str | None = None,
    rules: Path | None = None,
    no_rules: bool = False,
    **kwargs: Any,
):
    """The :class:`~phiner.analyze.config.AnalyzerConfig` of adapters on one base, each run checked first (the
    errors name the ``--adapter`` entry)."""
    from phiner.analyze.config import AnalyzerConfig

    for name, run in adapters.items():
        if not run.is_dir():
            raise PhinerError(Errors.E269.format(name=name, path=run))
    return AnalyzerConfig(
        adapters=adapters, base=base, default_adapter=default, rules=rules, builtin=not no_rules, **kwargs
    )


def registry_loader(base: str | None, adapters: dict[str, Path], **options: Any) -> Callable[[], Any]:
    """An :class:`phiner.analyze.registry.AdapterRegistry` in two steps, as :func:`phiner.cli.detection.tagger_loader`:
    options checked now, the base and adapters loaded when the function returned is called (it pickles)."""
    from phiner.analyze.config import build_analyzer

    return functools.partial(build_analyzer, registry_config(base, adapters, **options))


def adapter_tagger_loader(
    base: str | None, adapters: dict[str, Path], name: str | None = None, **options: Any
) -> Callable[[], Any]:
    """A loader of the :class:`phiner.analyze.tagger.Tagger` that reads through adapter ``name`` (None: the default)
    of the registry :func:`registry_loader` makes: what ``predict`` and ``redact --adapter`` take in place of
    :func:`phiner.cli.detection.tagger_loader`."""
    from phiner.analyze.config import build_adapter_view

    return functools.partial(build_adapter_view, registry_config(base, adapters, **options), name)


def tagger_or_adapter_loader(
    model: Path | None,
    base: str | None,
    adapter: list[str] | None,
    default_adapter: str | None,
    *,
    rules: Path | None = None,
    no_rules: bool = False,
    thresholds: list[str] | None = None,
    precision: str = "auto",
) -> Callable[[], Any]:
    """``predict`` and ``redact``'s loader: one model (``--model``, or the shipped one), or ``--adapter
    NAME=RUN`` entries on one ``--base``, read through ``--default-adapter`` (else the first)."""
    from phiner.cli.detection import tagger_loader

    if precision not in ("auto", "bf16", "fp32"):
        raise PhinerError(Errors.E270.format(given=precision))
    adapters = parse_adapters(adapter)
    check_choice(model, base, adapters, default_adapter, thresholds)
    if adapters:
        return adapter_tagger_loader(
            base, adapters, default_adapter, rules=rules, no_rules=no_rules, precision=precision
        )
    return tagger_loader(model, rules=rules, no_rules=no_rules, thresholds=thresholds, precision=precision)
