"""Which job a request is, and which combinations are refused, decided in the jobs layer before a model loads."""

import re

import pytest

from phiner.core.errors import PhinerError
from phiner.jobs.plan import JobRequest, plan_predict, plan_redact


@pytest.fixture
def inputs(tmp_path):
    (tmp_path / "note.txt").write_text("Ring Kari.")
    (tmp_path / "notes.jsonl").write_text('{"text": "Ring Kari."}\n')
    (tmp_path / "notes.csv").write_text("id,text\n1,Ring Kari.\n")
    (tmp_path / "texts").mkdir()
    (tmp_path / "texts" / "a.txt").write_text("Ring Kari.")
    (tmp_path / "tables").mkdir()
    (tmp_path / "tables" / "a.csv").write_text("id,text\n1,x\n")
    return tmp_path


@pytest.mark.parametrize(
    "given,kind",
    [
        (dict(text="Ring Kari."), "text"),
        (dict(input="note.txt"), "text"),
        (dict(input="texts", output="out"), "folder"),
        (dict(input="notes.jsonl", output="out.jsonl"), "jsonl"),
        (dict(input="notes.jsonl", output="parts"), "tables"),
        (dict(input="notes.jsonl", output="out.jsonl", engine="ray"), "tables"),
        (dict(input="notes.csv", output="parts"), "tables"),
        (dict(input="tables", output="parts"), "tables"),
        (dict(input="tables/*.csv", output="parts"), "tables"),
    ],
)
def test_given_an_input_then_redact_plans_its_kind(inputs, given, kind):
    paths = {k: inputs / v if k in ("input", "output") else v for k, v in given.items()}
    assert plan_redact(JobRequest(**paths)) == kind


@pytest.mark.parametrize(
    "given,message",
    [
        (dict(), "exactly one of --text or --input"),
        (dict(text="x", input="note.txt"), "exactly one of --text or --input"),
        (dict(input="missing.txt"), "no such file or folder"),
        (dict(input="notes.csv"), "--output (a folder of part files) is needed"),
        (dict(input="notes.csv", output="parts", key="key.jsonl"), "--key works with one text"),
        (dict(input="texts", output="out", output_format="csv"), "work with tables"),
        (dict(input="texts"), "--output is needed with a folder"),
        (dict(input="texts", output="out", key="key.jsonl"), "not a folder"),
        (dict(input="note.txt", output="note.txt"), "the output should differ from the input"),
        (dict(text="x", output="o.txt", key="o.txt"), "the key file should differ"),
    ],
)
def test_given_a_bad_combination_then_redact_refuses_it_naming_options(inputs, given, message):
    paths = {k: inputs / v if k in ("input", "output", "key") else v for k, v in given.items()}
    with pytest.raises(PhinerError, match=re.escape(message)):
        plan_redact(JobRequest(**paths))


def test_given_table_options_outside_tables_then_predict_names_each(inputs):
    request = JobRequest(input=inputs / "notes.jsonl", output=inputs / "o.jsonl", text_field="body", resume=True)
    with pytest.raises(PhinerError, match=r"^--text-field: only with tables"):
        plan_predict(request)
    with pytest.raises(PhinerError, match=r"^--id-field, --resume: only with tables"):
        plan_predict(JobRequest(input=inputs / "notes.jsonl", id_field="id", resume=True))
    resumed = JobRequest(input=inputs / "notes.jsonl", output=inputs / "o.jsonl", id_field="id", resume=True)
    assert plan_predict(resumed) == "jsonl"  # a JSONL job resumes, by its id field
    assert plan_predict(JobRequest(input=inputs / "notes.jsonl", output=inputs / "o.jsonl")) == "jsonl"
    assert plan_predict(JobRequest(text="Ring Kari.")) == "text"
    with pytest.raises(PhinerError, match="no such file"):
        plan_predict(JobRequest(input=inputs / "texts"))
