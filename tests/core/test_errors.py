"""Every error phiner raises is a PhinerError, and its message comes from one catalogue
(:class:`phiner.core.messages.Errors`) whose templates name only fields that never hold PHI.

The source is read as it is written (``ast``): a raised error's message is ``Errors.EXXX`` or
``Errors.EXXX.format(...)``, never a string of its own. The few messages that still show a value of the input
are listed in :data:`INLINE`, each with the reason it is not in the catalogue; a listed site that no longer has
its message fails the test, so the list cannot outlive the code.
"""

import ast
import builtins
import importlib
import pkgutil
import re
import string
from pathlib import Path

import pytest

import phiner
from phiner.core.errors import Errors, MissingExtraError, PhinerError, RecordError
from phiner.core.messages import PLACEHOLDERS

SRC = Path(phiner.__file__).resolve().parent
CODE = re.compile(r"E\d{3}")
CODES = {name: value for name, value in vars(Errors).items() if CODE.fullmatch(name)}

NOT_CONVERTED: tuple[str, ...] = ()
"""Packages whose messages are not in the catalogue yet (none now)."""
NOT_YET: dict[str, str] = {}
"""Files not yet converted, with why."""

INLINE = {
    ("core/records.py", "_validate_tag"): "shows the record's own label (up to 40 characters): text of the record",
    ("core/yamlfile.py", "parse_yaml"): "YAML's problem may quote a character or a tag (``!name``) of the file",
    ("analyze/rules.py", "_patterns"): "re's words (for a rules file, not a request) may quote a group's name",
    ("jobs/tables.py", "transform_found"): "names the row by its id, a value of the input",
    ("data/synth/notes.py", "_check_templates"): "quotes a template of phiner's own tables",
    ("data/synth/note_slots.py", "_Writer.write"): "quotes a fake value phiner generated",
}
"""Functions that raise a message of their own, with why it is not in the catalogue."""

BUILTIN_RAISES = {
    ("anonymize/operators.py", "Operator.replace"): "NotImplementedError: the method each operator defines",
    ("anonymize/surrogates/dates.py", "_year"): "a ValueError the date parsers beside it catch",
    ("model/adapters.py", "SharedBase.attach"): "ValueErrors caught below it, where only their type is shown",
    ("data/synth/notes.py", "_check_templates"): "a check of phiner's own tables, at import",
    ("data/synth/note_tables.py", "_assign_splits"): "a check of phiner's own tables, at import",
    ("data/synth/note_slots.py", "_Writer.write"): "a check of phiner's own generator",
    ("serve/schemas.py", "TextsIn._one_of"): "pydantic answers a validator's ValueError with a 422 naming the field",
    ("serve/schemas.py", "RedactIn._patients"): "pydantic answers a validator's ValueError with a 422 naming the field",
    ("serve/batcher.py", "Batcher._first_pass"): "AssertionError: an invariant of the batcher's own plan",
}
"""Functions that raise a built-in exception (not a PhinerError), with why."""

BUILTIN_EXCEPTIONS = {
    name for name, value in vars(builtins).items() if isinstance(value, type) and issubclass(value, BaseException)
}


def fields(template: str) -> list[tuple[str, str | None, str | None]]:
    """``(field name, conversion, format spec)`` of each replacement field of a template."""
    return [(name, conv, spec) for _, name, spec, conv in string.Formatter().parse(template) if name is not None]


def modules() -> dict[str, ast.Module]:
    """The parsed source of the converted packages, by path relative to ``phiner/``."""
    out = {}
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if not rel.startswith(NOT_CONVERTED) and rel not in NOT_YET:
            out[rel] = ast.parse(path.read_text(encoding="utf-8"))
    return out


def exception_classes(trees: list[ast.Module]) -> set[str]:
    """Names of the exception classes phiner defines (any depth of subclassing) and the built-in ones."""
    bases = {
        node.name: {b.id for b in node.bases if isinstance(b, ast.Name)}
        for tree in trees
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
    }
    known = set(BUILTIN_EXCEPTIONS)
    while grown := {name for name, of in bases.items() if of & known and name not in known}:
        known |= grown
    return known


def scoped(tree: ast.Module):
    """``(qualified name of the enclosing function, node)`` for every node of a module."""

    def walk(node, scope):
        for child in ast.iter_child_nodes(node):
            inner = scope
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                inner = f"{scope}.{child.name}" if scope else child.name
            yield inner, child
            yield from walk(child, inner)

    yield from walk(tree, "")


def is_code(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "Errors"
        and bool(CODE.fullmatch(node.attr))
    )


def from_catalogue(node: ast.AST) -> bool:
    """``Errors.EXXX`` or ``Errors.EXXX.format(...)``."""
    if is_code(node):
        return True
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "format"
        and is_code(node.func.value)
    )


def own_text(node: ast.AST) -> bool:
    """A string written at the call: a literal, an f-string, or a sum or choice of them (a tuple of keys is not)."""
    if isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str)):
        return True
    if isinstance(node, ast.BinOp):
        return own_text(node.left) or own_text(node.right)
    if isinstance(node, ast.IfExp):
        return own_text(node.body) or own_text(node.orelse)
    return False


