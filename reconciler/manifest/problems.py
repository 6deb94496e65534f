"""What is wrong with the manifests, and where: :class:`Problem`, and :class:`Document`, which locates them.

A ``Problem`` is one finding with a file, a 1-based line and column, the field path a user reads
(``spec.subscriptions[pro].quantity``: list items are named by their ``key`` when they have one) and a
message with an optional hint. A ``Document`` is one parsed YAML document together with the marks of its
mapping keys and sequence items, so that any location given as a pydantic-style ``loc`` tuple
(``("spec", "subscriptions", 0, "quantity")``) becomes a precise ``Problem``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Union

#: A location inside a document, pydantic style: mapping keys (str) and sequence indexes (int).
Loc = tuple[Union[str, int], ...]
#: 1-based (line, column) of every mapping key and sequence item of a document, keyed by its Loc.
Marks = dict[Loc, tuple[int, int]]

#: pydantic inserts this marker after a dict key whose *key* (not value) is invalid.
_DICT_KEY_MARKER = "[key]"


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the manifests. Sorted by file, line, column."""

    file: str
    line: int
    column: int
    field: str = ""
    """Field path inside the document, e.g. ``spec.subscriptions[pro].quantity``; empty for file-level problems."""
    message: str = ""
    hint: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}: "
        what = f"{self.field}: {self.message}" if self.field else self.message
        return where + what + (f" (hint: {self.hint})" if self.hint else "")


def file_problem(file: str, message: str, hint: str | None = None, line: int = 1, column: int = 1) -> Problem:
    """A problem about a whole file (unreadable, too large, malformed YAML…)."""
    return Problem(file, line, column, "", message, hint)


#: What a document's recall returns: its data and its marks, parsed again from the file's text.
Recalled = tuple[Any, Marks]


class Document:
    """One YAML document of a manifest file: its plain data and where each of its parts was written.

    ``marks`` may be left to ``recall``, a function that parses the file again with marks: the loader's fast
    path does that, because only a problem needs a location, and most documents have none. With a recall, the
    loader also lets go of a document's ``data`` once it validated (:meth:`release`); a problem found later by
    a cross-object rule recalls both.
    """

    __slots__ = ("file", "complete", "manifest", "plain", "_data", "_marks", "_root", "_recall")

    def __init__(self, file: str, data: Any, marks: Marks | None = None, complete: bool = True, *,
                 root: tuple[int, int] | None = None, recall: Callable[[], Recalled] | None = None,
                 plain: bool = False) -> None:
        self.file = file
        self.complete = complete
        """False when parsing had to drop part of the text (an alias, a merge key): the data is not what was
        written."""
        self.manifest: Any = None
        """The validated ``CustomerManifest`` or ``ContractManifest``, once the document passed its schema."""
        self.plain = plain
        """True when the file's text is printable ASCII without a backslash: no key or value can hold a hidden
        character, so :func:`~reconciler.manifest.unicode.hidden_characters` need not look."""
        self._data, self._marks, self._root, self._recall = data, marks, root, recall

    @property
    def data(self) -> Any:
        if self._data is _RELEASED:
            self._data = self._recall()[0]
        return self._data

    @property
    def marks(self) -> Marks:
        if self._marks is None:
            self._marks = self._recall()[1] if self._recall else {}
        return self._marks

    def release(self) -> None:
        """Let go of the data (the manifest holds what was validated); :attr:`data` recalls it if needed."""
        if self._recall is not None:
            self._data = _RELEASED

    @property
    def line(self) -> int:
        return self._root[0] if self._root else self.marks.get((), (1, 1))[0]

    @property
    def column(self) -> int:
        return self._root[1] if self._root else self.marks.get((), (1, 1))[1]

    def problem(self, loc: Loc, message: str, hint: str | None = None) -> Problem:
        """A problem at ``loc``, placed at the nearest written ancestor when ``loc`` itself is absent."""
        line, column = self.mark(loc)
        return Problem(self.file, line, column, field_path(self.data, loc), message, hint)

    def mark(self, loc: Loc) -> tuple[int, int]:
        """Line and column of ``loc``, or of its nearest ancestor that the file spells out."""
        keys = _clean(loc)
        marks = self.marks
        for end in range(len(keys), -1, -1):
            found = marks.get(keys[:end])
            if found:
                return found
        return (1, 1)

    def where(self, loc: Loc) -> str:
        """``file:line`` of ``loc``, for messages that point at a first occurrence."""
        return f"{self.file}:{self.mark(loc)[0]}"


_RELEASED: Any = object()


def _clean(loc: Loc) -> Loc:
    """Drop pydantic's ``[key]`` marker and spell dict keys as the YAML text does (strings)."""
    return tuple(p if isinstance(p, int) else str(p) for p in loc if p != _DICT_KEY_MARKER)


def field_path(data: Any, loc: Loc) -> str:
    """Readable path of ``loc``: ``spec.subscriptions[pro].seat_config.seat_ids[2]``."""
    text, node = "", data
    for part in loc:
        if part == _DICT_KEY_MARKER:
            continue
        if isinstance(part, int) and isinstance(node, list):
            item = node[part] if 0 <= part < len(node) else None
            text += f"[{_item_name(item, part)}]"
            node = item
        else:
            text += f".{_visible(str(part))}" if text else _visible(str(part))
            node = _child(node, part)
    return text


def _item_name(item: Any, index: int) -> str:
    key = item.get("key") if isinstance(item, dict) else None
    return _visible(key) if isinstance(key, str) and key else str(index)


def _visible(text: str) -> str:
    """``text`` with invisible characters escaped (``pro\\u200b``), so that a message shows what is there."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def _child(node: Any, part: Any) -> Any:
    if not isinstance(node, dict):
        return None
    if part in node:
        return node[part]
    return next((v for k, v in node.items() if str(k) == str(part)), None)
