"""The corpus of invalid manifests: each file states the problems it must produce, by line.

Every ``tests/manifest/invalid/*.yaml`` starts with a title comment and one ``# expect: LINE: TEXT`` line per
expected problem. Loading the file alone must raise ``ManifestError`` with exactly those problems: each
one at ``<file>:LINE:`` with TEXT in its rendered form, and no others.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reconciler.errors import ManifestError
from reconciler.manifest.loader import load

CORPUS = Path(__file__).parent / "invalid"
EXPECT = re.compile(r"^# expect: (\d+): (.+)$")
#: Files that cannot carry their own comment.
SIDECAR = {"empty_file.yaml": [(1, "file is empty")]}


def expectations(path: Path) -> list[tuple[int, str]]:
    if path.name in SIDECAR:
        return SIDECAR[path.name]
    return [(int(m[1]), m[2]) for line in path.read_text().splitlines() if (m := EXPECT.match(line))]


CASES = sorted(CORPUS.glob("*.yaml"))


def test_corpus_is_large_enough():
    assert len(CASES) >= 30
    assert all(expectations(case) for case in CASES), "every case states what it expects"


@pytest.mark.parametrize("path", CASES, ids=[c.stem for c in CASES])
def test_invalid_manifest_reports_exact_problems(path: Path):
    with pytest.raises(ManifestError) as caught:
        load([path])
    rendered = [str(p) for p in caught.value.problems]
    expected = expectations(path)
    assert len(rendered) == len(expected), "\n".join(rendered)
    for (line, text), problem in zip(expected, rendered):
        assert problem.startswith(f"{path}:{line}:"), (problem, line)
        assert text in problem, (problem, text)
