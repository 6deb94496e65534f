"""Hostile manifests through the real CLI: each must be refused with a clear error and write nothing.

Every case is run through ``reconciler validate``, ``reconciler plan --out`` and ``reconciler apply
--auto-approve``, twice: against the served emulator (its write counter, ``GET /_emulator/stats``, must stay
0) and against a fresh embedded emulator database (every table is dumped before and after and must be
unchanged). Each command must exit non-zero without a traceback, print the expected ``file:line:`` and
message fragments on stderr, and leave no plan file behind.

A case is one row of :data:`CASES`: the files of a manifest tree, the text whose line the error must name
(``at``), and message fragments. Cases that only the live catalog can judge (unknown products, a
``customer_id`` that does not exist) pass ``validate`` and are refused by ``plan`` and ``apply``.

Decisions these cases pin down:

* timestamps need an offset (``Z``); a bare date means midnight UTC; a timestamp without a zone is refused;
* years 2000-2100 (in UTC) are accepted, anything outside is refused;
* invisible and bidirectional control characters are refused in every key and value; names and keys are
  ASCII; seat ids and ingest aliases may not mix Latin with Cyrillic/Greek look-alikes; seat ids that differ
  only in case or Unicode compatibility form are the same seat twice;
* files are limited to 1 MB, nesting to 20 levels, a subscription to 10,000 seat ids;
* a tree with one bad file applies nothing, not even its valid files.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from hostile_kit import COMMANDS, Workspace, dump_db, example

NW, GLOBEX, ACME = example("northwind"), example("globex"), example("acme")
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"


def edit(text: str, old: str, new: str) -> str:
    assert old in text, f"fixture text not found: {old!r}"
    return text.replace(old, new, 1)


def contract_only(text: str) -> str:
    """The Contract document of an example file (the second document)."""
    return "apiVersion" + text.split("---\napiVersion", 1)[1]


def nw(old: str, new: str) -> dict[str, str]:
    return {"northwind.yaml": edit(NW, old, new)}


def gx(old: str, new: str) -> dict[str, str]:
    return {"globex.yaml": edit(GLOBEX, old, new)}


CONTRACT_START = "starting_at: 2025-04-23T00:00:00Z\n  # Route"
SEATS = "          - seat1@globex.com\n          - seat2@globex.com\n"


def nw_start(value: str) -> dict[str, str]:
    return nw(CONTRACT_START, f"starting_at: {value}\n  # Route")


def seats(*ids: str) -> dict[str, str]:
    return gx(SEATS, "".join(f"          - {i}\n" for i in ids))


@dataclass
class Case:
    id: str
    files: dict[str, str | bytes] | Callable[[Workspace], None]
    says: tuple[str, ...]
    at: str | None = None
    """Text in ``file`` whose line (1-based) must be named as ``file:line:``."""
    file: str | None = None
    offline_ok: bool = False
    """``validate`` cannot know (catalog and live customers): it may pass; plan and apply must refuse."""
    extra: dict = field(default_factory=dict)
    """``line_offset``: the error is this many lines below ``at``; ``served_only``: skip the embedded repeat;
    ``slow``: plan and apply on the served emulator only, marked slow (a 1 MB YAML of 100k items takes seconds
    to parse with PyYAML's pure-Python scanner)."""


def billion_laughs() -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 9):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]")
    return "apiVersion: reconciler/v1\nkind: Customer\nmetadata:\n  name: lol\nspec:\n  name: x\n" + \
        "\n".join(lines) + "\n"


def nested_block(depth: int) -> str:
    body = "".join("  " * (i + 4) + f"k{i}:\n" for i in range(depth)) + "  " * (depth + 4) + "v: 1\n"
    return edit(NW, "stripe_collection_method: charge_automatically\n",
                "stripe_collection_method: charge_automatically\n        nested:\n" + body)


def symlink_out(ws: Workspace) -> None:
    outside = ws.path / "outside"
    outside.mkdir()
    (outside / "northwind.yaml").write_text(NW)
    (ws.manifests / "linked.yaml").symlink_to(outside / "northwind.yaml")


