"""The live read phase: fetch from Metronome exactly what the manifests manage, into :class:`Live`.

The planner never does I/O; everything it needs is read here, :data:`CUSTOMERS_IN_FLIGHT` customers at a time,
each customer's independent requests in flight at once (the client's semaphore bounds them) and each customer
read as soon as it is found.

Requests, with page sizes fixed by the API (``ceil`` of items over page size, at least one request each):

* catalog, always, the four lists concurrently: products/100 + rate cards/100 + credit types/100 + custom field
  key pages (4 when each fits one page);
* customers, ``lookup`` strategy (at most 50 keys): 1 per customer key (by ingest alias, or by id);
* customers, ``scan`` strategy (more than 50 keys): active customers in the account/100, none per key;
* per existing customer: its non-archived contracts/20;
  + 1 (``getCustomerBillingProviderConfigurations``) if its manifest declares billing provider configurations
  or one of its contracts references one;
  + its commits/25 (credits/25), once per customer, only if a contract's ``has_more.commits`` (``credits``);
* per SEAT_BASED subscription of a managed contract: its seat segments since ``starting_at``/10.

So 10,000 customers with one contract and one SEAT_BASED subscription each, in an account of 10,000 customers:
4 + 100 (scan) + 10,000 (contracts) + 10,000 (seats) = 20,104 requests; the lookup strategy would add 9,900.

The pipeline (``keep_generated_grants=False``) drops the grants that recurring commits and credits generated as
each contract is read (see :func:`drop_generated_grants`): with INDIVIDUAL seat credits they are one per seat
per period, the planner and the fingerprints ignore them, and keeping them cost about 1 GB of memory at 5,000
customers in the benchmark.

Seats are read only for contracts a manifest manages (by ``uniqueness_key``, or by ``spec.id`` when pinned,
exactly as the planner matches them), from the earliest time the plan may change them:
``min(seats_from, earliest changes_effective_at of the manifest's subscriptions)``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime

from reconciler.live.customers import (
    SCAN_THRESHOLD,
    CustomerFinder,
    CustomerIdentity,
    CustomerLookup,
    customer_finder,
    customer_identities,
    identity_of,
)
from reconciler.live.model import Catalog, Live, LiveContract, LiveCustomer
from reconciler.manifest.desired import Desired
from reconciler.manifest.models import ContractManifest
from reconciler.plan.identity import contract_uniqueness_key

#: the custom field entities a manifest can set values on.
CUSTOM_FIELD_ENTITIES = ("customer", "contract", "subscription", "commit", "contract_credit")
#: ``has_more`` section, and the client operation that lists all of the customer's items of that section.
TRUNCATED_SECTIONS = (("commits", "list_customer_commits"), ("credits", "list_customer_credits"))
#: customers read at once. The client's semaphore already bounds the requests; this bounds the customers whose
#: contracts are held half-read, so memory does not grow with N while their seat reads queue behind everyone's
#: contract lists (with all N started at once, every contract was held until the last seat read).
CUSTOMERS_IN_FLIGHT = 64
#: section, and the field that marks a grant a recurring commit or credit generated.
GENERATED_LINKS = (("commits", "recurring_commit_id"), ("credits", "recurring_credit_id"))


async def read_live(client, desired: Desired, *, seats_from: datetime, customer_lookup: CustomerLookup = "auto",
                    scan_threshold: int = SCAN_THRESHOLD, keep_generated_grants: bool = True) -> Live:
    """Read the catalog and every customer the manifests name, with their contracts and managed seats.
    ``keep_generated_grants=False`` drops recurring items' generated grants as each contract arrives."""
    identities = customer_identities(desired)
    finder = customer_finder(client, identities, customer_lookup, scan_threshold)
    progress = _Progress(client, len(identities))
    contracts = contracts_by_customer(desired)
    in_flight = asyncio.Semaphore(CUSTOMERS_IN_FLIGHT)
    reads = [_bounded(in_flight, _read_customer(client, finder, identity, contracts.get(identity.key, []),
                                                seats_from, progress, keep_generated_grants))
             for identity in identities]
    catalog, *customers = await asyncio.gather(read_catalog(client), *reads)
    found = {identity.key: customer for identity, customer in zip(identities, customers) if customer}
    return Live(catalog=catalog, customers=found)


