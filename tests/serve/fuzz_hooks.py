"""Schemathesis hooks of the service's fuzzing (tests/serve/test_fuzz_service.py): what a request must hold that no
JSON schema can say, given to the requests generated to be valid (negative ones are left as generated).

- ``knowns`` and ``patient_ids`` have one entry per text: they are cut or padded (null) to the length of ``texts``;
- a request's regex must be one RE2 runs in linear time, that matches no empty string and has the group named: each
  is replaced by one that is;
- a run folder must exist on the server: ``POST /v1/adapters`` names the one in ``$PHINER_FUZZ_RUN``.
"""

import os

import schemathesis

REGEX = r"MRN ?(\d{7})"


def map_case(context, case):
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or not isinstance(case.body, dict):
        return case
    body = case.body
    if case.path == "/v1/adapters" and case.method.upper() == "POST":
        body["path"] = os.environ["PHINER_FUZZ_RUN"]
        return case
    texts = body.get("texts")
    for key in ("knowns", "patient_ids"):
        if isinstance(texts, list) and isinstance(body.get(key), list):
            body[key] = (body[key] + [None] * len(texts))[: len(texts)]
    rules = body.get("rules")
    if isinstance(rules, dict) and isinstance(rules.get("patterns"), list):
        for pattern in rules["patterns"]:
            if isinstance(pattern, dict):
                pattern["regex"] = REGEX
                if "group" in pattern:
                    pattern["group"] = 1
    return case


if "PHINER_FUZZ_RUN" in os.environ:  # the fuzzing run; pytest's doctest collection imports this file too
    schemathesis.hook(map_case)
