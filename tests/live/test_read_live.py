"""``read_live`` through the real client against a fake API: what is read, how many requests it takes, and that
independent requests run concurrently."""

from __future__ import annotations

import httpx
import pytest

from live.live_fakes import (
    SEATS_FROM,
    FakeMetronome,
    contract_manifest,
    customer_manifest,
    desired_of,
    manifest_subscription,
    quantity_subscription,
    seat_subscription,
    segments,
    uid,
)
from reconciler.errors import ApiError
from reconciler.live import read_live
from reconciler.live.read import CUSTOM_FIELD_ENTITIES
from reconciler.plan.identity import contract_uniqueness_key

pytestmark = pytest.mark.anyio

CUSTOMERS = "/v1/customers"
CONTRACTS = "/v2/contracts/list"
SEATS = "/v1/contracts/getSubscriptionSeatsHistory"
CONFIGS = "/v1/getCustomerBillingProviderConfigurations"


async def read(make_client, fake: FakeMetronome, desired, **options):
    async with make_client(fake, **options.pop("client", {})) as client:
        return await read_live(client, desired, seats_from=options.pop("seats_from", SEATS_FROM), **options)


def customer_requests(fake: FakeMetronome) -> int:
    return sum(n for (method, path), n in fake.routes().items() if path.startswith(CUSTOMERS))


# -- catalog ---------------------------------------------------------------------------------------------------

async def test_catalog_reads_every_page_of_each_list_concurrently(make_client):
    fake = FakeMetronome(latency=0.01)
    fake.products = [{"id": uid(i, 1), "type": "USAGE"} for i in range(150)]
    fake.custom_field_keys += [{"entity": "rate_card", "key": "not-ours", "enforce_uniqueness": False}]
    live = await read(make_client, fake, desired_of())
    assert len(live.catalog.products) == 150 and fake.count("POST", "/v1/contract-pricing/products/list") == 2
    assert live.catalog.rate_cards == fake.rate_cards and live.catalog.credit_types == fake.credit_types
    assert [k["key"] for k in live.catalog.custom_field_keys] == ["k0", "k1", "k2"]
    assert fake.bodies("/v1/customFields/listKeys")[0] == {"entities": list(CUSTOM_FIELD_ENTITIES)}
    assert fake.max_in_flight >= 4
    assert live.customers == {}


# -- customers ---------------------------------------------------------------------------------------------------

async def test_customer_found_by_its_identity_alias(make_client, fake):
    acme = fake.add_customer("acme")
    fake.add_customer("globex")
    live = await read(make_client, fake, desired_of(customer_manifest("acme")))
    assert list(live.customers) == ["acme"] and live.customers["acme"].customer == acme
    lookups = [r.url.params for r in fake.requests if r.url.path == CUSTOMERS]
    assert [dict(q) for q in lookups] == [{"ingest_alias": "acme", "limit": "100"}]


async def test_customer_pinned_by_id_is_fetched_by_id(make_client, fake):
    fake.add_customer("other")
    pinned = fake.add_customer("not-the-name")
    live = await read(make_client, fake, desired_of(customer_manifest("acme", id=pinned["id"])))
    assert live.customers["acme"].customer == pinned
    assert fake.routes()[("GET", f"{CUSTOMERS}/{pinned['id']}")] == 1 and fake.count("GET", CUSTOMERS) == 0


async def test_absent_and_archived_customers_are_not_in_live(make_client, fake):
    fake.add_customer("gone", archived=True)
    archived = fake.add_customer("old", archived=True)
    desired = desired_of(customer_manifest("new"), customer_manifest("gone"),
                         customer_manifest("pinned-missing", id=uid(999, 4)),
                         customer_manifest("pinned-archived", id=archived["id"]))
    live = await read(make_client, fake, desired)
    assert live.customers == {}
    assert fake.count("POST", CONTRACTS) == 0 and customer_requests(fake) == 4


async def test_contract_with_customer_id_reads_that_customer_by_id(make_client, fake):
    customer = fake.add_customer()
    contract = fake.add_contract(customer)
    live = await read(make_client, fake, desired_of(contract_manifest("pro", customer_id=customer["id"])))
    assert list(live.customers) == [customer["id"]]
    assert [c.contract for c in live.customers[customer["id"]].contracts] == [contract]
    assert fake.count("GET", f"{CUSTOMERS}/{customer['id']}") == 1


async def test_a_contract_naming_a_customer_without_its_manifest_finds_it_by_alias(make_client, fake):
    acme = fake.add_customer("acme")
    live = await read(make_client, fake, desired_of(contract_manifest("pro", customer="acme")))
    assert live.customers["acme"].customer == acme


