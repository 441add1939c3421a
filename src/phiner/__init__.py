"""phiner: find and de-identify protected health information in clinical text."""

__version__ = "0.1.0"


def load(run, **kwargs):
    """A :class:`phiner.infer.tagger.Tagger` for a run folder: ``phiner.load(RUN).predict(texts)``."""
    from phiner.infer.tagger import Tagger

    return Tagger.load(run, **kwargs)
