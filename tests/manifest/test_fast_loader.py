"""The libyaml-backed loaders are a speed-up only: same data, same marks, and problems still come from the
pure-Python loader whose messages the invalid corpus pins down.

Two of them: ``FastManifestYamlLoader`` (libyaml's events under the Python composer, with marks) and
:mod:`reconciler.manifest.yaml_fast` (libyaml's C composer, marks parsed again only on demand)."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.errors import ManifestError
from reconciler.manifest import yaml_fast, yaml_marks
from reconciler.manifest.desired import Desired
from reconciler.manifest.loader import load
from reconciler.manifest.problems import Document
from reconciler.manifest.unicode import hidden_characters

ROOT = Path(__file__).resolve().parents[2]
CORPUS = sorted((ROOT / "tests/manifest/invalid").glob("*.yaml"))
FILES = sorted((ROOT / "manifests").glob("*.yaml")) + CORPUS


@pytest.mark.skipif(yaml_marks.CParser is None, reason="PyYAML without libyaml")
@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_fast_and_pure_python_loaders_agree(path: Path):
    text = path.read_text(encoding="utf-8", errors="replace")
    slow_docs, slow_problems = yaml_marks._parse(yaml_marks.ManifestYamlLoader, text, "f.yaml")
    try:
        fast_docs, fast_problems = yaml_marks._parse(yaml_marks.FastManifestYamlLoader, text, "f.yaml")
    except Exception:  # parse_documents falls back on any libyaml surprise
        fast_docs, fast_problems = None, ["raised"]
    if not slow_problems:
        assert fast_problems == []
        assert [d.data for d in fast_docs] == [d.data for d in slow_docs]
        assert [d.marks for d in fast_docs] == [d.marks for d in slow_docs]
    assert yaml_marks.parse_documents(text, "f.yaml")[1] == slow_problems


def test_parse_documents_uses_libyaml_for_clean_files(monkeypatch):
    used = []
    original = yaml_marks._parse
    monkeypatch.setattr(yaml_marks, "_parse", lambda cls, text, file: used.append(cls) or original(cls, text, file))
    yaml_marks.parse_documents((ROOT / "manifests/acme.yaml").read_text(), "acme.yaml")
    assert used == [yaml_marks.FastManifestYamlLoader]
    used.clear()
    yaml_marks.parse_documents("a: 1\na: 2\n", "dup.yaml")
    assert used == [yaml_marks.FastManifestYamlLoader, yaml_marks.ManifestYamlLoader]


# --------------------------------------------------------------------------------------------------
# The C-composed fast path (yaml_fast) against the slow path it stands in for (yaml_marks)
# --------------------------------------------------------------------------------------------------

def _parsed(parse, text: str) -> tuple[list[tuple], list]:
    documents, problems = parse(text, "f.yaml")
    return [(repr(d.data), d.marks, d.line, d.column, d.complete) for d in documents], problems


#: Inputs that the fast path must hand to the slow path, each with a reason.
UNUSUAL = {
    "alias": "a: &x 1\nb: *x\n",
    "tag": "a: !!str 1\n",
    "merge_key": "base: {x: 1}\nuse:\n  <<: {y: 2}\n",
    "duplicate_key": "a: 1\nb: 2\na: 3\n",
    "duplicate_key_other_spelling": "1: a\n0x1: b\n",
    "complex_key": "? [a, b]\n: c\n",
    "value_key": "=: 1\n",
    "deep_block": "".join(" " * i + f"k{i}:\n" for i in range(25)) + " " * 25 + "v\n",
    "deep_flow": "x: " + "[" * 25 + "]" * 25 + "\n",
    "deep_but_allowed": "x: " + "[" * 18 + "[]" + "]" * 18 + "\n",  # level 20, empty: the slow path decides
    "long_line": "a: " + "b" * 500 + "\n",
    "many_brackets": "a: [" + "[], " * 300 + "]\n",
    "malformed": "a: [1, 2\n",
    "tab": "a:\n\tb: 1\n",
    "control_character": "a: b\x07c\n",
}


@pytest.mark.skipif(yaml_marks.CParser is None, reason="PyYAML without libyaml")
@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_fast_path_and_slow_path_agree_on_examples_and_invalid_corpus(path: Path):
    text = path.read_text(encoding="utf-8", errors="replace")
    assert _parsed(yaml_fast.parse_documents, text) == _parsed(yaml_marks.parse_documents, text)


@pytest.mark.parametrize("name", UNUSUAL)
def test_fast_path_and_slow_path_agree_on_unusual_inputs(name: str):
    text = UNUSUAL[name]
    assert _parsed(yaml_fast.parse_documents, text) == _parsed(yaml_marks.parse_documents, text)


def _slow_path_calls(monkeypatch) -> list[str]:
    calls: list[str] = []
    original = yaml_marks.parse_documents
    monkeypatch.setattr(yaml_marks, "parse_documents", lambda text, file: calls.append(file) or original(text, file))
    return calls


@pytest.mark.skipif(yaml_marks.CParser is None, reason="PyYAML without libyaml")
@pytest.mark.parametrize("path", sorted((ROOT / "manifests").glob("*.yaml")), ids=lambda p: p.name)
def test_clean_manifests_take_the_fast_path_and_are_located_only_on_demand(path: Path, monkeypatch):
    calls = _slow_path_calls(monkeypatch)
    documents, problems = yaml_fast.parse_documents(path.read_text(), str(path))
    assert documents and not problems and calls == []
    assert all(d.plain for d in documents)
    documents[0].marks  # a problem needs a location: the slow path parses the file, once
    documents[-1].marks
    assert calls == [str(path)]


@pytest.mark.parametrize("name", UNUSUAL)
def test_unusual_inputs_take_the_slow_path(name: str, monkeypatch):
    calls = _slow_path_calls(monkeypatch)
    yaml_fast.parse_documents(UNUSUAL[name], "f.yaml")
    assert calls == ["f.yaml"]


@pytest.mark.parametrize("text", [
    "x: " + "[" * 900_000 + "]" * 900_000,  # within the 1 MB limit, far beyond any C stack
    "x:\n" + "- " * 450_000 + "v\n",
    "".join(" " * i + f"k{i}:\n" for i in range(399)) + "v: 1\n",  # as deep as the line limit lets the fast path go
], ids=["flow", "compact_block", "indented_block"])
def test_pathological_nesting_gets_the_clean_refusal(text: str):
    documents, problems = yaml_fast.parse_documents(text, "deep.yaml")
    assert documents == []
    assert [p.message for p in problems] == ["YAML nesting deeper than 20 levels"]


def test_a_released_document_recalls_its_data():
    text = (ROOT / "manifests/acme.yaml").read_text()
    slow, _ = yaml_marks.parse_documents(text, "acme.yaml")
    documents, _ = yaml_fast.parse_documents(text, "acme.yaml")
    for document in documents:
        document.release()
    assert [d.data for d in documents] == [d.data for d in slow]
    assert [d.marks for d in documents] == [d.marks for d in slow]


def test_a_document_without_recall_keeps_its_data():
    document = Document("f.yaml", {"a": 1})
    document.release()
    assert document.data == {"a": 1} and document.marks == {} and (document.line, document.column) == (1, 1)


@pytest.mark.parametrize("text", ['name: "a\\u200bb"\n', "name: 'a\u200bb'\n", 'name: "a\\x07"\n'])
def test_escaped_or_non_ascii_text_is_searched_for_hidden_characters(text: str):
    [document], _ = yaml_fast.parse_documents(text, "f.yaml")
    assert not document.plain
    assert [p.field for p in hidden_characters(document)] == ["name"]


def _load(paths: list[Path]) -> tuple[Desired | None, list[str]]:
    try:
        return load(paths), []
    except ManifestError as exc:
        return None, [str(p) for p in exc.problems]


@pytest.mark.parametrize("paths", [[ROOT / "manifests"], *([p] for p in CORPUS)],
                         ids=lambda paths: paths[0].name)
def test_loading_with_and_without_the_fast_path_gives_the_same_result(paths: list[Path], monkeypatch):
    fast = _load(paths)
    monkeypatch.setattr(yaml_fast, "_compose", lambda text, file: 1 / 0)
    assert fast == _load(paths)
