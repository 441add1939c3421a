"""phiner: find and de-identify protected health information in clinical text."""

__version__ = "0.1.0"


def load(run=None, **kwargs):
    """A :class:`phiner.infer.tagger.Tagger` for a run folder, ``phiner.load(RUN).predict(texts)``; with no
    run, the model shipped with phiner."""
    from phiner.infer.tagger import Tagger

    if run is None:
        from phiner.model.base import default_model

        run = default_model()
    return Tagger.load(run, **kwargs)
