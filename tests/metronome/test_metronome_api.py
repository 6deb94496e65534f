"""The named operations: each sends the method, path, query and body the reference gives, and unwraps ``data``."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import httpx
import pytest

from metronome_fakes import body_of
from reconciler.errors import ConflictError, NotFoundError, WriteOutcomeUnknownError

pytestmark = pytest.mark.anyio

AT = datetime(2026, 12, 1, tzinfo=timezone.utc)


class Echo:
    """Records each request and answers ``{"data": ...}`` from a fixed value (``None`` = empty body)."""

    def __init__(self, data=None, *, empty: bool = False):
        self.data, self.empty = data, empty
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(200) if self.empty else httpx.Response(200, json={"data": self.data})

    @property
    def only(self) -> tuple[str, str, dict, object]:
        assert len(self.requests) == 1
        r = self.requests[0]
        return r.method, r.url.path, dict(r.url.params), body_of(r)


CASES = [
    # (call, expected (method, path, query, body), answer data, empty answer)
    (lambda c: c.get_customer("cust 1"), ("GET", "/v1/customers/cust 1", {}, None), {"id": "x"}),
    (lambda c: c.create_customer({"name": "Acme", "ingest_aliases": ["acme"]}),
     ("POST", "/v1/customers", {}, {"name": "Acme", "ingest_aliases": ["acme"]}), {"id": "x"}),
    (lambda c: c.set_customer_name("c1", "Acme Inc"),
     ("POST", "/v1/customers/c1/setName", {}, {"name": "Acme Inc"}), {"id": "c1"}),
    (lambda c: c.get_billing_provider_configurations("c1"),
     ("POST", "/v1/getCustomerBillingProviderConfigurations", {}, {"customer_id": "c1"}), [{"id": "b"}]),
    (lambda c: c.get_product("p1"), ("POST", "/v1/contract-pricing/products/get", {}, {"id": "p1"}), {"id": "p1"}),
    (lambda c: c.get_rate_card("r1"), ("POST", "/v1/contract-pricing/rate-cards/get", {}, {"id": "r1"}),
     {"id": "r1"}),
    (lambda c: c.get_contract("c1", "k1"),
     ("POST", "/v2/contracts/get", {}, {"customer_id": "c1", "contract_id": "k1"}), {"id": "k1"}),
    (lambda c: c.get_contract("c1", "k1", as_of_date=AT),
     ("POST", "/v2/contracts/get", {}, {"customer_id": "c1", "contract_id": "k1",
                                        "as_of_date": "2026-12-01T00:00:00Z"}), {"id": "k1"}),
    (lambda c: c.create_contract({"customer_id": "c1", "uniqueness_key": "u"}),
     ("POST", "/v1/contracts/create", {}, {"customer_id": "c1", "uniqueness_key": "u"}), {"id": "k9"}),
    (lambda c: c.edit_contract({"customer_id": "c1", "contract_id": "k1", "update_contract_end_date": None}),
     ("POST", "/v2/contracts/edit", {}, {"customer_id": "c1", "contract_id": "k1",
                                         "update_contract_end_date": None}), {"id": "e1"}),
    (lambda c: c.get_edit_history("c1", "k1"),
     ("POST", "/v2/contracts/getEditHistory", {}, {"customer_id": "c1", "contract_id": "k1"}), [{"id": "e1"}]),
    (lambda c: c.update_contract_end_date("c1", "k1", ending_before=AT),
     ("POST", "/v1/contracts/updateEndDate", {}, {"customer_id": "c1", "contract_id": "k1",
                                                  "ending_before": "2026-12-01T00:00:00Z"}), {"id": "k1"}),
    (lambda c: c.archive_contract("c1", "k1", void_invoices=False),
     ("POST", "/v1/contracts/archive", {}, {"customer_id": "c1", "contract_id": "k1", "void_invoices": False}),
     {"id": "k1"}),
    (lambda c: c.get_subscription_quantity_history("c1", "k1", "s1"),
     ("POST", "/v1/contracts/getSubscriptionQuantityHistory", {},
      {"customer_id": "c1", "contract_id": "k1", "subscription_id": "s1"}), {"history": []}),
]


@pytest.mark.parametrize(("call", "expected", "data"), CASES)
async def test_single_object_operations(make_client, call, expected, data):
    echo = Echo(data)
    async with make_client(echo) as client:
        assert await call(client) == data
    assert echo.only == expected


async def test_ids_in_paths_are_percent_encoded(make_client):
    echo = Echo({"id": "x"})
    async with make_client(echo) as client:
        await client.get_customer("../v1/contracts/archive")
    assert echo.requests[0].url.raw_path == b"/v1/customers/..%2Fv1%2Fcontracts%2Farchive"


WRITES = [
    lambda c: c.create_customer({"name": "x"}),
    lambda c: c.set_customer_name("c1", "n"),
    lambda c: c.set_ingest_aliases("c1", ["a"]),
    lambda c: c.set_custom_field_values("customer", "c1", {"k": "v"}),
    lambda c: c.create_contract({}),
    lambda c: c.edit_contract({}),
    lambda c: c.update_contract_end_date("c1", "k1"),
    lambda c: c.archive_contract("c1", "k1", void_invoices=True),
]


@pytest.mark.parametrize("call", WRITES)
async def test_write_operations_are_sent_as_writes(make_client, call):
    calls = 0

    def lost(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        raise httpx.ReadTimeout("response lost")

    async with make_client(lost) as client:
        with pytest.raises(WriteOutcomeUnknownError):
            await call(client)
    assert calls == 1


async def test_empty_answers(make_client):
    echo = Echo(empty=True)
    async with make_client(echo) as client:
        assert await client.set_ingest_aliases("c1", ("a", "b")) is None
        assert await client.set_custom_field_values("contract", "k1", {"key": "v"}) is None
    assert [(r.url.path, body_of(r)) for r in echo.requests] == [
        ("/v1/customers/c1/setIngestAliases", {"ingest_aliases": ["a", "b"]}),
        ("/v1/customFields/setValues", {"entity": "contract", "entity_id": "k1", "custom_fields": {"key": "v"}}),
    ]


async def test_list_customers_filters_and_pages(make_client, fake):
    async with make_client(fake) as client:
        assert [c["id"] for c in await client.list_customers(ingest_alias="alias-3")] == ["cust-3"]
        by_id = await client.list_customers(customer_ids=["cust-1", "cust-4"])
    assert [c["id"] for c in by_id] == ["cust-1", "cust-4"]
    assert dict(fake.requests[0].url.params) == {"ingest_alias": "alias-3", "limit": "100"}
    assert fake.requests[1].url.params["customer_ids"] == "cust-1,cust-4"


async def test_list_customers_sends_ids_in_chunks_of_100(make_client, fake):
    async with make_client(fake) as client:
        await client.list_customers(customer_ids=[f"id-{i}" for i in range(250)])
    assert [len(r.url.params["customer_ids"].split(",")) for r in fake.requests] == [100, 100, 50]


async def test_list_contracts_is_v2_cursor_style_limit_20(make_client, fake):
    fake.contracts = [{"id": f"k{i}"} for i in range(45)]
    async with make_client(fake) as client:
        contracts = await client.list_contracts("cust-0", include_archived=True)
    assert len(contracts) == 45
    assert [body_of(r) for r in fake.requests] == [
        {"customer_id": "cust-0", "include_archived": True, "limit": 20},
        {"customer_id": "cust-0", "include_archived": True, "limit": 20, "cursor": "c20"},
        {"customer_id": "cust-0", "include_archived": True, "limit": 20, "cursor": "c40"},
    ]


async def test_list_contracts_of_unknown_customer_is_not_found(make_client, fake):
    async with make_client(fake) as client:
        with pytest.raises(NotFoundError) as caught:
            await client.list_contracts("nobody")
    assert caught.value.code == "CustomerNotFound"


async def test_get_contract_not_found_is_a_400_with_code(make_client, fake):
    async with make_client(fake) as client:
        assert (await client.get_contract("cust-0", "contract-2"))["id"] == "contract-2"
        with pytest.raises(NotFoundError) as caught:
            await client.get_contract("cust-0", "gone")
    assert (caught.value.status, caught.value.code) == (400, "ContractNotFound")


async def test_seats_history_reads_every_page_of_ten(make_client, fake):
    fake.seats = [{"starting_at": f"s{i}", "assigned_seat_ids": [], "total_quantity": i} for i in range(23)]
    async with make_client(fake) as client:
        segments = await client.get_subscription_seats_history("c1", "k1", "s1", covering_date=AT)
    assert [s["total_quantity"] for s in segments] == list(range(23))
    assert [body_of(r) for r in fake.requests][:2] == [
        {"customer_id": "c1", "contract_id": "k1", "subscription_id": "s1",
         "covering_date": "2026-12-01T00:00:00Z", "limit": 10},
        {"customer_id": "c1", "contract_id": "k1", "subscription_id": "s1",
         "covering_date": "2026-12-01T00:00:00Z", "limit": 10, "cursor": "c10"},
    ]
    assert len(fake.requests) == 3


async def test_seats_history_refuses_covering_date_with_a_range(make_client, fake):
    async with make_client(fake) as client:
        with pytest.raises(ValueError):
            await client.get_subscription_seats_history("c", "k", "s", covering_date=AT, starting_at=AT)
    assert fake.requests == []


async def test_catalog_lists(make_client):
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"data": [{"id": request.url.path}], "next_page": None})

    async with make_client(handler) as client:
        await client.list_credit_types()
        await client.list_products()
        await client.list_rate_cards()
        await client.get_rates("rc1", AT)
        await client.list_custom_field_keys(["customer", "contract"])
    assert [(r.method, r.url.path, dict(r.url.params), body_of(r)) for r in seen] == [
        ("GET", "/v1/credit-types/list", {"limit": "100"}, None),
        ("POST", "/v1/contract-pricing/products/list", {"limit": "100"}, {}),
        ("POST", "/v1/contract-pricing/rate-cards/list", {"limit": "100"}, {}),
        ("POST", "/v1/contract-pricing/rate-cards/getRates", {"limit": "100"},
         {"rate_card_id": "rc1", "at": "2026-12-01T00:00:00Z"}),
        ("POST", "/v1/customFields/listKeys", {}, {"entities": ["customer", "contract"]}),
    ]


async def test_conflict_on_create_contract(make_client):
    answer = httpx.Response(409, json={"message": "This uniqueness key has already been used."})
    async with make_client(lambda r: answer) as client:
        with pytest.raises(ConflictError):
            await client.create_contract({"uniqueness_key": "acme/pro"})


def test_naive_timestamps_are_refused():
    from reconciler.metronome.api import iso

    with pytest.raises(ValueError):
        iso(datetime(2026, 1, 1))
    assert iso(datetime(2026, 1, 1, 5, tzinfo=timezone(timedelta(hours=2)))) == "2026-01-01T05:00:00+02:00"


async def test_creates_pass_an_idempotency_key_header(make_client):
    echo = Echo({"id": "x"})
    async with make_client(echo) as client:
        await client.create_contract({"uniqueness_key": "u"}, idempotency_key="plan-1/op-3")
        await client.edit_contract({"uniqueness_key": "e"}, idempotency_key="plan-1/op-4")
        await client.create_customer({"name": "n"})
    assert [r.headers.get("idempotency-key") for r in echo.requests] == ["plan-1/op-3", "plan-1/op-4", None]
