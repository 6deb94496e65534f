"""The manifest reference (``docs/manifest-reference.md``), generated from the JSON Schema.

:func:`render_reference` walks :func:`reconciler.manifest.schema.json_schema` from the two kinds down, one section
per object in the order a reader meets them, and one table row per field: its type (with links to nested
objects), whether it is required, its default, its allowed values and bounds, and its description (the field's
attribute docstring in :mod:`reconciler.manifest.models`). The docs test compares the committed file with this
output, so the reference cannot drift from the models. Regenerate it with::

    python -m reconciler.manifest.reference > docs/manifest-reference.md
"""

from __future__ import annotations

import json
import re
from typing import Any

from reconciler.manifest.schema import json_schema

REGENERATE = "python -m reconciler.manifest.reference > docs/manifest-reference.md"
KINDS = (("Customer", "CustomerManifest"), ("Contract", "ContractManifest"))
TIMESTAMP_NOTE = "RFC 3339 timestamp"

INTRO = f"""\
# Manifest reference

<!-- Generated from the JSON Schema by reconciler/manifest/reference.py; do not edit by hand.
     Regenerate with: {REGENERATE} -->

A manifest file holds one or more YAML documents (separated by `---`). Each document is one of two kinds,
chosen by its `kind` field: a [Customer](#customermanifest) or a [Contract](#contractmanifest). Every object
forbids unknown fields, so a misspelt field is an error, never a silent default.

Conventions used below:

- **timestamp**: an RFC 3339 timestamp with an offset (`2025-04-23T00:00:00Z`), or a date meaning midnight UTC.
- **Enums** list their values once, in the canonical case. The other case is accepted too (`annual` for
  `ANNUAL`, `STRIPE` for `stripe`) and normalised on load.
- **Ref** fields (`product`, `rate_card`, `credit_type`, …) take a catalog object's name or its id. Names are
  resolved against the live catalog when you plan.
- A field that is not required may be left out. Writing `null` has the same effect.

The schema checks one document at a time. Rules that span documents or whole contracts are checked only by
`reconciler validate`, for example a Contract naming an unknown Customer, a recurring credit linked to a
missing subscription, or `quantity` on a `SEAT_BASED` subscription. The same goes for one-of rules inside an
object (for example a ContractSpec needs exactly one of `customer` and `customer_id`, and a
BillingProviderConfigurationRef either an `id` or both `billing_provider` and `delivery_method`), which
`reconciler validate` reports with the file and line. For editor completion from the same schema, see
[editor-setup.md](editor-setup.md).
"""


def render_reference(schema: dict[str, Any] | None = None) -> str:
    """The whole reference as Markdown, deterministic for a given schema."""
    schema = schema or json_schema()
    defs = schema["$defs"]
    order = _walk_order(defs, [name for _, name in KINDS])
    sections = [INTRO, _kinds_table(defs)]
    sections += [_section(name, defs[name]) for name in order]
    return "\n".join(sections).rstrip("\n") + "\n"


# -- walking ----------------------------------------------------------------------------------------------------

def _walk_order(defs: dict[str, Any], roots: list[str]) -> list[str]:
    """Definitions depth-first from the roots, in property order, each once."""
    seen: list[str] = []

    def visit(name: str) -> None:
        if name in seen:
            return
        seen.append(name)
        for prop in defs[name].get("properties", {}).values():
            for ref in _refs(prop):
                visit(ref)

    for root in roots:
        visit(root)
    seen += sorted(set(defs) - set(seen))  # unreachable definitions still get documented
    return seen


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"].rsplit("/", 1)[-1]] if "$ref" in node else []
        for value in node.values():
            found += [r for r in _refs(value) if r not in found]
        return found
    if isinstance(node, list):
        found: list[str] = []
        for value in node:
            found += [r for r in _refs(value) if r not in found]
        return found
    return []


# -- rendering --------------------------------------------------------------------------------------------------

def _kinds_table(defs: dict[str, Any]) -> str:
    rows = ["## Kinds", "", "| `kind` | Object | `apiVersion` |", "|---|---|---|"]
    for kind, name in KINDS:
        api_version = defs[name]["properties"]["apiVersion"].get("const", "")
        rows.append(f"| `{kind}` | [{name}](#{_anchor(name)}) | `{api_version}` |")
    return "\n".join(rows) + "\n"


