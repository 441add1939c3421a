"""What finds PHI: the tagger over a PyTorch or ONNX model (:mod:`~phiner.analyze.tagger`), adapters on one base
(:mod:`~phiner.analyze.registry`), and detection beside the model: recognizers for PHI that has a shape, built-in
context rules, a site's own rules file, the PHI already known about a document's patient, and the one merge of
all of these with the model's spans (:mod:`phiner.analyze.merge`). Every span keeps the ``source`` that found
it."""

from phiner.analyze.context import ContextRules
from phiner.analyze.detector import Detector
from phiner.analyze.known import KnownPHI, check_known, name_forms
from phiner.analyze.merge import merge
from phiner.analyze.recognizers import (
    EmailRecognizer,
    IdNumberRecognizer,
    PhoneRecognizer,
    Recognizer,
    SsnRecognizer,
    UrlRecognizer,
    builtin_recognizers,
)
from phiner.analyze.rules import RulesError, SiteRules, builtin_rules
from phiner.analyze.temporal import AgeRecognizer, DateRecognizer, date_value

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
