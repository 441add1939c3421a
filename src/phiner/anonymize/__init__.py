"""What replaces PHI: operators (:mod:`~phiner.anonymize.operators`) and surrogates consistent per document or
patient (:mod:`~phiner.anonymize.surrogates`)."""

from phiner.anonymize.operators import OPERATORS, Redaction, redact
from phiner.anonymize.surrogates import DocumentContext, SurrogateSettings

__all__ = ["OPERATORS", "DocumentContext", "Redaction", "SurrogateSettings", "redact"]
