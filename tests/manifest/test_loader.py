"""The YAML loader: documents, marks, duplicate keys, YAML 1.2 scalars, file discovery and its limits."""

from __future__ import annotations

import gc
import os
import time
from pathlib import Path

import pytest

from reconciler.errors import ManifestError
from reconciler.manifest.loader import MAX_FILE_BYTES, load, load_documents, manifest_files
from reconciler.manifest.problems import Document, Problem, field_path
from reconciler.manifest.yaml_marks import parse_documents

CUSTOMER = """\
apiVersion: reconciler/v1
kind: Customer
metadata:
  name: {name}
spec:
  name: {name} Inc
"""
CONTRACT = """\
apiVersion: reconciler/v1
kind: Contract
metadata:
  name: pro
spec:
  customer: {name}
  rate_card: Standard 2025
  starting_at: 2025-04-23
  subscriptions:
    - key: pro
      product: Pro Plan
      billing_frequency: annual
      collection_schedule: advance
      quantity: 2
      proration: {{is_prorated: true}}
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def problems_of(*paths) -> list[Problem]:
    with pytest.raises(ManifestError) as caught:
        load(list(paths))
    return caught.value.problems


# --------------------------------------------------------------------------------------------------
# Problem
# --------------------------------------------------------------------------------------------------

def test_problem_renders_as_file_line_column_field_message_hint():
    problem = Problem("manifests/acme.yaml", 14, 7, "spec.subscriptions[pro].quantity",
                      "quantity must not be given for a SEAT_BASED subscription",
                      "seats are counted from seat_config.seat_ids and unassigned_seats")
    assert str(problem) == ("manifests/acme.yaml:14:7: spec.subscriptions[pro].quantity: quantity must not be given "
                            "for a SEAT_BASED subscription (hint: seats are counted from seat_config.seat_ids and "
                            "unassigned_seats)")
    assert str(Problem("a.yaml", 1, 1, "", "file is empty")) == "a.yaml:1:1: file is empty"


def test_field_path_names_items_by_key_and_falls_back_to_index():
    data = {"spec": {"subscriptions": [{"key": "basic"}, {"key": "pro", "seat_config": {"seat_ids": ["a", "b"]}}],
                     "overrides": [{"starting_at": "x", "override_specifiers": [{}, {"commits": ["c"]}]}]}}
    assert field_path(data, ("spec", "subscriptions", 1, "seat_config", "seat_ids", 1)) == \
        "spec.subscriptions[pro].seat_config.seat_ids[1]"
    assert field_path(data, ("spec", "overrides", 0, "override_specifiers", 1, "commits", 0)) == \
        "spec.overrides[0].override_specifiers[1].commits[0]"
    assert field_path(data, ("spec", "custom_fields", 5, "[key]")) == "spec.custom_fields.5"


# --------------------------------------------------------------------------------------------------
# YAML parsing
# --------------------------------------------------------------------------------------------------

def test_multi_document_file_keeps_every_document_with_its_own_marks():
    text = CUSTOMER.format(name="acme") + "---\n" + CONTRACT.format(name="acme") + "---\n"
    documents, problems = parse_documents(text, "acme.yaml")
    assert problems == []
    assert [d.data["kind"] for d in documents] == ["Customer", "Contract"]  # the trailing empty one is skipped
    contract = documents[1]
    assert contract.line == 8
    assert contract.marks[("spec", "subscriptions", 0)] == (17, 7)
    assert contract.marks[("spec", "subscriptions", 0, "quantity")] == (21, 7)
    assert contract.mark(("spec", "subscriptions", 0, "not_written")) == (17, 7)  # nearest written ancestor


def test_marks_cover_flow_style_items():
    documents, _ = parse_documents("seat_ids: [a, b, c]\n", "f.yaml")
    assert documents[0].marks[("seat_ids", 2)] == (1, 18)


def test_duplicate_keys_are_reported_at_the_second_one_in_every_mapping():
    text = "a: 1\nb:\n  c: 1\n  d: 2\n  c: 3\na: 2\n"
    _, problems = parse_documents(text, "f.yaml")
    assert [(p.line, p.column, p.message) for p in sorted(problems)] == [
        (5, 3, "duplicate key 'c' (first written on line 3)"),
        (6, 1, "duplicate key 'a' (first written on line 1)"),
    ]


def test_yaml_12_scalars_no_norway_problem_no_sexagesimal_dates_stay_text():
    documents, _ = parse_documents("a: NO\nb: on\nc: 1e3\nd: 1:30\ne: 2025-01-01\nf: 0777\ng: true\nh: ~\n", "f")
    assert documents[0].data == {"a": "NO", "b": "on", "c": 1000.0, "d": "1:30", "e": "2025-01-01",
                                 "f": 777, "g": True, "h": None}


def test_alias_bomb_is_refused_without_expanding(tmp_path):
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for n in range(1, 20):  # 9**20 leaves if anything expanded it
        prev, name = chr(ord("a") + n - 1), chr(ord("a") + n)
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    path = write(tmp_path / "bomb.yaml", CUSTOMER.format(name="acme") + "\n".join(lines) + "\n")
    started = time.monotonic()
    problems = problems_of(path)
    assert time.monotonic() - started < 5
    assert len(problems) == 19  # one per alias name, each at its first use
    assert (problems[0].line, problems[0].column) == (8, 8)
    assert all("YAML alias" in p.message for p in problems)


def test_parse_error_keeps_documents_before_it():
    text = CUSTOMER.format(name="acme") + "---\nkind: [\n"
    documents, problems = parse_documents(text, "f.yaml")
    assert [d.data["kind"] for d in documents] == ["Customer"]
    assert len(problems) == 1 and problems[0].line == 9 and problems[0].message.startswith("malformed YAML")


# --------------------------------------------------------------------------------------------------
# Files and directories
# --------------------------------------------------------------------------------------------------

def test_directory_tree_is_walked_recursively_in_sorted_order(tmp_path):
    write(tmp_path / "b.yaml", CUSTOMER.format(name="b"))
    write(tmp_path / "a" / "z.yml", CUSTOMER.format(name="z"))
    write(tmp_path / "a" / "c.yaml", CUSTOMER.format(name="c"))
    write(tmp_path / "a" / "readme.md", "not yaml")
    write(tmp_path / ".github" / "ci.yml", "on: push\n")  # hidden: never a manifest
    files, problems = manifest_files([tmp_path])
    assert problems == []
    assert [f.relative_to(tmp_path).as_posix() for f in files] == ["a/c.yaml", "a/z.yml", "b.yaml"]
    assert list(load([tmp_path]).customers) == ["c", "z", "b"]


def test_same_file_named_twice_is_loaded_once(tmp_path):
    path = write(tmp_path / "acme.yaml", CUSTOMER.format(name="acme"))
    assert list(load([tmp_path, path]).customers) == ["acme"]


def test_desired_indexes_by_address_with_sources(tmp_path):
    path = write(tmp_path / "acme.yaml", CUSTOMER.format(name="acme") + "---\n" + CONTRACT.format(name="acme"))
    desired = load([path])
    assert list(desired.contracts) == ["contract.acme/pro"]
    assert str(desired.sources["customer.acme"]) == f"{path}:1:1"
    assert str(desired.sources["contract.acme/pro"]) == f"{path}:8:1"
    assert desired.contracts_of("acme")[0].spec.subscriptions[0].billing_frequency == "ANNUAL"


def test_symlink_to_a_file_outside_the_tree_is_refused(tmp_path):
    outside = write(tmp_path / "secrets" / "token.yaml", "token: hunter2\n")
    tree = tmp_path / "manifests"
    write(tree / "acme.yaml", CUSTOMER.format(name="acme"))
    os.symlink(outside, tree / "leak.yaml")
    os.symlink(tmp_path / "secrets", tree / "more")
    problems = problems_of(tree)
    assert [(Path(p.file).name, p.message.split(" (")[0]) for p in problems] == [
        ("leak.yaml", "symlink points outside the manifest tree"),
        ("more", "symlink points outside the manifest tree"),
    ]
    assert not any("hunter2" in str(p) for p in problems)


def test_a_symlink_loop_is_a_problem_not_a_crash(tmp_path):
    tree = tmp_path / "manifests"
    write(tree / "acme.yaml", CUSTOMER.format(name="acme"))
    os.symlink(tree / "self.yaml", tree / "self.yaml")
    os.symlink(tree / "b.yaml", tree / "a.yaml")
    os.symlink(tree / "a.yaml", tree / "b.yaml")
    problems = problems_of(tree)
    assert [(Path(p.file).name, p.message) for p in problems] == [
        (name, "symlink cannot be followed (it points at itself, in a loop)") for name in ("a.yaml", "b.yaml",
                                                                                          "self.yaml")]


def test_symlink_inside_the_tree_is_followed(tmp_path):
    tree = tmp_path / "manifests"
    real = write(tree / "shared" / "acme.yaml", CUSTOMER.format(name="acme"))
    os.symlink(real, tree / "acme-link.yml")
    documents, problems = load_documents([tree / "acme-link.yml"])
    assert problems == [] and documents[0].manifest.metadata.name == "acme"


def test_ten_megabyte_file_is_a_clean_error(tmp_path):
    big = tmp_path / "big.yaml"
    with big.open("w") as handle:
        handle.write("a: " + "x" * (10 * 1024 * 1024) + "\n")
    write(tmp_path / "ok.yaml", CUSTOMER.format(name="ok"))
    problems = problems_of(tmp_path)
    assert [str(p) for p in problems] == [
        f"{big}:1:1: file is 10.5 MB; manifest files are limited to 1 MB (hint: split it into one file per customer)"]


def test_file_just_under_the_cap_is_read(tmp_path):
    text = CUSTOMER.format(name="acme")
    path = write(tmp_path / "acme.yaml", text + "#" * (MAX_FILE_BYTES - len(text) - 1) + "\n")
    assert path.stat().st_size == MAX_FILE_BYTES
    assert list(load([path]).customers) == ["acme"]


def test_non_utf8_file_and_missing_path_and_empty_directory(tmp_path):
    bad = tmp_path / "files" / "latin1.yaml"
    bad.parent.mkdir()
    bad.write_bytes("name: Müller\n".encode("latin-1"))
    (tmp_path / "empty").mkdir()
    problems = problems_of(tmp_path / "files", tmp_path / "empty", tmp_path / "missing.yaml")
    assert [(Path(p.file).name, p.message) for p in problems] == [
        ("empty", "no manifest files (*.yaml, *.yml) in this directory"),
        ("latin1.yaml", "file is not UTF-8 text (byte 7)"),
        ("missing.yaml", "no such file or directory"),
    ]


def test_problems_from_many_files_are_all_reported_sorted(tmp_path):
    write(tmp_path / "b.yaml", CUSTOMER.format(name="b").replace("  name: b Inc\n", "  name: b Inc\n  nmae: x\n"))
    write(tmp_path / "a.yaml", "a: [\n")
    write(tmp_path / "c.yaml", CONTRACT.format(name="nobody"))
    problems = problems_of(tmp_path)
    assert [(Path(p.file).name, p.line) for p in problems] == [("a.yaml", 2), ("b.yaml", 7), ("c.yaml", 6)]
    assert problems == sorted(problems)


def test_a_document_with_an_alias_is_not_also_schema_checked(tmp_path):
    text = CUSTOMER.format(name="acme").replace("spec:\n", "labels: &l {a: b}\nother: *l\nspec:\n")
    problems = problems_of(write(tmp_path / "a.yaml", text))
    assert [p.message for p in problems] == ["YAML alias *l is not allowed in manifests"]


def test_document_keeps_marks_for_cross_object_rules():
    document = Document("f.yaml", {"spec": {"x": 1}}, {(): (1, 1), ("spec",): (2, 1), ("spec", "x"): (3, 3)})
    assert document.problem(("spec", "x"), "bad").line == 3
    assert document.where(("spec", "y")) == "f.yaml:2"


def test_loading_leaves_the_cyclic_gc_as_it_found_it(tmp_path):
    write(tmp_path / "acme.yaml", CUSTOMER.format(name="acme") + "---\n" + CONTRACT.format(name="acme"))
    frozen = gc.get_freeze_count() > 0  # an earlier test may have frozen objects (the emulator server does)
    load([tmp_path])
    assert gc.isenabled() and (gc.get_freeze_count() > 0) == frozen  # nothing frozen left behind, nothing thawed
    gc.disable()
    try:
        load([tmp_path])
        assert not gc.isenabled()
    finally:
        gc.enable()
    if not frozen:  # what a process froze of its own stays frozen
        gc.freeze()
        try:
            load([tmp_path])
            assert gc.get_freeze_count() > 0
        finally:
            gc.unfreeze()
