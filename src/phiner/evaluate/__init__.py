"""Scores: seqeval, strict spans, character-level PHI recall with intervals, over-redaction."""
