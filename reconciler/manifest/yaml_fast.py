"""The fast path of parsing: libyaml composes a file's nodes in C when nothing in it needs the slow path.

:mod:`reconciler.manifest.yaml_marks` composes every node in Python, so that it can refuse aliases, merge
keys, duplicate keys and deep nesting where they are written, and it records the line and column of every key
and item. A typical manifest needs none of that: it has no alias, no merge key and no duplicate key, and
nothing is ever reported about it. So :func:`parse_documents` first lets libyaml's own composer build the
nodes in C and turns them into plain data in one pass (:func:`_value`). Marks are left to the slow path, which
runs only when a problem needs a location (:class:`_Recall`).

The slow path takes the whole file whenever something looks unusual, so every refusal keeps its own message:

* ``*`` anywhere in the text (an alias can only be written with one) or ``!`` (a tag);
* a line longer than :data:`MAX_LINE` characters or more than :data:`MAX_FLOW` flow brackets: libyaml's
  composer recurses once per nesting level with no limit of its own, and these two bound how deep it can go
  (see :func:`_shallow`);
* a collection at nesting level :data:`~reconciler.manifest.yaml_marks.MAX_DEPTH`, a key that is not a scalar,
  a repeated key, a tag other than the core ones (a merge key ``<<``, a ``=``), or any error from libyaml.
"""

from __future__ import annotations

import functools
import operator
import re
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from reconciler.manifest import yaml_marks
from reconciler.manifest.problems import Document, Problem, Recalled
from reconciler.manifest.yaml_marks import MAX_DEPTH, CParser, ManifestYamlLoader, int_of

MAX_LINE = 400
"""Longest line of a file taken by the fast path."""
MAX_FLOW = 200
"""Most flow brackets (``[`` and ``{``) in a file taken by the fast path."""

_STR, _SEQ, _MAP = (f"tag:yaml.org,2002:{name}" for name in ("str", "seq", "map"))
_WILDCARD = ManifestYamlLoader.yaml_implicit_resolvers.get(None, [])
#: First character of a plain scalar -> the (tag, pattern) pairs that may resolve it, as ManifestYamlLoader has them.
_RESOLVERS = {first: resolvers + _WILDCARD for first, resolvers in ManifestYamlLoader.yaml_implicit_resolvers.items()}
_SAFE = yaml.constructor.SafeConstructor()
#: Constructors of the core scalar tags other than str (the same functions as ManifestYamlLoader's).
_SCALARS = {
    "tag:yaml.org,2002:null": _SAFE.construct_yaml_null,
    "tag:yaml.org,2002:bool": _SAFE.construct_yaml_bool,
    "tag:yaml.org,2002:int": lambda node: int_of(node.value),
    "tag:yaml.org,2002:float": _SAFE.construct_yaml_float,
}
#: Printable ASCII, tab and line breaks, but not the backslash that starts an escape in a quoted scalar.
_PLAIN_BYTES = bytes(range(0x20, 0x7F)).replace(b"\\", b"") + b"\t\n\r"
_LONG_LINE = re.compile(rf"\n[^\n]{{{MAX_LINE}}}")  # after a line break: the regex engine skips to each one


class _Unusual(Exception):
    """Something in the file that the slow path must judge."""


class _Composer(CParser or object):
    """libyaml's parser and composer, resolving plain scalars as :class:`ManifestYamlLoader` does."""

    # The composer calls these two for every node, to track the path that path resolvers match, and manifests
    # use none: C functions that ignore their arguments cost a fraction of Python ones (about 4% of loading).
    descend_resolver = staticmethod(operator.is_)  # (parent, index)
    ascend_resolver = staticmethod(tuple)  # ()

    def resolve(self, kind: type, value: str | None, implicit: Any) -> str:
        if kind is ScalarNode:
            if implicit[0] and (_WILDCARD or value[:1] in _RESOLVERS):  # most plain scalars start with a letter
                for tag, pattern in _RESOLVERS.get(value[:1], _WILDCARD):
                    if pattern.match(value):
                        return tag
            return _STR
        return _SEQ if kind is SequenceNode else _MAP


