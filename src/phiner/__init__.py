"""phiner: find and de-identify protected health information in clinical text."""

__version__ = "0.1.0"


def load(run=None, *, adapters=None, default_adapter=None, **kwargs):
    """A :class:`phiner.pipeline.Pipeline` over a run folder: ``phiner.load(RUN).predict(texts)``,
    ``.redact(texts, "surrogate", secret=...)``; with no run, the model shipped with phiner. Its ``analyzer`` is a
    :class:`phiner.analyze.tagger.Tagger`, built as the command line and the service build theirs
    (:func:`phiner.analyze.config.build_analyzer`).

    With ``adapters`` ({name: run folder}), the analyzer is an :class:`phiner.analyze.registry.AdapterRegistry`:
    one base model in memory (``run``: a base such as ``minilm``, or a run folder standing for its base; None: the
    first adapter's) and each run's LoRA and head beside it, ``predict(texts, adapter="nb-notes")``.

    ``kwargs`` are :class:`phiner.analyze.config.AnalyzerConfig` fields (``rules``, ``builtin``, ``precision``,
    ``windowing``, ``batch_size``), and ``thresholds`` (the thresholds used, in place of the run's) and
    ``detector=None`` (the model's spans alone)."""
    from phiner.analyze.config import AnalyzerConfig, build_analyzer
    from phiner.pipeline import Pipeline

    if "detector" in kwargs:
        if kwargs.pop("detector") is not None:
            from phiner.core.errors import Errors, UsageError

            raise UsageError(Errors.E240)
        kwargs["detection"] = False
    if kwargs.get("thresholds") is not None:
        kwargs["run_thresholds"] = False
    elif "thresholds" in kwargs:
        kwargs.pop("thresholds")
    if adapters is not None:
        if not adapters:
            from phiner.core.errors import Errors, PhinerError

            raise PhinerError(Errors.E150.format())
        config = AnalyzerConfig(adapters=adapters, base=run, default_adapter=default_adapter, **kwargs)
    else:
        config = AnalyzerConfig(model=run, **kwargs)
    return Pipeline(build_analyzer(config))