def own_messages() -> dict[tuple[str, str], list[int]]:
    """Lines where a message of its own is given to an error, by (file, function)."""
    trees = modules()
    errors = exception_classes(list(trees.values()))
    found: dict[tuple[str, str], list[int]] = {}
    for rel, tree in trees.items():
        for scope, node in scoped(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in errors:
                if node.args and not from_catalogue(node.args[0]):
                    found.setdefault((rel, scope), []).append(node.lineno)
            elif isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):  # a helper that makes the error
                helper = node.exc.func
                if not (isinstance(helper, ast.Name) and helper.id in errors):
                    if any(own_text(arg) for arg in [*node.exc.args, *(k.value for k in node.exc.keywords)]):
                        found.setdefault((rel, scope), []).append(node.lineno)
    return found


def test_given_the_catalogue_then_its_templates_name_only_the_allowed_fields():
    assert len(CODES) > 200
    for code, template in CODES.items():
        assert isinstance(template, str), code
        for name, conversion, spec in fields(template):
            assert name and name.isidentifier(), f"{code}: {{{name}}}: name each field (no index, no attribute)"
            assert name.rstrip("0123456789") in PLACEHOLDERS, f"{code}: {{{name}}} is not an allowed field"
            assert conversion in (None, "r"), f"{code}: {{{name}!{conversion}}}"
            assert "{" not in (spec or ""), f"{code}: {{{name}}} has a nested field in its format"
        template.format(**{name: 1 for name, _, _ in fields(template)})  # every template formats


def test_given_the_catalogue_then_each_code_is_defined_once_and_says_something_of_its_own():
    source = (SRC / "core" / "messages.py").read_text(encoding="utf-8")
    [errors] = [n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.ClassDef) and n.name == "Errors"]
    assigned = [t.id for n in errors.body if isinstance(n, ast.Assign) for t in n.targets]
    assert len(assigned) == len(set(assigned)) == len(CODES), "a code is assigned twice"
    texts = {}
    for code, template in CODES.items():
        assert template not in texts, f"{code} says what {texts.get(template)} says: use that code"
        texts[template] = code


def test_given_the_source_then_every_code_is_used_and_one_used_as_is_needs_no_format():
    formatted, used = set(), set()
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if is_code(node):
                used.add(node.attr)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
                if is_code(node.func.value):
                    formatted.add(node.func.value.attr)
    assert sorted(set(CODES) - used) == [], "codes no source uses"
    assert sorted(used - set(CODES)) == [], "codes the catalogue lacks"
    for code in used - formatted:  # shown as it is: no field to fill, no doubled brace to undo
        assert not fields(CODES[code]) and "{{" not in CODES[code] and "}}" not in CODES[code], code


def test_given_the_converted_packages_then_no_error_is_given_a_message_of_its_own():
    found = own_messages()
    unlisted = {site: lines for site, lines in found.items() if site not in INLINE}
    assert unlisted == {}, "messages not from the catalogue (add them to phiner.core.messages.Errors)"
    assert sorted(set(INLINE) - set(found)) == [], "listed in INLINE, but their messages are in the catalogue now"


def test_given_the_converted_packages_then_every_raised_exception_is_a_phiner_error():
    found: dict[tuple[str, str], str] = {}
    for rel, tree in modules().items():
        for scope, node in scoped(tree):
            if isinstance(node, ast.Raise) and node.exc is not None:
                target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
                if isinstance(target, ast.Name) and target.id in BUILTIN_EXCEPTIONS:
                    found[(rel, scope)] = target.id
    assert {site: name for site, name in found.items() if site not in BUILTIN_RAISES} == {}
    assert sorted(set(BUILTIN_RAISES) - set(found)) == [], "listed in BUILTIN_RAISES, but they raise no built-in now"


def phiner_modules():
    for info in pkgutil.walk_packages(phiner.__path__, "phiner."):
        try:
            yield importlib.import_module(info.name)
        except MissingExtraError:  # an optional extra not installed: its module holds no error class
            continue


def test_given_every_module_then_each_exception_class_it_defines_is_a_phiner_error():
    classes = [
        value
        for module in phiner_modules()
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, BaseException) and value.__module__ == module.__name__
    ]
    names = {cls.__name__ for cls in classes}
    assert {"PhinerError", "RecordError", "RulesError", "PatternError", "SpanError", "YamlError"} <= names
    assert [cls.__qualname__ for cls in classes if not issubclass(cls, PhinerError)] == []


def test_given_a_record_error_with_a_place_then_the_catalogue_message_follows_it():
    err = RecordError(Errors.E015.format(index=2, key="end"), source="notes.jsonl", line=7)
    assert str(err) == "notes.jsonl:7: ner_tags[2] is missing `end`"
    assert err.problem == "ner_tags[2] is missing `end`"


@pytest.mark.parametrize("site", sorted(INLINE))
def test_given_an_inline_message_then_its_reason_is_written_beside_it(site):
    rel, scope = site
    lines = own_messages()[site]
    source = (SRC / rel).read_text(encoding="utf-8").splitlines()
    around = "\n".join(source[max(0, lines[0] - 4) : lines[0]])
    assert "Not from the catalogue" in around or "not from the catalogue" in around, (rel, scope, lines)
