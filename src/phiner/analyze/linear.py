"""Site patterns run in time linear in the text, whatever the pattern: written in Python's ``re`` syntax, run by
RE2 (the ``google-re2`` binding), which has no backtracking, so ``(a+)+$`` cannot stall a service or a job.

What RE2 cannot run in linear time it refuses, and so does :class:`LinearRegex`: lookarounds (``(?=``, ``(?<!``),
backreferences (``\\1``, ``(?P=name)``), possessive quantifiers and atomic groups. A lookaround is written with
the rule's ``group`` instead: ``(?:^|\\D)(\\d{7})(?:\\D|$)`` with ``group: 1``.

The classes read as Python reads them in a ``str`` pattern, not as RE2's ASCII ones: ``\\d`` any decimal digit,
``\\w`` any letter, digit or ``_`` (``Ø``, ``å``), ``\\s`` any white space. ``\\b`` is read at the start and the end of
a pattern, where what lies inside it is all word characters or all other characters (``\\brom (\\d{3})\\b``);
elsewhere it is refused, as ``\\B`` is (RE2's own ``\\b`` knows ASCII letters only: ``\\bÅsen\\b`` would never
match).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from phiner.core.errors import Errors, PhinerError

WORD = r"\p{L}\p{N}_\p{Mn}"
"""What Python's ``\\w`` matches, as RE2 classes (letters, digits and other numbers, ``_``, combining marks)."""
SPACE = r"\t\n\x{0B}\f\r\x{1C}-\x{1F}\x{85}\p{Z}"
"""What Python's ``\\s`` matches in a ``str`` pattern."""
DIGIT = r"\p{Nd}"
_CLASSES = {"d": DIGIT, "w": WORD, "s": SPACE}


class PatternError(PhinerError, ValueError):
    """A pattern RE2 cannot run; the message says why, never quotes the pattern."""


def translate(pattern: str) -> str:
    """``pattern`` with Python's ``\\d``, ``\\w``, ``\\s`` (and ``\\D``, ``\\W``, ``\\S``) as RE2 classes of the same
    characters, and ``\\Z`` as RE2's ``\\z``.

    >>> translate(r"MRN\\s?\\d{7}")
    'MRN[\\\\t\\\\n\\\\x{0B}\\\\f\\\\r\\\\x{1C}-\\\\x{1F}\\\\x{85}\\\\p{Z}]?[\\\\p{Nd}]{7}'
    """
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            nxt = pattern[i + 1]
            if nxt.lower() in _CLASSES:
                chars = _CLASSES[nxt.lower()]
                if nxt.islower():
                    out.append(chars if in_class else f"[{chars}]")
                elif in_class:
                    raise PatternError(Errors.E113.format(name=nxt))
                else:
                    out.append(f"[^{chars}]")
            elif nxt == "Z":
                out.append(r"\z")
            else:
                out.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            if ch == "]":
                in_class = False
        elif ch == "[":
            in_class = True
            out.append(ch)
            i += 1
            # a `]` first in a class (after an optional `^`) is a literal one
            if i < len(pattern) and pattern[i] == "^":
                out.append("^")
                i += 1
            if i < len(pattern) and pattern[i] == "]":
                out.append(r"\]")
                i += 1
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _sre():
    """Python's own regex parser and its constants (``re._parser`` from 3.11, ``sre_parse`` before)."""
    try:
        from re import _constants, _parser  # type: ignore[attr-defined]
    except ImportError:  # Python 3.10
        import sre_constants as _constants  # type: ignore[no-redef]
        import sre_parse as _parser  # type: ignore[no-redef]
    return _constants, _parser


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _edge(seq, first: bool) -> tuple[str | None, bool]:
    """The kind of character a match of ``seq`` (sre's parsed form) can begin (``first``) or end with:
    ``"word"``, ``"other"``, ``"mixed"`` or None (nothing), and whether it can match nothing."""
    c = _sre()[0]
    items = list(seq) if first else list(seq)[::-1]
    kind: str | None = None
    for op, av in items:
        item, nullable = _item_edge(op, av, first, c)
        kind = _combine(kind, item)
        if not nullable:
            return kind, False
    return kind, True


