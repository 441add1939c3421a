"""How an analyzer is built: one picklable, validated :class:`AnalyzerConfig`, and the one function that builds
it, :func:`build_analyzer`, which the command line, the service, :mod:`phiner.ray` and :func:`phiner.load` call.

The config is checked when it is made (a bad setting is refused before any model loads) and holds only paths,
names and numbers, with every path made absolute: it pickles, so a Ray actor builds the same analyzer on its own
node. The model itself is resolved and loaded when :func:`build_analyzer` runs; a config with no model means the
model shipped with phiner, whose folder differs from one install to another.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from phiner.core.errors import Errors, PhinerError
from phiner.model.windows import Windowing

PRECISIONS = ("auto", "bf16", "fp32")


@dataclass(frozen=True)
class AnalyzerConfig:
    """One model, or adapters on one base, and the detection beside it."""

    model: Path | None = field(
        default=None,
        metadata={"help": "Run folder, merged model folder or ONNX export; None: the model shipped with phiner."},
    )
    adapters: Mapping[str, Path] = field(
        default_factory=dict, metadata={"help": "Name -> run folder: LoRA adapters and heads on one base."}
    )
    base: str | None = field(
        default=None, metadata={"help": "With adapters: the base they share; None: the first adapter's."}
    )
    default_adapter: str | None = field(
        default=None, metadata={"help": "With adapters: the adapter of texts that name none; None: the first."}
    )
    rules: Path | None = field(default=None, metadata={"help": "A site rules YAML (deny, patterns, allow, titles)."})
    builtin: bool = field(
        default=True, metadata={"help": "The built-in recognizers, context rules and allow list (False: --no-rules)."}
    )
    recognizers: tuple[str, ...] = field(
        default=(),
        metadata={"help": "A site's own recognizers beside the built-ins: registered names or module:attribute paths."},
    )
    detection: bool = field(
        default=True,
        metadata={"help": "Recognizers and rules merged with the model's spans; False: the model's spans alone."},
    )
    thresholds: Mapping[str, float | None] = field(
        default_factory=dict,
        metadata={"help": "Type -> P(not O) at which a token is PHI, over the run's calibrated ones; None: arg-max."},
    )
    run_thresholds: bool = field(
        default=True, metadata={"help": "Start from the thresholds calibrated in the run (False: from none)."}
    )
    precision: str = field(default="auto", metadata={"help": "PyTorch models: auto, bf16 or fp32."})
    windowing: Windowing | None = field(default=None, metadata={"help": "Windows; None: those the run trained on."})
    batch_size: int = field(default=16, metadata={"help": "Windows per forward pass."})

    def __post_init__(self) -> None:
        from phiner.analyze.rules import SiteRules
        from phiner.analyze.tagger import check_thresholds
        from phiner.model.adapters import check_name

        set_ = object.__setattr__
        if self.precision not in PRECISIONS:
            raise PhinerError(Errors.E142.format(given=self.precision))
        if self.batch_size < 1:
            raise PhinerError(Errors.E143.format(given=self.batch_size))
        adapters = {check_name(name): Path(run) for name, run in dict(self.adapters).items()}
        if adapters:
            if self.model is not None:
                raise PhinerError(Errors.E144)
            if self.thresholds or not self.run_thresholds:
                raise PhinerError(Errors.E145)
            if self.default_adapter is not None and self.default_adapter not in adapters:
                raise PhinerError(Errors.E146)
            for name, run in adapters.items():
                if not run.is_dir():
                    raise PhinerError(Errors.E147.format(name=name, path=run))
        elif self.base is not None or self.default_adapter is not None:
            raise PhinerError(Errors.E148)
        set_(self, "adapters", {name: run.resolve() for name, run in adapters.items()})
        thresholds = dict(self.thresholds)
        check_thresholds({k: v for k, v in thresholds.items() if v is not None}, where="thresholds")
        set_(self, "thresholds", thresholds)
        if self.model is not None:
            set_(self, "model", Path(self.model).resolve())
        from phiner.analyze.recognizers import recognizer_factory

        set_(self, "recognizers", tuple(self.recognizers))
        for name in self.recognizers:
            recognizer_factory(name)
        if self.rules is not None:
            rules = Path(self.rules)
            if not rules.is_file():
                raise PhinerError(Errors.E149.format(path=rules))
            SiteRules.load(rules)  # its errors now, not in every actor
            set_(self, "rules", rules.resolve())

    def model_path(self) -> Path:
        """The model folder, the shipped model's where the config names none."""
        if self.model is not None:
            return self.model
        from phiner.model.base import default_model

        return default_model()

    def chosen_thresholds(self) -> dict[str, float]:
        """The thresholds of a one-model analyzer: the run's calibrated ones (unless :attr:`run_thresholds` is
        False), each overridden by :attr:`thresholds` (None: that type by arg-max)."""
        from phiner.analyze.tagger import check_thresholds, run_thresholds

        chosen = dict(run_thresholds(self.model_path())) if self.run_thresholds else {}
        for kind, value in self.thresholds.items():
            if value is None:
                chosen.pop(kind, None)
            else:
                chosen[kind] = value
        return check_thresholds(chosen)


def build_analyzer(config: AnalyzerConfig) -> Any:
    """The analyzer ``config`` describes: a :class:`~phiner.analyze.tagger.Tagger` over one model, or an
    :class:`~phiner.analyze.registry.AdapterRegistry` of its adapters on one base; the built-in detection (unless
    ``builtin`` is False) and the site's rules beside it, unless ``detection`` is False."""
    from phiner.analyze.detector import Detector
    from phiner.analyze.rules import SiteRules

    detector = None
    if config.detection:
        site = SiteRules.load(config.rules) if config.rules is not None else None
        detector = Detector.default(site, builtin=config.builtin, recognizers=config.recognizers)
    if config.adapters:
        from phiner.analyze.registry import AdapterRegistry

        return AdapterRegistry.load(
            config.base,
            config.adapters,
            default=config.default_adapter,
            detector=detector,
            batch_size=config.batch_size,
            precision=config.precision,
        )
    from phiner.analyze.tagger import Tagger

    options: dict[str, Any] = {"batch_size": config.batch_size}
    if config.windowing is not None:
        options["windowing"] = config.windowing
    return Tagger.load(
        config.model_path(),
        detector=detector,
        thresholds=config.chosen_thresholds(),
        precision=config.precision,
        **options,
    )


def build_adapter_view(config: AnalyzerConfig, name: str | None = None) -> Any:
    """The :class:`~phiner.analyze.tagger.Tagger` that reads through adapter ``name`` (None: the default) of the
    registry :func:`build_analyzer` builds from ``config`` (a one-model config: its Tagger)."""
    analyzer = build_analyzer(config)
    return analyzer.tagger(name) if config.adapters else analyzer
