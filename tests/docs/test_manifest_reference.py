"""docs/manifest-reference.md is generated from the manifest schema and must match it exactly."""

from __future__ import annotations

from pathlib import Path

from reconciler.manifest.reference import REGENERATE, render_reference
from reconciler.manifest.schema import json_schema

REFERENCE = Path(__file__).resolve().parents[2] / "docs" / "manifest-reference.md"


def test_committed_reference_matches_the_schema():
    assert REFERENCE.read_text(encoding="utf-8") == render_reference(), (
        f"docs/manifest-reference.md is out of date with the manifest models; regenerate it with:\n    {REGENERATE}")


def test_every_object_and_field_is_documented():
    text = render_reference()
    for name, node in json_schema()["$defs"].items():
        assert f"\n## {name}\n" in text, name
        section = text.split(f"\n## {name}\n", 1)[1].split("\n## ", 1)[0]
        for field in node.get("properties", {}):
            assert f"| `{field}` |" in section, f"{name}.{field}"


def test_field_docstrings_become_descriptions():
    text = render_reference()
    assert "Stable manifest key of this subscription; recurring credits and commits link to it." in text
    assert "Sent as `initial_seat_ids` at creation." in text  # reST ``x`` becomes Markdown `x`


def test_enums_are_listed_once_in_canonical_case():
    text = render_reference()
    row = next(line for line in text.splitlines() if line.startswith("| `billing_frequency` | string | yes"))
    assert "`ANNUAL`" in row and "`annual`" not in row
    row = next(line for line in text.splitlines() if line.startswith("| `billing_provider` | string | yes"))
    assert "`stripe`" in row and "`STRIPE`" not in row


def test_required_and_links():
    text = render_reference()
    assert "| `rate_card` | string | yes |" in text
    assert "| `subscriptions` | list of [Subscription](#subscription) | no | `[]` |" in text
    assert "| `starting_at` | timestamp | yes |" in text
