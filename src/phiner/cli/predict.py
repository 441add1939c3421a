"""`phiner predict`: Tag PHI in texts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from phiner.cli.app import app, out
from phiner.cli.detection import KnownColumns, KnownField, Model, NoRules, Rules, Thresholds, known_columns, load_tagger
from phiner.core.errors import PhinerError


@app.command()
def predict(
    model: Model = None,
    text: Annotated[Optional[str], typer.Option(help="One text to tag; entities are printed grouped by type.")] = None,
    input: Annotated[Optional[Path], typer.Option(help="JSONL file with a `text` key per line.")] = None,
    output: Annotated[Optional[Path], typer.Option(help="JSONL to write: every input key plus `entities`.")] = None,
    record: Annotated[
        Optional[int], typer.Option(help="With --input and no --output: show this record (0 = the first).")
    ] = None,
    rules: Rules = None,
    no_rules: NoRules = False,
    threshold: Thresholds = None,
    known_field: KnownField = "known",
    known_column: KnownColumns = None,
) -> None:
    """Tag PHI: one --text printed like the design's sample, or --input JSONL to --output JSONL (each entity
    with its source: model, pattern:..., context:..., rule:NAME, known)."""
    from phiner.core.records import check_text, iter_jsonl, read_jsonl, record_known, write_jsonl

    if (text is None) == (input is None):
        raise PhinerError("Give exactly one of --text or --input.")
    if input is not None and not input.is_file():
        raise PhinerError(f"{input}: no such file")
    if text is not None:
        check_text(text, "--text")
    columns = known_columns(known_column)
    if input is not None:  # every bad line and field named before the model loads
        for lineno, item in enumerate(iter_jsonl(input, require_tags=False), start=1):
            try:
                record_known(item, known_field, columns)
            except PhinerError as err:
                raise PhinerError(f"{input}: record {lineno}: {err}") from None
    tagger = load_tagger(model, rules=rules, no_rules=no_rules, thresholds=threshold)
    if input is not None and output is not None:
        records = iter_jsonl(input, require_tags=False)
        count = write_jsonl(output, tagger.predict_records(records, known_field=known_field, known_columns=columns))
        if count == 0:
            output.unlink()
            raise PhinerError(f"{input}: no records (the file is empty or blank); nothing was written")
        out.print(f"wrote {count} records to {output} (they hold PHI: the file is readable by its owner only)")
        return
    if input is not None:
        records = read_jsonl(input, require_tags=False)
        if not records:
            raise PhinerError(f"{input}: no records (the file is empty or blank)")
        index = record or 0
        if not 0 <= index < len(records):
            raise PhinerError(f"--record should be from 0 to {len(records) - 1} ({input} holds {len(records)} records)")
        item = records[index]
    else:
        item = {"text": text}
    found = tagger.read([item["text"]], known=[record_known(item, known_field, columns)])[0].spans
    print_entities("Predicted Entities", [s.to_dict() for s in found])
    if "ner_tags" in item:
        gold = [{**t, "text": item["text"][t["start"] : t["end"]]} for t in item["ner_tags"]]
        print_entities("Real Entities", gold)


def print_entities(title: str, spans: list[dict]) -> None:
    from phiner.infer.tagger import DISPLAY_NAMES, group_by_type

    out.print(f"--- {title} ---")
    for kind, texts in group_by_type(spans).items():
        out.print(f"{DISPLAY_NAMES[kind]}: {', '.join(texts)}")
