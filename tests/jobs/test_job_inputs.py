"""What a job refuses to read or write: unclosed CSV quotes, repeated columns, oversized texts, links out of
the input, an output inside the input, an empty text file."""

import csv
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import NAME, run_cli

MARKER = "Zq9Hemmelig"


def redact(monkeypatch, capsys, model, src, dst, *extra):
    return run_cli(monkeypatch, capsys, "redact", "--model", model, "--input", src, "--output", dst, *extra)


@pytest.fixture
def no_model(monkeypatch):
    """The model may not be loaded: the job is refused before."""

    def loader(*args, **kwargs):
        def load():
            pytest.fail("the model was loaded")

        return load

    monkeypatch.setattr("phiner.cli.redact.tagger_or_adapter_loader", loader)
    monkeypatch.setattr("phiner.cli.predict.tagger_or_adapter_loader", loader)


def write_csv(path, header, items):
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(items)


def write_table(path, items):
    kind = path.suffix
    if kind == ".parquet":
        pq.write_table(pa.Table.from_pylist(items), path)
    elif kind == ".csv":
        write_csv(path, list(items[0]), [list(r.values()) for r in items])
    else:
        path.write_text("".join(json.dumps(r) + "\n" for r in items), encoding="utf-8")


def left(folder):
    return sorted(p.name for p in folder.iterdir())


# ----------------------------------------------------------------------------------------------------------------
# 3: a quote that is never closed.


def test_given_a_csv_quote_that_is_never_closed_then_the_job_is_refused_naming_the_line(
    monkeypatch, capsys, no_model, name_model_dir, tmp_path
):
    src, dst = tmp_path / "notes.csv", tmp_path / "out"
    src.write_text(f'id,text\nz,fine\na,"Pasient {MARKER}\nb,x\nc,y\n', encoding="utf-8")
    code, out, err = redact(monkeypatch, capsys, name_model_dir, src, dst)
    assert code == 2, out
    assert f"{src}: line 3: a quoted value opens here and is never closed" in err
    assert MARKER not in err + out and "Traceback" not in err
    assert left(tmp_path) == ["notes.csv"]


def test_given_closed_quoted_cells_over_several_lines_then_the_rows_are_read_as_written(
    monkeypatch, capsys, name_model_dir, tmp_path
):
    src, dst = tmp_path / "notes.csv", tmp_path / "out"
    texts = [f'Notat:\n"sa" {NAME} "ja",\nog gikk.', 'a"b', "", f'"\n {NAME}\n"']
    write_csv(src, ["id", "text"], [[str(i), t] for i, t in enumerate(texts)])
    code, out, err = redact(monkeypatch, capsys, name_model_dir, src, dst)
    assert code == 0, err
    with (dst / "notes.csv").open(newline="", encoding="utf-8") as fh:
        done = list(csv.DictReader(fh))
    assert [r["text"] for r in done] == [t.replace(NAME, "[PATIENT]") for t in texts]


@pytest.mark.parametrize("size", [1, 2, 3, 5, 64])
@pytest.mark.parametrize(
    "data,line",
    [
        (b'id,text\na,"open\nb,x\n', 2),
        (b'id,text\na,"closed ""twice"" \n over lines"\nb,x\n', None),
        (b'id,text\na,mid"quote\nb,"x""\n', 3),
        (b'id,text\na,"ab"c\nb,""\nc,""""\n', None),
        (b'\xef\xbb\xbf"id","text"\r\n"a","x"\r\n', None),
        (b'id,text\na,"x"\n"', 3),
        (b'id,text\na,"x""', 2),
    ],
)
def test_given_csv_bytes_read_in_pieces_of_any_size_then_the_unclosed_quote_is_found(tmp_path, data, line, size):
    from phiner.jobs.tables import csv_unclosed_quote

    path = tmp_path / "t.csv"
    path.write_bytes(data)
    assert csv_unclosed_quote(path, size) == line


