"""Labelled corpora in the formats sites annotate in: each read into the same records, told apart by `auto`, and
refused whole, by file and line, where it breaks the contract."""

import json
import re

import pytest

from conftest import NAME, run_cli
from phiner.core.errors import PhinerError
from phiner.jobs.corpora import detect_format, load_type_map, read_corpus

TEXT = f"Pasient {NAME} innlagt 03.04.2021 på Ullevål. Tlf 22 11 33 44."
SPANS = [(NAME, "NAME"), ("03.04.2021", "DATE"), ("Ullevål", "HOSPITAL"), ("22 11 33 44", "PHONE")]
PHINER = {"NAME": "PATIENT", "DATE": "DATE", "HOSPITAL": "LOC", "PHONE": "PHONE"}


def offsets():
    return [(TEXT.index(s), TEXT.index(s) + len(s), label) for s, label in SPANS]


def expected():
    return [{"start": a, "end": b, "label": PHINER[label]} for a, b, label in offsets()]


def write(kind, root):
    """The note in corpus format ``kind`` under ``root``; returns what to read."""
    if kind == "i2b2":
        tags = "".join(
            f'<PHI id="P{i}" start="{a}" end="{b}" text="{TEXT[a:b]}" TYPE="{label if label != "NAME" else "PATIENT"}"/>'
            for i, (a, b, label) in enumerate(offsets())
        )
        path = root / "note.xml"
        path.write_text(f"<deIdi2b2><TEXT><![CDATA[{TEXT}]]></TEXT><TAGS>{tags}</TAGS></deIdi2b2>", encoding="utf-8")
        return path
    if kind == "brat":
        folder = root / "brat"
        folder.mkdir()
        (folder / "note.txt").write_text(TEXT, encoding="utf-8")
        lines = [f"T{i}\t{label} {a} {b}\t{TEXT[a:b]}" for i, (a, b, label) in enumerate(offsets())]
        (folder / "note.ann").write_text("\n".join([*lines, "R1\tSame Arg1:T1 Arg2:T2", "#1\tNote T1\tx"]) + "\n")
        return folder
    if kind == "labelstudio":
        result = [{"type": "labels", "value": {"start": a, "end": b, "labels": [label]}} for a, b, label in offsets()]
        tasks = [{"id": 7, "data": {"text": TEXT}, "annotations": [{"was_cancelled": True, "result": []},
                                                                    {"result": result}]}]  # fmt: skip
        path = root / "export.json"
        path.write_text(json.dumps(tasks), encoding="utf-8")
        return path
    if kind == "prodigy":
        spans = [{"start": a, "end": b, "label": label} for a, b, label in offsets()]
        lines = [{"text": TEXT, "spans": spans, "answer": "accept"}, {"text": "Nei.", "spans": [], "answer": "reject"}]
        path = root / "annotations.jsonl"
        path.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
        return path
    if kind == "conll":
        tokens = re.findall(r"\d\d\.\d\d\.\d{4}|\w+|[^\w\s]", TEXT)
        lines, pos = [], 0
        for token in tokens:
            start = TEXT.index(token, pos)
            pos = start + len(token)
            tag = "O"
            for a, b, label in offsets():
                if a <= start < b:
                    tag = ("B-" if start == a else "I-") + label
            lines.append(f"{token} _ {tag}")
        path = root / "note.conll"
        path.write_text("-DOCSTART- O\n\n" + "\n".join(lines) + "\n\n", encoding="utf-8")
        return path
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["i2b2", "brat", "labelstudio", "prodigy", "conll"])
def test_given_a_note_in_a_corpus_format_then_auto_reads_it_into_the_same_record(kind, tmp_path):
    path = write(kind, tmp_path)
    assert detect_format(path) == kind
    type_map = None if kind == "i2b2" else {"NAME": "PATIENT", "HOSPITAL": "LOC"}
    [record] = read_corpus(path, "auto", type_map)
    if kind == "conll":  # the text rebuilt from its tokens, joined by spaces: the spans' offsets are into it
        assert record["text"].strip() == TEXT.replace("Ullevål.", "Ullevål .").replace("44.", "44 .")
        assert [record["text"][t["start"] : t["end"]] for t in record["ner_tags"]] == [s for s, _ in SPANS]
        assert [t["label"] for t in record["ner_tags"]] == [t["label"] for t in expected()]
        return
    assert record["text"] == TEXT
    assert record["ner_tags"] == expected()


