"""The review page: a local web page over a file of notes (predictions, a labelled corpus, or both) where a
reviewer accepts, rejects, relabels and adds spans, each decision saved as it is made, and the result exported as
records (the contract) or as Label Studio tasks.

Everything is served by this app (:data:`PAGE`, one HTML file with its script and style inline): nothing comes from
a CDN. The decisions live in ``NAME.review.json`` beside the file (0600, written atomically after each change);
reopening the file goes on from them. Bound beyond loopback, the app asks for the service's key.
"""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

from fastapi import Body, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse

from phiner.core.errors import Errors, PhinerError
from phiner.core.records import atomic_write, iter_objects, write_jsonl
from phiner.serve.schemas import API_KEY_HEADER

LABELS = ("PATIENT", "DATE", "LOC", "ID", "AGE", "PHONE", "CONTACT")
"""The types a reviewer may give a span, in the order of the keys 1-7."""


def review_path(path: Path) -> Path:
    """Where the decisions on ``path`` are kept: ``NAME.review.json`` beside it."""
    return path.with_name(f"{path.name}.review.json")


def _span(raw: dict[str, Any], status: str) -> dict[str, Any]:
    span = {"start": raw["start"], "end": raw["end"], "label": raw["label"], "status": status}
    span["source"] = raw.get("source") or ("gold" if status == "gold" else "model")
    if raw.get("score") is not None:
        span["score"] = raw["score"]
    return span


