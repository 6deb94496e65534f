"""Parsing manifest YAML safely, remembering where every key and item was written.

:class:`ManifestYamlLoader` is PyYAML's ``SafeLoader`` with these changes:

* **Marks.** Every mapping key and sequence item gets its 1-based line and column, keyed by its path,
  so that a pydantic error ``loc`` maps back to ``file:line:column``.
* **Duplicate keys are errors** (PyYAML silently keeps the last one; a billing manifest must not).
* **No aliases.** ``*alias`` is refused outright, so no "billion laughs" document can expand; it also keeps
  every value where it is written, which is what a reviewer reads in a pull request. Merge keys (``<<``)
  are refused for the same reason. Anchors alone are harmless and ignored.
* **Bounded nesting.** A document nested deeper than :data:`MAX_DEPTH` levels is refused where it gets too
  deep, before the recursive composer can exhaust the stack (a real manifest is under ten levels deep).
* **YAML 1.2 scalars.** Only ``true``/``false`` are booleans (``NO``, ``on``, ``yes`` stay strings), ``1e3`` is
  a number, ``0777`` is decimal, ``1:30`` is a string, and timestamps stay strings, so the data is plain
  JSON (what the JSON Schema and editors see) and the models decide what a date means.

Problems are collected, never raised: a document that cannot be parsed ends that file's parsing, with the
line PyYAML reports, and every other file is still read.

The loader tries :mod:`reconciler.manifest.yaml_fast` first; this module parses whatever the fast path
declines, and works out the marks of a document that the fast path parsed once a problem needs them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import yaml
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from reconciler.manifest.problems import Document, Loc, Marks, Problem, file_problem

try:
    from yaml.cyaml import CParser  # libyaml's scanner and parser, when PyYAML was built with it
except ImportError:  # pragma: no cover - PyYAML wheels ship libyaml on the platforms we run on
    CParser = None

_MERGE_TAG = "tag:yaml.org,2002:merge"
_NULL_TAG = "tag:yaml.org,2002:null"
#: The YAML 1.1 resolvers replaced by their YAML 1.2 core-schema equivalents (or dropped: timestamp).
_REPLACED_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("bool", "int", "float", "timestamp")}

_BOOL_12 = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_INT_12 = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_FLOAT_12 = re.compile(r"""^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?
                           |[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$""", re.X)


MAX_DEPTH = 20
"""Deepest nesting of mappings and sequences in a manifest document (the root is level 1)."""


class _TooDeep(yaml.MarkedYAMLError):
    """Raised by the composer when a document nests deeper than :data:`MAX_DEPTH`."""


def _mark(mark: yaml.Mark) -> tuple[int, int]:
    return mark.line + 1, mark.column + 1


class ManifestYamlLoader(yaml.SafeLoader):
    """SafeLoader that collects :class:`Problem`s for aliases, merge keys and duplicate keys."""

    yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag not in _REPLACED_TAGS]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def __init__(self, stream: str, file: str) -> None:
        super().__init__(stream)
        self.file = file
        self.problems: list[Problem] = []
        self.dropped = False
        """True once an alias or merge key was dropped from the current document."""
        self.aliases: set[str] = set()
        """Alias names met in the current document."""
        self.depth = 0

    def _problem(self, mark: yaml.Mark, message: str, hint: str | None = None) -> None:
        self.problems.append(file_problem(self.file, message, hint, *_mark(mark)))

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        if self.check_event(AliasEvent):
            event = self.get_event()
            if event.anchor not in self.aliases:  # one problem per alias name, not one per use
                self._problem(event.start_mark, f"YAML alias *{event.anchor} is not allowed in manifests",
                              "write the value out in full; aliases hide what a change really touches")
            self.aliases.add(event.anchor)
            return ScalarNode(_NULL_TAG, "", event.start_mark, event.end_mark)
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise _TooDeep(problem=f"nesting deeper than {MAX_DEPTH} levels",
                               problem_mark=self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def flatten_mapping(self, node: MappingNode) -> None:
        for key_node, _ in node.value:
            if key_node.tag == _MERGE_TAG:
                self.dropped = True
                self._problem(key_node.start_mark, "YAML merge key << is not allowed in manifests",
                              "write the merged fields out in full")
        node.value = [(k, v) for k, v in node.value if k.tag != _MERGE_TAG]

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict:
        self.flatten_mapping(node)
        seen: dict[Any, yaml.Mark] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if _hashable(key) and key in seen:
                line = seen[key].line + 1
                self._problem(key_node.start_mark, f"duplicate key {key!r} (first written on line {line})",
                              "remove one of them; YAML would silently keep only the last")
            elif _hashable(key):
                seen[key] = key_node.start_mark
        return super().construct_mapping(node, deep)


def int_of(text: str) -> int:
    """A YAML 1.2 core-schema integer: decimal (``0777`` too), ``0o`` octal or ``0x`` hexadecimal."""
    base = {"0o": 8, "0x": 16}.get(text[:2], 10)
    return int(text[2:] if base != 10 else text, base)


def _construct_int(loader: ManifestYamlLoader, node: ScalarNode) -> int:
    return int_of(loader.construct_scalar(node))


ManifestYamlLoader.add_implicit_resolver("tag:yaml.org,2002:bool", _BOOL_12, list("tTfF"))
ManifestYamlLoader.add_implicit_resolver("tag:yaml.org,2002:int", _INT_12, list("-+0123456789"))
ManifestYamlLoader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT_12, list("-+0123456789."))
ManifestYamlLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
# Timestamps are no longer resolved implicitly; an explicit !!timestamp tag is refused like any unknown tag.
ManifestYamlLoader.yaml_constructors = {
    tag: fn for tag, fn in ManifestYamlLoader.yaml_constructors.items() if tag != "tag:yaml.org,2002:timestamp"
}


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


class FastManifestYamlLoader(CParser or yaml.BaseLoader, ManifestYamlLoader):
    """The same loader with libyaml's scanner and parser underneath (about ten times faster on large estates).

    Only the events come from C; composing (depth, aliases), resolving and constructing stay the Python code
    above, so the data and marks are identical. Any problem makes :func:`parse_documents` parse the file again
    with the pure-Python loader, whose messages the error corpus pins down.
    """

    get_node = yaml.composer.Composer.get_node
    check_node = yaml.composer.Composer.check_node
    get_single_node = yaml.composer.Composer.get_single_node
    compose_document = yaml.composer.Composer.compose_document

    def __init__(self, stream: str, file: str) -> None:
        CParser.__init__(self, stream)
        yaml.composer.Composer.__init__(self)
        yaml.constructor.SafeConstructor.__init__(self)
        yaml.resolver.Resolver.__init__(self)
        self.file, self.problems, self.dropped, self.aliases, self.depth = file, [], False, set(), 0


def parse_documents(text: str, file: str) -> tuple[list[Document], list[Problem]]:
    """Every non-empty document of ``text`` with its marks, and every problem met while parsing."""
    if CParser is not None:
        try:
            documents, problems = _parse(FastManifestYamlLoader, text, file)
            if not problems:
                return documents, problems
        except Exception:  # noqa: BLE001 - any surprise from libyaml: the pure-Python loader decides
            pass
    return _parse(ManifestYamlLoader, text, file)


def _parse(loader_class: type, text: str, file: str) -> tuple[list[Document], list[Problem]]:
    try:
        loader = loader_class(text, file)  # the reader checks every character here
    except yaml.reader.ReaderError as exc:
        return [], [_reader_error(exc, text, file)]
    documents: list[Document] = []
    try:
        for node in _nodes(loader):
            data = loader.construct_document(node)
            if data is not None:
                complete = not (loader.dropped or loader.aliases)
                documents.append(Document(file, data, index_marks(node), complete=complete))
    except _TooDeep as exc:
        loader.problems.append(file_problem(file, f"YAML {exc.problem}", "a manifest is a few levels deep; "
                                            "flatten the structure", *_mark(exc.problem_mark)))
    except yaml.MarkedYAMLError as exc:
        loader.problems.append(_yaml_error(exc, file))
    except yaml.reader.ReaderError as exc:
        loader.problems.append(_reader_error(exc, text, file))
    except RecursionError:
        loader.problems.append(file_problem(file, "YAML nesting is too deep", "manifests are a few levels deep"))
    finally:
        loader.dispose()
    return documents, loader.problems


def _nodes(loader: ManifestYamlLoader) -> Iterator[Node]:  # either loader
    while loader.check_node():
        loader.dropped, loader.aliases, loader.depth = False, set(), 0
        node = loader.get_node()
        if node is not None:
            yield node


def _yaml_error(exc: yaml.MarkedYAMLError, file: str) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    line, column = _mark(mark) if mark else (1, 1)
    message = "malformed YAML: " + "; ".join(p for p in (exc.context, exc.problem) if p)
    hint = "check the indentation and quoting on this line and the one before"
    if "could not determine a constructor" in (exc.problem or ""):
        message, hint = f"malformed YAML: unsupported tag {exc.problem.split('tag ')[-1]}", "remove the !tag"
    return file_problem(file, message, hint, line, column)


def _reader_error(exc: yaml.reader.ReaderError, text: str, file: str) -> Problem:
    """A character YAML does not allow in a document (a NUL, a bell...), located by its position."""
    before = text[:exc.position]
    line, column = before.count("\n") + 1, exc.position - (before.rfind("\n") + 1) + 1
    char = exc.character if isinstance(exc.character, str) else chr(exc.character)
    return file_problem(file, f"character U+{ord(char):04X} is not allowed in YAML",
                        "delete it; a manifest is plain text", line, column)


def index_marks(root: Node) -> Marks:
    """Line and column of every mapping key and sequence item under ``root`` (the root itself at ``()``)."""
    marks: Marks = {(): _mark(root.start_mark)}
    stack: list[tuple[Loc, Node]] = [((), root)]
    while stack:
        loc, node = stack.pop()
        for child_loc, mark_node, child in _children(loc, node):
            marks.setdefault(child_loc, _mark(mark_node.start_mark))
            stack.append((child_loc, child))
    return marks


def _children(loc: Loc, node: Node) -> Iterator[tuple[Loc, Node, Node]]:
    if isinstance(node, MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, ScalarNode):
                yield loc + (key_node.value,), key_node, value_node
    elif isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            yield loc + (index,), item, item