async def read_live_as_loaded(client, fragments: AsyncIterator[Desired], *, seats_from: datetime,
                              customer_lookup: CustomerLookup = "auto", scan_threshold: int = SCAN_THRESHOLD,
                              keep_generated_grants: bool = True) -> tuple[Desired, Live]:
    """:func:`read_live`, started while the manifests still load: ``fragments`` yields each batch of loaded
    manifests (and raises at its end if they are invalid). Returns their merge and the live state.

    Each customer's reads start as soon as its fragment is in (once the customer-finding strategy is settled:
    at once for ``scan``/``lookup``, for ``auto`` when more than ``scan_threshold`` keys are known or at the end).
    Reads are speculative until the load ends: a customer whose identity or contract manifests a later fragment
    changed (its manifests spread over files far apart) is read again, and the first answer dropped. Nothing is
    written, so the only cost of a speculation is requests. A failed read stops new ones; its error is raised
    after the load, so invalid manifests are reported first, as :func:`read_live` does."""
    reader = _OverlappedRead(client, seats_from, customer_lookup, scan_threshold, keep_generated_grants)
    catalog = asyncio.ensure_future(read_catalog(client))
    try:
        async for fragment in fragments:
            reader.add(fragment)
        customers = await reader.finish()
        return reader.desired, Live(catalog=await catalog, customers=customers)
    finally:
        await reader.cancel(catalog)


class _OverlappedRead:
    """The customers of :func:`read_live_as_loaded`: the manifests merged so far, what each read was started
    with, and its task."""

    def __init__(self, client, seats_from: datetime, lookup: CustomerLookup, threshold: int,
                 keep_generated_grants: bool) -> None:
        self.client, self.seats_from, self.lookup, self.threshold = client, seats_from, lookup, threshold
        self.keep_generated_grants = keep_generated_grants
        self.finder: CustomerFinder | None = None
        self.desired = Desired()
        #: contract manifests per customer key, grown with each fragment (``contracts_by_customer`` of desired).
        self.contracts: dict[str, list[ContractManifest]] = {}
        self.started: dict[str, tuple[tuple, asyncio.Task]] = {}
        self.failed: BaseException | None = None
        self.in_flight = asyncio.Semaphore(CUSTOMERS_IN_FLIGHT)
        self.progress = _Progress(client, None)

    def add(self, fragment: Desired) -> None:
        touched = dict.fromkeys(fragment.customers)
        for address, contract in fragment.contracts.items():
            if address not in self.desired.contracts:  # the first definition wins, as in the loader
                self.contracts.setdefault(contract.customer_ref, []).append(contract)
                touched[contract.customer_ref] = None
        self.desired.merge(fragment)
        if self.finder is None:
            known = dict.fromkeys([*self.desired.customers, *self.contracts])
            if self.lookup == "auto" and len(known) <= self.threshold:
                return  # the strategy waits for more keys, or for the end
            self.finder = customer_finder(self.client, [], "scan" if self.lookup == "auto" else self.lookup)
            touched = known  # everything known so far starts now
        for key in touched:
            manifests = self.contracts.get(key, [])
            self._start(identity_of(key, self.desired.customers.get(key), manifests), manifests)

    async def finish(self) -> dict[str, LiveCustomer]:
        identities = customer_identities(self.desired)
        if self.finder is None:
            self.finder = customer_finder(self.client, identities, self.lookup, self.threshold)
        self.progress.total(len(identities))
        for identity in identities:
            self._start(identity, self.contracts.get(identity.key, []))
        if self.failed is not None:
            raise self.failed
        results = await asyncio.gather(*(self.started[identity.key][1] for identity in identities))
        return {identity.key: customer for identity, customer in zip(identities, results) if customer}

    def _start(self, identity: CustomerIdentity, manifests: list[ContractManifest]) -> None:
        """Read this customer unless a read with the same identity and manifests is under way (or done)."""
        spec = (identity, tuple(m.address for m in manifests))
        previous = self.started.get(identity.key)
        if previous is not None and previous[0] == spec or self.failed is not None:
            return
        if previous is not None:
            previous[1].cancel()  # speculated on fewer manifests: read again
        task = asyncio.ensure_future(_bounded(self.in_flight, _read_customer(
            self.client, self.finder, identity, list(manifests), self.seats_from, self.progress,
            self.keep_generated_grants)))
        task.add_done_callback(self._failed)
        self.started[identity.key] = (spec, task)

    def _failed(self, task: asyncio.Task) -> None:
        if not task.cancelled() and task.exception() is not None and self.failed is None:
            self.failed = task.exception()

    async def cancel(self, catalog: asyncio.Future) -> None:
        """Stop whatever still runs (on an error, or reads superseded by a later fragment)."""
        pending = [task for _, task in self.started.values() if not task.done()] + [catalog]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)


