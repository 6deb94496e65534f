"""Loading manifests: files and directory trees in, a validated :class:`Desired` out, or every problem.

The recipe (:func:`load`): find the manifest files, read each within its limits, parse its YAML documents
(:mod:`reconciler.manifest.yaml_fast`; the line and column of each key are worked out only when a problem
needs them), check each document's header (``apiVersion``, ``kind``), validate it against its model,
then run the cross-object rules of :mod:`reconciler.manifest.validate`. Nothing stops at the first
error: every problem of every file is collected, sorted by file and line, and raised together as one
:class:`~reconciler.errors.ManifestError`.

Limits, because manifests come from pull requests:

* a file larger than :data:`MAX_FILE_BYTES` is refused unread;
* inside a directory tree, a symlink whose target lies outside the tree is refused (a file or a
  directory); symlinked directories inside the tree are not descended, since their target is walked
  anyway; hidden files and directories (``.git``, ``.github``) are skipped;
* YAML aliases are refused, and so is nesting deeper than 20 levels (see :mod:`reconciler.manifest.yaml_marks`);
* invisible and control characters are refused in every key and value (see :mod:`reconciler.manifest.unicode`).

This module reads local files only; it imports no HTTP code, so ``reconciler validate`` works offline.
"""

from __future__ import annotations

import contextlib
import difflib
import gc
import os
import stat
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from reconciler.errors import ManifestError
from reconciler.manifest.desired import Desired, Source
from reconciler.manifest.messages import describe, explain
from reconciler.manifest.models import API_VERSION, ContractManifest, CustomerManifest
from reconciler.manifest.problems import Document, Loc, Problem, file_problem
from reconciler.manifest.unicode import hidden_characters
from reconciler.manifest.validate import validate
from reconciler.manifest.yaml_fast import parse_documents

MAX_FILE_BYTES = 1_000_000
"""Largest manifest file read (1 MB): far above any real contract, far below a memory problem."""
MANIFEST_SUFFIXES = (".yaml", ".yml")
KINDS: dict[str, type[BaseModel]] = {"Customer": CustomerManifest, "Contract": ContractManifest}


def load(paths: Sequence[str | Path]) -> Desired:
    """Every manifest under ``paths`` (files or directory trees), validated; raises ``ManifestError``."""
    with _cyclic_gc_paused():
        documents, problems = load_documents(paths)
    if problems:
        raise ManifestError(sorted(problems))
    return to_desired(documents)


@contextlib.contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Loading builds hundreds of thousands of long-lived objects and no reference cycles, so the cyclic
    collector would only walk the growing heap over and over: about a fifth of the time at 10,000 files.

    On the way out, what was built goes straight to the oldest generation (``freeze`` then ``unfreeze`` moves
    every tracked object there without examining it), where a generational collector would have put it after
    two more walks of the whole heap; not in a process that froze objects of its own, which would be thawed."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if gc.get_freeze_count() == 0:
            gc.freeze()
            gc.unfreeze()
        if enabled:
            gc.enable()


def load_documents(paths: Sequence[str | Path]) -> tuple[list[Document], list[Problem]]:
    """The documents that validated (each with its ``manifest``) and every problem found, sorted."""
    files, problems = manifest_files(paths)
    documents: list[Document] = []
    for file in files:
        documents += _checked_documents(file, problems)
    problems += validate(documents)
    return [d for d in documents if d.manifest is not None], sorted(problems)


def iter_batches(paths: Sequence[str | Path], batch_files: int) -> Iterator[tuple[str, Any]]:
    """:func:`load_documents` in batches of files, for a caller that starts work before the last file is read:
    ``("fragment", Desired)`` of each batch's valid documents, then ``("problems", every problem, sorted)`` once
    the cross-file rules have run. The fragments merged in order (first definition wins) are :func:`load`'s
    result, valid only if the problems are none. The cyclic GC stays paused until the generator is done."""
    with _cyclic_gc_paused():
        files, problems = manifest_files(paths)
        documents: list[Document] = []
        for start in range(0, len(files), batch_files):
            batch: list[Document] = []
            for file in files[start:start + batch_files]:
                batch += _checked_documents(file, problems)
            documents += batch
            yield "fragment", to_desired([d for d in batch if d.manifest is not None])
        problems += validate(documents)
        yield "problems", sorted(problems)


