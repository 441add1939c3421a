"""YAML read without aliases: an alias (``*name``) repeats a node by reference, and nested aliases multiply
(a few hundred bytes of ``&a [*b, *b, ...]`` levels become gigabytes when loaded), so files phiner reads from
users and run folders may not use them."""

from __future__ import annotations

from typing import Any

from phiner.core.errors import Errors, PhinerError


class YamlError(PhinerError):
    """A YAML text that cannot be used; the message names the place, never the text."""


def parse_yaml(raw: str, where: str) -> tuple[Any, Any]:
    """The data of a YAML text and its composed node tree (for lines), refusing aliases and anchors.

    >>> parse_yaml("a: [1, 2]", "x.yaml")[0]
    {'a': [1, 2]}
    >>> parse_yaml("a: &x [1]\\nb: *x", "x.yaml")
    Traceback (most recent call last):
    phiner.core.yamlfile.YamlError: x.yaml:1: uses a YAML anchor or alias (&name, *name), which phiner does not read
    """
    import yaml

    try:
        for event in yaml.parse(raw, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
                raise YamlError(Errors.E041.format(where=where, line=event.start_mark.line + 1))
        node = yaml.compose(raw, Loader=yaml.SafeLoader)
        data = yaml.safe_load(raw)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        place = f"{where}:{mark.line + 1}" if mark is not None else where
        problem = getattr(err, "problem", None) or "not valid YAML"
        # Not from the catalogue: YAML's problem may quote a character or a tag of the text (``!name``).
        raise YamlError(f"{place}: not valid YAML ({problem})") from None
    return data, node