def symlink_dir_out(ws: Workspace) -> None:
    outside = ws.path / "outside"
    outside.mkdir()
    (outside / "globex.yaml").write_text(GLOBEX)
    ws.write("northwind.yaml", NW)
    (ws.manifests / "shared").symlink_to(outside, target_is_directory=True)


def symlink_etc(ws: Workspace) -> None:
    ws.write("northwind.yaml", NW)
    (ws.manifests / "passwd.yaml").symlink_to("/etc/passwd")


def empty_dir(ws: Workspace) -> None:
    (ws.manifests / "nothing-here").mkdir()
    (ws.manifests / "README.md").write_text("not a manifest")


def many_seats(count: int) -> dict[str, str]:
    flow = ",".join(f"s{i}" for i in range(count))
    return gx("seat_ids:\n" + SEATS + "          - seat3@globex.com\n", f"seat_ids: [{flow}]\n")


CASES: list[Case] = [
    # -- malformed YAML ---------------------------------------------------------------------------------------
    Case("unclosed_flow", nw("quantity: 2", "quantity: [2"), ("malformed YAML",), at="quantity: [2",
         extra={"line_offset": 1}),
    Case("tab_indentation", nw("  name: Northwind Traders", "\tname: Northwind Traders"),
         ("malformed YAML", "character '\\t'"), at="\tname: Northwind"),
    Case("bad_indentation", nw("  name: Northwind Traders\n", "  name: Northwind Traders\n    oops: 1\n"),
         ("malformed YAML",), at="    oops: 1"),
    Case("unterminated_quote", nw("name: Northwind Traders", 'name: "Northwind Traders'), ("malformed YAML",)),
    Case("duplicate_top_level_key", nw("kind: Customer\n", "kind: Customer\nkind: Contract\n"),
         ("duplicate key 'kind'", "first written on line"), at="kind: Contract\nmetadata:\n  # The customer"),
    Case("duplicate_nested_key", nw("quantity: 2\n", "quantity: 2\n      quantity: 20\n"),
         ("duplicate key 'quantity'",), at="quantity: 20"),
    Case("billion_laughs", {"bomb.yaml": billion_laughs()}, ("YAML alias *a is not allowed",), at="b: &b"),
    Case("alias_reuse", nw("  name: Northwind Traders\n", "  name: &n Northwind Traders\n  ingest_aliases: [*n]\n"),
         ("YAML alias *n is not allowed",), at="ingest_aliases: [*n]"),
    Case("merge_key", nw("      proration:\n        is_prorated: true\n",
                         "      proration:\n        <<: {is_prorated: true}\n"),
         ("merge key << is not allowed",), at="<<:"),
    Case("python_tag", nw("quantity: 2", "quantity: !!python/object/apply:os.system ['true']"),
         ("unsupported tag",), at="!!python"),
    Case("explicit_timestamp_tag", nw_start("!!timestamp 2025-04-23"), ("unsupported tag",), at="!!timestamp"),
    Case("control_character", nw("name: Northwind Traders", "name: North\x07wind Traders"),
         ("U+0007 is not allowed in YAML",), at="North\x07wind"),
    Case("nul_character", nw("name: Northwind Traders", "name: North\x00wind"), ("U+0000 is not allowed",)),
    Case("scalar_document", {"s.yaml": "just a string\n"}, ("must be a mapping", "got 'just a string'"), at="just"),
    Case("list_document", {"l.yaml": "- apiVersion: reconciler/v1\n  kind: Customer\n"},
         ("must be a mapping", "got a list")),
    Case("deep_flow_nesting", {"deep.yaml": "apiVersion: reconciler/v1\nkind: Customer\nx: " + "[" * 200 + "]" * 200},
         ("nesting deeper than 20 levels",), at="x: [[["),
    Case("deep_block_nesting", {"northwind.yaml": nested_block(30)}, ("nesting deeper than 20 levels",), at="k15:"),
    Case("deep_json_in_configuration", nw("stripe_collection_method: charge_automatically",
                                          "stripe_collection_method: " + "{a: " * 25 + "1" + "}" * 25),
         ("nesting deeper than 20 levels",), at="stripe_collection_method: {a:"),
    # -- wrong types and shapes ---------------------------------------------------------------------------------
    Case("quantity_as_text", nw("quantity: 2", "quantity: two"), ("quantity", "must be a number", "'two'"),
         at="quantity: two"),
    Case("quantity_as_bool", nw("quantity: 2", "quantity: true"), ("quantity", "not true/false"), at="quantity: true"),
    Case("seat_ids_as_text", gx("seat_ids:\n" + SEATS + "          - seat3@globex.com\n", "seat_ids: seat1@globex.com\n"),
         ("seat_ids", "must be a list"), at="seat_ids: seat1"),
    Case("custom_fields_as_text", nw("custom_fields:\n        plan_tier: pro", "custom_fields: plan_tier=pro"),
         ("custom_fields", "must be a mapping"), at="custom_fields: plan_tier=pro"),
    Case("name_as_number", nw("  name: northwind\nspec:", "  name: 12345\nspec:"),
         ("metadata.name", "must be text"), at="name: 12345"),
    Case("timestamp_as_number", nw_start("20250423"), ("starting_at", "must be a timestamp, got the number 20250423"), at="starting_at: 20250423"),
    Case("unknown_field_typo", nw("quantity: 2", "quantiy: 2"), ("unknown field 'quantiy'", "did you mean 'quantity'"),
         at="quantiy: 2"),
    Case("missing_rate_card", nw("  rate_card: Standard 2025\n", ""), ("missing required field 'rate_card'",)),
    Case("bad_enum", nw("billing_frequency: ANNUAL\n      # Charge", "billing_frequency: YEARLY\n      # Charge"),
         ("'YEARLY' is not one of",), at="billing_frequency: YEARLY"),
    Case("unknown_kind", nw("kind: Customer", "kind: Custmer"), ("unknown kind", "did you mean Customer"),
         at="kind: Custmer"),
    # -- numbers ------------------------------------------------------------------------------------------------
    Case("overflow_1e309", nw("quantity: 2", "quantity: 1e309"), ("quantity", "finite number"), at="quantity: 1e309"),
    Case("huge_10_pow_30", nw("quantity: 2", f"quantity: {10 ** 30}"), ("quantity", "at most 1e+15", "1e+30"),
         at="quantity: 1000000"),
    Case("huge_negative", nw("quantity: 2", f"quantity: -{10 ** 30}"), ("quantity", "at least 0")),
    Case("nan", nw("quantity: 2", "quantity: .nan"), ("quantity", "finite number"), at="quantity: .nan"),
    Case("inf", nw("quantity: 2", "quantity: .inf"), ("quantity", "finite number"), at="quantity: .inf"),
    Case("negative_infinite_priority", gx("priority: 100", "priority: -.inf"), ("priority", "finite number"),
         at="priority: -.inf"),
    Case("nan_unit_price", gx("unit_price: 1000\n      # What", "unit_price: .NaN\n      # What"),
         ("unit_price", "finite number"), at="unit_price: .NaN"),
    Case("negative_quantity", nw("quantity: 2", "quantity: -1"), ("quantity", "at least 0", "cannot be negative"),
         at="quantity: -1"),
    Case("negative_unassigned_seats", gx("unassigned_seats: 0", "unassigned_seats: -3"),
         ("unassigned_seats", "at least 0"), at="unassigned_seats: -3"),
    Case("fractional_seats", gx("unassigned_seats: 0", "unassigned_seats: 1.5"),
         ("unassigned_seats", "whole number"), at="unassigned_seats: 1.5"),
    Case("too_many_unassigned_seats", gx("unassigned_seats: 0", "unassigned_seats: 2000000"),
         ("unassigned_seats", "at most 1e+06"), at="unassigned_seats: 2000000"),
    Case("negative_invoice_quantity", gx("quantity: 1\n", "quantity: -1\n"), ("invoice_amount.quantity", "at least 0"),
         at="quantity: -1"),
    Case("rollover_above_one", gx("rollover_fraction: 0.5", "rollover_fraction: 1.5"),
         ("rollover_fraction", "at most 1"), at="rollover_fraction: 1.5"),
    Case("zero_commit_duration", gx("commit_duration:\n        value: 1", "commit_duration:\n        value: 0"),
         ("commit_duration.value", "greater than 0"), at="value: 0"),
    Case("hex_quantity_overflow", nw("quantity: 2", "quantity: 0x" + "f" * 40), ("quantity", "at most 1e+15")),
    # -- dates --------------------------------------------------------------------------------------------------
    Case("year_1999", nw_start("1999-12-31T23:59:59Z"), ("starting_at", "year 1999 is outside 2000-2100"),
         at="starting_at: 1999"),
    Case("year_2101", nw_start("2101-01-01T00:00:00Z"), ("starting_at", "year 2101 is outside 2000-2100"),
         at="starting_at: 2101"),
    Case("offset_into_1999", nw_start("2000-01-01T00:30:00+01:00"), ("year 1999 is outside",), at="+01:00"),
    Case("offset_into_2101", nw_start("2100-12-31T23:00:00-05:00"), ("year 2101 is outside",), at="-05:00"),
    Case("year_0001", nw_start("0001-01-01"), ("year 1 is outside",), at="starting_at: 0001"),
    Case("year_9999", nw_start("9999-12-31T00:00:00Z"), ("year 9999 is outside",), at="starting_at: 9999"),
    Case("five_digit_year", nw_start("10000-01-01T00:00:00Z"), ("not a valid timestamp",), at="starting_at: 10000"),
    Case("timestamp_without_zone", nw_start("2025-04-23T00:00:00"), ("has no timezone", "Z suffix"),
         at="starting_at: 2025-04-23T00:00:00\n"),
    Case("timestamp_with_space_no_zone", nw_start("'2025-04-23 00:00:00'"), ("has no timezone",),
         at="starting_at: '2025"),
    Case("impossible_date", nw_start("2025-02-30"), ("not a valid timestamp",), at="starting_at: 2025-02-30"),
    Case("ends_before_it_starts", nw("  rate_card: Standard 2025\n",
                                     "  rate_card: Standard 2025\n  ending_before: 2025-01-01T00:00:00Z\n"),
         ("ending_before 2025-01-01 is not after starting_at 2025-04-23",), at="ending_before: 2025-01-01"),
    # -- Unicode confusables and hidden characters --------------------------------------------------------------
    Case("cyrillic_in_customer_name", {"northwind.yaml": NW.replace("northwind", "n\u043erthwind")},
         ("metadata.name", "must be lower case letters"), at="  name: n\u043erthwind\n"),
    Case("cyrillic_in_item_key", nw("key: pro\n", "key: pr\u043e\n"), ("key", "must be lower case letters"),
         at="key: pr\u043e"),
    Case("zero_width_space_in_key", nw("key: pro\n", "key: pro\u200b\n"),
         ("U+200B ZERO WIDTH SPACE", "spec.subscriptions[pro\\u200b].key"), at="key: pro\u200b"),
    Case("zero_width_space_in_seat", seats("seat1@globex.com", "seat1\u200b@globex.com"),
         ("seat_ids[1]", "U+200B ZERO WIDTH SPACE"), at="seat1\u200b@"),
    Case("rtl_override_in_name", nw("name: Northwind Traders", "name: Northwind \u202eTraders"),
         ("spec.name", "U+202E RIGHT-TO-LEFT OVERRIDE"), at="\u202eTraders"),
    Case("bidi_isolate_in_custom_field_key", nw("plan_tier: pro", "plan\u2066_tier: pro"),
         ("the key contains", "U+2066 LEFT-TO-RIGHT ISOLATE"), at="plan\u2066_tier"),
    Case("bom_inside_value", nw("name: Northwind Traders", "name: Northwind\ufeffTraders"),
         ("U+FEFF",), at="Northwind\ufeffTraders"),
    Case("seat_ids_differ_only_in_case", seats("seat1@globex.com", "Seat1@Globex.com"),
         ("differs from seat 'seat1@globex.com'", "only in letter case"), at="Seat1@Globex.com"),
    Case("seat_ids_differ_only_in_width", seats("seat1@globex.com", "\uff53\uff45\uff41\uff54\uff11@globex.com"),
         ("only in letter case or Unicode form",), at="\uff53\uff45"),
    Case("seat_id_with_cyrillic_lookalike", seats("seat1@globex.com", "s\u0435at1@globex.com"),
         ("mixes Latin letters with U+0435 CYRILLIC SMALL LETTER IE",), at="s\u0435at1"),
    Case("seat_id_with_greek_lookalike", seats("seat1@globex.com", "seat2@gl\u03bfbex.com"),
         ("GREEK SMALL LETTER OMICRON",), at="gl\u03bfbex"),
    Case("ingest_alias_with_cyrillic_lookalike",
         nw("  name: Northwind Traders\n", "  name: Northwind Traders\n  ingest_aliases: [n\u043erthwind-eu]\n"),
         ("ingest alias", "CYRILLIC SMALL LETTER O"), at="ingest_aliases:"),
    Case("duplicate_seat_id", seats("seat1@globex.com", "seat1@globex.com"), ("listed twice",),
         at="seat1@globex.com\n          - seat1", extra={"line_offset": 1}),
    # -- files and trees ----------------------------------------------------------------------------------------
    Case("ten_megabyte_file", {"big.yaml": NW + "#" + "x" * 10_000_000 + "\n"},
         ("file is 10.0 MB", "limited to 1 MB"), at="# Northwind"),
    Case("just_over_one_megabyte", {"big.yaml": NW + "#" + "x" * (1_000_001 - len(NW.encode()) - 2) + "\n"},
         ("limited to 1 MB",), at="# Northwind"),
    Case("binary_garbage", {"garbage.yaml": bytes(range(256)) * 16}, ("not UTF-8",), at=None),
    Case("utf16_file", {"northwind.yaml": NW.encode("utf-16")}, ("not UTF-8",)),
    Case("empty_file", {"empty.yaml": ""}, ("file is empty",)),
    Case("comments_only", {"c.yaml": "# nothing\n# here\n"}, ("no manifest documents",)),
    Case("empty_directory", empty_dir, ("no manifest files",)),
    Case("symlink_file_out_of_tree", symlink_out, ("symlink points outside the manifest tree",)),
    Case("symlink_dir_out_of_tree", symlink_dir_out, ("symlink points outside the manifest tree",)),
    Case("symlink_to_etc_passwd", symlink_etc, ("symlink points outside the manifest tree",)),
    Case("hundred_thousand_seats", many_seats(100_000), ("must have at most 10000 items, got 100000",),
         at="seat_ids: [s0", extra={"slow": True}),
    Case("ten_thousand_and_one_seats", many_seats(10_001), ("at most 10000 items, got 10001",), at="seat_ids: [s0",
         extra={"served_only": True}),
    Case("valid_and_invalid_files_together", {"northwind.yaml": NW, "acme.yaml": ACME,
                                              "globex.yaml": edit(GLOBEX, "quantity: 1\n", "quantity: -1\n")},
         ("invoice_amount.quantity", "at least 0"), at="quantity: -1", file="globex.yaml"),
    Case("same_customer_in_two_files", {"a.yaml": NW, "b.yaml": NW.replace("Northwind Traders", "Northwind Two")},
         ("Customer 'northwind' is defined twice",), file="b.yaml", at="  name: northwind"),
    Case("contract_for_unknown_customer", {"c.yaml": contract_only(NW)},
         ("no Customer manifest is named 'northwind'", "customer_id"), at="customer: northwind"),
    # -- the live catalog and live customers (validate cannot know) ---------------------------------------------
    Case("unknown_rate_card", nw("rate_card: Standard 2025", "rate_card: Standard 2026"),
         ("contract.northwind/pro", "rate_card", "unknown rate card 'Standard 2026'", "did you mean 'Standard 2025'"),
         offline_ok=True),
    Case("unknown_rate_card_id", nw("rate_card: Standard 2025", f"rate_card: {UNKNOWN_ID}"),
         ("rate_card", f"no rate card with id {UNKNOWN_ID}"), offline_ok=True),
    Case("unknown_subscription_product", nw("product: Pro Plan\n      billing_frequency: ANNUAL\n      # Charge",
                                            "product: Pro Plam\n      billing_frequency: ANNUAL\n      # Charge"),
         ("subscriptions[pro].product", "unknown product 'Pro Plam'", "did you mean 'Pro Plan'"), offline_ok=True),
    Case("confusable_product_name", nw("product: Pro Plan\n      billing_frequency: ANNUAL\n      # Charge",
                                       "product: Pro Pl\u0430n\n      billing_frequency: ANNUAL\n      # Charge"),
         ("subscriptions[pro].product", "unknown product", "did you mean 'Pro Plan'"), offline_ok=True),
    Case("unknown_recurring_product", gx("product: Per-seat Commit", "product: Per seat Commit"),
         ("recurring_commits[per-seat-commit].product", "did you mean 'Per-seat Commit'"), offline_ok=True),
    Case("unknown_credit_type", gx("credit_type: USD (cents)\n        unit_price: 1000\n      # What",
                                   "credit_type: USD cents\n        unit_price: 1000\n      # What"),
         ("access_amount.credit_type", "unknown credit type 'USD cents'", "did you mean 'USD (cents)'"),
         offline_ok=True),
    Case("unknown_override_product", nw("        - product: Pro Plan", "        - product: Enterprise Plan"),
         ("unknown product 'Enterprise Plan'",), offline_ok=True),
    Case("customer_id_that_does_not_exist",
         {"c.yaml": edit(contract_only(NW), "customer: northwind", f"customer_id: {UNKNOWN_ID}")},
         (f"customer_id {UNKNOWN_ID} does not exist",), offline_ok=True),
]


