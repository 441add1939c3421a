"""Readers for the labelled corpora sites have, into phiner's record contract (``{"id", "text", "ner_tags"}``), so
that ``phiner evaluate`` scores a model on them as on its own records.

The formats (``--format``; ``auto`` tells them by their names and first bytes, :func:`detect_format`):

- ``records``: phiner's own JSONL, or a dataset folder (its split);
- ``i2b2``: i2b2/n2c2 2014 XML, one document a file (``<TEXT>`` and ``<TAGS>``, each tag with ``start``, ``end``,
  ``TYPE``), a file or a folder of them; the tag's ``text``, where given, must be what its offsets hold;
- ``brat``: BRAT standoff, ``NAME.txt`` beside ``NAME.ann``, a pair or a folder of pairs; a discontinuous span
  (``T1 NAME 0 4;10 14``) becomes one span a piece, and relations, events, attributes and notes are not read;
- ``labelstudio``: a Label Studio JSON export (a list of tasks), each task's text in ``data.text`` and its first
  annotation that was not cancelled (``annotations[].result[].value``: ``start``, ``end``, ``labels``);
- ``prodigy``: Prodigy (and OBI) JSONL, ``text`` and ``spans``; examples answered ``reject`` or ``ignore`` are
  left out;
- ``conll``: CoNLL/IOB2, a token a line with its tag last, sentences split by blank lines and documents by
  ``-DOCSTART-``; the text is rebuilt (tokens joined by one space, sentences by a line break) with exact offsets,
  and an ``I-`` that continues nothing begins a span (as conlleval reads it).

A type map (``--type-map``: a YAML mapping of the corpus's labels to phiner's types or ``ignore``, or the name of a
shipped map: ``i2b2-2014``, ``physionet``) turns the corpus's labels into phiner's; labels already phiner's
types pass as they are. Every reader checks what it reads as the record contract does and refuses the corpus
whole, naming each problem's file and line or tag (never its text), before anything is scored: an offset out of
the text, spans that overlap, a label the map does not name.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, Iterator

from phiner.core.errors import Errors, PhinerError, RecordError, os_errors
from phiner.core.labels import PHI_TYPES
from phiner.core.records import iter_objects, listed, validate_record
from phiner.jobs.batch import read_text_file

FORMATS = ("records", "i2b2", "brat", "labelstudio", "prodigy", "conll")
IGNORE = "ignore"
MAPS = Path(__file__).parent / "typemaps"
"""The shipped type maps, ``NAME.yaml``."""
CONLL_SUFFIXES = (".conll", ".conllu", ".iob", ".iob2", ".bio", ".tsv")


def detect_format(path: str | Path) -> str:
    """The corpus format of ``path`` by its name and first bytes (see the module's docs)."""
    path = Path(path)
    if path.is_dir():
        names = {p.suffix.lower() for p in path.rglob("*") if p.is_file()}
        if ".ann" in names:
            return "brat"
        if ".xml" in names:
            return "i2b2"
        return "records"
    suffix = path.suffix.lower()
    if suffix == ".xml":
        return "i2b2"
    if suffix == ".ann" or (suffix == ".txt" and path.with_suffix(".ann").exists()):
        return "brat"
    if suffix in CONLL_SUFFIXES:
        return "conll"
    if suffix == ".json":
        return "labelstudio"
    if suffix == ".jsonl":
        for _, obj in iter_objects(path):
            return "prodigy" if isinstance(obj, dict) and "spans" in obj and "ner_tags" not in obj else "records"
        return "records"
    raise PhinerError(Errors.E319.format(path=path, choices=", ".join(FORMATS)))


def load_type_map(given: str | Path | None) -> dict[str, str]:
    """A type map: a shipped one by name, or a YAML file of ``corpus label: phiner type or ignore``."""
    if given is None:
        return {}
    path = MAPS / f"{given}.yaml" if (MAPS / f"{given}.yaml").exists() else Path(given)
    if not path.is_file():
        shipped = ", ".join(sorted(p.stem for p in MAPS.glob("*.yaml")))
        raise PhinerError(Errors.E320.format(path=given, choices=shipped))
    from phiner.core.yamlfile import parse_yaml

    with os_errors(path):
        data = parse_yaml(path.read_text(encoding="utf-8"), str(path))[0]
    if not isinstance(data, dict):
        raise PhinerError(Errors.E321.format(path=path))
    choices = (*PHI_TYPES, IGNORE)
    for key, value in data.items():
        if not isinstance(key, str) or value not in choices:
            raise PhinerError(Errors.E322.format(path=path, choices=", ".join(choices)))
    return dict(data)


def read_corpus(
    path: str | Path, format: str = "auto", type_map: dict[str, str] | None = None, split: str = "test"
) -> list[dict[str, Any]]:
    """The records of a labelled corpus in ``format`` (``auto``: :func:`detect_format`), their labels mapped by
    ``type_map`` (labels mapped to ``ignore`` dropped); refused whole, naming every problem (the first 20)."""
    path = Path(path)
    if not path.exists():
        raise PhinerError(Errors.E095.format(path=path))
    kind = detect_format(path) if format == "auto" else format
    if kind not in FORMATS:
        raise PhinerError(Errors.E319.format(path=path, choices=", ".join(FORMATS)))
    if kind == "records":
        from phiner.data.dataset import load_records

        raw: list[tuple[str, dict[str, Any]]] = [(str(path), r) for r in load_records(path, split)]
    else:
        with os_errors(path):
            raw = list(READERS[kind](path))
    return _mapped(raw, type_map or (_default_map(kind)), path)


def _default_map(kind: str) -> dict[str, str]:
    return load_type_map("i2b2-2014") if kind == "i2b2" else {}


def _mapped(raw: list[tuple[str, dict[str, Any]]], type_map: dict[str, str], path: Path) -> list[dict[str, Any]]:
    records, problems, unknown = [], [], set()
    for where, record in raw:
        tags = []
        for tag in record["ner_tags"]:
            label = tag.get("label") if isinstance(tag, dict) else None
            if not isinstance(label, str):
                tags.append(tag)  # the contract's check names what is wrong with it
                continue
            label = type_map.get(label, label)
            if label == IGNORE:
                continue
            if label not in PHI_TYPES:
                unknown.add(tag["label"])
                continue
            tags.append({"start": tag.get("start"), "end": tag.get("end"), "label": label})
        try:
            records.append(validate_record({**record, "ner_tags": tags}))
        except RecordError as err:
            problems.append(Errors.E001.format(where=where, problem=err))
    if unknown:
        shown = ", ".join(sorted(str(u)[:40] for u in unknown))
        # Not from the catalogue: it shows the corpus's own labels, which a type map must name.
        problems.insert(0, f"{path}: labels no type map names: {shown}; map each with --type-map (to a type or ignore)")
    if problems:
        raise PhinerError(Errors.E323.format(count=len(problems), path=path, problem=listed(problems)))
    if not records:
        raise PhinerError(Errors.E324.format(path=path))
    return records


# ----------------------------------------------------------------------------------------------------------------
# The readers: each yields (where, record) with the corpus's own labels.


def _files(path: Path, suffix: str) -> list[Path]:
    return sorted(p for p in path.rglob(f"*{suffix}") if p.is_file()) if path.is_dir() else [path]


def read_i2b2(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    for file in _files(path, ".xml"):
        try:
            root = ET.parse(file).getroot()
        except ET.ParseError as err:
            raise PhinerError(Errors.E325.format(path=file, line=err.position[0])) from None
        text_node = root.find("TEXT")
        if text_node is None:
            raise PhinerError(Errors.E326.format(path=file))
        text = text_node.text or ""
        tags = []
        tag_nodes = root.find("TAGS")
        for i, node in enumerate(tag_nodes if tag_nodes is not None else []):
            where = f"{file}: tag {node.get('id') or i}"
            try:
                start, end = int(node.get("start", "")), int(node.get("end", ""))
            except ValueError:
                raise PhinerError(Errors.E327.format(where=where)) from None
            quoted = node.get("text")
            if quoted is not None and 0 <= start < end <= len(text) and text[start:end] != quoted:
                raise PhinerError(Errors.E328.format(where=where, start=start, end=end))
            tags.append({"start": start, "end": end, "label": node.get("TYPE") or node.tag})
        yield str(file), {"id": file.stem, "text": text, "ner_tags": tags}


_BRAT_SPAN = re.compile(r"^(\d+) (\d+)$")


def read_brat(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    pairs = _files(path, ".ann") if path.is_dir() else [path.with_suffix(".ann")]
    for ann in pairs:
        txt = ann.with_suffix(".txt")
        if not txt.is_file():
            raise PhinerError(Errors.E329.format(path=ann, file=txt.name))
        text = read_text_file(txt)
        tags = []
        for lineno, line in enumerate(read_text_file(ann).splitlines(), 1):
            if not line.startswith("T"):
                continue  # relations, events, attributes, normalisations, notes
            parts = line.split("\t")
            if len(parts) < 2 or " " not in parts[1]:
                raise PhinerError(Errors.E330.format(path=ann, line=lineno))
            label, _, ranges = parts[1].partition(" ")
            for piece in ranges.split(";"):
                found = _BRAT_SPAN.match(piece.strip())
                if found is None:
                    raise PhinerError(Errors.E330.format(path=ann, line=lineno))
                tags.append({"start": int(found[1]), "end": int(found[2]), "label": label})
        yield str(ann), {"id": str(ann.relative_to(path) if path.is_dir() else ann.name)[:-4], "text": text,
                         "ner_tags": tags}  # fmt: skip


def read_labelstudio(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    try:
        tasks = json.loads(path.read_bytes())
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise PhinerError(Errors.E331.format(path=path)) from None
    if not isinstance(tasks, list):
        raise PhinerError(Errors.E331.format(path=path))
    for i, task in enumerate(tasks):
        where = f"{path}: task {i}"
        text = task.get("data", {}).get("text") if isinstance(task, dict) else None
        if not isinstance(text, str):
            raise PhinerError(Errors.E332.format(where=where))
        done = [a for a in task.get("annotations") or [] if isinstance(a, dict) and not a.get("was_cancelled")]
        tags = []
        for result in done[0].get("result", []) if done else []:
            value = result.get("value", {}) if isinstance(result, dict) else {}
            if "start" not in value or not value.get("labels"):
                continue  # choices, ratings, relations
            for label in value["labels"]:
                tags.append({"start": value["start"], "end": value["end"], "label": label})
        yield where, {"id": str(task.get("id", i)), "text": text, "ner_tags": tags}


def read_prodigy(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    for lineno, obj in iter_objects(path):
        where = f"{path}:{lineno}"
        if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
            raise PhinerError(Errors.E332.format(where=where))
        if obj.get("answer", "accept") != "accept":
            continue
        tags = [
            {"start": s.get("start"), "end": s.get("end"), "label": s.get("label")}
            for s in obj.get("spans") or []
            if isinstance(s, dict)
        ]
        yield where, {"id": str(obj.get("id", lineno)), "text": obj["text"], "ner_tags": tags}


def read_conll(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    text: list[str] = []
    tags: list[dict[str, Any]] = []
    pos, open_tag, first_line, count = 0, None, 1, 0
    sentence_started = False

    def document():
        nonlocal text, tags, pos, open_tag, sentence_started, count
        record = {"id": f"{path.stem}-{count}", "text": "".join(text), "ner_tags": tags}
        text, tags, pos, open_tag, sentence_started = [], [], 0, None, False
        count += 1
        return record

    for lineno, line in enumerate(read_text_file(path).splitlines(), 1):
        cells = line.split()
        if not cells or cells[0] == "-DOCSTART-":
            open_tag = None
            if cells and text:
                yield f"{path}:{first_line}", document()
                first_line = lineno + 1
            elif not cells and sentence_started:
                text.append("\n")
                pos += 1
                sentence_started = False
            continue
        if len(cells) < 2:
            raise PhinerError(Errors.E333.format(path=path, line=lineno))
        token, tag = cells[0], cells[-1]
        if sentence_started:
            text.append(" ")
            pos += 1
        start, end = pos, pos + len(token)
        text.append(token)
        pos, sentence_started = end, True
        prefix, _, label = tag.partition("-")
        if tag == "O":
            open_tag = None
        elif prefix in ("B", "I") and label:
            if prefix == "I" and open_tag is not None and open_tag["label"] == label:
                open_tag["end"] = end
            else:
                open_tag = {"start": start, "end": end, "label": label}
                tags.append(open_tag)
        else:
            raise PhinerError(Errors.E334.format(path=path, line=lineno))
    if text:
        yield f"{path}:{first_line}", document()


READERS = {
    "i2b2": read_i2b2,
    "brat": read_brat,
    "labelstudio": read_labelstudio,
    "prodigy": read_prodigy,
    "conll": read_conll,
}
