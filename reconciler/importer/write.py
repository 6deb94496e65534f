"""Rendering imported manifests as commented YAML, and writing each file atomically after validating it.

PyYAML cannot write comments, so documents are rendered here: block style, two-space indents, keys in the
order the converter built them, list items indented under their key (the style of ``manifests/*.yaml``).
Scalars are written plain only when every YAML reader gives the string back unchanged (PyYAML's 1.1 rules and
the manifest loader's 1.2 rules); anything else is double-quoted. Timestamps are plain (the manifest loader keeps
them as strings). The same documents always give the same bytes.
"""

from __future__ import annotations

import math
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import yaml

from reconciler.errors import ManifestError, ReconcilerError
from reconciler.importer.convert import CustomerFile, Document
from reconciler.manifest.loader import load

INDENT = "  "
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
_PLAIN = re.compile(r"^[A-Za-z0-9_/(][A-Za-z0-9 _.,@/()+&'-]*$")
_YAML12_SPECIAL = re.compile(r"^(?:true|false|null|~|[-+]?[0-9.]+(?:[eE][-+]?[0-9]+)?|0o[0-7]+|0x[0-9a-fA-F]+"
                             r"|[-+]?\.(?:inf|nan))$", re.I)


def render_file(file: CustomerFile) -> str:
    return "---\n".join(render_document(d) for d in file.documents)


def render_document(document: Document) -> str:
    lines = [_comment(line, 0) for line in document.header]
    _mapping(document.body, (), 0, lines, document.comments)
    return "\n".join(lines) + "\n"


def _comment(text: str, depth: int) -> str:
    return f"{INDENT * depth}#{' ' + text if text else ''}"


def _comments(comments: dict, path: tuple, depth: int, lines: list[str]) -> None:
    lines += [_comment(text, depth) for text in comments.get(path, [])]


def _mapping(mapping: dict, path: tuple, depth: int, lines: list[str], comments: dict) -> None:
    for key, value in mapping.items():
        _comments(comments, path + (key,), depth, lines)
        _entry(f"{INDENT * depth}{scalar(str(key))}:", value, path + (key,), depth, lines, comments)


def _entry(prefix: str, value: Any, path: tuple, depth: int, lines: list[str], comments: dict) -> None:
    if isinstance(value, dict):
        lines.append(prefix)
        _mapping(value, path, depth + 1, lines, comments)
    elif isinstance(value, list):
        lines.append(prefix)
        _sequence(value, path, depth + 1, lines, comments)
    else:
        lines.append(f"{prefix} {scalar(value)}")


def _sequence(items: list, path: tuple, depth: int, lines: list[str], comments: dict) -> None:
    for index, value in enumerate(items):
        _comments(comments, path + (index,), depth, lines)
        dash = f"{INDENT * depth}- "
        if isinstance(value, dict) and value:
            first = next(iter(value))
            _comments(comments, path + (index, first), depth, lines)
            inner: list[str] = []
            _mapping(value, path + (index,), depth + 1, inner, {**comments, path + (index, first): []})
            lines.append(dash + inner[0].lstrip())
            lines += inner[1:]
        else:
            lines.append(dash + scalar(value))


def scalar(value: Any) -> str:
    """One YAML scalar that reads back as ``value`` under both YAML 1.1 (PyYAML) and 1.2 (manifest loader)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, dict) and not value:
        return "{}"
    if isinstance(value, list) and not value:
        return "[]"
    text = str(value)
    if _TIMESTAMP.match(text) or _plain_safe(text):
        return text
    return _double_quoted(text)


def _float(value: float) -> str:
    if not math.isfinite(value):
        raise ValueError(f"{value} cannot appear in a manifest")
    if value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    text = repr(value)
    if "e" in text and "." not in text.split("e")[0]:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}.0e{exponent}"
    return text


def _plain_safe(text: str) -> bool:
    if not _PLAIN.match(text) or text != text.strip() or _YAML12_SPECIAL.match(text):
        return False
    try:
        return yaml.safe_load(text) == text
    except yaml.YAMLError:
        return False


def _double_quoted(text: str) -> str:
    out = []
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif ord(char) < 0x20 or 0x7f <= ord(char) < 0xa0:
            out.append(f"\\x{ord(char):02x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


# --------------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------------

class ImportWriteError(ReconcilerError):
    """An imported file did not validate (a bug in the importer: nothing was written for that customer)."""


def write_file(directory: Path, file: CustomerFile) -> Path:
    """Write one customer's file: a temporary file in the same directory, validated, then renamed over."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / file.filename
    handle, temporary = tempfile.mkstemp(prefix=f".{file.key}.", suffix=".yaml.tmp", dir=directory)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(render_file(file))
        _validate(Path(temporary), target)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def _validate(temporary: Path, target: Path) -> None:
    try:
        load([temporary])
    except ManifestError as exc:
        raise ImportWriteError(f"the manifest imported for {target} does not validate:\n{exc}",
                               hint="this is an importer bug; please report it with the live contract") from None