def line_of(text: str, marker: str) -> int:
    return text[:text.index(marker)].count("\n") + 1


def build(ws: Workspace, case: Case) -> tuple[Path | None, int | None]:
    """Write the case's files; return the file and line its error must name (when it names one)."""
    if callable(case.files):
        case.files(ws)
        return None, None
    for name, content in case.files.items():
        ws.write(name, content)
    if case.at is None:
        return None, None
    name = case.file or next(iter(case.files))
    content = case.files[name]
    text = content if isinstance(content, str) else content.decode("utf-8", "replace")
    return ws.manifests / name, line_of(text, case.at) + case.extra.get("line_offset", 0)


def assert_refused(ws: Workspace, case: Case, endpoint: str, file: Path | None, line: int | None) -> None:
    # validate runs exactly the loader that plan and apply run first; the slow case skips that repeat
    for name in COMMANDS[1:] if case.extra.get("slow") else COMMANDS:
        result = ws.cli(*ws.command(name, endpoint))
        if name == "validate" and case.offline_ok:
            continue
        assert result.exit_code != 0, f"{name} accepted {case.id}:\n{result.stdout}"
        stderr = result.stderr
        if file is not None and line is not None:
            assert f"{file}:{line}:" in stderr, f"{name}: expected {file.name}:{line}: in\n{stderr}"
        for fragment in case.says:
            assert fragment in stderr, f"{name}: expected {fragment!r} in\n{stderr}"
        assert "Traceback" not in stderr + result.stdout
        assert not (ws.path / "plan.json").exists(), "a refused plan left a plan file"


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id, marks=[pytest.mark.slow] if c.extra.get("slow") else [])
                                  for c in CASES])
