"""docs/safety.md names only tests that exist: every ``file::function`` it cites is a real test function."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAFETY = ROOT / "docs" / "safety.md"
CITATION = re.compile(r"`(?P<file>[\w/]+\.py)?(?:::(?P<func>test_\w+))?`")


def citations() -> list[tuple[str, str | None]]:
    """(file, function) pairs; a bare ``::function`` belongs to the last file named before it on that line."""
    found = []
    for line in SAFETY.read_text(encoding="utf-8").splitlines():
        current = None
        for match in CITATION.finditer(line):
            if match["file"] and match["file"].split("/")[-1].startswith("test_"):
                current = match["file"]
            if current and (match["func"] or match["file"] == current):
                found.append((current, match["func"]))
    return found


def functions_in(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}


def test_every_cited_test_exists():
    cited = citations()
    assert len(cited) > 30
    missing = []
    for file, func in cited:
        path = ROOT / "tests" / file
        if not path.is_file():
            missing.append(file)
        elif func and func not in functions_in(path):
            missing.append(f"{file}::{func}")
    assert not missing, f"docs/safety.md cites tests that do not exist: {missing}"