# -- lookup strategies -------------------------------------------------------------------------------------------

def estate(fake: FakeMetronome, managed: int, unmanaged: int):
    """``managed`` customers named by manifests (one pinned, one behind a customer_id contract), in an account
    that also holds ``unmanaged`` others and an archived one."""
    customers = [fake.add_customer(f"cust-{i}") for i in range(managed)]
    for i in range(unmanaged):
        fake.add_customer(f"other-{i}")
    fake.add_customer("archived", archived=True)
    manifests = [customer_manifest(f"cust-{i}") for i in range(2, managed)]
    manifests += [customer_manifest("pinned", id=customers[0]["id"]),
                  contract_manifest("pro", customer_id=customers[1]["id"]),
                  customer_manifest("archived"), customer_manifest("missing")]
    return customers, desired_of(*manifests)


def assert_estate_found(live, customers):
    assert live.customers["pinned"].customer == customers[0]
    assert live.customers[customers[1]["id"]].customer == customers[1]
    assert all(live.customers[f"cust-{i}"].customer == customers[i] for i in range(2, len(customers)))
    assert "archived" not in live.customers and "missing" not in live.customers


async def test_lookup_strategy_costs_one_request_per_customer_key(make_client, fake):
    customers, desired = estate(fake, managed=10, unmanaged=5)
    live = await read(make_client, fake, desired)
    assert_estate_found(live, customers)
    assert customer_requests(fake) == 12  # 10 managed + archived + missing
    assert fake.count("POST", CONTRACTS) == 10


async def test_scan_strategy_lists_all_customers_once_for_a_large_estate(make_client, fake):
    customers, desired = estate(fake, managed=60, unmanaged=180)  # 62 keys > 50: scan 241 customers
    live = await read(make_client, fake, desired)
    assert_estate_found(live, customers)
    assert fake.routes()[("GET", CUSTOMERS)] == 3 == customer_requests(fake)  # ceil(241 / 100)
    assert all(r.url.params.get("limit") == "100" and "ingest_alias" not in r.url.params
               for r in fake.requests if r.url.path == CUSTOMERS)
    assert fake.count("POST", CONTRACTS) == 60


async def test_the_scan_hands_each_customer_over_as_its_page_arrives(make_client):
    fake = FakeMetronome(latency=0.01)
    customers, desired = estate(fake, managed=60, unmanaged=180)  # the managed ones are on the first page
    live = await read(make_client, fake, desired, client={"concurrency": 8})
    assert_estate_found(live, customers)
    paths = [r.url.path for r in fake.requests]
    last_page = max(i for i, path in enumerate(paths) if path == CUSTOMERS)
    assert paths.count(CUSTOMERS) == 3
    assert paths.index(CONTRACTS) < last_page  # contracts read while the scan still runs
    assert "missing" not in live.customers and "archived" not in live.customers  # resolved by the scan's end


class _SecondCustomerPageFails(FakeMetronome):
    def _route(self, request):
        if request.url.path == CUSTOMERS and request.url.params.get("next_page"):
            return httpx.Response(400, json={"message": "bad cursor"})
        return super()._route(request)


async def test_a_failing_scan_fails_the_read(make_client):
    fake = _SecondCustomerPageFails()
    _, desired = estate(fake, managed=60, unmanaged=60)  # "missing" waits for the second page, which fails
    with pytest.raises(ApiError, match="bad cursor"):
        await read(make_client, fake, desired)


@pytest.mark.parametrize("lookup, expected", [("scan", 1), ("lookup", 12)])
async def test_the_strategy_can_be_chosen(make_client, fake, lookup, expected):
    customers, desired = estate(fake, managed=10, unmanaged=5)
    live = await read(make_client, fake, desired, customer_lookup=lookup)
    assert_estate_found(live, customers)
    assert customer_requests(fake) == expected


async def test_customers_are_read_concurrently_and_progress_is_reported(make_client, progress):
    fake = FakeMetronome(latency=0.01)
    _, desired = estate(fake, managed=20, unmanaged=0)
    await read(make_client, fake, desired, client={"concurrency": 8})
    assert fake.max_in_flight == 8
    assert progress[-1] == "read 22/22 customers" and "read 2/22 customers" in progress


# -- billing provider configurations -----------------------------------------------------------------------------

