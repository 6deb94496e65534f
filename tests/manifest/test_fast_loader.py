"""The libyaml-backed loader is a speed-up only: same data, same marks, and problems still come from the
pure-Python loader whose messages the invalid corpus pins down."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.manifest import yaml_marks

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted((ROOT / "manifests").glob("*.yaml")) + sorted((ROOT / "tests/manifest/invalid").glob("*.yaml"))


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
