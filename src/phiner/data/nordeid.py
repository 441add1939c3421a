"""Nor-DeID-SynthData (Lund et al., NLDL 2024) as phiner records.

Two forms: ``scenarios`` renders each structured scenario as ``key: value`` lines, exactly like the
reference recipe's test sample; ``notes`` takes the GPT-4 notes in ``results``, strips their inline PHI tags and keeps
the spans on the clean text. ``mixed`` is both. What the notes' tags could not give (unknown, nested,
unmatched or empty tags) is counted in a report, never dropped silently.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from phiner.core.errors import Errors, RecordError, SettingError
from phiner.data.synth.scenarios import render_scenario

FORMS = ("scenarios", "notes", "mixed")
SPLIT_FILES = {"train": "training.json", "test": "validation.json"}

# The notes' tags, by canonical kind; a few misspellings GPT-4 made are read as the tag they meant.
TAG_KIND: dict[str, str] = {
    "First_Name": "First_Name",
    "Firt_Name": "First_Name",
    "Fist_Name": "First_Name",
    "Patient_First_Name": "First_Name",
    "Første_Navn": "First_Name",
    "Første_Name": "First_Name",
    "Last_Name": "Last_Name",
    "LastName": "Last_Name",
    "Etternavn": "Last_Name",
    "Patient_Last_Name": "Last_Name",
    "Age": "Age",
    "Patient_Age": "Age",
    "Phone_Number": "Phone_Number",
    "Social_Security_Number": "Social_Security_Number",
    "Sosial_Security_Number": "Social_Security_Number",
    "Patient_Social_Security_Number": "Social_Security_Number",
    "Personnummer": "Social_Security_Number",
    "Location": "Location",
    "Sted": "Location",
    "Date": "Date",
    "Dato": "Date",
    "Date__": "Date",
    "Health_Care_Unit": "Health_Care_Unit",
    "health_Care_Unit": "Health_Care_Unit",
    "Helseenhet": "Health_Care_Unit",
    "Hospital": "Health_Care_Unit",
}
KIND_LABEL: dict[str, str | None] = {
    "First_Name": "PATIENT",
    "Last_Name": "PATIENT",
    "Age": "AGE",
    "Phone_Number": "PHONE",
    "Social_Security_Number": "ID",
    "Location": "LOC",
    "Date": "DATE",
    "Health_Care_Unit": None,
}
TAG_RE = re.compile(r"<(/?)([^\W\d]\w*)>")


@dataclass
class TagReport:
    """What the inline tags of a set of notes gave, and what they could not."""

    spans: Counter = field(default_factory=Counter)
    aliased_tags: Counter = field(default_factory=Counter)
    unknown_tags: Counter = field(default_factory=Counter)
    nested: int = 0
    unmatched: int = 0
    empty: int = 0
    dropped_health_care_unit: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "spans": dict(self.spans),
            "aliased_tags": dict(self.aliased_tags),
            "unknown_tags": dict(self.unknown_tags),
            "nested": self.nested,
            "unmatched": self.unmatched,
            "empty": self.empty,
            "dropped_health_care_unit": self.dropped_health_care_unit,
        }


def scenario_record(scenario: dict[str, Any]) -> dict[str, Any]:
    """One scenario as a record's text: ``key: value`` lines in the file's field order."""
    return render_scenario(scenario)


KNOWN_FIELDS: dict[str, str] = {
    "socialSecurityNumber": "ID",
    "phoneNumber": "PHONE",
    "age": "AGE",
    "city": "LOC",
    "birthDate": "DATE",
    "admissionDate": "DATE",
}
"""A scenario's fields that are PHI, by type (the name is given and family name together)."""


def scenario_known(scenario: dict[str, Any]) -> dict[str, list[str]]:
    """What the structured record a note was written from says about its patient: the known PHI of the note
    (``{"PATIENT": ["Marlon Furu"], "ID": [...], ...}``), as a hospital's record system would give it."""
    known: dict[str, list[str]] = {}
    name = " ".join(str(scenario[k]) for k in ("givenName", "familyName") if scenario.get(k))
    if name:
        known["PATIENT"] = [name]
    for key, label in KNOWN_FIELDS.items():
        if scenario.get(key) not in (None, ""):
            known.setdefault(label, []).append(str(scenario[key]))
    return known


