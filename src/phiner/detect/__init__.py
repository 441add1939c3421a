"""Detection beside the model: recognizers for PHI that has a shape, built-in context rules, a site's own
rules file, the PHI already known about a document's patient, and the one merge of all of these with the
model's spans (:mod:`phiner.detect.merge`). Every span keeps the ``source`` that found it."""

from phiner.detect.context import ContextRules
from phiner.detect.detector import Detector
from phiner.detect.known import KnownPHI, check_known, name_forms
from phiner.detect.merge import merge
from phiner.detect.recognizers import (
    EmailRecognizer,
    IdNumberRecognizer,
    PhoneRecognizer,
    Recognizer,
    SsnRecognizer,
    UrlRecognizer,
    builtin_recognizers,
)
from phiner.detect.rules import RulesError, SiteRules, builtin_rules
from phiner.detect.temporal import AgeRecognizer, DateRecognizer, date_value

__all__ = [
    "AgeRecognizer",
    "ContextRules",
    "DateRecognizer",
    "Detector",
    "EmailRecognizer",
    "IdNumberRecognizer",
    "KnownPHI",
    "PhoneRecognizer",
    "Recognizer",
    "RulesError",
    "SiteRules",
    "SsnRecognizer",
    "UrlRecognizer",
    "builtin_recognizers",
    "builtin_rules",
    "check_known",
    "date_value",
    "merge",
    "name_forms",
]
