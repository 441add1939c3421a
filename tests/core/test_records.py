import json

import pytest

from phiner.core.errors import RecordError
from phiner.core.labels import ID2LABEL, LABEL2ID, LABELS
from phiner.core.records import iter_jsonl, read_jsonl, validate_record, write_jsonl

SECRET = "Marlon Furu 98430148234"


def write_lines(path, lines: list[bytes]) -> None:
    path.write_bytes(b"\n".join(lines) + b"\n")


def rec(**kw) -> bytes:
    return json.dumps({"text": SECRET, "ner_tags": [], **kw}).encode()


BAD_LINES = {
    "span_out_of_range": (
        rec(ner_tags=[{"start": 12, "end": 99, "label": "ID"}]),
        r"\[12, 99\) is out of range for a text of length 23",
    ),
    "end_before_start": (rec(ner_tags=[{"start": 5, "end": 5, "label": "PATIENT"}]), r"end <= start \(5 <= 5\)"),
    "overlapping_spans": (
        rec(ner_tags=[{"start": 0, "end": 11, "label": "PATIENT"}, {"start": 7, "end": 11, "label": "PATIENT"}]),
        "overlap",
    ),
    "unknown_label": (
        rec(ner_tags=[{"start": 0, "end": 6, "label": "NAME"}]),
        r"label 'NAME' is unknown; expected one of ID, DATE",
    ),
    "missing_text": (json.dumps({"ner_tags": []}).encode(), "missing field `text`"),
    "invalid_json": (b'{"text": "Marlon", "ner_tags": [}', "invalid JSON at column"),
    "invalid_utf8": (b'{"text": "Marl\xf8n", "ner_tags": []}', "invalid UTF-8 at byte 14"),
    "text_not_string": (json.dumps({"text": 5, "ner_tags": []}).encode(), "`text` should be a string"),
    "tag_missing_end": (rec(ner_tags=[{"start": 0, "label": "ID"}]), r"ner_tags\[0\] is missing `end`"),
}


@pytest.mark.parametrize("case", sorted(BAD_LINES))
def test_given_a_bad_line_then_the_error_names_file_line_and_problem_without_phi(tmp_path, case):
    line, problem = BAD_LINES[case]
    path = tmp_path / "in.jsonl"
    write_lines(path, [rec(), line])
    with pytest.raises(RecordError, match=problem) as info:
        list(iter_jsonl(path))
    message = str(info.value)
    assert f"{path}:2:" in message
    assert "Marlon" not in message and "98430148234" not in message


def test_given_several_bad_lines_then_read_jsonl_reports_every_one(tmp_path):
    path = tmp_path / "in.jsonl"
    write_lines(path, [rec(), BAD_LINES["invalid_json"][0], rec(), BAD_LINES["unknown_label"][0]])
    with pytest.raises(RecordError) as info:
        read_jsonl(path)
    assert "2 bad line(s)" in str(info.value)
    assert f"{path}:2:" in str(info.value) and f"{path}:4:" in str(info.value)


def test_given_records_then_write_and_read_round_trip_with_sorted_tags(tmp_path):
    records = [
        {
            "text": "Ola bor i Tromsø, født 01.01.1982",
            "ner_tags": [{"start": 23, "end": 33, "label": "DATE"}, {"start": 0, "end": 3, "label": "PATIENT"}],
            "id": 7,
        }
    ]
    assert write_jsonl(tmp_path / "out.jsonl", records) == 1
    back = read_jsonl(tmp_path / "out.jsonl")
    assert back[0]["id"] == 7
    assert [t["label"] for t in back[0]["ner_tags"]] == ["PATIENT", "DATE"]
    assert "Tromsø" in (tmp_path / "out.jsonl").read_text(encoding="utf-8")


def test_given_a_failed_write_then_no_partial_file_is_left(tmp_path):
    def broken():
        yield {"text": "a", "ner_tags": []}
        raise RuntimeError("crash")

    with pytest.raises(RuntimeError):
        write_jsonl(tmp_path / "out.jsonl", broken())
    assert list(tmp_path.iterdir()) == []


def test_given_predict_input_then_ner_tags_are_optional():
    assert validate_record({"text": "x"}, require_tags=False) == {"text": "x"}
    with pytest.raises(RecordError, match="missing field `ner_tags`"):
        validate_record({"text": "x"})


def test_label_maps_are_the_design_iob2_set():
    assert len(LABELS) == 13 and LABELS[0] == "O"
    assert {l[2:] for l in LABELS[1:]} == {"ID", "DATE", "LOC", "PATIENT", "AGE", "PHONE"}
    assert all(ID2LABEL[LABEL2ID[l]] == l for l in LABELS)


def test_given_files_the_system_refuses_then_phiner_raises_a_file_error_naming_the_file(tmp_path):
    from phiner.core.errors import FileError, PhinerError
    from phiner.core.records import atomic_write

    folder = tmp_path / "notes.jsonl"
    folder.mkdir()  # a folder where a file is read
    with pytest.raises(FileError) as read:
        list(iter_jsonl(folder))
    assert str(read.value) == f"{folder}: Is a directory" and read.value.filename == str(folder)
    assert isinstance(read.value, PhinerError) and isinstance(read.value, OSError)

    blocked = tmp_path / "blocked"
    blocked.write_text("a file, not a folder")
    with pytest.raises(PhinerError, match=f"^{blocked}: not a folder$"):
        write_jsonl(blocked / "out.jsonl", [{"text": "x"}])

    target = tmp_path / "out.txt"
    with pytest.raises(FileError, match=f"^{target}: No space left on device$"):
        with atomic_write(target) as fh:
            fh.write("x")
            raise OSError(28, "No space left on device")  # a write the disk could not hold
    assert list(tmp_path.iterdir()) == [folder, blocked]


def test_given_an_os_error_outside_a_file_boundary_then_the_command_line_shows_it_as_a_bug(monkeypatch, capsys):
    import sys

    import phiner.cli.main as cli

    def broken(**kwargs):
        raise OSError(5, "Input/output error")  # not raised where phiner touches a file: a bug, with its traceback

    monkeypatch.setattr(cli, "app", broken)
    monkeypatch.setattr(sys, "argv", ["phiner", "info"])
    with pytest.raises(OSError, match="Input/output error"):
        cli.main()
