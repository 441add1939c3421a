"""A site's own rules, in one YAML file: terms that are always PHI, patterns, terms never redacted.

::

    deny:                      # always PHI: whole words, case- and diacritic-insensitive
      - {text: "Zorblax", label: PATIENT}
      - {terms: ["Gamlehaugen", "Solsiden"], label: LOC, name: wards}
    patterns:                  # regular expressions (Python's re syntax, run by RE2) with a type and a score
      - {name: mrn, regex: "MRN ?\\\\d{7}", label: ID, score: 0.9}
      - {name: room, regex: "rom (\\\\d{3})", label: LOC, group: 1, ignore_case: true}
    allow:                     # never redacted, whatever found them
      - "Paracetamol"
    titles:                    # more titles that make the next capitalised word a name
      - "avdelingssykepleier"

A deny term's span has source ``rule:NAME`` (``rule:deny`` when unnamed), a pattern's ``rule:NAME``. A rules
file that does not parse or has a bad entry is refused with its line: ``rules.yaml:7: patterns[1].regex is
not a valid regular expression (missing ), unterminated subpattern at position 4)``. Messages name the entry,
never its text (a deny list is a list of PHI).

Patterns run in time linear in the text (:mod:`phiner.analyze.linear`): a pattern RE2 cannot run so (a lookaround,
a backreference) is refused, and so is a rules set that finds more than :data:`MAX_SPANS` spans in one text. Deny
terms that fold to the same term (``Kari``, ``KARI``) are one term.

The service takes the same mapping per request (``"rules": {...}``), as Presidio takes ad-hoc recognizers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from phiner.analyze.linear import LinearRegex, PatternError
from phiner.analyze.terms import TermMatcher, fold_term
from phiner.core.errors import Errors, PhinerError
from phiner.core.labels import PHI_TYPES
from phiner.core.records import Span

KEYS = ("deny", "patterns", "allow", "titles")
DENY_SCORE = 0.95
MAX_SPANS = 100_000
"""Most spans the deny terms and patterns of one rules set may find in one text: more is refused (a text of a
million characters holds some 150,000 words)."""
_NAME = re.compile(r"[A-Za-z0-9_.-]{1,40}")


class RulesError(PhinerError):
    """A rules file or mapping that cannot be used; the message names the place, never a term."""


@dataclass(frozen=True)
class PatternRule:
    name: str
    regex: LinearRegex
    label: str
    score: float
    group: int | str = 0


@dataclass
class SiteRules:
    """Deny terms, patterns, allow terms and extra titles; :meth:`find` gives the deny and pattern spans."""

    deny: list[tuple[str, str, float, str]] = field(default_factory=list)
    """(term, label, score, rule name)"""
    patterns: list[PatternRule] = field(default_factory=list)
    allow: list[str] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        best: dict[tuple[str, str], tuple[str, float, str]] = {}  # one payload per folded term and type
        for term, label, score, name in self.deny:
            key = (fold_term(term), label)
            if key not in best or score > best[key][1]:
                best[key] = (label, score, name)
        self._deny = TermMatcher((term, payload) for (term, _), payload in best.items())
        self._allow = TermMatcher((term, True) for term in self.allow)

    def __bool__(self) -> bool:
        return bool(self.deny or self.patterns or self.allow or self.titles)

    def __repr__(self) -> str:  # the terms are PHI: show counts only
        return (
            f"SiteRules(deny={len(self.deny)}, patterns={len(self.patterns)}, allow={len(self.allow)}, "
            f"titles={len(self.titles)})"
        )

    @classmethod
    def load(cls, path: str | Path) -> "SiteRules":
        """Read a rules file; errors name the file and line."""
        from phiner.core.yamlfile import YamlError, parse_yaml

        path = Path(path)
        try:
            raw = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            raise RulesError(Errors.E119.format(path=path, error=type(err).__name__)) from None
        try:
            data, node = parse_yaml(raw, str(path))
        except YamlError as err:
            raise RulesError(Errors.E002.format(problem=err)) from None
        lines = _lines(node) if node is not None else {}
        return cls.from_dict(data if data is not None else {}, where=str(path), lines=lines)

    @classmethod
    def from_dict(cls, data: Any, *, where: str = "rules", lines: Mapping[tuple, int] | None = None) -> "SiteRules":
        """Rules from a mapping of the file's shape; errors name ``where`` (a file: with the line) and the entry."""
        lines = lines or {}

        def fail(path: tuple, message: str, show: bool = True) -> RulesError:
            at = path
            while at and at not in lines:
                at = at[:-1]
            place = f"{where}:{lines[at]}" if at in lines else where
            return RulesError(
                Errors.E120.format(where=place, entry=_dotted(path if show else path[:-1]), problem=message)
            )

        if not isinstance(data, Mapping):
            raise fail((), Errors.E121.format(choices=", ".join(KEYS), type=type(data).__name__))
        for key in data:
            if key not in KEYS:  # the key itself is not shown: in a request it is anything a caller sent
                raise fail((key,), Errors.E122.format(choices=", ".join(KEYS)), show=False)
        rules = cls(
            deny=_deny(data.get("deny") or [], fail),
            patterns=_patterns(data.get("patterns") or [], fail, explain=bool(lines)),
            allow=_strings(data.get("allow") or [], ("allow",), fail),
            titles=_strings(data.get("titles") or [], ("titles",), fail),
        )
        return rules

    def find(self, text: str) -> list[Span]:
        """The deny terms' and patterns' spans in ``text``; :class:`RulesError` past :data:`MAX_SPANS`."""
        spans = []
        for h in self._deny.find(text, limit=MAX_SPANS + 1):
            label, score, name = h.payload
            spans.append(Span(h.start, h.end, label, score, text[h.start : h.end], f"rule:{name}"))
        for rule in self.patterns:
            for start, end in rule.regex.spans(text, rule.group):
                if end > start:
                    spans.append(Span(start, end, rule.label, rule.score, text[start:end], f"rule:{rule.name}"))
                if len(spans) > MAX_SPANS:
                    break
            if len(spans) > MAX_SPANS:
                break
        if len(spans) > MAX_SPANS:
            raise RulesError(Errors.E123.format(limit=MAX_SPANS))
        return spans

    def allowed(self) -> TermMatcher:
        return self._allow

    def __add__(self, other: "SiteRules") -> "SiteRules":
        return SiteRules(
            deny=self.deny + other.deny,
            patterns=self.patterns + other.patterns,
            allow=self.allow + other.allow,
            titles=self.titles + other.titles,
        )


