"""The ``phiner`` command line: each command parses its options and calls one function that returns data."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from phiner.errors import PhinerError

# Tracebacks must never print local variables: they hold clinical text.
app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_show_locals=False,
                  help="Find and de-identify PHI in clinical text.")
data_app = typer.Typer(no_args_is_help=True, pretty_exceptions_show_locals=False, help="Build dataset folders (train/test JSONL + a DatasetDict).")
app.add_typer(data_app, name="data")
export_app = typer.Typer(no_args_is_help=True, pretty_exceptions_show_locals=False, help="Export a run for fast inference.")
app.add_typer(export_app, name="export")
console = Console(stderr=True, soft_wrap=True)
# Piped output keeps whole table rows (rich would fold them at 80 columns).
out = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 120)


@data_app.command("nordeid")
def data_nordeid(
    src: Annotated[Path, typer.Argument(help="Folder with Nor-DeID-SynthData's training.json and validation.json.")],
    out_dir: Annotated[Path, typer.Option("--out", help="Dataset folder to write.")],
    form: Annotated[str, typer.Option(help="scenarios (the design's), notes (GPT-4 notes) or mixed.")] = "scenarios",
    unit_as_loc: Annotated[bool, typer.Option("--unit-as-loc", help="Keep <Health_Care_Unit> spans as LOC.")] = False,
) -> None:
    """Turn Nor-DeID-SynthData into a dataset folder: train from training.json, test from validation.json."""
    from phiner.sources import nordeid

    info = nordeid.build(src, out_dir, form, unit_as_loc=unit_as_loc)
    out.print(f"wrote {out_dir}: train {info['splits']['train']}, test {info['splits']['test']} ({form})")
    for split, report in info["tag_report"].items():
        if report["spans"]:
            spans = ", ".join(f"{k} {v}" for k, v in sorted(report["spans"].items()))
            out.print(f"{split}: spans {spans}; read as meant {sum(report['aliased_tags'].values())} misspelt tags; "
                      f"not used: {sum(report['unknown_tags'].values())} unknown, {report['nested']} nested, "
                      f"{report['unmatched']} unmatched, {report['empty']} empty tags, "
                      f"{report['dropped_health_care_unit']} Health_Care_Unit (--unit-as-loc keeps them)")
    if any(r["spans"] for r in info["tag_report"].values()):
        out.print(f"tag counts by name: {out_dir / 'info.json'}")


@data_app.command("synth")
def data_synth(
    out_dir: Annotated[Path, typer.Option("--out", help="Dataset folder to write.")],
    train: Annotated[int, typer.Option(help="Training records.")] = 1000,
    test: Annotated[int, typer.Option(help="Test records.")] = 100,
    seed: Annotated[int, typer.Option(help="Seed; the same seed gives the same records.")] = 0,
    form: Annotated[str, typer.Option(help="scenarios (key: value lines), notes (free text) or mixed.")] = "scenarios",
) -> None:
    """Generate synthetic records (Faker's Norwegian and English providers): scenarios, notes or both."""
    from phiner.sources import notes, synth

    if form == "scenarios":
        synth.build(out_dir, n_train=train, n_test=test, seed=seed)
    elif form in notes.FORMS:
        notes.build_notes(out_dir, n_train=train, n_test=test, seed=seed, form=form)
    else:
        raise PhinerError(f"`--form` should be one of scenarios, notes, mixed, got {form!r}.")
    out.print(f"wrote {out_dir}: train {train}, test {test} ({form}, seed {seed})")


@app.command()
def train(
    data: Annotated[list[str], typer.Option(help="Dataset folder or JSONL file; repeat for several.")],
    out_dir: Annotated[Path, typer.Option("--out", help="Run folder to write.")],
    base_model: Annotated[str, typer.Option(help="Hub id, local model folder, or `minilm`.")] = "roberta-base",
    preset: Annotated[str, typer.Option(help="phiner (fast, measured defaults) or design (the seed's recipe, exactly).")] = "phiner",
    eval_data: Annotated[Optional[str], typer.Option(help="Test split to use instead of the folders' own.")] = None,
    init: Annotated[Optional[Path], typer.Option(help="Start from this run's adapter and head (go on training).")] = None,
    epochs: Annotated[Optional[float], typer.Option(help="Passes over the training data [preset: 10; design 5].")] = None,
    max_steps: Annotated[int, typer.Option(help="Stop after N steps (-1: use --epochs).")] = -1,
    learning_rate: Annotated[Optional[float], typer.Option(help="Peak learning rate [preset: 1e-3; design 5e-4].")] = None,
    batch_size: Annotated[int, typer.Option(help="Examples per step.")] = 16,
    max_length: Annotated[Optional[int], typer.Option(help="Tokens per window [preset: 512; design 256].")] = None,
    stride: Annotated[Optional[int], typer.Option(help="Tokens shared by consecutive windows [preset: 128; design 64].")] = None,
    truncate: Annotated[bool, typer.Option(help="Cut texts at --max-length as the design does (loses PHI).")] = False,
    pad_to_max_length: Annotated[Optional[bool], typer.Option(help="Pad to max_length [preset: no; design yes].")] = None,
    precision: Annotated[Optional[str], typer.Option(help="fp32, bf16 or auto [preset: auto; design fp32].")] = None,
    group_by_length: Annotated[Optional[bool], typer.Option(help="Batch similar lengths together [preset: yes].")] = None,
    max_train_samples: Annotated[Optional[int], typer.Option(help="Use only the first N training records.")] = None,
    seed: Annotated[int, typer.Option(help="Seed.")] = 42,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing run folder.")] = False,
) -> None:
    """Fine-tune the base model with the design's LoRA; evaluate before and after; write a run folder."""
    from phiner.config import LoraSettings, RunConfig
    from phiner.config import preset as make_settings
    from phiner.train import train as run_training

    if max_length is not None and stride is None:  # the preset's stride may not fit a shorter window
        from phiner.align import fit_stride
        from phiner.config import PRESETS, TrainSettings

        stride = fit_stride(PRESETS.get(preset, {}).get("stride", TrainSettings.stride), max_length)
    try:
        settings = make_settings(preset, epochs=epochs, max_steps=max_steps, learning_rate=learning_rate,
                                 batch_size=batch_size, max_length=max_length, stride=stride,
                                 pad_to_max_length=pad_to_max_length, precision=precision,
                                 group_by_length=group_by_length, seed=seed, max_train_samples=max_train_samples)
    except ValueError as e:
        raise PhinerError(str(e)) from None
    if truncate:
        settings.stride = None  # None cannot pass through the preset, where it means "keep the preset's"
    config = RunConfig(base_model=base_model, data=list(data), init=str(init) if init else None, lora=LoraSettings(),
                       train=settings)
    metrics = run_training(config, out_dir, eval_data=eval_data, overwrite=overwrite)
    _print_before_after(metrics)
    out.print(f"run folder: {out_dir}")


def _print_before_after(metrics: dict) -> None:
    table = Table(title="test split")
    table.add_column("metric")
    for name in ("before", "after"):
        table.add_column(name, justify="right")
    for key in ("loss", "precision", "recall", "f1", "accuracy", "runtime", "samples_per_second"):
        row = [(metrics.get(name) or {}).get(f"eval_{key}") for name in ("before", "after")]
        table.add_row(f"eval_{key}", *("-" if v is None else f"{v:.4f}" for v in row))
    out.print(table)


@app.command()
def evaluate(
    model: Annotated[Path, typer.Option(help="Run folder (or merged model folder).")],
    data: Annotated[Path, typer.Option(help="Dataset folder (its test split) or a JSONL file.")],
    split: Annotated[str, typer.Option(help="Split of a dataset folder.")] = "test",
    max_length: Annotated[Optional[int], typer.Option(help="Tokens per window [the model's training window].")] = None,
    stride: Annotated[Optional[int], typer.Option(help="Tokens shared by consecutive windows [the model's].")] = None,
    truncate: Annotated[bool, typer.Option(help="Read only the first window, as the design does.")] = False,
    leaks: Annotated[Optional[Path], typer.Option(help="Write the missed PHI spans (PHI!) to this JSONL.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for machines.")] = False,
    precision: Annotated[str, typer.Option(help="fp32 (the reference), bf16 or auto.")] = "fp32",
) -> None:
    """Score a model on labelled records: seqeval token scores, strict spans, character-level PHI recall."""
    from phiner.dataset import load_records
    from phiner.evaluate import evaluate_tagger
    from phiner.predict import Tagger, run_windowing

    records = load_records(data, split)
    tagger = Tagger.load(model, windowing=run_windowing(model, max_length, stride, truncate), precision=precision)
    report = evaluate_tagger(tagger, records, leaks=leaks)
    if as_json:
        out.print_json(json.dumps(report))
        return
    _print_report(report)
    if leaks is not None:
        out.print(f"missed PHI spans written to {leaks} (they hold PHI: keep that file safe)")


def _print_report(report: dict) -> None:
    seq, strict, recall = report["seqeval"], report["strict"], report["char_recall"]
    over = report["over_redaction"]
    out.print(f"records {report['records']} (windows {report['windows']})")
    out.print(f"seqeval tokens: precision {seq['precision']:.4f}  recall {seq['recall']:.4f}  f1 {seq['f1']:.4f}  "
              f"accuracy {seq['accuracy']:.4f}")
    out.print(f"strict spans:   precision {strict['all']['precision']:.4f}  recall {strict['all']['recall']:.4f}  "
              f"f1 {strict['all']['f1']:.4f}")
    out.print(f"PHI characters caught (char recall): {_ci(recall['all'])}")
    out.print(f"non-PHI characters flagged (over-redaction): {_ci(over)}")
    table = Table()
    for col in ("type", "strict P", "strict R", "strict F1", "support", "char recall (95% CI)", "seqeval F1"):
        table.add_column(col, justify="left" if col == "type" else "right")
    for kind, row in strict.items():
        if kind == "all" or not row["support"] and not row["fp"]:
            continue
        table.add_row(kind, f"{row['precision']:.4f}", f"{row['recall']:.4f}", f"{row['f1']:.4f}",
                      str(row["support"]), _ci(recall[kind]),
                      f"{seq['per_type'].get(kind, {}).get('f1-score', 0.0):.4f}")
    out.print(table)


def _ci(ratio: dict) -> str:
    low, high = ratio["ci95"]
    return f"{ratio['value']:.4f} [{low:.4f}, {high:.4f}]"


@app.command()
def predict(
    model: Annotated[Path, typer.Option(help="Run folder (or merged model folder).")],
    text: Annotated[Optional[str], typer.Option(help="One text to tag; entities are printed grouped by type.")] = None,
    input: Annotated[Optional[Path], typer.Option(help="JSONL file with a `text` key per line.")] = None,
    output: Annotated[Optional[Path], typer.Option(help="JSONL to write: every input key plus `entities`.")] = None,
    record: Annotated[Optional[int], typer.Option(help="With --input and no --output: show this record (0 = the first).")] = None,
) -> None:
    """Tag PHI: one --text printed like the design's sample, or --input JSONL to --output JSONL."""
    from phiner.predict import Tagger
    from phiner.records import check_text, iter_jsonl, read_jsonl, write_jsonl

    if (text is None) == (input is None):
        raise PhinerError("Give exactly one of --text or --input.")
    if input is not None and not input.is_file():
        raise PhinerError(f"{input}: no such file")
    if text is not None:
        check_text(text, "--text")
    tagger = Tagger.load(model)
    if input is not None and output is not None:
        count = write_jsonl(output, tagger.predict_records(iter_jsonl(input, require_tags=False)))
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
    found = tagger.predict([item["text"]])[0]
    _print_entities("Predicted Entities", [s.to_dict() for s in found])
    if "ner_tags" in item:
        gold = [{**t, "text": item["text"][t["start"]:t["end"]]} for t in item["ner_tags"]]
        _print_entities("Real Entities", gold)


def _print_entities(title: str, spans: list[dict]) -> None:
    from phiner.predict import DISPLAY_NAMES, group_by_type

    out.print(f"--- {title} ---")
    for kind, texts in group_by_type(spans).items():
        out.print(f"{DISPLAY_NAMES[kind]}: {', '.join(texts)}")


@app.command()
def redact(
    model: Annotated[Path, typer.Option(help="Run folder (or merged model folder).")],
    text: Annotated[Optional[str], typer.Option(help="One text to redact; the safe text is printed.")] = None,
    input: Annotated[Optional[Path], typer.Option(help="A .txt file, a folder of .txt files, or a .jsonl file.")] = None,
    output: Annotated[Optional[Path], typer.Option(help="File, folder or .jsonl to write (stdout for one text).")] = None,
    operator: Annotated[str, typer.Option(help="tag, mask, remove or surrogate.")] = "tag",
    keep: Annotated[Optional[list[str]], typer.Option(help="Entity type to leave as is; repeat for several.")] = None,
    override: Annotated[Optional[list[str]], typer.Option(help="TYPE=OPERATOR for one type, e.g. DATE=mask.")] = None,
    field: Annotated[str, typer.Option(help="JSONL key holding the text; the redacted text replaces it.")] = "text",
    id_field: Annotated[Optional[str], typer.Option(help="JSONL key holding each document's id (surrogates follow it; else a hash of the text).")] = None,
    patient_field: Annotated[Optional[str], typer.Option(help="JSONL key holding the patient id: one date shift and name map per patient, in any file or run (with a secret).")] = None,
    keep_original: Annotated[Optional[str], typer.Option(help="Also keep the original text under this JSONL key (PHI stays in the output!).")] = None,
    secret_file: Annotated[Optional[Path], typer.Option(help="File holding the surrogate secret [else $PHINER_SECRET].")] = None,
    seed: Annotated[Optional[int], typer.Option(help="Test seed instead of a secret: anyone who knows it can recompute the surrogates.")] = None,
    key: Annotated[Optional[Path], typer.Option(help="Write per-document date offsets and name maps here (secret; JSONL or one text).")] = None,
    resume: Annotated[bool, typer.Option(help="Continue an interrupted job: skip documents already written.")] = False,
    age_shift: Annotated[int, typer.Option(help="Surrogate ages: add this many years (ages over 89 become 90+).")] = 0,
    date_shift_days: Annotated[tuple[int, int], typer.Option(help="Surrogate dates: per-document shift, MIN MAX days, either sign.")] = (30, 365),
    buffer: Annotated[int, typer.Option(help="Documents tagged and written together (a resumed job redoes at most one buffer).")] = 256,
) -> None:
    """De-identify: find PHI and replace it (tags by default, or masks, removal, realistic surrogates)."""
    from phiner.batch import RedactOptions, redact_documents
    from phiner.records import atomic_write, check_text
    from phiner.surrogates import SurrogateSettings, load_secret

    from phiner.redact import check_operators

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
        console.print("[yellow]warning:[/yellow] no secret (--secret-file or $PHINER_SECRET): a patient keeps one "
                      "date shift and name map within this job only.", highlight=False)
    if keep_original:
        console.print(f"[yellow]warning:[/yellow] --keep-original writes the original text (PHI) beside the "
                      "redacted text: the output is not de-identified.", highlight=False)
    options = RedactOptions(operator=operator, overrides=overrides, seed=seed, secret=secret, text_field=field,
                            id_field=id_field, patient_field=patient_field, keep_original=keep_original,
                            buffer=buffer,
                            surrogates=SurrogateSettings(date_shift_min=date_shift_days[0],
                                                         date_shift_max=date_shift_days[1], age_shift=age_shift))
    one_text = text is not None or (input.is_file() and input.suffix != ".jsonl")
    if not one_text and output is None:
        raise PhinerError("--output is needed with a folder or a .jsonl --input.")
    if key is not None and input is not None and input.is_dir():
        raise PhinerError("--key works with a .jsonl input or one text, not a folder.")
    tagger = _load_tagger(model)
    if one_text:
        document = text if text is not None else _read_document(input)
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
    _redact_many(tagger, input, output, options, resume=resume, key=key)


def _overrides(keep: list[str], override: list[str]) -> dict[str, str]:
    """``--keep`` and ``--override`` as one type -> operator map; errors name the option and entry only."""
    from phiner.labels import ENTITY_TYPES
    from phiner.redact import OPERATORS

    overrides: dict[str, str] = {}
    entries = [("--keep", i, kind, "keep") for i, kind in enumerate(keep, start=1)]
    for i, item in enumerate(override, start=1):
        kind, sep, op = item.partition("=")
        if not sep:
            raise PhinerError(f"`--override` entry {i} should be TYPE=OPERATOR, e.g. DATE=mask.")
        entries.append(("--override", i, kind, op))
    for option, i, kind, op in entries:
        if kind not in ENTITY_TYPES:
            raise PhinerError(f"`{option}` entry {i} names an unknown entity type; choose one of {', '.join(ENTITY_TYPES)}.")
        if op not in OPERATORS:
            raise PhinerError(f"`{option}` entry {i} names an unknown operator; choose one of {', '.join(OPERATORS)}.")
        overrides[kind] = op
    return overrides


def _read_document(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as err:
        raise PhinerError(f"{path}: invalid UTF-8 at byte {err.start}") from None


def _load_tagger(model: Path):
    from phiner.predict import Tagger

    return Tagger.load(model)


def _redact_many(tagger, input: Path, output: Path, options, *, resume: bool, key: Optional[Path]) -> None:
    from phiner.batch import redact_folder, redact_jsonl

    with _progress("documents") as advance:
        if input.is_dir():
            stats = redact_folder(tagger, input, output, options, resume=resume, progress=advance)
        else:
            stats = redact_jsonl(tagger, input, output, options, resume=resume, key_file=key, progress=advance)
    out.print(f"wrote {stats['written']} documents to {output} (skipped {stats['skipped']} already done)")
    if stats.get("links_skipped"):
        console.print(f"[yellow]warning:[/yellow] skipped {stats['links_skipped']} link(s) pointing out of {input}",
                      highlight=False)


class _progress:
    """A rich progress bar on stderr with documents per second; yields the function that advances it."""

    def __init__(self, unit: str) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.bar = Progress(TextColumn(f"{unit}"), MofNCompleteColumn(), BarColumn(),
                            TextColumn("{task.fields[rate]} docs/s"), TimeElapsedColumn(), console=console)
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


@app.command()
def serve(
    model: Annotated[Path, typer.Option(help="Run folder (or merged model folder).")],
    host: Annotated[str, typer.Option(help="Address to bind; loopback by default.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    api_key_env: Annotated[str, typer.Option(help="Environment variable holding the API key, if any.")] = "PHINER_API_KEY",
    secret_file: Annotated[Optional[Path], typer.Option(help="File holding the surrogate secret [else $PHINER_SECRET, else a random one per process].")] = None,
    max_body_bytes: Annotated[int, typer.Option(help="Largest request body accepted (413 above).")] = 1_000_000,
    max_batch: Annotated[int, typer.Option(help="Most texts in one request (413 above).")] = 64,
    max_queue: Annotated[int, typer.Option(help="Most requests running or waiting for the model (503 above).")] = 32,
    request_timeout: Annotated[float, typer.Option(help="Seconds a request may take, waiting included (503 after).")] = 30.0,
) -> None:
    """Serve POST /v1/entities, POST /v1/redact, GET /v1/model and GET /health over HTTP (OpenAPI at /docs)."""
    import logging

    import uvicorn

    from phiner.predict import Tagger
    from phiner.serve import API_KEY_HEADER, create_app
    from phiner.surrogates import load_secret

    api_key = os.environ.get(api_key_env)
    if api_key is not None and (not api_key or not api_key.isascii() or not api_key.isprintable()):
        raise PhinerError(f"${api_key_env} is set but empty or not printable ASCII; set a key of printable ASCII "
                          "characters, or unset it to serve without one.")
    if host not in ("127.0.0.1", "localhost", "::1") and not api_key:
        console.print(f"[yellow]warning:[/yellow] bound to {host} with no API key; set {api_key_env} to require "
                      f"the {API_KEY_HEADER} header.", highlight=False)
    app = create_app(Tagger.load(model), api_key=api_key, max_body_bytes=max_body_bytes, max_batch=max_batch,
                     run_dir=model, secret=load_secret(secret_file), max_queue=max_queue,
                     request_timeout=request_timeout)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s:     %(message)s")
    # phiner's own access log (method, route, status, time): uvicorn's would keep query strings.
    uvicorn.run(app, host=host, port=port, log_level="info", access_log=False)


@app.command()
def merge(
    model: Annotated[Path, typer.Option(help="Run folder with a LoRA adapter.")],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the merged model.")],
) -> None:
    """Merge the LoRA adapter into its base: a plain transformers model that loads without peft."""
    from phiner.model import merge as merge_run

    merge_run(model, out_dir)
    out.print(f"merged model written to {out_dir}")


@export_app.command("onnx")
def export_onnx(
    model: Annotated[Path, typer.Option(help="Run folder (adapter) or merged model folder.")],
    out_dir: Annotated[Path, typer.Option("--out", help="Export folder to write.")],
    int8: Annotated[bool, typer.Option("--int8", help="Dynamic int8 quantization of the weights.")] = False,
    data: Annotated[Optional[str], typer.Option(help="Test set for the parity check [the run's own test split].")] = None,
    max_records: Annotated[Optional[int], typer.Option(help="Check parity on the first N records only.")] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing export folder.")] = False,
) -> None:
    """Export to ONNX Runtime (LoRA merged), check strict-F1 parity with PyTorch; predict/redact/serve take the folder."""
    from phiner.export import PARITY_TOLERANCE
    from phiner.export import export_onnx as run_export

    info = run_export(model, out_dir, int8=int8, data=data, max_records=max_records, overwrite=overwrite,
                      log=out.print)
    p = info["parity"]
    out.print(f"parity on {p['records']} records: strict F1 {p['onnx_f1']:.4f} (PyTorch {p['torch_f1']:.4f}, "
              f"difference {p['f1_difference']:+.4f}, tolerance {PARITY_TOLERANCE}); "
              f"max logit difference {p['max_logit_difference']:.4f}")
    out.print(f"export written to {out_dir} ({info['file']})")


@app.command()
def bench(
    json_out: Annotated[Optional[Path], typer.Option("--json", help="Write the results as JSON here.")] = None,
    base_model: Annotated[str, typer.Option(help="roberta-base-random (roberta-base's architecture, random weights), minilm, or a folder.")] = "roberta-base-random",
    quick: Annotated[bool, typer.Option("--quick", help="Fewer texts and steps, one repeat: under 10 minutes on 2 cores.")] = False,
    repeats: Annotated[Optional[int], typer.Option(help="Repeats of each contender (median reported) [3; quick 1].")] = None,
    minilm: Annotated[bool, typer.Option(help="Also bench the minilm base.")] = True,
    nordeid: Annotated[Path, typer.Option(help="Nor-DeID-SynthData folder for the texts (generated texts if absent).")] = Path("../shared/data/nor-deid-synthdata"),
) -> None:
    """Training and tagging throughput: the design's pipeline vs phiner's, interleaved, on this machine."""
    from phiner.bench import run_bench, table
    from phiner.records import write_json

    result = run_bench(base_model=base_model, quick=quick, repeats=repeats, nordeid=nordeid,
                       with_minilm=minilm, log=console.print)
    rows = table(result)
    t = Table(title=f"phiner bench: {result['base_model']} on {result['machine']['cpu']} "
                    f"({result['machine']['cores']} cores)")
    for name in rows[0]:
        t.add_column(name)
    for row in rows[1:]:
        t.add_row(*row)
    out.print(t)
    g = result["matmul_gflops"]
    out.print("matmul GFLOP/s: " + ", ".join(f"{k} {v:.0f}" for k, v in g.items() if v))
    if json_out:
        write_json(json_out, result)
        out.print(f"results: {json_out}")


@app.command()
def quickstart(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for data, run and report.")] = Path("phiner-quickstart"),
) -> None:
    """The main job on embedded defaults: synthetic data, minilm, train, evaluate, plots, a sample prediction."""
    from phiner.quickstart import run_quickstart

    result = run_quickstart(out_dir, log=out.print)
    _print_before_after(result["metrics"])
    _print_entities("Predicted Entities", result["sample"]["predicted"])
    _print_entities("Real Entities", result["sample"]["real"])
    out.print(f"results in {out_dir}/ (run/metrics.json, run/loss.png, run/confusion.png)")


def main() -> None:
    """Entry point: domain errors become one line on stderr and exit code 2, no traceback."""
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        app()
    except (PhinerError, FileExistsError, ValueError) as err:
        console.print(f"[red]error:[/red] {err}", highlight=False)
        sys.exit(2)
    except OSError as err:  # unreadable input, unwritable output, a full disk: one line, no traceback
        where = f"{err.filename}: " if err.filename else ""
        console.print(f"[red]error:[/red] {where}{err.strerror or type(err).__name__}", highlight=False)
        sys.exit(2)