# ----------------------------------------------------------------------------------------------------------------
# 6: links out of the input.


@pytest.mark.parametrize("suffix", [".parquet", ".csv", ".jsonl"])
def test_given_a_table_link_out_of_the_input_folder_then_it_is_skipped_and_counted(
    monkeypatch, capsys, name_model_dir, tmp_path, suffix
):
    src, dst, elsewhere = tmp_path / "in", tmp_path / "out", tmp_path / "elsewhere"
    src.mkdir()
    elsewhere.mkdir()
    write_table(src / f"a{suffix}", [{"id": "1", "text": f"Ring {NAME}."}])
    write_table(elsewhere / f"secret{suffix}", [{"id": "2", "text": MARKER}])
    (src / f"leak{suffix}").symlink_to(elsewhere / f"secret{suffix}")
    (src / f"inside{suffix}").symlink_to(src / f"a{suffix}")
    code, out, err = redact(monkeypatch, capsys, name_model_dir, src, dst)
    assert code == 0, err
    assert left(dst) == [f"a{suffix}", f"inside{suffix}"]
    assert "wrote 2 rows" in out and "skipped 1 link(s) pointing out of" in err
    assert all(MARKER not in p.read_bytes().decode("utf-8", "replace") for p in dst.iterdir())


def test_given_a_glob_through_a_folder_link_then_no_file_out_of_its_root_is_read(
    monkeypatch, capsys, name_model_dir, tmp_path
):
    src, dst, elsewhere = tmp_path / "in", tmp_path / "out", tmp_path / "elsewhere"
    (src / "2024").mkdir(parents=True)
    elsewhere.mkdir()
    write_table(src / "2024" / "a.parquet", [{"id": "1", "text": f"Ring {NAME}."}])
    write_table(elsewhere / "secret.parquet", [{"id": "2", "text": MARKER}])
    (src / "linked").symlink_to(elsewhere, target_is_directory=True)
    (src / "again").symlink_to(src / "2024", target_is_directory=True)
    (src / "leak.parquet").symlink_to(elsewhere / "secret.parquet")
    code, out, err = redact(monkeypatch, capsys, name_model_dir, f"{src}/**/*.parquet", dst)
    assert code == 0, err
    assert sorted(p.relative_to(dst).as_posix() for p in dst.rglob("*") if p.is_file()) == ["2024/a.parquet"]
    assert "wrote 1 rows" in out and "skipped 2 link(s) pointing out of" in err


def test_given_only_links_out_of_the_input_folder_then_the_job_finds_no_tables(
    monkeypatch, capsys, name_model_dir, tmp_path
):
    src, dst, elsewhere = tmp_path / "in", tmp_path / "out", tmp_path / "elsewhere.parquet"
    src.mkdir()
    write_table(elsewhere, [{"id": "2", "text": MARKER}])
    (src / "leak.parquet").symlink_to(elsewhere)
    code, _, err = redact(monkeypatch, capsys, name_model_dir, src, dst)
    assert code == 2 and "no .jsonl, .csv or .parquet files" in err and not dst.exists()


# ----------------------------------------------------------------------------------------------------------------
# 9: a repeated column name.


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_given_a_repeated_column_name_then_the_job_is_refused_before_the_model_loads(
    monkeypatch, capsys, no_model, name_model_dir, tmp_path, suffix
):
    src, dst = tmp_path / f"notes{suffix}", tmp_path / "out"
    if suffix == ".csv":
        write_csv(src, ["id", "text", "ward", "text"], [["1", MARKER, "B", MARKER]])
    else:
        pq.write_table(pa.table([["1"], [MARKER], ["B"], [MARKER]], names=["id", "text", "ward", "text"]), src)
    code, out, err = redact(monkeypatch, capsys, name_model_dir, src, dst, "--operator", "surrogate")
    assert code == 2, out
    assert f"{src}: column 4 repeats the name of column 2 (`text`)" in err and MARKER not in err
    assert left(tmp_path) == [src.name]


