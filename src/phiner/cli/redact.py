"""`phiner redact`: De-identify texts, files, folders and JSONL."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from phiner.cli.app import app, console, out
from phiner.cli.detection import KnownColumns, KnownField, Model, NoRules, Rules, Thresholds, known_columns, load_tagger
from phiner.core.errors import PhinerError


@app.command()
def redact(
    model: Model = None,
    text: Annotated[Optional[str], typer.Option(help="One text to redact; the safe text is printed.")] = None,
    input: Annotated[
        Optional[Path], typer.Option(help="A .txt file, a folder of .txt files, or a .jsonl file.")
    ] = None,
    output: Annotated[
        Optional[Path], typer.Option(help="File, folder or .jsonl to write (stdout for one text).")
    ] = None,
    operator: Annotated[str, typer.Option(help="tag, mask, remove or surrogate.")] = "tag",
    keep: Annotated[Optional[list[str]], typer.Option(help="Entity type to leave as is; repeat for several.")] = None,
    override: Annotated[Optional[list[str]], typer.Option(help="TYPE=OPERATOR for one type, e.g. DATE=mask.")] = None,
    field: Annotated[str, typer.Option(help="JSONL key holding the text; the redacted text replaces it.")] = "text",
    id_field: Annotated[
        Optional[str],
        typer.Option(help="JSONL key holding each document's id (surrogates follow it; else a hash of the text)."),
    ] = None,
    patient_field: Annotated[
        Optional[str],
        typer.Option(
            help="JSONL key holding the patient id: one date shift and name map per patient, in any file or run (with a secret)."
        ),
    ] = None,
    keep_original: Annotated[
        Optional[str], typer.Option(help="Also keep the original text under this JSONL key (PHI stays in the output!).")
    ] = None,
    secret_file: Annotated[
        Optional[Path], typer.Option(help="File holding the surrogate secret (else $PHINER_SECRET).")
    ] = None,
    seed: Annotated[
        Optional[int],
        typer.Option(help="Test seed instead of a secret: anyone who knows it can recompute the surrogates."),
    ] = None,
    key: Annotated[
        Optional[Path],
        typer.Option(help="Write per-document date offsets and name maps here (secret; JSONL or one text)."),
    ] = None,
    resume: Annotated[bool, typer.Option(help="Continue an interrupted job: skip documents already written.")] = False,
    age_shift: Annotated[int, typer.Option(help="Surrogate ages: add this many years (ages over 89 become 90+).")] = 0,
    date_shift_days: Annotated[
        tuple[int, int], typer.Option(help="Surrogate dates: per-document shift, MIN MAX days, either sign.")
    ] = (30, 365),
    buffer: Annotated[
        int, typer.Option(help="Documents tagged and written together (a resumed job redoes at most one buffer).")
    ] = 256,
    rules: Rules = None,
    no_rules: NoRules = False,
    threshold: Thresholds = None,
    known_field: KnownField = "known",
    known_column: KnownColumns = None,
) -> None:
    """De-identify: find PHI and replace it (tags by default, or masks, removal, realistic surrogates)."""
    from phiner.core.records import atomic_write, check_text
    from phiner.deid.batch import RedactOptions, read_text_file, redact_documents
    from phiner.deid.operators import check_operators
    from phiner.deid.surrogates import SurrogateSettings, load_secret

    check_operators(operator, {})
    overrides = _overrides(keep or [], override or [])
    if (text is None) == (input is None):
        raise PhinerError("Give exactly one of --text or --input.")
    if input is not None and not input.exists():
        raise PhinerError(f"{input}: no such file or folder")
    if text is not None:
        check_text(text, "--text")
    secret = load_secret(secret_file)
    if secret is not None and seed is not None:
        raise PhinerError("Give --seed (tests and examples) or a secret (--secret-file, $PHINER_SECRET), not both.")
    if patient_field and secret is None and seed is None:
        console.print(
            "[yellow]warning:[/yellow] no secret (--secret-file or $PHINER_SECRET): a patient keeps one "
            "date shift and name map within this job only.",
            highlight=False,
        )
    if keep_original:
        console.print(
            "[yellow]warning:[/yellow] --keep-original writes the original text (PHI) beside the "
            "redacted text: the output is not de-identified.",
            highlight=False,
        )
    options = RedactOptions(
        operator=operator,
        overrides=overrides,
        seed=seed,
        secret=secret,
        text_field=field,
        id_field=id_field,
        patient_field=patient_field,
        keep_original=keep_original,
        known_field=known_field,
        known_columns=known_columns(known_column),
        buffer=buffer,
        surrogates=SurrogateSettings(
            date_shift_min=date_shift_days[0], date_shift_max=date_shift_days[1], age_shift=age_shift
        ),
    )
    one_text = text is not None or (input.is_file() and input.suffix != ".jsonl")
    if not one_text and output is None:
        raise PhinerError("--output is needed with a folder or a .jsonl --input.")
    if key is not None and input is not None and input.is_dir():
        raise PhinerError("--key works with a .jsonl input or one text, not a folder.")
    scanned = None
    if not one_text and not input.is_dir():  # a bad line fails before the model is loaded
        from phiner.deid.batch import scan_jsonl

        scanned = scan_jsonl(input, options)
    tagger = load_tagger(model, rules=rules, no_rules=no_rules, thresholds=threshold)
    if one_text:
        document = text if text is not None else read_text_file(input)
        [(redaction, context)] = redact_documents(tagger, [document], options)
        if key:
            with atomic_write(key) as fh:
                fh.write(json.dumps({"line": 0, **context.key()}, ensure_ascii=False) + "\n")
        if output is None:
            out.print(redaction.text, markup=False)
        else:
            with atomic_write(output) as fh:
                fh.write(redaction.text)
        return
    _redact_many(tagger, input, output, options, resume=resume, key=key, scanned=scanned)


def _overrides(keep: list[str], override: list[str]) -> dict[str, str]:
    """``--keep`` and ``--override`` as one type -> operator map; errors name the option and entry only."""
    from phiner.core.labels import PHI_TYPES
    from phiner.deid.operators import OPERATORS

    overrides: dict[str, str] = {}
    entries = [("--keep", i, kind, "keep") for i, kind in enumerate(keep, start=1)]
    for i, item in enumerate(override, start=1):
        kind, sep, op = item.partition("=")
        if not sep:
            raise PhinerError(f"`--override` entry {i} should be TYPE=OPERATOR, e.g. DATE=mask.")
        entries.append(("--override", i, kind, op))
    for option, i, kind, op in entries:
        if kind not in PHI_TYPES:
            raise PhinerError(
                f"`{option}` entry {i} names an unknown entity type; choose one of {', '.join(PHI_TYPES)}."
            )
        if op not in OPERATORS:
            raise PhinerError(f"`{option}` entry {i} names an unknown operator; choose one of {', '.join(OPERATORS)}.")
        overrides[kind] = op
    return overrides


def _redact_many(
    tagger, input: Path, output: Path, options, *, resume: bool, key: Optional[Path], scanned: Optional[int]
) -> None:
    from phiner.deid.batch import redact_folder, redact_jsonl

    with _progress("documents") as advance:
        if input.is_dir():
            stats = redact_folder(tagger, input, output, options, resume=resume, progress=advance)
        else:
            stats = redact_jsonl(
                tagger, input, output, options, resume=resume, key_file=key, progress=advance, scanned=scanned
            )
    out.print(f"wrote {stats['written']} documents to {output} (skipped {stats['skipped']} already done)")
    if stats.get("links_skipped"):
        console.print(
            f"[yellow]warning:[/yellow] skipped {stats['links_skipped']} link(s) pointing out of {input}",
            highlight=False,
        )


class _progress:
    """A rich progress bar on stderr with documents per second; yields the function that advances it."""

    def __init__(self, unit: str) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.bar = Progress(
            TextColumn(f"{unit}"),
            MofNCompleteColumn(),
            BarColumn(),
            TextColumn("{task.fields[rate]} docs/s"),
            TimeElapsedColumn(),
            console=console,
        )
        self.task = self.bar.add_task(unit, total=None, rate="-")
        self.start = 0.0

    def __enter__(self):
        import time

        self.start = time.perf_counter()
        self.bar.start()

        def advance(n: int) -> None:
            done = self.bar.tasks[0].completed + n
            rate = done / max(time.perf_counter() - self.start, 1e-9)
            self.bar.update(self.task, completed=done, rate=f"{rate:.1f}")

        return advance

    def __exit__(self, *exc) -> None:
        self.bar.stop()