def _combine(a: str | None, b: str | None) -> str | None:
    if a is None or a == b:
        return b
    if b is None:
        return a
    return "mixed"


def _item_edge(op, av, first: bool, c) -> tuple[str | None, bool]:
    if op == c.LITERAL:
        return ("word" if _is_word(chr(av)) else "other"), False
    if op == c.IN:
        return _class_kind(av, c), False
    if op == c.SUBPATTERN:
        return _edge(av[-1], first)
    if op in (c.MAX_REPEAT, c.MIN_REPEAT):
        low, _high, inner = av
        kind, nullable = _edge(inner, first)
        return kind, nullable or low == 0
    if op == c.BRANCH:
        kind, nullable = None, False
        for branch in av[1]:
            k, n = _edge(branch, first)
            kind, nullable = _combine(kind, k), nullable or n
        return kind, nullable
    if op == c.AT:
        return None, True
    if op == c.CATEGORY:
        return _class_kind([(op, av)], c), False
    return "mixed", False


def _class_kind(items, c) -> str:
    kinds = set()
    for op, av in items:
        if op == c.NEGATE:
            return "mixed"
        if op == c.LITERAL:
            kinds.add("word" if _is_word(chr(av)) else "other")
        elif op == c.RANGE:
            low, high = av
            if high - low > 0x3000:
                return "mixed"
            kinds |= {"word" if _is_word(chr(x)) else "other" for x in range(low, high + 1)}
        elif op == c.CATEGORY:
            if av in (c.CATEGORY_DIGIT, c.CATEGORY_WORD):
                kinds.add("word")
            elif av in (c.CATEGORY_SPACE, c.CATEGORY_NOT_WORD):
                kinds.add("other")
            else:
                return "mixed"
        else:
            return "mixed"
    return kinds.pop() if len(kinds) == 1 else "mixed"


def _boundaries(parsed) -> list:
    """Every ``\\b`` and ``\\B`` in a parsed pattern, at any depth: (op, av) items."""
    c = _sre()[0]
    found = []

    def walk(seq) -> None:
        for op, av in seq:
            if op == c.AT and av in (c.AT_BOUNDARY, c.AT_NON_BOUNDARY):
                found.append((op, av))
            elif op == c.SUBPATTERN:
                walk(av[-1])
            elif op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", None)):
                walk(av[2])
            elif op == c.BRANCH:
                for branch in av[1]:
                    walk(branch)
            elif op in (c.ASSERT, c.ASSERT_NOT):
                walk(av[1])
            elif op == getattr(c, "ATOMIC_GROUP", None):
                walk(av)

    walk(parsed)
    return found


