"""The emulator's fast paths (orjson rendering, ...) answer exactly what the plain ones would."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from starlette import responses

from reconciler.emulator.http import JSONResponse

RENDERED_ALIKE = [
    {"data": [{"id": "c", "name": "Café ✓", "amount": 0.1 + 0.2, "quantity": 3, "tiny": 2.5e-05, "big": 1e22,
               "none": None, "flags": [True, False], "nested": {"a": {"b": []}}}], "next_page": None},
    {"huge_int": 10**30},
    {"int_keys": {1: "one"}},
    [1, "two", 3.0],
]


@pytest.mark.parametrize("payload", RENDERED_ALIKE)
def test_orjson_rendering_gives_the_same_json_values_as_starlette(payload):
    fast, plain = JSONResponse(payload), responses.JSONResponse(payload)
    assert json.loads(fast.body) == json.loads(plain.body)
    assert fast.headers["content-type"] == plain.headers["content-type"] == "application/json"
    assert fast.headers["content-length"] == str(len(fast.body))


def test_what_starlette_cannot_render_still_fails():
    with pytest.raises(TypeError):
        JSONResponse({"when": datetime(2025, 1, 1)})