@dataclass
class Review:
    """A file's notes and the reviewer's spans for each (``pending``, ``accepted``, ``rejected``, ``relabelled``
    from ``was``, or ``added``)."""

    path: Path
    notes: list[dict[str, Any]]
    spans: list[list[dict[str, Any]]] = field(default_factory=list)

    @classmethod
    def open(cls, path: Path) -> Review:
        """Read ``path`` (JSONL: ``text`` with ``entities`` and/or ``ner_tags``) and the decisions kept beside it."""
        path = Path(path)
        notes = []
        for lineno, record in iter_objects(path):
            if not isinstance(record, dict) or not isinstance(record.get("text"), str):
                raise PhinerError(Errors.E338.format(path=path, line=lineno))
            found, gold = record.get("entities"), record.get("ner_tags")
            if found is None and gold is None:
                raise PhinerError(Errors.E338.format(path=path, line=lineno))
            note = {"id": str(record.get("id", len(notes))), "text": record["text"]}
            note["found"] = [_span(s, "pending") for s in found or []]
            note["gold"] = [_span(s, "gold") for s in gold or []]
            notes.append(note)
        if not notes:
            raise PhinerError(Errors.E340.format(path=path))
        review = cls(path, notes)
        kept = review_path(path)
        saved = json.loads(kept.read_text(encoding="utf-8")) if kept.exists() else {}
        for note in notes:
            start = note["found"] or [{**s, "status": "pending", "source": "gold"} for s in note["gold"]]
            review.spans.append(saved.get(note["id"], start))
        return review

    def summary(self) -> list[dict[str, Any]]:
        """Per note: its id, and the types, sources and scores of its spans, and whether they disagree with gold
        (for the page's filters)."""
        out = []
        for i, (note, spans) in enumerate(zip(self.notes, self.spans)):
            gold = {(s["start"], s["end"], s["label"]) for s in note["gold"]}
            kept = {(s["start"], s["end"], s["label"]) for s in spans if s["status"] != "rejected"}
            out.append(
                {
                    "index": i,
                    "id": note["id"],
                    "types": sorted({s["label"] for s in spans}),
                    "sources": sorted({s["source"] for s in spans}),
                    "scores": [s.get("score") for s in spans],
                    "disagrees": bool(note["gold"]) and gold != kept,
                    "decided": sum(s["status"] != "pending" for s in spans),
                    "spans": len(spans),
                }
            )
        return out

    def note(self, index: int) -> dict[str, Any]:
        note = self.notes[index]
        return {
            "index": index,
            "id": note["id"],
            "text": note["text"],
            "spans": self.spans[index],
            "gold": note["gold"],
        }

    def decide(self, index: int, spans: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The reviewer's spans for one note, checked (in the note, not overlapping, a known type), then saved."""
        text = self.notes[index]["text"]
        checked = []
        for i, s in enumerate(sorted(spans, key=lambda s: (s.get("start", -1), s.get("end", -1)))):
            ok = isinstance(s.get("start"), int) and isinstance(s.get("end"), int) and s.get("label") in LABELS
            ok = ok and 0 <= s["start"] < s["end"] <= len(text)
            live = [c for c in checked if c["status"] != "rejected"]
            if ok and s.get("status") != "rejected" and live and s["start"] < live[-1]["end"]:
                ok = False
            if not ok:
                raise PhinerError(Errors.E339.format(index=i, length=len(text), choices=", ".join(LABELS)))
            span = {k: s[k] for k in ("start", "end", "label")}
            span["status"] = (
                s.get("status")
                if s.get("status") in ("pending", "accepted", "rejected", "relabelled", "added")
                else "accepted"
            )
            span["source"] = str(s.get("source") or "reviewer")
            for key in ("score", "was"):
                if s.get(key) is not None:
                    span[key] = s[key]
            checked.append(span)
        self.spans[index] = checked
        self.save()
        return checked

    def save(self) -> None:
        with atomic_write(review_path(self.path)) as fh:
            json.dump({note["id"]: spans for note, spans in zip(self.notes, self.spans)}, fh, ensure_ascii=False)

    def records(self) -> list[dict[str, Any]]:
        """The reviewed notes as records: every span not rejected (pending ones included, as they stand)."""
        out = []
        for note, spans in zip(self.notes, self.spans):
            tags = [
                {"start": s["start"], "end": s["end"], "label": s["label"]} for s in spans if s["status"] != "rejected"
            ]
            out.append({"id": note["id"], "text": note["text"], "ner_tags": tags})
        return out

    def label_studio(self) -> list[dict[str, Any]]:
        """The reviewed notes as Label Studio tasks (``data.text``, one annotation of ``labels`` results)."""
        tasks = []
        for record in self.records():
            result = [
                {
                    "id": f"s{i}",
                    "from_name": "label",
                    "to_name": "text",
                    "type": "labels",
                    "value": {
                        "start": t["start"],
                        "end": t["end"],
                        "text": record["text"][t["start"] : t["end"]],
                        "labels": [t["label"]],
                    },
                }  # fmt: skip
                for i, t in enumerate(record["ner_tags"])
            ]
            tasks.append({"data": {"text": record["text"], "id": record["id"]}, "annotations": [{"result": result}]})
        return tasks

    def export(self, kind: str) -> tuple[Path, int]:
        """The reviewed notes written beside the file: ``NAME.reviewed.jsonl`` (records) or
        ``NAME.labelstudio.json`` (tasks), 0600."""
        if kind == "records":
            dst = self.path.with_name(f"{self.path.name}.reviewed.jsonl")
            return dst, write_jsonl(dst, self.records())
        dst = self.path.with_name(f"{self.path.name}.labelstudio.json")
        tasks = self.label_studio()
        with atomic_write(dst) as fh:
            json.dump(tasks, fh, ensure_ascii=False)
        return dst, len(tasks)


PAGE = "review.html"


def create_review_app(review: Review, api_key: str | None = None) -> FastAPI:
    """The FastAPI app of the page over ``review``; with ``api_key``, every route asks for it."""
    app = FastAPI(title="phiner review", docs_url=None, redoc_url=None, openapi_url=None)

    @app.middleware("http")
    async def key(request: Request, call_next):
        if api_key is not None:
            given = request.headers.get(API_KEY_HEADER) or request.query_params.get("key") or ""
            if not hmac.compare_digest(given.encode(), api_key.encode()):
                detail = Errors.E344.format(where=f"the {API_KEY_HEADER} header or ?key=")
                return JSONResponse({"detail": detail}, status_code=401)
        return await call_next(request)

    def index_of(index: int) -> int:
        if not 0 <= index < len(review.notes):
            raise HTTPException(404, Errors.E342.format(index=index, count=len(review.notes)))
        return index

    @app.get("/", response_class=HTMLResponse)
    def page() -> str:
        return resources.files("phiner.serve").joinpath(PAGE).read_text(encoding="utf-8")

    @app.get("/api/notes")
    def notes() -> dict[str, Any]:
        return {"labels": LABELS, "notes": review.summary()}

    @app.get("/api/notes/{index}")
    def note(index: int) -> dict[str, Any]:
        return review.note(index_of(index))

    @app.put("/api/notes/{index}")
    def decide(index: int, spans: Annotated[list[dict[str, Any]], Body()]) -> dict[str, Any]:
        try:
            return {"spans": review.decide(index_of(index), spans)}
        except PhinerError as err:
            raise HTTPException(422, str(err)) from None

    @app.post("/api/export/{kind}")
    def export(kind: str) -> dict[str, Any]:
        if kind not in ("records", "labelstudio"):
            raise HTTPException(404, Errors.E343.format(given=kind, choices="records, labelstudio"))
        path, count = review.export(kind)
        return {"path": str(path), "count": count}

    return app