def _section(name: str, node: dict[str, Any]) -> str:
    lines = [f"## {name}", ""]
    if node.get("description"):
        lines += [_prose(node["description"]), ""]
    props = node.get("properties", {})
    if not props:
        return "\n".join(lines + ["(no fields)", ""])
    required = set(node.get("required", []))
    lines += ["| Field | Type | Required | Default | Allowed values and bounds | Description |",
              "|---|---|---|---|---|---|"]
    for field, prop in props.items():
        lines.append("| " + " | ".join([
            f"`{field}`", _type(prop), "yes" if field in required else "no", _default(prop),
            _cell(_constraints(prop)), _cell(_description(prop)),
        ]) + " |")
    return "\n".join(lines) + "\n"


def _type(node: dict[str, Any]) -> str:
    """A short type: ``string``, ``number``, ``timestamp``, ``list of [Subscription](#subscription)``, …"""
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        return f"[{name}](#{_anchor(name)})"
    if "anyOf" in node:
        options = [o for o in node["anyOf"] if o.get("type") != "null"]
        if all("format" in o and "type" not in o for o in options):
            return "timestamp"
        return " or ".join(dict.fromkeys(_type(o) for o in options))
    kind = node.get("type")
    if kind == "array":
        return f"list of {_type(node.get('items', {}))}"
    if kind == "object":
        extra = node.get("additionalProperties")
        if isinstance(extra, dict):
            return f"map of string to {_type(extra)}"
        return "object"
    if kind == "string" and "anyOf" not in node and node.get("format") in ("date-time", "date"):
        return "timestamp"
    return kind or "any"


def _inner(node: dict[str, Any]) -> dict[str, Any]:
    """The non-null branch of an optional field (``X | None``), or the node itself."""
    options = [o for o in node.get("anyOf", []) if o.get("type") != "null"]
    return options[0] if len(options) == 1 else node


def _constraints(prop: dict[str, Any]) -> str:
    node = _inner(prop)
    if node.get("type") == "array":
        items = node.get("items", {})
        parts = _bounds(node, "items")
        inner = _constraints(items) if "$ref" not in items else ""
        return "; ".join(p for p in (*parts, f"each: {inner}" if inner else "") if p)
    parts: list[str] = []
    if "const" in node:
        parts.append(f"`{node['const']}`")
    if "enum" in node:
        parts.append(", ".join(f"`{v}`" for v in _canonical_enum(node["enum"])))
    parts += _bounds(node, "characters")
    if "pattern" in node:
        parts.append(f"pattern `{node['pattern']}`")
    return "; ".join(parts)


def _bounds(node: dict[str, Any], unit: str) -> list[str]:
    parts = []
    for key, text in (("minimum", "≥ {}"), ("exclusiveMinimum", "> {}"), ("maximum", "≤ {}"),
                      ("exclusiveMaximum", "< {}")):
        if key in node:
            parts.append(text.format(_number(node[key])))
    lo, hi = node.get("minLength", node.get("minItems")), node.get("maxLength", node.get("maxItems"))
    if unit == "items":
        lo, hi = node.get("minItems"), node.get("maxItems")
    if lo is not None and hi is not None:
        parts.append(f"{lo}–{hi} {unit}")
    elif lo == 1:
        parts.append("non-empty")
    elif lo is not None:
        parts.append(f"at least {lo} {unit}")
    elif hi is not None:
        parts.append(f"at most {hi} {unit}")
    return parts


def _canonical_enum(values: list[Any]) -> list[Any]:
    """Each value once, first casing wins: the models list the canonical case first."""
    seen: dict[str, Any] = {}
    for value in values:
        seen.setdefault(str(value).lower(), value)
    return list(seen.values())


def _default(prop: dict[str, Any]) -> str:
    if "default" not in prop or prop["default"] is None:
        return ""
    return f"`{json.dumps(prop['default'])}`"


def _number(value: float) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:,}".replace(",", " ") if abs(value) >= 10_000 else str(value)


def _description(prop: dict[str, Any]) -> str:
    text = _prose(prop.get("description", ""))
    # Every timestamp carries the same format note, which the conventions at the top already give.
    return "" if _type(prop) == "timestamp" and text.startswith(TIMESTAMP_NOTE) else text


def _prose(text: str) -> str:
    """Docstring reST to Markdown: ````x```` becomes ```x```, lines join into one paragraph."""
    return re.sub(r"``(.+?)``", r"`\1`", " ".join(text.split()))


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _anchor(name: str) -> str:
    return name.lower()


if __name__ == "__main__":
    print(render_reference(), end="")
