"""The five pagination iterators against a fake API that pages the way each real endpoint does."""

from __future__ import annotations

import httpx
import pytest

from metronome_fakes import body_of
from reconciler.errors import ApiError
from reconciler.metronome import (
    body_cursor,
    body_cursor_field,
    body_cursor_next_page,
    collect,
    query_cursor,
    query_cursor_without_limit,
)

pytestmark = pytest.mark.anyio


async def test_query_cursor_on_get_sends_limit_and_next_page_in_query(make_client, fake):
    async with make_client(fake) as client:
        items = await collect(query_cursor(client, "GET", "/v1/customers", limit=2))
    assert [c["id"] for c in items] == [f"cust-{i}" for i in range(5)]
    assert [dict(r.url.params) for r in fake.requests] == [
        {"limit": "2"}, {"limit": "2", "next_page": "c2"}, {"limit": "2", "next_page": "c4"}]


async def test_query_cursor_on_post_keeps_cursor_out_of_the_body(make_client, fake):
    async with make_client(fake) as client:
        items = await collect(query_cursor(client, "POST", "/v1/contract-pricing/products/list",
                                           json={"archive_filter": "ALL"}, limit=3))
    assert len(items) == 5
    assert [r.url.params.get("next_page") for r in fake.requests] == [None, "c3"]
    assert [body_of(r) for r in fake.requests] == [{"archive_filter": "ALL"}] * 2


async def test_query_cursor_without_limit_sends_no_limit(make_client, fake):
    async with make_client(fake) as client:
        items = await collect(query_cursor_without_limit(client, "POST", "/v1/customFields/listKeys",
                                                         json={"entities": ["customer"]}))
    assert [k["key"] for k in items] == ["k0", "k1", "k2", "k3", "k4"]
    assert len(fake.requests) == 3
    assert all("limit" not in r.url.params for r in fake.requests)
    assert [r.url.params.get("next_page") for r in fake.requests] == [None, "c2", "c4"]


async def test_body_cursor_sends_next_page_and_limit_in_body(make_client, fake):
    async with make_client(fake) as client:
        items = await collect(body_cursor(client, "/v1/contracts/customerCommits/list",
                                          json={"customer_id": "cust-0"}, limit=2))
    assert len(items) == 5
    assert [body_of(r) for r in fake.requests] == [
        {"customer_id": "cust-0", "limit": 2},
        {"customer_id": "cust-0", "limit": 2, "next_page": "c2"},
        {"customer_id": "cust-0", "limit": 2, "next_page": "c4"},
    ]
    assert all(not r.url.params for r in fake.requests)


async def test_body_cursor_field_reads_cursor_from_the_answer(make_client, fake):
    async with make_client(fake) as client:
        items = await collect(body_cursor_field(client, "/v2/contracts/list", json={"customer_id": "cust-0"},
                                                limit=2))
    assert [c["id"] for c in items] == [f"contract-{i}" for i in range(5)]
    assert [body_of(r).get("cursor") for r in fake.requests] == [None, "c2", "c4"]


async def test_body_cursor_next_page_sends_cursor_reads_next_page(make_client, fake):
    fake.seats = fake.seats * 5  # 25 segments: three pages of ten
    async with make_client(fake) as client:
        items = await collect(body_cursor_next_page(client, "/v1/contracts/getSubscriptionSeatsHistory",
                                                    json={"contract_id": "k"}))
    assert len(items) == 25
    assert [(body_of(r)["limit"], body_of(r).get("cursor")) for r in fake.requests] == [
        (10, None), (10, "c10"), (10, "c20")]


async def test_single_page_and_empty_page(make_client):
    answers = iter([{"data": [], "next_page": None}])
    async with make_client(lambda r: httpx.Response(200, json=next(answers))) as client:
        assert await collect(query_cursor(client, "GET", "/v1/credit-types/list")) == []


@pytest.mark.parametrize("style", ["query", "body_field"])
async def test_a_repeated_cursor_raises_instead_of_looping(make_client, style):
    calls = 0
    field = "next_page" if style == "query" else "cursor"

    def stuck(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(200, json={"data": [{"n": calls}], field: "same"})

    async with make_client(stuck) as client:
        pages = (query_cursor(client, "GET", "/v1/customers") if style == "query"
                 else body_cursor_field(client, "/v2/contracts/list", json={"customer_id": "c"}))
        seen = []
        with pytest.raises(ApiError, match="repeated pagination cursor"):
            async for item in pages:
                seen.append(item)
    assert calls == 2
    assert seen == [{"n": 1}]  # the repeated page's items are not yielded


async def test_a_cursor_cycle_is_caught(make_client):
    cursors = iter(["a", "b", "a"])

    def cycling(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"data": [{}], "next_page": next(cursors)})

    async with make_client(cycling) as client:
        with pytest.raises(ApiError, match="'a'"):
            await collect(body_cursor(client, "/v1/contracts/customerCredits/list", json={}))


async def test_data_that_is_not_a_list_is_an_error(make_client):
    async with make_client(lambda r: httpx.Response(200, json={"data": {"id": "x"}})) as client:
        with pytest.raises(ApiError, match="expected a list"):
            await collect(query_cursor(client, "GET", "/v1/customers"))


async def test_progress_is_reported_between_pages(make_client, fake):
    messages: list[str] = []
    async with make_client(fake, progress=messages.append) as client:
        await collect(query_cursor(client, "GET", "/v1/customers", limit=2))
    assert messages == ["GET /v1/customers: 2 items read, fetching page 2",
                        "GET /v1/customers: 4 items read, fetching page 3"]
