"""The import round trip through the CLI against the emulator (issue 6, "must show").

Contracts are made straight through the API (all three subscription set-ups, overrides, one-off commits and
credits, a contract without reconciler's uniqueness_key), then: import, plan ("No changes"), edit the imported
manifests as a user would (text edits, comments kept), plan, apply, plan ("No changes"), import again.

"The same files" means byte for byte: the second import equals the edited manifests. That holds because the
import is canonical (fixed key order, sorted seat ids and unordered lists, comments derived only from what they
describe) and the edits below keep that form (a changed number, seat ids inserted in sorted order).
"""

from __future__ import annotations

import shutil

from reconciler.metronome.endpoint import EMULATOR_TOKEN

#: (file, text before, text after): each occurs exactly once in the imported file.
EDITS = [
    ("northwind.yaml", "      quantity: 2\n", "      quantity: 3\n"),
    ("acme.yaml", "      quantity: 2\n", "      quantity: 4\n"),
    ("initech.yaml", "      quantity: 5\n", "      quantity: 7\n"),
    ("globex.yaml", "          - seat2@globex.com\n        unassigned_seats: 1\n",
     "          - seat2@globex.com\n          - seat3@globex.com\n          - seat4@globex.com\n"
     "        unassigned_seats: 0\n"),
]


def edit(workspace, directory: str) -> None:
    for name, before, after in EDITS:
        path = workspace.path / directory / name
        text = path.read_text()
        assert text.count(before) == 1, (name, before)
        path.write_text(text.replace(before, after))


def test_import_plan_edit_apply_reimport(workspace):
    first = workspace.run("import", "--out", "imported", "--all")
    assert "contract.initech/initech-2025: not imported: scheduled_charges[0] (Onboarding fee)" in first.stderr
    for field in ("discounts[0] (Launch discount)", "multiplier_override_prioritization (EXPLICIT)",
                  "usage_statement_schedule (billing_anchor_date 2025-02-01T00:00:00.000Z, frequency QUARTERLY)"):
        assert f"contract.hooli/hooli-platform: not imported: {field}" in first.stderr
    assert "4 fields not imported (listed on stderr)" in first.stdout
    imported = workspace.files("imported")
    assert {"acme.yaml", "globex.yaml", "hooli.yaml", "initech.yaml", "northwind.yaml"} <= set(imported)
    assert all(EMULATOR_TOKEN not in text for text in imported.values())
    assert "# not imported: scheduled_charges[0] (Onboarding fee)" in imported["initech.yaml"]

    assert "valid" in workspace.run("validate", "imported").stdout
    clean = workspace.run("plan", "imported", "--detailed-exitcode")
    assert "No changes" in clean.stdout

    shutil.copytree(workspace.path / "imported", workspace.path / "manifests")
    edit(workspace, "manifests")
    changes = workspace.run("plan", "manifests", "--detailed-exitcode", ok=(2,))
    for expected in ("set quantity to 3", "set quantity to 4", "set quantity to 7", "add seats seat3@globex.com"):
        assert expected in changes.stdout, changes.stdout
    workspace.run("plan", "manifests", "--out", "plan.json")
    workspace.run("apply", "plan.json")
    assert "No changes" in workspace.run("plan", "manifests", "--detailed-exitcode").stdout

    workspace.run("import", "--out", "reimported", "--all")
    assert workspace.files("reimported") == workspace.files("manifests")


def test_import_is_deterministic_and_idempotent(workspace):
    workspace.run("import", "--out", "one", "--all")
    workspace.run("import", "--out", "two", "--all")
    assert workspace.files("one") == workspace.files("two")
    again = workspace.run("import", "--out", "one", "--all")  # overwrites in place, atomically
    assert again.exit_code == 0
    assert workspace.files("one") == workspace.files("two")
    assert not [p for p in (workspace.path / "one").iterdir() if p.name.startswith(".")]


def test_imported_items_also_match_without_their_pins(workspace):
    """Item pins make identity exact; without them the planner's structural matching (product, dates, type)
    must find the same live items, which shows the imported identity fields equal the live ones."""
    workspace.run("import", "--out", "imported", "--all")
    for path in (workspace.path / "imported").glob("*.yaml"):
        lines = path.read_text().splitlines(keepends=True)
        path.write_text("".join(line for line in lines if not line.startswith("      id: ")))
    assert "No changes" in workspace.run("plan", "imported", "--detailed-exitcode").stdout