class LinearRegex:
    """A pattern of Python's ``re`` syntax (checked by ``re`` first: its errors come from there), run by RE2.

    >>> rx = LinearRegex(r"\\brom (\\d{3})\\b", ignore_case=True)
    >>> list(rx.spans("Rom 123, rom 4567 og kåre rom 890."))
    [(0, 7), (26, 33)]
    >>> list(rx.spans("Rom 123, rom 4567 og kåre rom 890.", group=1))
    [(4, 7), (30, 33)]
    """

    def __init__(self, pattern: str, ignore_case: bool = False) -> None:
        import re2

        self.pattern, self.ignore_case = pattern, ignore_case
        flags = re.IGNORECASE if ignore_case else 0
        python = re.compile(pattern, flags)  # re.error for a pattern that is not valid at all
        self.groups, self.groupindex = python.groups, dict(python.groupindex)
        c, parser = _sre()
        parsed = parser.parse(pattern, flags)
        items = list(parsed)
        lead = bool(items) and items[0] == (c.AT, c.AT_BOUNDARY) and pattern.startswith("\\b")
        trail = len(items) > int(lead) and items[-1] == (c.AT, c.AT_BOUNDARY) and pattern.endswith("\\b")
        if len(_boundaries(parsed)) > int(lead) + int(trail):
            raise PatternError(Errors.E114)
        core = pattern[2 if lead else 0 : len(pattern) - 2 if trail else len(pattern)]
        core_items = items[int(lead) : len(items) - int(trail)]
        prefix = suffix = ""
        if lead:
            kind, _ = _edge(core_items, first=True)
            prefix = _side(kind, before=True)
        if trail:
            kind, _ = _edge(core_items, first=False)
            suffix = _side(kind, before=False)
        self._wrapped, self._prefixed = bool(prefix or suffix), bool(prefix)
        translated = translate(core)
        full = f"{prefix}({translated}){suffix}" if self._wrapped else translated
        options = re2.Options()
        options.log_errors = False  # RE2 logs the pattern it refuses
        options.case_sensitive = not ignore_case
        try:
            self._re2 = re2.compile(full, options)._regexp
        except re2.error as err:
            raise PatternError(Errors.E002.format(problem=_why(str(err)))) from None

    def __getstate__(self) -> tuple[str, bool]:
        return self.pattern, self.ignore_case

    def __setstate__(self, state: tuple[str, bool]) -> None:
        self.__init__(*state)  # type: ignore[misc]

    def __repr__(self) -> str:
        return f"LinearRegex(groups={self.groups})"  # a site's pattern may spell PHI

    def matches_empty(self) -> bool:
        """Whether the pattern matches the empty string (it would match everywhere)."""
        return next(self.spans(""), None) is not None

    def spans(self, text: str, group: int | str = 0) -> Iterator[tuple[int, int]]:
        """``(start, end)`` of ``group`` in each match, in text order, matches not overlapping (as ``finditer``);
        a group that took no part in a match gives ``(-1, -1)``."""
        import re2

        index = self.groupindex[group] if isinstance(group, str) else group
        core = 1 if self._wrapped else 0
        index = index + 1 if self._wrapped and index > 0 else (core if index == 0 else index)
        data = text.encode("utf-8", "surrogatepass")
        chars = _char_offsets(text, data)
        end, pos = len(data), 0
        anchor = re2._Anchor.UNANCHORED
        while pos <= end:
            # a prefix takes the character before its match: begin one back, so a match may begin at `pos`
            start = _back_one(data, pos) if self._prefixed and pos > 0 else pos
            found = self._re2.Match(anchor, data, start, end)
            if start < pos and found[core][0] != -1 and found[core][0] < pos:  # `^` at 0, not a character back
                found = self._re2.Match(anchor, data, pos, end)
            if found[0] == (-1, -1):
                return
            s, e = found[index]
            yield (-1, -1) if s < 0 else (chars(s), chars(e))
            after = found[core][1]
            pos = after if after > pos else _next_char(data, pos)


def _side(kind: str | None, before: bool) -> str:
    if kind == "word":
        return f"(?:^|[^{WORD}])" if before else f"(?:[^{WORD}]|$)"
    if kind == "other":
        return f"[{WORD}]"
    raise PatternError(Errors.E115)


def _why(message: str) -> str:
    """RE2's reason, without the part of the pattern it quotes."""
    reason = message.split(":", 1)[0].strip("b'\" ")
    if "perl operator" in reason or "escape" in reason or "repetition operator" in reason:
        return Errors.E116
    if "too large" in reason or "pattern too large" in message:
        return Errors.E117
    return Errors.E118.format(reason=reason)


def _char_offsets(text: str, data: bytes):
    """Byte offset in ``data`` (``text`` as UTF-8) -> character offset in ``text``."""
    if len(data) == len(text):
        return lambda b: b
    import numpy as np

    raw = np.frombuffer(data, dtype=np.uint8)
    table = np.concatenate([[0], np.cumsum((raw & 0xC0) != 0x80)])
    return lambda b: int(table[b])


def _next_char(data: bytes, pos: int) -> int:
    pos += 1
    while pos < len(data) and data[pos] & 0xC0 == 0x80:
        pos += 1
    return pos


def _back_one(data: bytes, pos: int) -> int:
    pos -= 1
    while pos > 0 and data[pos] & 0xC0 == 0x80:
        pos -= 1
    return pos