def note_record(note: str, report: TagReport, *, unit_as_loc: bool = False) -> dict[str, Any]:
    """Strip a note's inline tags; return the clean text with its PHI spans."""
    pieces, raw_spans, stack, pos = [], [], [], 0
    for match in TAG_RE.finditer(note):
        pieces.append(note[pos : match.start()])
        pos = match.end()
        offset = sum(map(len, pieces))
        closing, name = match.group(1) == "/", match.group(2)
        kind = TAG_KIND.get(name)
        if kind is None:
            if not closing:
                report.unknown_tags[name] += 1
            continue
        if kind != name and not closing:
            report.aliased_tags[name] += 1
        if not closing:
            stack.append((kind, offset))
        elif any(k == kind for k, _ in stack):
            while stack:
                open_kind, start = stack.pop()
                if open_kind == kind:
                    raw_spans.append((start, offset, kind, len(stack)))
                    break
                report.unmatched += 1
        else:
            report.unmatched += 1
    pieces.append(note[pos:])
    report.unmatched += len(stack)
    text = "".join(pieces)
    return {"text": text, "ner_tags": _resolve(text, raw_spans, report, unit_as_loc)}


def _resolve(text: str, raw_spans: list[tuple[int, int, str, int]], report: TagReport, unit_as_loc: bool) -> list[dict]:
    """Trim, label, un-nest and join the raw tag spans of one note."""
    labelled = []
    for start, end, kind, depth in raw_spans:
        label = "LOC" if kind == "Health_Care_Unit" and unit_as_loc else KIND_LABEL[kind]
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start == end:
            report.empty += 1
        elif label is None:
            report.dropped_health_care_unit += 1
        else:
            labelled.append((start, -end, depth, label, kind))
    labelled.sort()
    kept: list[list] = []
    for start, neg_end, _, label, kind in labelled:
        if kept and start < kept[-1][1]:
            report.nested += 1  # the outer span, already kept, covers this one
            continue
        kept.append([start, -neg_end, label, kind])
    return [{"start": s, "end": e, "label": lab} for s, e, lab in _join_names(text, kept, report)]


def _join_names(text: str, spans: list[list], report: TagReport) -> list[tuple[int, int, str]]:
    """A first name followed, across spaces only, by a last name is one PATIENT span."""
    out: list[list] = []
    for start, end, label, kind in spans:
        prev = out[-1] if out else None
        if (
            prev
            and prev[3] == "First_Name"
            and kind == "Last_Name"
            and text[prev[1] : start].strip(" ") == ""
            and start - prev[1] <= 3
        ):
            prev[1], prev[3] = end, "Full_Name"
            continue
        out.append([start, end, label, kind])
    for _, _, label, _ in out:
        report.spans[label] += 1
    return [(s, e, lab) for s, e, lab, _ in out]


def read_split(path: str | Path, form: str = "scenarios", *, unit_as_loc: bool = False) -> tuple[list[dict], TagReport]:
    """Records of one Nor-DeID JSON file in the given form, and the report on its tags."""
    if form not in FORMS:
        raise SettingError(Errors.E096.format(choices=", ".join(FORMS), given=form))
    path = Path(path)
    data = _load(path)
    report = TagReport()
    records: list[dict] = []
    if form in ("scenarios", "mixed"):
        for i, scenario in enumerate(data["scenarios"]):
            records.append(
                {**scenario_record(scenario), "meta": {"source": "nordeid", "form": "scenarios", "index": i}}
            )
    if form in ("notes", "mixed"):
        scenarios = data.get("scenarios") or []
        paired = len(scenarios) == len(data["results"])
        for i, note in enumerate(data["results"]):
            if not isinstance(note, str):
                raise RecordError(Errors.E097.format(index=i, type=type(note).__name__), source=str(path))
            record = note_record(note, report, unit_as_loc=unit_as_loc)
            if paired and isinstance(scenarios[i], dict):
                record["known"] = scenario_known(scenarios[i])
            records.append({**record, "meta": {"source": "nordeid", "form": "notes", "index": i}})
    return records, report


def _load(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except FileNotFoundError:
        raise RecordError(Errors.E098.format(path=path)) from None
    except UnicodeDecodeError as err:
        raise RecordError(Errors.E099.format(position=err.start), source=str(path)) from None
    except json.JSONDecodeError as err:
        raise RecordError(
            Errors.E100.format(line=err.lineno, position=err.colno, reason=err.msg), source=str(path)
        ) from None
    for key in ("scenarios", "results"):
        if not isinstance(data, dict) or not isinstance(data.get(key), list):
            raise RecordError(Errors.E101.format(key=key), source=str(path))
    return data


def build(src: str | Path, out: str | Path, form: str = "scenarios", *, unit_as_loc: bool = False) -> dict[str, Any]:
    """Write a dataset folder from a Nor-DeID-SynthData folder; return the info saved beside it."""
    from phiner.data.dataset import save_dataset

    src = Path(src)
    splits, reports = {}, {}
    for split, name in SPLIT_FILES.items():
        splits[split], report = read_split(src / name, form, unit_as_loc=unit_as_loc)
        reports[split] = report.to_dict()
    info = {"source": "nordeid", "form": form, "unit_as_loc": unit_as_loc, "tag_report": reports}
    save_dataset(out, splits, info)
    return {**info, "splits": {k: len(v) for k, v in splits.items()}}
