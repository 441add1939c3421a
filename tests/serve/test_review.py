"""The review page in a real browser (Debian's chromium, driven by Playwright): reject, relabel and add spans with
the mouse and the keyboard, export, and the exported records are what was clicked."""

import json
import os
import shutil

import pytest

from helpers import call, running
from phiner.core.errors import PhinerError
from phiner.serve.review import Review, create_review_app, review_path

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]  # fmt: skip

TEXT = "Pasient Kari Hansen kom 03.04.2021 til Tromsø. Sønnen Ola ringte."


def at(word):
    start = TEXT.index(word)
    return start, start + len(word)


def notes_file(tmp_path):
    found = [
        {"start": at("Kari Hansen")[0], "end": at("Kari Hansen")[1], "label": "PATIENT", "score": 0.97, "source": "model"},
        {"start": at("kom")[0], "end": at("kom")[1], "label": "PATIENT", "score": 0.41, "source": "model"},
        {"start": at("03.04.2021")[0], "end": at("03.04.2021")[1], "label": "DATE", "score": 0.95, "source": "pattern:date"},
        {"start": at("Tromsø")[0], "end": at("Tromsø")[1], "label": "DATE", "score": 0.62, "source": "model"},
    ]  # fmt: skip
    other = {"id": "n2", "text": "Ingen PHI her.", "entities": []}
    path = tmp_path / "predicted.jsonl"
    rows = [{"id": "n1", "text": TEXT, "entities": found}, other]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install chromium)")
def test_given_the_review_page_then_rejecting_relabelling_and_adding_in_a_browser_exports_what_was_clicked(tmp_path):
    from playwright.sync_api import sync_playwright

    path = notes_file(tmp_path)
    with running(create_review_app(Review.open(path))) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page()
        page.goto(base + "/")
        page.wait_for_selector("mark")
        assert page.locator("mark").count() == 4
        page.locator("mark", has_text="kom").click()
        page.keyboard.press("r")  # reject
        page.wait_for_selector("#msg:has-text('rejected')")
        page.locator("mark", has_text="Tromsø").click()
        page.keyboard.press("3")  # relabel LOC
        page.wait_for_selector("#msg:has-text('relabelled LOC')")
        page.locator("mark", has_text="Kari Hansen").click()
        page.click("#accept")
        page.wait_for_selector("#msg:has-text('accepted')")
        # Select `Ola` as the mouse does (a range in the text), then add it with the keyboard.
        page.evaluate(
            """(word) => {
                const node = [...document.querySelectorAll('#text span')].find((s) => s.textContent.includes(word));
                const text = node.firstChild, start = text.textContent.indexOf(word);
                const range = document.createRange();
                range.setStart(text, start); range.setEnd(text, start + word.length);
                const sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(range);
            }""",
            "Ola",
        )
        page.select_option("#label", "PATIENT")
        page.locator("#text").focus()
        page.keyboard.press("n")
        page.wait_for_selector("#msg:has-text('added PATIENT')")
        assert page.locator("mark.rejected").count() == 1 and page.locator("mark").count() == 5
        page.click("#export-records")
        page.wait_for_selector("#msg:has-text('exported 2 notes')")
        page.click("#export-ls")
        page.wait_for_selector("#msg:has-text('exported 2 notes')")
        browser.close()

    exported = [json.loads(line) for line in path.with_name("predicted.jsonl.reviewed.jsonl").read_text().splitlines()]
    expected = [("Kari Hansen", "PATIENT"), ("03.04.2021", "DATE"), ("Tromsø", "LOC"), ("Ola", "PATIENT")]
    assert [(TEXT[t["start"] : t["end"]], t["label"]) for t in exported[0]["ner_tags"]] == expected
    assert exported[1] == {"id": "n2", "text": "Ingen PHI her.", "ner_tags": []}
    tasks = json.loads(path.with_name("predicted.jsonl.labelstudio.json").read_text(encoding="utf-8"))
    values = [(r["value"]["text"], r["value"]["labels"]) for r in tasks[0]["annotations"][0]["result"]]
    assert values == [(w, [label]) for w, label in expected]
    # Every decision was saved as it was made, 0600; reopening the file goes on from them.
    for made in ("predicted.jsonl.review.json", "predicted.jsonl.reviewed.jsonl", "predicted.jsonl.labelstudio.json"):
        assert os.stat(tmp_path / made).st_mode & 0o777 == 0o600
    again = Review.open(path)
    statuses = [(s["label"], s["status"]) for s in again.spans[0]]
    assert statuses == [("PATIENT", "accepted"), ("PATIENT", "rejected"), ("DATE", "pending"), ("LOC", "relabelled"),
                        ("PATIENT", "added")]  # fmt: skip
    assert again.spans[0][3]["was"] == "DATE"


def test_given_a_bad_span_or_a_key_then_the_api_refuses_it(tmp_path):
    path = notes_file(tmp_path)
    review = Review.open(path)
    with running(create_review_app(review, api_key="k" * 20)) as base:
        status, _ = call(base, "/api/notes", key=None)
        assert status == 401
        status, body = call(base, "/api/notes", key="k" * 20)
        assert status == 200 and [n["id"] for n in body["notes"]] == ["n1", "n2"]
    with pytest.raises(PhinerError, match="span 0: should lie in the note"):
        review.decide(0, [{"start": 5, "end": 999, "label": "PATIENT"}])
    with pytest.raises(PhinerError, match="span 1"):
        review.decide(0, [{"start": 0, "end": 7, "label": "LOC"}, {"start": 3, "end": 9, "label": "LOC"}])
    with pytest.raises(PhinerError, match="one of PATIENT"):
        review.decide(0, [{"start": 0, "end": 7, "label": "NAME"}])
    assert not review_path(path).exists()  # nothing refused was saved
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "x", "entities": []}\n{"id": 2}\n', encoding="utf-8")
    with pytest.raises(PhinerError, match=r"bad.jsonl:2: a note to review needs"):
        Review.open(bad)
