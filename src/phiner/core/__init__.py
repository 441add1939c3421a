"""The contract every stage speaks: labels, records and spans, errors, shared vocabularies."""
