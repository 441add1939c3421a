"""phiner: find and de-identify protected health information in clinical text."""

__version__ = "0.1.0"


def load(run=None, *, adapters=None, default_adapter=None, **kwargs):
    """A :class:`phiner.pipeline.Pipeline` over a run folder: ``phiner.load(RUN).predict(texts)``,
    ``.redact(texts, "surrogate", secret=...)``; with no run, the model shipped with phiner. Its ``analyzer`` is a
    :class:`phiner.analyze.tagger.Tagger`.

    With ``adapters`` ({name: run folder}), the analyzer is an :class:`phiner.analyze.registry.AdapterRegistry`:
    one base model in memory (``run``: a base such as ``minilm``, or a run folder standing for its base; None: the
    first adapter's) and each run's LoRA and head beside it, ``predict(texts, adapter="nb-notes")``."""
    from phiner.pipeline import Pipeline

    if adapters is not None:
        from phiner.analyze.registry import AdapterRegistry

        return Pipeline(AdapterRegistry.load(run, adapters, default=default_adapter, **kwargs))
    from phiner.analyze.tagger import Tagger

    if run is None:
        from phiner.model.base import default_model

        run = default_model()
    return Pipeline(Tagger.load(run, **kwargs))