def test_hostile_manifest_is_refused_without_any_write(workspace: Workspace, case: Case):
    file, line = build(workspace, case)

    assert_refused(workspace, case, workspace.served.url, file, line)
    stats = workspace.served.stats()
    assert stats["writes"] == 0, stats["by_route"]
    if case.extra.get("slow") or case.extra.get("served_only"):
        return

    endpoint, db = workspace.embedded_endpoint()
    before = dump_db(db)
    assert_refused(workspace, case, endpoint, file, line)
    assert dump_db(db) == before, "the embedded emulator's database changed"


def test_there_are_at_least_sixty_cases():
    assert len(CASES) >= 60
    assert len({c.id for c in CASES}) == len(CASES)


# --------------------------------------------------------------------------------------------------
# What is accepted on purpose (the other side of each boundary)
# --------------------------------------------------------------------------------------------------

ACCEPTED = {
    "crlf_line_endings": {"northwind.yaml": NW.replace("\n", "\r\n")},
    "utf8_bom_at_start": {"northwind.yaml": "\ufeff" + NW},
    "year_2000_boundary": {"northwind.yaml": NW.replace("2025-04-23T00:00:00Z", "2000-01-01T00:00:00Z")},
    "year_2100_boundary": {"northwind.yaml": edit(NW, CONTRACT_START, "starting_at: 2025-04-23T00:00:00Z\n"
                                                  "  ending_before: 2100-12-31T23:59:59Z\n  # Route")},
    "bare_date_is_midnight_utc": {"northwind.yaml": NW.replace("2025-04-23T00:00:00Z", "2025-04-23")},
    "offset_is_converted_to_utc": {"northwind.yaml": NW.replace("2025-04-23T00:00:00Z", "2025-04-23T02:00:00+02:00")},
    "non_latin_seat_ids_in_one_script": seats("seat1@globex.com", "\u0441\u0435\u0440\u0433\u0435\u0439@\u043f\u043e\u0447\u0442\u0430.\u0440\u0444"),
    "ten_thousand_seats": many_seats(10_000),
}


