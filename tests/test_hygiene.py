"""The source's comments and docstrings state contracts and lasting reasons: no benchmark figures, issue
numbers, dates, "the design" or "this machine" (those belong in benchmarks/, the README and the history).

Every comment (``tokenize`` COMMENT tokens) and every docstring (``ast``: module, class and function docstrings,
and the bare strings under assignments that document them) of ``src/phiner/**/*.py`` is read. Examples are not
prose: doctest lines (``>>>`` and their output) are left out everywhere, and ``code`` spans and quoted examples
are left out of the checks for years, timings and rates, so ``14.03.2019`` in a parser's docstring is a contract.

A timing or a size is a contract when it is a default or a limit (``after 30 s``) and a measurement when the same
sentence says it was measured, took or ran somewhere; only the second is flagged.
"""

import ast
import io
import re
import tokenize
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "phiner"

ALWAYS = {
    "an issue reference": re.compile(r"\bissues? ?(#\s?\d+\b|\d+\b|:)|\(#\d+\)|\bPRs? #?\d+\b|\bGH-\d+\b", re.I),
    '"the design"': re.compile(r"\bthe design\b", re.I),
    '"this machine"': re.compile(
        r"\bthis (machine|computer|laptop|host|box)\b|\bthis project's (\d+-core )?(CPU|GPU|machine)s?\b", re.I
    ),
    '"measured"': re.compile(r"\bmeasured\b", re.I),
    "history": re.compile(r"\bfound when\b|\b(the )?(last|previous) round\b|\bthe old (code|version)\b", re.I),
}
"""Phrases that are never a contract: flagged anywhere in a comment or docstring."""

YEAR = re.compile(r"(?<![\w.-])20\d\d(?![\w])")
"""A year, or the year of a date (``2026-11-27``, ``27.11.2026``)."""

NAMED_YEAR = re.compile(r"(?:\b[A-Za-z]*\d[A-Za-z0-9]*|\b[A-Z]{2,}) $")
"""What comes just before a year that names a standard or a publication (``i2b2 2014``, ``NLDL 2024``)."""

RATE = re.compile(r"\b\d+(\.\d+)? ?(texts|docs|documents|notes|records|tokens|windows|requests|steps|it)/s\b", re.I)
"""A throughput: a figure of something per second."""

QUANTITY = re.compile(
    r"\b\d+(\.\d+)? ?(ms|s|sec|seconds?|mins?|minutes?|h|hours?|[KMG]i?B|%)(?![\w])|\b\d+(\.\d+)?x\b", re.I
)
"""A time, a size, a share or a factor: a contract or a measurement, as the sentence around it says."""

MEASURING = re.compile(
    r"\b(measured|measuring|took|ran|timed|profiled?|profiler|benchmark(ed|s)?|median|faster|slower|speed-?up"
    r"|wall time|peak|against|instead of|takes about|cores?|on (a|one|this|our) (CPU|GPU)|here)\b",
    re.I,
)
"""Words that make a quantity in the same sentence a measurement."""

LITERAL = re.compile(r"``.*?``|`[^`\n]*`|\"[^\"\n]*\"|(?<![\w])'[^'\n]*'(?![\w])", re.S)
"""Code spans and quoted examples."""

BEFORE_AFTER = re.compile(r"\b\d[\d.,:]*\s?[A-Za-z%]{0,3}\s?(->|→)\s?\d")
"""A figure and what it became (``19 -> 11 ms``): a change measured, not a contract."""

PARAGRAPH = re.compile(r"\n\s*\n")
SENTENCE = re.compile(r"(?<=[.;!?])\s+(?=[A-Z(])")


def prose(text: str) -> str:
    """``text`` without its doctest examples: each ``>>>`` line, its ``...`` lines and its output."""
    kept, example = [], False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith(">>>"):
            example = True
        elif not stripped:
            example = False
        if not example:
            kept.append(line)
    return "\n".join(kept)