def builtin_rules() -> SiteRules:
    """The rules phiner ships (``phiner/analyze/builtin_rules.yaml``): words the model takes for names and that
    are not (``Pt``, ``Sønnen``, ``farfar``, ...)."""
    path = resources.files("phiner.analyze") / "builtin_rules.yaml"
    with resources.as_file(path) as file:
        return SiteRules.load(file)


def _dotted(path: tuple) -> str:
    out = "rules" if not path else ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _lines(node, path: tuple = ()) -> dict[tuple, int]:
    """Each path's line (1-based) in a composed YAML document."""
    import yaml

    out = {path: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                out.update(_lines(value, (*path, key.value)))
                out[(*path, key.value)] = key.start_mark.line + 1  # an entry's line is its key's
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            out.update(_lines(item, (*path, i)))
    return out


def _label(value: Any, path: tuple, fail) -> str:
    if value not in PHI_TYPES:
        raise fail(path, Errors.E124.format(choices=", ".join(PHI_TYPES)))
    return value


def _score(value: Any, path: tuple, fail, default: float) -> float:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1:
        raise fail(path, Errors.E125)
    return float(value)


def _rule_name(value: Any, path: tuple, fail, default: str | None = None) -> str:
    if value is None and default is not None:
        return default
    if not isinstance(value, str) or not _NAME.fullmatch(value):
        raise fail(path, Errors.E126)
    return value


def _strings(items: Any, path: tuple, fail) -> list[str]:
    if not isinstance(items, list):
        raise fail(path, Errors.E127.format(type=type(items).__name__))
    out = []
    for i, item in enumerate(items):
        if isinstance(item, Mapping) and set(item) == {"text"}:
            item = item["text"]
        if not isinstance(item, str) or not item.strip():
            raise fail((*path, i), Errors.E128)
        out.append(item)
    return out


def _deny(items: Any, fail) -> list[tuple[str, str, float, str]]:
    if not isinstance(items, list):
        raise fail(("deny",), Errors.E127.format(type=type(items).__name__))
    out = []
    for i, item in enumerate(items):
        path = ("deny", i)
        if not isinstance(item, Mapping):
            raise fail(path, Errors.E129)
        extra = set(item) - {"text", "terms", "label", "score", "name"}
        if extra:
            key = sorted(map(str, extra))[0]
            raise fail((*path, key), Errors.E130, show=False)
        if ("text" in item) == ("terms" in item):
            raise fail(path, Errors.E131)
        terms = [item["text"]] if "text" in item else item["terms"]
        key = "text" if "text" in item else "terms"
        if "text" in item and (not isinstance(terms[0], str) or not terms[0].strip()):
            raise fail((*path, key), Errors.E128)
        terms = _strings(terms, (*path, key), fail) if key == "terms" else terms
        if "label" not in item:
            raise fail(path, Errors.E132)
        label = _label(item["label"], (*path, "label"), fail)
        score = _score(item.get("score"), (*path, "score"), fail, DENY_SCORE)
        name = _rule_name(item.get("name"), (*path, "name"), fail, default="deny")
        out += [(term, label, score, name) for term in terms]
    return out


def _patterns(items: Any, fail, explain: bool = True) -> list[PatternRule]:
    """The patterns; ``explain`` adds re's own message to a bad regex's error (it may quote a character of
    the regex: a file's author sees it, a service request's caller does not)."""
    if not isinstance(items, list):
        raise fail(("patterns",), Errors.E127.format(type=type(items).__name__))
    out = []
    for i, item in enumerate(items):
        path = ("patterns", i)
        if not isinstance(item, Mapping):
            raise fail(path, Errors.E133)
        extra = set(item) - {"name", "regex", "label", "score", "group", "ignore_case"}
        if extra:  # the key itself is not shown: in a request it is anything a caller sent
            key = sorted(map(str, extra))[0]
            raise fail((*path, key), Errors.E134, show=False)
        for key in ("name", "regex", "label"):
            if key not in item:
                raise fail(path, Errors.E135.format(key=key))
        name = _rule_name(item["name"], (*path, "name"), fail)
        if not isinstance(item["regex"], str) or not item["regex"]:
            raise fail((*path, "regex"), Errors.E128)
        ignore_case = item.get("ignore_case", False)
        if not isinstance(ignore_case, bool):
            raise fail((*path, "ignore_case"), Errors.E136)
        try:
            regex = LinearRegex(item["regex"], ignore_case=ignore_case)
        except re.error as err:
            if explain:  # not from the catalogue: re's own words may quote the regex (a group's name, an escape)
                raise fail(
                    (*path, "regex"), f"is not a valid regular expression ({err.msg} at position {err.pos})"
                ) from None
            raise fail((*path, "regex"), Errors.E137.format(position=err.pos)) from None
        except PatternError as err:
            raise fail((*path, "regex"), Errors.E002.format(problem=err)) from None
        except RecursionError:
            raise fail((*path, "regex"), Errors.E138) from None
        if regex.matches_empty():
            raise fail((*path, "regex"), Errors.E139)
        group = item.get("group", 0)
        if isinstance(group, bool) or not isinstance(group, (int, str)):
            raise fail((*path, "group"), Errors.E140)
        if (
            isinstance(group, int)
            and not 0 <= group <= regex.groups
            or isinstance(group, str)
            and group not in regex.groupindex
        ):
            raise fail((*path, "group"), Errors.E141.format(count=regex.groups))
        label = _label(item["label"], (*path, "label"), fail)
        score = _score(item.get("score"), (*path, "score"), fail, 0.9)
        out.append(PatternRule(name, regex, label, score, group))
    return out