def test_given_a_job_that_fails_before_its_first_commit_then_no_partial_folder_keeps_its_secret(
    name_tagger, roberta_tokenizer, tmp_path
):
    from phiner.jobs.tables import TableJob, run_table_job
    from phiner.pipeline import RedactOptions

    class Broken:
        def read(self, texts, known=None, rules=None):
            raise RuntimeError("the model failed")

    src = tmp_path / "notes.csv"
    write_csv(src, ["id", "text"], [["1", "x"]])
    job = TableJob.plan(src, tmp_path / "out")
    with pytest.raises(RuntimeError):
        run_table_job(Broken(), job, RedactOptions(operator="surrogate"))
    assert left(tmp_path) == ["notes.csv"]


# ----------------------------------------------------------------------------------------------------------------
# 15: the size of one text.


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".jsonl"])
def test_given_a_text_over_the_limit_then_the_table_job_is_refused_naming_file_row_and_column(
    monkeypatch, capsys, no_model, name_model_dir, tmp_path, suffix
):
    src, dst = tmp_path / f"notes{suffix}", tmp_path / "out"
    write_table(src, [{"id": "1", "note": "kort"}, {"id": "2", "note": MARKER * 200}])
    code, out, err = redact(
        monkeypatch, capsys, name_model_dir, src, dst, "--text-field", "note", "--id-field", "id", "--max-chars", 1000
    )
    assert code == 2, out
    where = f"{src}:2 (id 2)" if suffix == ".jsonl" else f"{src}: row 2 (id 2)"
    assert f"{where}: field `note` holds 2,200 characters, over --max-chars (1,000)" in err
    assert MARKER not in err and left(tmp_path) == [src.name]


def test_given_a_text_over_the_default_limit_then_jsonl_jobs_and_predict_refuse_it(
    monkeypatch, capsys, no_model, name_model_dir, tmp_path
):
    src = tmp_path / "notes.jsonl"
    write_table(src, [{"id": "1", "text": "x" * 1_000_001}])
    message = "field `text` holds 1,000,001 characters, over --max-chars (1,000,000)"
    for command, where in (("redact", f"{src}:1"), ("predict", f"{src}: record 1")):
        code, _, err = run_cli(
            monkeypatch, capsys, command, "--model", name_model_dir, "--input", src, "--output", tmp_path / "o.jsonl"
        )
        assert code == 2 and f"{where}: {message}" in err, err
    assert left(tmp_path) == ["notes.jsonl"]


def test_given_a_csv_row_larger_than_a_read_block_then_it_is_refused_without_reading_it_whole(
    monkeypatch, capsys, no_model, name_model_dir, tmp_path
):
    monkeypatch.setattr("phiner.jobs.tables.CSV_BLOCK_BYTES", 1 << 16)
    src, dst = tmp_path / "notes.csv", tmp_path / "out"
    write_csv(src, ["id", "text"], [["1", "kort"], ["2", MARKER * 30_000], ["3", "kort"]])
    code, out, err = redact(monkeypatch, capsys, name_model_dir, src, dst, "--max-chars", 1000)
    assert code == 2, out
    assert f"{src}: row 1 or a later row is larger than the 64 KiB read at a time" in err and MARKER not in err
    assert left(tmp_path) == ["notes.csv"]


def test_given_a_jsonl_line_far_over_the_limit_then_it_is_refused_by_its_length(
    monkeypatch, capsys, no_model, name_model_dir, tmp_path
):
    src, dst = tmp_path / "notes.jsonl", tmp_path / "out"
    write_table(src, [{"id": "1", "text": "kort"}, {"id": "2", "text": MARKER * 200_000}])
    for out_path in (dst, tmp_path / "out.jsonl"):  # a table job, and the JSONL job
        code, out, err = redact(monkeypatch, capsys, name_model_dir, src, out_path, "--max-chars", 1000)
        assert code == 2, out
        assert f"{src}:2: the line is over" in err and "--max-chars" in err and MARKER not in err
    assert left(tmp_path) == ["notes.jsonl"]


