"""The emulator's fast paths (orjson rendering, INDIVIDUAL grants stamped per seat, the request log's
formatter, the indexed router, orjson parsing of stored documents) answer exactly what the plain ones would."""

from __future__ import annotations

import json
import logging
import uuid
from datetime import datetime
from functools import partial

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette import responses
from starlette.applications import Starlette

from reconciler.emulator.admin import ADMIN_ROUTES
from reconciler.emulator.app import ALL_METHODS, API_ROUTES, api_error
from reconciler.emulator.errors import ApiError
from reconciler.emulator.http import JSONResponse
from reconciler.emulator.recurring import GRANT_NAMESPACE, _grant, _period_starts, generate_grants, grant_uuid
from reconciler.emulator.schedules import seats_at
from reconciler.emulator.server import RequestLogFormatter
from reconciler.emulator.store import decode
from reconciler.emulator.views import ViewContext, grant_view
from tests.emulator.conftest import CUSTOMER_TWO, create, edit, example, get

pytestmark = pytest.mark.anyio

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


def test_grant_uuid_is_uuid5_in_the_grant_namespace():
    for key in ("r:0", "r:12:seat1@metronome.com", "r:3:access", "ünïcode:1"):
        assert grant_uuid(key) == str(uuid.uuid5(GRANT_NAMESPACE, key))


async def test_individual_grants_stamped_per_seat_equal_the_grants_built_one_by_one(client, emu):
    body = example("individual_seat_credit")
    body["subscriptions"][0]["seat_config"]["initial_seat_ids"] = [f"seat{i}@example.com" for i in range(5)]
    body["recurring_commits"][0].update(ending_before="2026-03-01T00:00:00Z", recurrence_frequency="MONTHLY")
    contract_id = await create(client, body)
    await edit(client, contract_id, CUSTOMER_TWO, update_subscriptions=[{
        "subscription_id": (await get(client, contract_id, CUSTOMER_TWO))["subscriptions"][0]["id"],
        "seat_updates": {"add_seat_ids": [{"seat_ids": ["late@example.com"], "starting_at": "2025-11-01T00:00:00Z"}],
                         "remove_seat_ids": [{"seat_ids": ["seat0@example.com"],
                                              "starting_at": "2025-12-01T00:00:00Z"}]}}])
    contract = emu.store.get("contracts", contract_id)
    recurring = contract["recurring_commits"][0]
    ctx = ViewContext(emu.store, emu.catalog, "2026-01-15T00:00:00.000Z")
    shape = partial(grant_view, ctx, contract, kind="commit", custom=False)
    subscription, price = contract["subscriptions"][0], recurring["access_amount"]["unit_price"]

    one_by_one = [shape(_grant(contract, recurring, "commit", index, start, end, price, seat=("seat_id", seat)))
                  for index, start, end in _period_starts(contract, recurring, ctx.now)
                  for seat in seats_at(subscription, start)]
    stamped = generate_grants(contract, recurring, "commit", ctx.now, shape)
    assert len(stamped) > 5 * 3
    assert [json.dumps(grant) for grant in stamped] == [json.dumps(grant) for grant in one_by_one]
    assert generate_grants(contract, recurring, "commit", ctx.now) == [
        _grant(contract, recurring, "commit", index, start, end, price, seat=("seat_id", seat))
        for index, start, end in _period_starts(contract, recurring, ctx.now)
        for seat in seats_at(subscription, start)]


def test_the_request_log_formatter_writes_what_the_standard_one_does():
    fast, plain = RequestLogFormatter(), logging.Formatter("%(asctime)s %(message)s")
    for created in (1_700_000_000.0, 1_700_000_000.25, 1_700_000_000.999, 1_700_000_001.5, 1_700_000_061.0):
        record = logging.LogRecord("reconciler.emulator", logging.INFO, __file__, 1, "%s %s %s %.1fms",
                                   ("POST", "/v2/contracts/list", 200, 1.25), None)
        record.created, record.msecs = created, int((created - int(created)) * 1000)
        assert fast.format(record) == plain.format(record)


async def test_the_indexed_router_dispatches_like_starlettes_scan(emu):
    indexed = emu.app.app
    plain = Starlette(routes=indexed.router.routes, exception_handlers={ApiError: api_error})
    plain.state.emulator = emu
    paths = {path.replace("{customer_id}", CUSTOMER_TWO) for _, path, _, _ in API_ROUTES}
    paths |= {route.path for route in ADMIN_ROUTES} | {"/", "/v1/customers/", "/v9/nothing", "/_emulator/nothing"}
    assert len(indexed.router.static) > 30
    for app in (indexed, plain):
        app.state.answers = []
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://x") as http:
            for method in sorted(ALL_METHODS):
                for path in sorted(paths - {"/_emulator/reset-stats"}):
                    response = await http.request(method, path, content=b"{}" if method != "GET" else None)
                    app.state.answers.append((method, path, response.status_code, response.content))
    assert indexed.state.answers == plain.state.answers


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4),
    max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES)
def test_stored_documents_decode_as_json_loads_does(value):
    for text in (json.dumps(value), json.dumps(value, ensure_ascii=False)):
        assert repr(decode(text)) == repr(json.loads(text))


@pytest.mark.parametrize("text", ['{"n": 123456789012345678901234567890}', '{"n": -9223372036854775809}',
                                  '{"n": 9223372036854775807}', '{"x": NaN, "y": -Infinity}', '["\\ud800"]',
                                  '{"a": 1e400}', '{"id": "1234567890123456789"}',
                                  '["\ud800"]'])
def test_what_orjson_reads_differently_is_read_by_json(text):
    assert repr(decode(text)) == repr(json.loads(text))
