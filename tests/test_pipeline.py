"""The pipeline: the analyzer's spans through the anonymizer, for one text or many, with surrogates keyed by each
document's (or patient's) identity."""

import pytest

from conftest import NAME
from phiner.analyze.tagger import Tagger
from phiner.pipeline import Pipeline, RedactOptions


def test_given_texts_then_the_python_api_redacts_them(name_tagger, roberta_tokenizer):
    tagger = Pipeline(Tagger(name_tagger, roberta_tokenizer))
    [tagged, masked] = [tagger.redact([f"Ring {NAME} i dag."], operator=op)[0] for op in ("tag", "mask")]
    assert tagged.text == "Ring [PATIENT] i dag."
    assert masked.text == "Ring ******** i dag."
    assert tagged.items[0].to_dict()["original_start"] == 5


def test_given_two_documents_at_the_same_position_then_their_surrogates_differ(name_tagger, roberta_tokenizer):
    # finding 1: every document at position i got the same surrogate draws under one seed
    tagger = Pipeline(Tagger(name_tagger, roberta_tokenizer))
    found = {
        tagger.redact([f"{NAME} kom {i}."], operator="surrogate", seed=1)[0].items[0].replacement for i in range(6)
    }
    assert len(found) > 1


def test_given_no_secret_then_one_call_still_gives_one_patient_one_surrogate(name_tagger, roberta_tokenizer):
    tagger = Pipeline(Tagger(name_tagger, roberta_tokenizer))
    done = tagger.redact([f"{NAME} {i}" for i in range(4)], operator="surrogate", patient_ids=["p"] * 4)
    assert len({r.items[0].replacement for r in done}) == 1


@pytest.mark.parametrize(
    "options,message",
    [
        (dict(operator="shred"), "`operator` names an unknown operator"),
        (dict(overrides={"NAME": "mask"}), "`overrides` entry 1 names an unknown entity type"),
        (dict(buffer=0), "`buffer` should be at least 1"),
    ],
)
def test_given_bad_redact_options_then_they_are_refused_when_made(options, message):
    from phiner.core.errors import PhinerError

    with pytest.raises(PhinerError, match=message):
        RedactOptions(**options)