def remarks(path: Path) -> list[tuple[int, str]]:
    """Each comment and docstring of a source file with the line it starts on."""
    source = path.read_text(encoding="utf-8")
    found = [
        (token.start[0], token.string.lstrip("#"))
        for token in tokenize.generate_tokens(io.StringIO(source).readline)
        if token.type == tokenize.COMMENT
    ]
    for node in ast.walk(ast.parse(source)):
        body = getattr(node, "body", None)
        if not isinstance(body, list):
            continue
        for statement in body:
            if (
                isinstance(statement, ast.Expr)
                and isinstance(statement.value, ast.Constant)
                and isinstance(statement.value.value, str)
            ):
                found.append((statement.lineno, statement.value.value))
    return sorted(found)


def hits(text: str) -> list[str]:
    """The phrases in one comment or docstring that are not contracts."""
    text = prose(text)
    found = [f"{what}: {m.group(0)!r}" for what, pattern in ALWAYS.items() for m in pattern.finditer(text)]
    plain = LITERAL.sub(" ", text)
    found += [f"a before/after figure: {m.group(0)!r}" for m in BEFORE_AFTER.finditer(plain)]
    sentences = [s for paragraph in PARAGRAPH.split(plain) for s in SENTENCE.split(" ".join(paragraph.split()))]
    for sentence in sentences:
        for m in YEAR.finditer(sentence):
            if not NAMED_YEAR.search(sentence[: m.start()]):
                found.append(f"a date: {m.group(0)!r}")
        found += [f"a rate: {m.group(0)!r}" for m in RATE.finditer(sentence)]
        measuring = MEASURING.search(sentence)
        if measuring:
            found += [f"a measurement: {m.group(0)!r} ({measuring.group(0)!r})" for m in QUANTITY.finditer(sentence)]
    return found


def sources() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


@pytest.mark.parametrize(
    ("text", "flagged"),
    [
        ("Fixed in issue 14.", True),
        ("see issues #3 and #4", True),
        ("Window merging (#12).", True),
        ("as the design does", True),
        ("on this machine: 4.1 s", True),
        ("this project's 2-core CPU: fast", True),
        ("(measured 2026-11-27)", True),
        ("a pass took 11 ms on one core", True),
        ("21 texts/s on the service", True),
        ("eager 4.70 s against sdpa's 5.16 s", True),
        ("Found when a GPU run's evaluation dropped.", True),
        ("Waits at most 30 s for a batch to fill; then runs it.", False),
        ("A request over 64 MB is refused.", False),
        ("Parses ``14.03.2019`` and ``2019-03-14``.", False),
        ('A dated entry: "14.12.2018 kl. 08:15".', False),
        ("The i2b2 2014 guidelines count a hospital as LOCATION.", False),
        ("Nor-DeID-SynthData (Lund et al., NLDL 2024).", False),
        ("A pager number: ``Pager #40412``.", False),
        (">>> parse('2018')\n2018\n\nReturns the year.", False),
        ("Returns the spans and the windows each text took.", False),
        ("On the CPU, glibc serves each block over 32 MB with a fresh mmap.", False),
        ("Sized to finish in minutes on a 2-core CPU.", False),
        ("a pass of one window 19 -> 11 ms", True),
        ("Maps ``2018`` -> ``2019``.", False),
    ],
)
def test_given_a_remark_then_only_non_contracts_are_flagged(text, flagged):
    assert bool(hits(text)) is flagged, hits(text)


def test_given_the_source_then_no_comment_or_docstring_carries_a_measurement_an_issue_or_history():
    assert sources(), f"no sources under {SRC}"
    problems = [
        f"{path.relative_to(SRC.parents[1])}:{line}: {hit}"
        for path in sources()
        for line, text in remarks(path)
        for hit in hits(text)
    ]
    assert not problems, f"{len(problems)} comments or docstrings tell history, not contracts:\n" + "\n".join(problems)


def test_given_the_source_then_no_string_a_user_sees_names_the_design_or_this_machine():
    """Help texts, messages and cards are read by users who have no design document and another machine: the
    reference recipe is named by its preset (``design``), the machine by what it lacks."""
    import ast

    found = []
    for path in sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = re.sub(r"the design preset", "", node.value, flags=re.I)
                if re.search(r"\bthe design\b|\bdesign's\b|\bthis machine\b", text, re.I):
                    found.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert found == []