def _checked_documents(file: Path, problems: list[Problem]) -> list[Document]:
    """The documents of one file, each checked against its model (``manifest`` set when valid); problems are
    appended to ``problems``."""
    documents, file_problems = read_file(file)
    problems += file_problems
    for document in documents:
        problems += check_document(document)
        if document.manifest is not None:
            document.release()
    return documents


# --------------------------------------------------------------------------------------------------
# Finding files
# --------------------------------------------------------------------------------------------------

def manifest_files(paths: Sequence[str | Path]) -> tuple[list[Path], list[Problem]]:
    """The manifest files named by ``paths``, each once, directories expanded in sorted order."""
    files: list[tuple[Path, Path]] = []
    problems: list[Problem] = []
    for path in map(Path, paths):
        if path.is_dir():
            tree = path.resolve()
            found = list(_walk(path, path, tree, tree))
            files += [f for f in found if not isinstance(f, Problem)]
            problems += [p for p in found if isinstance(p, Problem)]
            if not any(not isinstance(f, Problem) for f in found):
                problems.append(file_problem(str(path), "no manifest files (*.yaml, *.yml) in this directory"))
        elif path.exists():
            files.append((path, path.resolve()))
        else:
            problems.append(file_problem(str(path), "no such file or directory"))
    return _unique(files), problems


def _walk(directory: Path, root: Path, tree: Path, real: Path) -> Iterator[tuple[Path, Path] | Problem]:
    """Manifest files under ``directory`` with their resolved paths, in sorted order. Symlinks are judged against
    ``tree`` (``root`` resolved); ``real`` is ``directory`` resolved."""
    for entry in sorted(_entries(directory), key=lambda entry: entry.name):
        path = directory / entry.name
        if entry.is_symlink():
            target = _resolved(path)
            if target is None:
                yield file_problem(str(path), "symlink cannot be followed (it points at itself, in a loop)",
                                   "replace the link with the file it should name")
            elif not target.is_relative_to(tree):
                yield file_problem(str(path), f"symlink points outside the manifest tree ({root})",
                                   "copy the file into the tree instead of linking to it")
            elif not entry.is_dir() and entry.name.endswith(MANIFEST_SUFFIXES):
                yield path, target
        elif entry.is_dir():
            yield from _walk(path, root, tree, real / entry.name)
        elif entry.name.endswith(MANIFEST_SUFFIXES):
            yield path, real / entry.name  # no symlink on the way from ``real``: no need to resolve it


def _resolved(path: Path) -> Path | None:
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # RuntimeError: "Symlink loop" (Python 3.11)
        return None


def _entries(directory: Path) -> list[os.DirEntry]:
    with os.scandir(directory) as entries:  # each entry knows whether it is a link or a directory
        return [entry for entry in entries if not entry.name.startswith(".")]


def _unique(files: list[tuple[Path, Path]]) -> list[Path]:
    """Each file once (the first path naming it), by resolved path."""
    seen: set[Path] = set()
    unique = []
    for file, resolved in files:
        if resolved not in seen:
            seen.add(resolved)
            unique.append(file)
    return unique


# --------------------------------------------------------------------------------------------------
# Reading and parsing one file
# --------------------------------------------------------------------------------------------------

def read_file(path: Path) -> tuple[list[Document], list[Problem]]:
    """The YAML documents of one file, or the problems that kept it (or some of it) from being read."""
    text = _read_text(path)
    if isinstance(text, Problem):
        return [], [text]
    if not text.strip():
        return [], [file_problem(str(path), "file is empty", "add a Customer or Contract manifest, or delete it")]
    documents, problems = parse_documents(text, str(path))
    if not documents and not problems:
        problems.append(file_problem(str(path), "no manifest documents in this file (only comments?)"))
    return documents, problems