async def test_billing_provider_configurations_only_where_declared_or_referenced(make_client, fake):
    declared, referenced, plain, by_id = (fake.add_customer(a) for a in ("declared", "referenced", "plain", None))
    bpc = {"billing_provider": "stripe", "delivery_method": "direct_to_billing_provider"}
    desired = desired_of(
        customer_manifest("declared", billing_provider_configurations=[{"billing_provider": "stripe"}]),
        customer_manifest("referenced"), customer_manifest("plain"),
        contract_manifest("pro", customer="referenced", billing_provider_configuration=bpc),
        contract_manifest("pro", customer_id=by_id["id"], billing_provider_configuration=bpc))
    live = await read(make_client, fake, desired)
    assert sorted(b["customer_id"] for b in fake.bodies(CONFIGS)) == sorted(
        [declared["id"], referenced["id"], by_id["id"]])
    assert live.customers["declared"].billing_provider_configurations == fake.configurations[declared["id"]]
    assert live.customers["plain"].billing_provider_configurations == []


# -- contracts -------------------------------------------------------------------------------------------------

async def test_every_non_archived_contract_is_kept_managed_or_not(make_client, fake):
    acme = fake.add_customer("acme")
    ours = fake.add_contract(acme, uniqueness_key=contract_uniqueness_key("acme", "pro"))
    others = [fake.add_contract(acme) for _ in range(44)]
    fake.add_contract(acme, archived=True)
    live = await read(make_client, fake, desired_of(customer_manifest("acme")))
    assert [c.contract for c in live.customers["acme"].contracts] == [ours, *others]
    assert fake.count("POST", CONTRACTS) == 3  # ceil(45 / 20)
    assert all(b["customer_id"] == acme["id"] and b["include_archived"] is False and b["limit"] == 20
               for b in fake.bodies(CONTRACTS))


# -- seats -------------------------------------------------------------------------------------------------------

def seat_estate(fake: FakeMetronome):
    acme = fake.add_customer("acme")
    managed = fake.add_contract(acme, uniqueness_key=contract_uniqueness_key("acme", "pro"),
                                subscriptions=[seat_subscription(1), quantity_subscription(2), seat_subscription(3)])
    adopted = fake.add_contract(acme, subscriptions=[seat_subscription(4)])
    unmanaged = fake.add_contract(acme, uniqueness_key=contract_uniqueness_key("acme", "retired"),
                                  subscriptions=[seat_subscription(5)])
    foreign = fake.add_contract(acme, subscriptions=[seat_subscription(6)])
    fake.seats[(managed["id"], uid(1, 7))] = segments(26)
    fake.seats[(managed["id"], uid(3, 7))] = segments(1)
    fake.seats[(adopted["id"], uid(4, 7))] = segments(3)
    return managed, adopted, unmanaged, foreign


def seat_manifests(managed_subscriptions: list[dict], adopted_id: str):
    return desired_of(customer_manifest("acme"),
                      contract_manifest("pro", customer="acme", subscriptions=managed_subscriptions),
                      contract_manifest("adopted", customer="acme", id=adopted_id,
                                        subscriptions=[manifest_subscription()]))


async def test_seats_are_read_only_for_seat_based_subscriptions_of_managed_contracts(make_client, fake):
    managed, adopted, unmanaged, foreign = seat_estate(fake)
    live = await read(make_client, fake, seat_manifests([manifest_subscription()], adopted["id"]))
    by_id = {c.contract["id"]: c for c in live.customers["acme"].contracts}
    assert set(by_id[managed["id"]].seats) == {uid(1, 7), uid(3, 7)}
    assert len(by_id[managed["id"]].seats[uid(1, 7)]) == 21  # those not ended by June 2026, 10 a page
    assert by_id[adopted["id"]].seats == {uid(4, 7): fake.seats[(adopted["id"], uid(4, 7))][2:]}  # open since March
    assert by_id[unmanaged["id"]].seats == {} and by_id[foreign["id"]].seats == {}
    requests = [(b["contract_id"], b["subscription_id"]) for b in fake.bodies(SEATS)]
    assert sorted(set(requests)) == sorted([(managed["id"], uid(1, 7)), (managed["id"], uid(3, 7)),
                                            (adopted["id"], uid(4, 7))])
    assert len(requests) == 3 + 1 + 1  # ceil(21 / 10) + 1 + 1
    assert {b["starting_at"] for b in fake.bodies(SEATS)} == {"2026-06-01T00:00:00Z"}
    assert all(b["limit"] == 10 and b["customer_id"] == managed["customer_id"] for b in fake.bodies(SEATS))