async def _bounded(semaphore: asyncio.Semaphore, read):
    async with semaphore:
        return await read


def contracts_by_customer(desired: Desired) -> dict[str, list[ContractManifest]]:
    """Contract manifests per customer key, indexed once (``Desired.contracts_of`` per customer is quadratic)."""
    index: dict[str, list[ContractManifest]] = {}
    for contract in desired.contracts.values():
        index.setdefault(contract.customer_ref, []).append(contract)
    return index


async def read_catalog(client) -> Catalog:
    products, rate_cards, credit_types, keys = await asyncio.gather(
        client.list_products(), client.list_rate_cards(), client.list_credit_types(),
        client.list_custom_field_keys(CUSTOM_FIELD_ENTITIES))
    return Catalog(products=products, rate_cards=rate_cards, credit_types=credit_types, custom_field_keys=keys)


async def _read_customer(client, finder: CustomerFinder, identity: CustomerIdentity,
                         manifests: list[ContractManifest], seats_from: datetime,
                         progress: _Progress, keep_generated_grants: bool = True) -> LiveCustomer | None:
    customer = await finder.find(identity)
    if customer is None:
        progress.tick()
        return None
    configurations, contracts = await asyncio.gather(
        _billing_provider_configurations(client, customer["id"], identity),
        read_contracts(client, customer["id"], identity.key, manifests, seats_from, keep_generated_grants))
    progress.tick()
    return LiveCustomer(customer=customer, billing_provider_configurations=configurations, contracts=contracts)


async def _billing_provider_configurations(client, customer_id: str, identity: CustomerIdentity) -> list[dict]:
    if not identity.reads_billing_provider_configurations:
        return []
    return await client.get_billing_provider_configurations(customer_id)


async def read_contracts(client, customer_id: str, customer_key: str, manifests: list[ContractManifest],
                         seats_from: datetime, keep_generated_grants: bool = True) -> list[LiveContract]:
    """Every non-archived contract of a customer, completed, with seats for the ones ``manifests`` manage."""
    contracts = [LiveContract(c) for c in await client.list_contracts(customer_id) if not c.get("archived_at")]
    if not keep_generated_grants:  # at once: the seat reads below may wait behind other customers' requests
        for live in contracts:
            drop_generated_grants(live.contract)
    managed = managed_contracts([c.contract for c in contracts], customer_key, manifests)
    seat_reads = [read_seats(client, live, seats_start(managed[live.contract["id"]], seats_from))
                  for live in contracts if live.contract.get("id") in managed]
    await asyncio.gather(complete_contracts(client, customer_id, [c.contract for c in contracts]), *seat_reads)
    if not keep_generated_grants:
        for live in contracts:
            drop_generated_grants(live.contract)
    return contracts


