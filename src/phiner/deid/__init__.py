"""From spans to safe text: operators (:mod:`~phiner.deid.operators`), surrogates consistent per document or
patient (:mod:`~phiner.deid.surrogates`), and jobs over many documents (:mod:`~phiner.deid.batch`)."""

from phiner.deid.operators import OPERATORS, Redaction, redact
from phiner.deid.surrogates import DocumentContext, SurrogateSettings

__all__ = ["OPERATORS", "DocumentContext", "Redaction", "SurrogateSettings", "redact"]