def parse_documents(text: str, file: str) -> tuple[list[Document], list[Problem]]:
    """Every non-empty document of ``text`` and every problem met while parsing (the slow path's, if any)."""
    if CParser is not None and "*" not in text and "!" not in text and _shallow(text):
        try:
            return _compose(text, file), []
        except Exception:  # noqa: BLE001 - anything unusual, or any libyaml error: the slow path decides
            pass
    return yaml_marks.parse_documents(text, file)


def _shallow(text: str) -> bool:
    """True when ``text`` cannot nest deeper than about a thousand levels.

    A block collection nested in another starts at a greater indentation, except a sequence written at its
    key's indentation, so a block chain ``d`` levels deep reaches column ``d / 2`` on some line; each flow
    level needs its own bracket.
    """
    return text.count("[") + text.count("{") <= MAX_FLOW and not _LONG_LINE.search("\n" + text)


def _compose(text: str, file: str) -> list[Document]:
    composer = _Composer(text)
    recall = _Recall(text, file)
    plain = _plain(text)
    documents: list[Document] = []
    try:
        while composer.check_node():
            root = composer.get_node()
            data = None if root is None else _value(root, 1)
            if data is not None:
                start = root.start_mark
                documents.append(Document(file, data, root=(start.line + 1, start.column + 1), plain=plain,
                                          recall=functools.partial(recall, len(documents))))
    finally:
        composer.dispose()
    return documents


def _plain(text: str) -> bool:
    """True when no key or value parsed from ``text`` can hold a hidden character."""
    return text.isascii() and not text.encode("ascii").translate(None, _PLAIN_BYTES)


def _value(node: Node, level: int) -> Any:
    """The plain data of ``node`` at nesting ``level`` (the root is 1), as ManifestYamlLoader constructs it."""
    kind = node.__class__
    if kind is ScalarNode:
        return node.value if node.tag == _STR else _scalar(node)
    if level >= MAX_DEPTH:
        raise _Unusual  # the slow path refuses what is too deep, where it gets too deep
    if kind is MappingNode and node.tag == _MAP:
        return _mapping(node, level)
    if kind is SequenceNode and node.tag == _SEQ:
        return [item.value if item.__class__ is ScalarNode and item.tag == _STR else _value(item, level + 1)
                for item in node.value]
    raise _Unusual


def _mapping(node: MappingNode, level: int) -> dict:
    data: dict = {}
    for key_node, value_node in node.value:
        if key_node.__class__ is not ScalarNode:
            raise _Unusual
        key = key_node.value if key_node.tag == _STR else _scalar(key_node)
        if key in data:
            raise _Unusual  # a duplicate key, reported with both lines by the slow path
        if value_node.__class__ is ScalarNode and value_node.tag == _STR:
            data[key] = value_node.value
        else:
            data[key] = _value(value_node, level + 1)
    return data


def _scalar(node: ScalarNode) -> Any:
    construct = _SCALARS.get(node.tag)
    if construct is None:
        raise _Unusual  # a merge key, '=', or another tag that only the slow path constructs
    return construct(node)


class _Recall:
    """One file's text, parsed again by the slow path (once) when a document's marks or data are needed."""

    __slots__ = ("text", "file", "recalled")

    def __init__(self, text: str, file: str) -> None:
        self.text: str | None = text
        self.file = file
        self.recalled: list[Recalled] = []

    def __call__(self, index: int) -> Recalled:
        if self.text is not None:
            documents, _ = yaml_marks.parse_documents(self.text, self.file)
            self.recalled, self.text = [(d.data, d.marks) for d in documents], None
        return self.recalled[index] if index < len(self.recalled) else (None, {})