def drop_generated_grants(contract: dict) -> None:
    """Drop, in place, the commits and credits that recurring commits and credits generated (``recurring_*_id``
    set). The planner's comparators and the fingerprints ignore them, and they are most of a seat-based
    contract's size: an INDIVIDUAL recurring commit grants one commit per seat per period."""
    for section, link in GENERATED_LINKS:
        if contract.get(section):
            contract[section] = [grant for grant in contract[section] if not grant.get(link)]


def managed_contracts(contracts: list[dict], customer_key: str,
                      manifests: list[ContractManifest]) -> dict[str, ContractManifest]:
    """Live contract id -> the manifest managing it, matched as the planner does: the ``spec.id`` pin when
    there is one, else the ``uniqueness_key`` derived from the address."""
    by_id = {c.get("id"): c for c in contracts}
    by_key = {c.get("uniqueness_key"): c for c in contracts if c.get("uniqueness_key")}
    managed: dict[str, ContractManifest] = {}
    for manifest in manifests:
        pin = manifest.spec.id
        live = by_id.get(pin) if pin else by_key.get(contract_uniqueness_key(customer_key, manifest.metadata.name))
        if live is not None:
            managed[live["id"]] = manifest
    return managed


def seats_start(manifest: ContractManifest, seats_from: datetime) -> datetime:
    """The earliest time the plan may change this contract's seats: ``seats_from``, or an earlier
    ``changes_effective_at`` of one of the manifest's subscriptions."""
    stated = [s.changes_effective_at for s in manifest.spec.subscriptions if s.changes_effective_at]
    return min([seats_from, *stated])


async def read_seats(client, live: LiveContract, starting_at: datetime) -> None:
    """Fill ``live.seats`` for every SEAT_BASED subscription of the contract (concurrently)."""
    contract = live.contract
    ids = [s["id"] for s in contract.get("subscriptions") or []
           if s.get("quantity_management_mode") == "SEAT_BASED" and s.get("id")]
    histories = await asyncio.gather(*(
        client.get_subscription_seats_history(contract["customer_id"], contract["id"], sub, starting_at=starting_at)
        for sub in ids))
    live.seats.update(zip(ids, histories))


async def complete_contracts(client, customer_id: str, contracts: list[dict]) -> None:
    """Fill the commit/credit lists that ``has_more`` says were truncated, in place, with one customer-wide list
    per section (the API cannot filter by contract: kept by ``contract.id``). A filled section's ``has_more``
    flag is cleared. Apply's read-back should call this too, so its fingerprint sees the same lists."""
    sections = [(section, operation) for section, operation in TRUNCATED_SECTIONS
                if any((c.get("has_more") or {}).get(section) for c in contracts)]
    fetched = await asyncio.gather(*(getattr(client, operation)(customer_id) for _, operation in sections))
    for (section, _), items in zip(sections, fetched):
        for contract in contracts:
            if (contract.get("has_more") or {}).get(section):
                _fill(contract, section, items)


def _fill(contract: dict, section: str, items: list[dict]) -> None:
    embedded = list(contract.get(section) or [])
    seen = {item.get("id") for item in embedded}
    own = [item for item in items if (item.get("contract") or {}).get("id") == contract["id"]]
    contract[section] = embedded + [item for item in own if item.get("id") not in seen]
    contract["has_more"] = {**contract["has_more"], section: False}


class _Progress:
    """``read 120/1000 customers`` about every tenth of the way (at most every 100 customers), and at the end."""

    def __init__(self, client, total: int | None) -> None:
        self._client, self._done = client, 0
        self.total(total)

    def total(self, total: int | None) -> None:
        """Set the number of customers (``None`` while the manifests still load)."""
        self._total = total
        self._every = 100 if total is None else max(1, min(100, total // 10))

    def tick(self) -> None:
        self._done += 1
        if self._done % self._every == 0 or self._done == self._total:
            of = "" if self._total is None else f"/{self._total}"
            self._client.report_progress(f"read {self._done}{of} customers")