def test_given_a_bad_max_chars_then_it_is_refused(monkeypatch, capsys, no_model, name_model_dir, tmp_path):
    src = tmp_path / "notes.csv"
    write_csv(src, ["id", "text"], [["1", "x"]])
    code, _, err = redact(monkeypatch, capsys, name_model_dir, src, tmp_path / "out", "--max-chars", 0)
    assert code == 2 and "`max_chars` should be at least 1" in err


# ----------------------------------------------------------------------------------------------------------------
# 18: an output inside the input.


def test_given_a_glob_and_an_output_inside_its_folder_then_the_job_is_refused(
    monkeypatch, capsys, no_model, name_model_dir, tmp_path
):
    src = tmp_path / "in"
    src.mkdir()
    write_table(src / "a.csv", [{"id": "1", "text": "x"}])
    for dst in (src / "safe", src, src / "sub" / ".." / "safe"):
        code, _, err = redact(monkeypatch, capsys, name_model_dir, f"{src}/*.csv", dst)
        assert code == 2 and "should not be the input folder or inside it" in err, err
    (tmp_path / "in-link").symlink_to(src, target_is_directory=True)
    code, _, err = redact(monkeypatch, capsys, name_model_dir, f"{src}/*.csv", tmp_path / "in-link" / "safe")
    assert code == 2 and "should not be the input folder or inside it" in err
    assert left(src) == ["a.csv"] and left(tmp_path) == ["in", "in-link"]


def test_given_entities_out_inside_the_input_or_the_output_then_the_job_is_refused(
    monkeypatch, capsys, no_model, name_model_dir, tmp_path
):
    src, dst = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    write_table(src / "a.csv", [{"id": "1", "text": "x"}])
    for entities in (src / "e.parquet", dst / "e.parquet"):
        code, _, err = redact(
            monkeypatch, capsys, name_model_dir, src, dst, "--id-field", "id", "--entities-out", entities
        )
        assert code == 2 and "--entities-out should be outside the input and the output" in err, err
    assert left(tmp_path) == ["in"]


def test_given_an_output_that_is_its_input_file_then_redact_and_predict_refuse(
    monkeypatch, capsys, no_model, name_model_dir, tmp_path
):
    note, notes = tmp_path / "a.txt", tmp_path / "notes.jsonl"
    note.write_text(f"Ring {NAME}.", encoding="utf-8")
    write_table(notes, [{"text": f"Ring {NAME}."}])
    for command, src in (("redact", note), ("predict", notes)):
        code, _, err = run_cli(monkeypatch, capsys, command, "--model", name_model_dir, "--input", src, "--output", src)
        assert code == 2 and "the output should differ from the input" in err, err
    assert note.read_text(encoding="utf-8") == f"Ring {NAME}."
    assert json.loads(notes.read_text(encoding="utf-8")) == {"text": f"Ring {NAME}."}


# ----------------------------------------------------------------------------------------------------------------
# 19: an empty text file.


@pytest.mark.parametrize("content", ["", " \n\t\n"])
def test_given_an_empty_text_file_then_redact_fails_before_the_model_loads(
    monkeypatch, capsys, no_model, name_model_dir, tmp_path, content
):
    src = tmp_path / "empty.txt"
    src.write_text(content, encoding="utf-8")
    code, out, err = run_cli(monkeypatch, capsys, "redact", "--model", name_model_dir, "--input", src)
    assert code == 2 and out == ""
    assert f"{src}: no text (the file is empty or blank)" in err
    code, _, err = redact(monkeypatch, capsys, name_model_dir, src, tmp_path / "out.txt")
    assert code == 2 and "no text" in err and left(tmp_path) == ["empty.txt"]
