"""E-mail addresses and web addresses (type CONTACT): a made-up value on a domain reserved for examples.

A surrogate address keeps the shape (an e-mail stays an e-mail, a link a link, the case of the original)
and lands on ``example.com``/``.org``/``.net`` (RFC 2606): it can never reach a real person or site.

>>> from phiner.anonymize.surrogates.context import DocumentContext
>>> ctx = DocumentContext.for_document(seed=1, key="note-1")
>>> value = surrogate_contact("kari.nordmann@sykehuset.no", ctx)
>>> value.split("@")[1] in ("example.com", "example.org", "example.net"), value == surrogate_contact("kari.nordmann@sykehuset.no", ctx)
(True, True)
>>> surrogate_contact("https://minside.no/pasient/12345", ctx).startswith("https://www.example.")
True
"""

from __future__ import annotations

import random
import string

from phiner.anonymize.surrogates.common import _match_case
from phiner.anonymize.surrogates.context import DocumentContext

DOMAINS = ("example.com", "example.org", "example.net")


def surrogate_contact(original: str, context: DocumentContext) -> str:
    """An e-mail address for an e-mail address, a web address for anything else (see the module's notes)."""
    if "@" in original:
        value = context.remember("email", original.casefold(), lambda: _email(context.rng))
    else:
        value = context.remember("url", original.casefold(), lambda: _url(original, context.rng))
    return _match_case(original, value)


def _word(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(n))


def _email(rng: random.Random) -> str:
    return f"{_word(rng, rng.randint(4, 8))}.{_word(rng, rng.randint(4, 9))}@{rng.choice(DOMAINS)}"


def _url(original: str, rng: random.Random) -> str:
    scheme = "http://" if original.lower().startswith("http://") else "https://"
    return f"{scheme}www.{rng.choice(DOMAINS)}/{_word(rng, rng.randint(5, 10))}"