def test_given_labels_no_map_names_then_the_corpus_is_refused_naming_them_and_ignore_drops_them(tmp_path):
    path = write("prodigy", tmp_path)
    with pytest.raises(PhinerError) as refused:
        read_corpus(path)
    assert "labels no type map names: HOSPITAL, NAME" in str(refused.value) and NAME not in str(refused.value)
    [record] = read_corpus(path, type_map={"NAME": "PATIENT", "HOSPITAL": "ignore"})
    assert [t["label"] for t in record["ner_tags"]] == ["PATIENT", "DATE", "PHONE"]


def test_given_bad_offsets_or_overlaps_then_every_problem_is_named_by_file_and_line_and_nothing_is_read(tmp_path):
    lines = [
        {"text": TEXT, "spans": [{"start": 0, "end": 500, "label": "DATE"}]},
        {"text": TEXT, "spans": [{"start": 0, "end": 10, "label": "DATE"}, {"start": 5, "end": 12, "label": "DATE"}]},
        {"text": TEXT, "spans": [{"start": "0", "end": 10, "label": "DATE"}]},
    ]
    path = tmp_path / "bad.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    with pytest.raises(PhinerError) as refused:
        read_corpus(path, "prodigy")
    message = str(refused.value)
    assert "3 problem(s) in the corpus" in message and "nothing was scored" in message
    assert f"{path}:1:" in message and "out of range" in message
    assert f"{path}:2:" in message and "overlap" in message.lower()
    assert f"{path}:3:" in message and "should be an integer" in message
    assert NAME not in message


def test_given_an_i2b2_tag_whose_text_is_not_at_its_offsets_then_it_is_refused_without_quoting_it(tmp_path):
    path = tmp_path / "note.xml"
    path.write_text(
        f'<deIdi2b2><TEXT><![CDATA[{TEXT}]]></TEXT><TAGS><NAME id="P3" start="0" end="7" text="{NAME}" '
        'TYPE="PATIENT"/></TAGS></deIdi2b2>',
        encoding="utf-8",
    )
    with pytest.raises(PhinerError, match=r"note.xml: tag P3: its `text` is not what \[0, 7\) of <TEXT> holds$"):
        read_corpus(path)


def test_given_a_brat_line_that_is_not_a_span_then_file_and_line_are_named(tmp_path):
    folder = write("brat", tmp_path)
    with (folder / "note.ann").open("a") as fh:
        fh.write("T9\tNAME zero 4\tKari\n")
    with pytest.raises(PhinerError, match=r"note.ann:7: a text-bound annotation"):
        read_corpus(folder)


def test_given_the_shipped_maps_then_each_maps_to_phiner_types_and_a_missing_map_is_named():
    assert load_type_map("i2b2-2014")["DOCTOR"] == "PATIENT" and load_type_map("physionet")["Other"] == "ignore"
    with pytest.raises(PhinerError, match="no such type map file, nor a shipped map \\(i2b2-2014, physionet\\)"):
        load_type_map("nope")


def test_given_a_brat_folder_then_evaluate_scores_the_model_on_it(monkeypatch, capsys, name_model_dir, tmp_path):
    folder = write("brat", tmp_path)
    args = ["evaluate", "--model", name_model_dir, "--data", folder, "--type-map", "NAME=PATIENT"]
    code, _, err = run_cli(monkeypatch, capsys, *args)
    assert code == 2 and "no such type map file" in err
    (tmp_path / "map.yaml").write_text("NAME: PATIENT\nHOSPITAL: LOC\n", encoding="utf-8")
    args[-1] = tmp_path / "map.yaml"
    code, out, err = run_cli(monkeypatch, capsys, *args, "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["records"] == 1 and report["char_recall"]["PATIENT"]["value"] == 1.0


@pytest.mark.parametrize("kind", ["brat", "conll"])
def test_given_a_corpus_file_that_is_not_utf8_then_it_is_refused_naming_the_file_and_byte(kind, tmp_path):
    path = write(kind, tmp_path)
    broken = path / "note.ann" if kind == "brat" else path
    broken.write_bytes(broken.read_bytes() + b"\xff")
    with pytest.raises(PhinerError, match=rf"{re.escape(str(broken))}: invalid UTF-8 at byte \d+"):
        read_corpus(path, type_map={"NAME": "PATIENT", "HOSPITAL": "LOC"})
