"""Unicode rules for manifests: what a reviewer reads in a pull request must be what reconciler sends.

* **Hidden characters are refused everywhere** (every key and every text value): control characters other
  than tab and line breaks, format characters (zero-width space and joiners, bidirectional overrides and
  isolates, a byte order mark inside the text, soft hyphens), private-use, surrogate and unassigned code
  points, and the Unicode line and paragraph separators. A right-to-left override can make
  ``seat1@acme.com`` display as something else; a zero-width space makes two equal-looking keys differ.
* **Identifiers that mix Latin letters with Cyrillic, Greek, Armenian or Cherokee letters are refused**
  (seat ids and ingest aliases): those scripts hold look-alikes of Latin letters, so ``sеat1`` with a
  Cyrillic ``е`` is a second seat that no usage event matches. An identifier wholly in one script is fine.
* **Seat ids are compared by** :func:`seat_identity` (NFKC, case folded): two seat ids that differ only in
  letter case or compatibility form (full-width letters, ligatures) are the same person twice.

Metadata names and item keys need no rule here: their pattern is ASCII only.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import Any

from reconciler.manifest.problems import Document, Loc, Problem

ALLOWED_CONTROLS = frozenset("\t\n\r")
HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"})
LOOKALIKE_SCRIPTS = frozenset({"CYRILLIC", "GREEK", "ARMENIAN", "CHEROKEE"})


_ASCII_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def hidden_character(text: str) -> tuple[int, str] | None:
    """(position, description) of the first hidden character in ``text``, or None."""
    if text.isascii():  # the common case, in one C-speed scan
        found = _ASCII_CONTROL.search(text)
        return (found.start(), code_point(found.group())) if found else None
    for position, char in enumerate(text):
        if char not in ALLOWED_CONTROLS and unicodedata.category(char) in HIDDEN_CATEGORIES:
            return position, code_point(char)
    return None


def code_point(char: str) -> str:
    """``U+202E RIGHT-TO-LEFT OVERRIDE``."""
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X}" + (f" {name}" if name else "")


def hidden_characters(document: Document) -> list[Problem]:
    """A problem for every key or text value of ``document`` that holds a hidden character."""
    if document.plain:
        return []
    return [document.problem(loc, f"{what} contains an invisible or control character {found[1]} "
                                  f"at position {found[0] + 1}",
                             "such characters make a reviewer read something other than what is sent; "
                             "retype the text without it")
            for loc, what, text in _texts(document.data, ())
            if (found := hidden_character(text))]


def _texts(data: Any, loc: Loc) -> Iterator[tuple[Loc, str, str]]:
    if isinstance(data, str):
        yield loc, "the value", data
    elif isinstance(data, dict):
        for key, value in data.items():
            if isinstance(key, str):
                yield loc + (key,), "the key", key
            yield from _texts(value, loc + (key,))
    elif isinstance(data, list):
        for index, item in enumerate(data):
            yield from _texts(item, loc + (index,))


def script_of(char: str) -> str:
    """The script of a letter as the first word of its Unicode name (``LATIN``, ``CYRILLIC``…)."""
    return unicodedata.name(char, "?").split(" ")[0]


def mixed_script(text: str) -> str | None:
    """A description of the first look-alike letter when ``text`` mixes Latin with a look-alike script."""
    if text.isascii():
        return None
    letters = [char for char in text if char.isalpha()]
    if not any(script_of(char) == "LATIN" for char in letters):
        return None
    foreign = next((char for char in letters if script_of(char) in LOOKALIKE_SCRIPTS), None)
    if foreign is None:
        return None
    return f"mixes Latin letters with {code_point(foreign)} at position {text.index(foreign) + 1}"


def mixed_scripts(texts: list[str]) -> Iterator[tuple[int, str]]:
    """(index, description) of every text in ``texts`` that :func:`mixed_script` finds mixing scripts."""
    if "".join(texts).isascii():  # the common case, in one C-speed scan
        return
    for index, text in enumerate(texts):
        if (why := mixed_script(text)) is not None:
            yield index, why


def seat_identity(seat_id: str) -> str:
    """What makes two seat ids the same seat: equal after NFKC normalization and case folding."""
    return unicodedata.normalize("NFKC", seat_id).casefold()


def seat_identities(seat_ids: list[str]) -> list[str]:
    """:func:`seat_identity` of each seat id (ASCII is left as it is by NFKC, and folds to lower case)."""
    if "".join(seat_ids).isascii():
        return [seat_id.lower() for seat_id in seat_ids]
    return [seat_identity(seat_id) for seat_id in seat_ids]
