"""Person names: each name token mapped consistently, titles, initials, case and hyphens kept."""

from __future__ import annotations

import re

from faker.providers.person.en_US import Provider as _EnPerson
from faker.providers.person.no_NO import Provider as _NoPerson

from phiner.anonymize.surrogates.common import (
    _fresh,
    _match_case,
    _random_digits,
)
from phiner.anonymize.surrogates.context import DocumentContext

# ----------------------------------------------------------------------------------------------------------------
# Names.

_FIRST_F = {"nb": tuple(_NoPerson.first_names_female), "en": tuple(_EnPerson.first_names_female)}
_FIRST_M = {"nb": tuple(_NoPerson.first_names_male), "en": tuple(_EnPerson.first_names_male)}
_LAST = {"nb": tuple(_NoPerson.last_names), "en": tuple(_EnPerson.last_names)}
_FEMALE = frozenset(n.casefold() for names in _FIRST_F.values() for n in names)
_MALE = frozenset(n.casefold() for names in _FIRST_M.values() for n in names)
_FAMILY = frozenset(n.casefold() for names in _LAST.values() for n in names)
_GIVEN = _FEMALE | _MALE
_KEEP_WORDS = frozenset("dr lege fru herr frk prof mr mrs ms miss mx sir van von der de da af av".split())
_NAME_TOKEN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*|\d+")


def surrogate_name(original: str, context: DocumentContext) -> str:
    """A person name with each name token mapped consistently within the document.

    "Kari Nordmann" -> "Ingrid Berg", then "Nordmann" -> "Berg" and "K. Nordmann" -> "I. Berg". Titles,
    spaces, hyphens and punctuation stay; ALL CAPS and lower case stay.
    """
    tokens = list(_NAME_TOKEN.finditer(original))
    roles = _name_roles(original, tokens)
    out, last = [], 0
    for match in tokens:
        out.append(original[last : match.start()])
        out.append(_name_token(match.group(), roles, match.start(), context))
        last = match.end()
    out.append(original[last:])
    _link(roles, context)
    return "".join(out)


def _is_name_word(word: str) -> bool:
    return not word.isdecimal() and word.casefold().rstrip(".") not in _KEEP_WORDS


def _name_roles(original: str, tokens: list[re.Match[str]]) -> dict[int, tuple[str, str]]:
    """Token start -> (role, word) of each name word; the role is "given" or "family".

    Words joined by a hyphen form one part; the last part is the family name, unless a comma puts the
    family name first ("Nordmann, Kari"). A lone part is looked up in the name lists.
    """
    words = [m for m in tokens if _is_name_word(m.group())]
    parts: list[list[re.Match[str]]] = []
    for m in words:
        if parts and original[parts[-1][-1].end() : m.start()] == "-":
            parts[-1].append(m)
        else:
            parts.append([m])
    if not parts:  # punctuation, titles or digits only: nothing to map
        return {}
    comma = original.find(",")
    roles: dict[int, str] = {}
    if len(parts) == 1:
        for m in parts[0]:
            roles[m.start()] = "given" if m.group().casefold() in _GIVEN else "family"
    elif comma >= 0 and parts[0][-1].end() <= comma < parts[-1][0].start():
        for part in parts:
            for m in part:
                roles[m.start()] = "family" if m.end() <= comma else "given"
    else:
        for i, part in enumerate(parts):
            for m in part:
                roles[m.start()] = "family" if i == len(parts) - 1 else "given"
    return {m.start(): (roles[m.start()], m.group()) for m in words}


def _name_token(word: str, roles: dict[int, tuple[str, str]], start: int, context: DocumentContext) -> str:
    if start not in roles:  # a title or a particle: kept
        if word.isdecimal():
            return context.remember("name-digits", word, lambda: _random_digits(context.rng, len(word)))
        return word
    role = roles[start][0]
    cf = word.casefold()
    if len(word) == 1:
        return _match_case(word, _initial(word, role, roles, context))
    if word.isupper() and len(word) <= 3 and cf not in _GIVEN | _FAMILY:
        return context.remember("initials", cf, lambda: _random_letters(context, len(word)))
    genitive = _genitive(cf, context)
    if genitive is not None:  # "Karis", "Kari's": the surrogate of "Kari" in the genitive
        base, ending = genitive
        if base not in context.names:
            with context.drawing("name", "given" if base in _GIVEN else role, base):
                context.names[base] = _new_name(base, "given" if base in _GIVEN else role, context)
            context._name_display[base] = word[: len(base)]
        surrogate = context.names[base]
        if ending == "s" and surrogate[-1:].casefold() in ("s", "x", "z"):
            ending = "'"  # Norwegian: Lars' bil
        return _match_case(word[: len(base)], surrogate) + (ending.upper() if word.isupper() else ending)
    if cf not in context.names:
        with context.drawing("name", role, cf):
            context.names[cf] = _new_name(cf, role, context)
        context._name_display[cf] = word
    return _match_case(word, context.names[cf])


def _genitive(cf: str, context: DocumentContext) -> tuple[str, str] | None:
    """(the name, the ending) where ``cf`` is the genitive of a name seen in the document or in the name lists
    (``karis`` -> ``kari`` + ``s``; ``kari's`` -> ``kari`` + ``'s``), and not itself a name (``hans``)."""
    if cf in context.names or cf in _GIVEN or cf in _FAMILY:
        return None
    for ending in ("'s", "’s", "s"):
        base = cf[: -len(ending)]
        if cf.endswith(ending) and len(base) > 1 and (base in context.names or base in _GIVEN or base in _FAMILY):
            return base, cf[-len(ending) :]
    return None


def _new_name(cf: str, role: str, context: DocumentContext) -> str:
    locale = context.locale or "nb"
    rng = context.rng
    if role == "family":
        pool = _LAST[locale]
    elif cf in _FEMALE or (cf not in _MALE and rng.random() < 0.5):
        pool = _FIRST_F[locale]
    else:
        pool = _FIRST_M[locale]
    return _fresh(rng, pool, [cf, *context.names.values(), *context.names])


def _initial(letter: str, role: str, roles: dict[int, tuple[str, str]], context: DocumentContext) -> str:
    """The initial of the surrogate of a name seen before with this initial and the same partner name."""
    partners = [w.casefold() for r, w in roles.values() if r != role and len(w) > 1]
    for partner in partners:
        for known in sorted(context._links.get(partner, ())):
            if known.startswith(letter.casefold()) and known in context.names:
                return context.names[known][0]
    slot = f"{role}:{letter.casefold()}:{' '.join(partners)}"
    return context.remember("initial", slot, lambda: _random_letters(context, 1, avoid=letter.upper()))


def _random_letters(context: DocumentContext, n: int, avoid: str = "") -> str:
    pool = _FIRST_F[context.locale or "nb"] + _FIRST_M[context.locale or "nb"]
    return "".join(_fresh(context.rng, [p[0].upper() for p in pool], [avoid]) for _ in range(n))


def _link(roles: dict[int, tuple[str, str]], context: DocumentContext) -> None:
    """Remember which given and family names were written together, for later initials."""
    given = [w.casefold() for r, w in roles.values() if r == "given" and len(w) > 1]
    family = [w.casefold() for r, w in roles.values() if r == "family" and len(w) > 1]
    for g in given:
        for f in family:
            context._links.setdefault(g, set()).add(f)
            context._links.setdefault(f, set()).add(g)
