"""The JSON Schema of the manifest format, for editors and CI linters (``reconciler schema``).

One document is a Customer or a Contract: a ``oneOf`` discriminated by ``kind``. Field descriptions come
from the attribute docstrings of :mod:`reconciler.manifest.models`, and enums list both casings, as the
models accept them.
"""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

from reconciler.manifest.models import API_VERSION, Manifest

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one manifest document."""
    schema = TypeAdapter(Manifest).json_schema(mode="validation")
    header = {
        "$schema": SCHEMA_DIALECT,
        "title": f"reconciler manifest ({API_VERSION})",
        "description": "One YAML document describing a Metronome customer (kind: Customer) or contract "
                       "(kind: Contract), managed by reconciler.",
    }
    return {**header, **schema}