def _read_text(path: Path) -> str | Problem:
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            return file_problem(str(path), "not a regular file")
        if info.st_size > MAX_FILE_BYTES:
            return _too_large(path, info.st_size)
        with open(path, "rb") as handle:
            data = handle.read(info.st_size + 1)  # sized to the file, not to the limit: no 1 MB buffer per file
            if len(data) > info.st_size:  # it grew since stat
                data += handle.read(MAX_FILE_BYTES + 1 - len(data))
    except OSError as exc:
        return file_problem(str(path), f"cannot read file: {exc.strerror or exc}")
    if len(data) > MAX_FILE_BYTES:
        return _too_large(path, len(data))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return file_problem(str(path), f"file is not UTF-8 text (byte {exc.start})", "save it as UTF-8")


def _too_large(path: Path, size: int) -> Problem:
    return file_problem(str(path), f"file is {size / 1e6:.1f} MB; manifest files are limited to "
                        f"{MAX_FILE_BYTES / 1e6:g} MB", "split it into one file per customer")


# --------------------------------------------------------------------------------------------------
# Validating one document against its model
# --------------------------------------------------------------------------------------------------

def check_document(document: Document) -> list[Problem]:
    """Header and schema problems of one document; sets ``document.manifest`` when there are none."""
    hidden = hidden_characters(document)
    if hidden:
        return hidden  # schema errors about the same text would only repeat these, less clearly
    model = _model_of(document)
    if isinstance(model, list):
        return model
    if not document.complete:
        return []  # an alias or merge key was dropped: schema errors would only echo that problem
    try:
        document.manifest = model.model_validate(document.data)
    except ValidationError as exc:
        return [_problem(document, model, error) for error in exc.errors()]
    return []


def _model_of(document: Document) -> type[BaseModel] | list[Problem]:
    data = document.data
    if not isinstance(data, dict):
        return [document.problem((), f"a manifest must be a mapping with apiVersion, kind, metadata and spec, "
                                     f"got {describe(data)}")]
    problems = [*_check_api_version(document), *_check_kind(document)]
    return problems or KINDS[data["kind"]]


def _check_api_version(document: Document) -> list[Problem]:
    version = document.data.get("apiVersion")
    if version == API_VERSION:
        return []
    hint = f"this reconciler reads apiVersion: {API_VERSION}"
    if version is None:
        return [document.problem(("apiVersion",), "missing apiVersion", hint)]
    return [document.problem(("apiVersion",), f"unsupported apiVersion {describe(version)}", hint)]


def _check_kind(document: Document) -> list[Problem]:
    kind = document.data.get("kind")
    if kind in KINDS:
        return []
    if kind is None:
        return [document.problem(("kind",), "missing kind", "add kind: Customer or kind: Contract")]
    close = difflib.get_close_matches(str(kind).capitalize(), list(KINDS), n=1, cutoff=0.6)
    hint = f"did you mean {close[0]}?" if close else "kind is Customer or Contract"
    return [document.problem(("kind",), f"unknown kind {describe(kind)}", hint)]


def _problem(document: Document, model: type[BaseModel], error: Any) -> Problem:
    loc: Loc = tuple(error["loc"])
    message, hint = explain(error, model, value_at(document.data, loc))
    return document.problem(loc, message, hint)


def value_at(data: Any, loc: Loc) -> Any:
    """The value written at ``loc`` (before any validator changed it), or None."""
    for part in loc:
        if isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        elif isinstance(data, dict) and part in data:
            data = data[part]
        elif part != "[key]":
            return None
    return data


# --------------------------------------------------------------------------------------------------
# Desired
# --------------------------------------------------------------------------------------------------

def to_desired(documents: list[Document]) -> Desired:
    """Index validated documents by address (first definition wins; duplicates are validation problems)."""
    desired = Desired()
    for document in documents:
        manifest = document.manifest
        if isinstance(manifest, CustomerManifest):
            desired.customers.setdefault(manifest.metadata.name, manifest)
        else:
            desired.contracts.setdefault(manifest.address, manifest)
        desired.sources.setdefault(manifest.address, Source(document.file, document.line, document.column))
    return desired
