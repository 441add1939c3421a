"""Detection beside the model: recognizers for PHI that has a shape (national identifiers, phone numbers),
each span keeping the ``source`` that found it. (Issue 12; site rules, known PHI and the merge with the
model's spans come next.)"""

from phiner.detect.recognizers import RECOGNIZERS, IdNumberRecognizer, PhoneRecognizer, Recognizer, SsnRecognizer

__all__ = ["RECOGNIZERS", "IdNumberRecognizer", "PhoneRecognizer", "Recognizer", "SsnRecognizer"]