@pytest.mark.parametrize("stated, expected", [
    ([None], "2026-06-01T00:00:00Z"),
    (["2026-03-15T00:00:00Z", "2026-04-01T00:00:00Z"], "2026-03-15T00:00:00Z"),
    (["2026-09-01T00:00:00Z"], "2026-06-01T00:00:00Z"),
])
async def test_seats_start_at_the_earliest_change_the_manifest_states(make_client, fake, stated, expected):
    managed, adopted, _, _ = seat_estate(fake)
    subscriptions = [manifest_subscription(f"s{i}", changes_effective_at=at) for i, at in enumerate(stated)]
    await read(make_client, fake, seat_manifests(subscriptions, adopted["id"]))
    starts = {b["contract_id"]: b["starting_at"] for b in fake.bodies(SEATS)}
    assert starts == {managed["id"]: expected, adopted["id"]: "2026-06-01T00:00:00Z"}


async def test_a_pinned_manifest_manages_the_pinned_contract_only(make_client, fake):
    acme = fake.add_customer("acme")
    keyed = fake.add_contract(acme, uniqueness_key=contract_uniqueness_key("acme", "pro"),
                              subscriptions=[seat_subscription(1)])
    pinned = fake.add_contract(acme, subscriptions=[seat_subscription(2)])
    desired = desired_of(customer_manifest("acme"), contract_manifest("pro", customer="acme", id=pinned["id"]))
    live = await read(make_client, fake, desired)
    assert [b["contract_id"] for b in fake.bodies(SEATS)] == [pinned["id"]]
    assert {c.contract["id"]: bool(c.seats) for c in live.customers["acme"].contracts} == {
        keyed["id"]: False, pinned["id"]: True}


# -- truncated commits and credits -------------------------------------------------------------------------------

async def test_has_more_commits_are_completed_from_the_customer_commit_list(make_client, fake):
    acme = fake.add_customer("acme")
    embedded = [{"id": uid(i, 8), "contract": {"id": "pending"}} for i in range(2)]
    truncated = fake.add_contract(acme, commits=embedded, credits=[], has_more={"commits": True, "credits": False})
    complete = fake.add_contract(acme, commits=[], has_more={"commits": False, "credits": False})
    for commit in embedded:
        commit["contract"]["id"] = truncated["id"]
    rest = [{"id": uid(i, 8), "contract": {"id": truncated["id"]}} for i in range(2, 30)]
    fake.commits[acme["id"]] = [*embedded, *rest, {"id": uid(1, 9), "contract": {"id": complete["id"]}},
                                {"id": uid(2, 9)}]
    live = await read(make_client, fake, desired_of(customer_manifest("acme")))
    contracts = {c.contract["id"]: c.contract for c in live.customers["acme"].contracts}
    assert [c["id"] for c in contracts[truncated["id"]]["commits"]] == [uid(i, 8) for i in range(30)]
    assert contracts[truncated["id"]]["has_more"] == {"commits": False, "credits": False}
    assert contracts[complete["id"]]["commits"] == []
    assert fake.count("POST", "/v1/contracts/customerCommits/list") == 2  # ceil(30 / 25), once per customer
    assert fake.bodies("/v1/contracts/customerCommits/list")[0] == {
        "customer_id": acme["id"], "include_contract_commits": True, "limit": 25}
    assert fake.count("POST", "/v1/contracts/customerCredits/list") == 0


async def test_has_more_credits_use_the_customer_credit_list(make_client, fake):
    acme = fake.add_customer("acme")
    contract = fake.add_contract(acme, credits=[], has_more={"credits": True})
    fake.credits[acme["id"]] = [{"id": uid(1, 8), "contract": {"id": contract["id"]}}]
    live = await read(make_client, fake, desired_of(customer_manifest("acme")))
    assert live.customers["acme"].contracts[0].contract["credits"] == fake.credits[acme["id"]]
    assert fake.bodies("/v1/contracts/customerCredits/list")[0]["include_contract_credits"] is True


async def test_a_full_read_needs_the_documented_request_count(make_client, fake):
    """Per customer: 1 contracts page; per managed SEAT_BASED subscription: 1 seats page; catalog: 4 lists
    (custom field keys come 2 per page in the fake: 2 pages)."""
    for i in range(5):
        customer = fake.add_customer(f"c{i}")
        fake.add_contract(customer, uniqueness_key=contract_uniqueness_key(f"c{i}", "pro"),
                          subscriptions=[seat_subscription(i)])
    desired = desired_of(*(customer_manifest(f"c{i}") for i in range(5)),
                         *(contract_manifest("pro", customer=f"c{i}") for i in range(5)))
    await read(make_client, fake, desired)
    assert len(fake.requests) == 5 + 5 + 5 + (3 + 2)