@pytest.mark.parametrize("name", list(ACCEPTED))
def test_accepted_inputs_plan_cleanly_and_plan_writes_nothing(workspace: Workspace, name: str):
    for file, content in ACCEPTED[name].items():
        workspace.write(file, content)
    validated = workspace.cli("validate", str(workspace.manifests))
    assert validated.exit_code == 0, validated.stderr
    planned = workspace.cli(*workspace.command("plan", workspace.served.url))
    assert planned.exit_code == 0, planned.stderr
    assert "create" in planned.stdout
    assert workspace.served.stats()["writes"] == 0


def test_bare_dates_and_offsets_mean_the_same_utc_instant(workspace: Workspace):
    """Timestamps without an offset are refused; a bare date is documented as midnight UTC (types.py)."""
    import json

    plans = {}
    for name in ("bare_date_is_midnight_utc", "offset_is_converted_to_utc"):
        for file, content in ACCEPTED[name].items():
            workspace.write(file, content)
        workspace.cli(*workspace.command("plan", workspace.served.url), "--now", "2025-10-01T00:00:00Z")
        plans[name] = json.loads((workspace.path / "plan.json").read_text())
    bodies = [json.dumps(p["operations"]) for p in plans.values()]
    assert "2025-04-23T00:00:00" in bodies[0] and "2025-04-23T00:00:00" in bodies[1]
    assert "+02:00" not in bodies[1]


def test_crlf_manifest_applies_like_lf(workspace: Workspace):
    """CRLF line endings work all the way through apply (on a fresh embedded database)."""
    workspace.write("northwind.yaml", ACCEPTED["crlf_line_endings"]["northwind.yaml"])
    endpoint, db = workspace.embedded_endpoint()
    applied = workspace.cli(*workspace.command("apply", endpoint))
    assert applied.exit_code == 0, applied.stderr
    replanned = workspace.cli("plan", str(workspace.manifests), "--endpoint", endpoint, "--detailed-exitcode")
    assert replanned.exit_code == 0, replanned.stdout
