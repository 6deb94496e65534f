"""Finding the customers the manifests manage, by identity (DESIGN.md §3), with the cheaper of two strategies.

A customer key is the ``metadata.name`` of a Customer manifest (found by that ingest alias, or by its ``spec.id``
pin), a name a contract's ``spec.customer`` uses without a Customer manifest (found by ingest alias), or the raw
``spec.customer_id`` of a contract whose customer no manifest manages (found by id). Archived customers never
match: the alias and list reads only return active customers, and a customer fetched by id with ``archived_at``
counts as absent.

Strategies, for N customer keys in an account of A active customers:

* ``lookup``: one request per key, ``GET /v1/customers?ingest_alias=<name>`` or ``GET /v1/customers/{id}``
  (N requests, all concurrent).
* ``scan``: ``GET /v1/customers`` once, 100 per page, indexed by id and by every ingest alias as each page
  arrives (a customer's reads start as soon as its page is in)
  (ceil(A / 100) requests, sequential pages, none per key).

``auto`` scans when more than :data:`SCAN_THRESHOLD` keys are managed: with a dedicated account (A close to N)
the scan costs about N/100 requests instead of N. An account with far more customers than the manifests manage
(A/100 > N, e.g. one shard of a huge estate) should pass ``lookup``.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Literal, Protocol

from reconciler.errors import NotFoundError
from reconciler.manifest.desired import Desired
from reconciler.manifest.models import ContractManifest, CustomerManifest

SCAN_THRESHOLD = 50
CustomerLookup = Literal["auto", "lookup", "scan"]


@dataclass(frozen=True)
class CustomerIdentity:
    """How one customer key is found, and what must be read about it besides its contracts."""

    key: str
    """The key in ``Live.customers``: ``metadata.name``, or the raw id."""
    customer_id: str | None = None
    """A ``spec.id`` pin or a contract's ``spec.customer_id``: found by id."""
    ingest_alias: str | None = None
    """Otherwise found by this identity ingest alias."""
    reads_billing_provider_configurations: bool = False


def customer_identities(desired: Desired) -> list[CustomerIdentity]:
    """Every customer key the manifests name, once, Customer manifests first."""
    keys = dict.fromkeys(desired.customers)
    keys.update(dict.fromkeys(contract.customer_ref for contract in desired.contracts.values()))
    return [identity_of(key, desired.customers.get(key), desired.contracts_of(key)) for key in keys]


def identity_of(key: str, manifest: CustomerManifest | None, contracts: list[ContractManifest]) -> CustomerIdentity:
    """How the customer ``key`` is found, given its Customer manifest (if any) and its contract manifests: the
    manifest's ``spec.id`` pin or its alias; without a Customer manifest, its first contract's
    ``spec.customer_id`` or the alias."""
    configurations = any(c.spec.billing_provider_configuration for c in contracts) or bool(
        manifest is not None and manifest.spec.billing_provider_configurations)
    by_id = manifest.spec.id if manifest is not None else next(
        (c.spec.customer_id for c in contracts), None)
    return CustomerIdentity(key, by_id, None if by_id else key, configurations)


class CustomerFinder(Protocol):
    async def find(self, identity: CustomerIdentity) -> dict | None:
        """The live ``CustomerDetail`` for ``identity``, or ``None`` when it does not exist (or is archived)."""


def customer_finder(client, identities: list[CustomerIdentity], lookup: CustomerLookup = "auto",
                    threshold: int = SCAN_THRESHOLD) -> CustomerFinder:
    if lookup == "scan" or (lookup == "auto" and len(identities) > threshold):
        return ScanFinder(client)
    return LookupFinder(client)


class LookupFinder:
    """One request per customer key."""

    def __init__(self, client) -> None:
        self._client = client

    async def find(self, identity: CustomerIdentity) -> dict | None:
        if identity.customer_id:
            return _active(await self._by_id(identity.customer_id))
        matches = await self._client.list_customers(ingest_alias=identity.ingest_alias)
        return next((c for c in matches if _active(c)), None)

    async def _by_id(self, customer_id: str) -> dict | None:
        try:
            return await self._client.get_customer(customer_id)
        except NotFoundError:
            return None


class ScanFinder:
    """Every active customer read once, page after page, and indexed by id and by every ingest alias as each
    page arrives: a ``find`` returns as soon as its customer's page is in (so that customer's reads start while
    the scan goes on), and ``None`` once the last page is in without it."""

    def __init__(self, client) -> None:
        self._client = client
        self._by_id: dict[str, dict] = {}
        self._by_alias: dict[str, dict] = {}
        self._waiting: dict[tuple[str, str], list[asyncio.Future]] = {}
        self._scan: asyncio.Task | None = None
        self._done = False
        self._error: BaseException | None = None

    async def find(self, identity: CustomerIdentity) -> dict | None:
        if self._scan is None:
            self._scan = asyncio.ensure_future(self._run())
        key = ("id", identity.customer_id) if identity.customer_id else ("alias", identity.ingest_alias)
        found = self._indexed(key)
        if found is not None or self._done:
            return found
        if self._error is not None:
            raise self._error
        waiter = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(key, []).append(waiter)
        return await waiter

    def _indexed(self, key: tuple[str, str]) -> dict | None:
        return (self._by_id if key[0] == "id" else self._by_alias).get(key[1])

    async def _run(self) -> None:
        try:
            async for customer in self._client.iter_customers():
                if _active(customer):
                    self._index(customer)
        except BaseException as exc:  # every waiting find fails with the scan, as each would have alone
            self._error = exc
            for waiters in self._waiting.values():
                for waiter in waiters:
                    if not waiter.done():
                        waiter.set_exception(exc)
            self._waiting.clear()
            if not isinstance(exc, Exception):
                raise
            return
        self._done = True
        for waiters in self._waiting.values():  # not in the account
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(None)
        self._waiting.clear()
        self._client.report_progress(f"indexed {len(self._by_id)} customers")

    def _index(self, customer: dict) -> None:
        keys = [("id", customer["id"])] + [("alias", alias) for alias in customer.get("ingest_aliases") or []]
        for key in keys:
            (self._by_id if key[0] == "id" else self._by_alias).setdefault(key[1], customer)
            for waiter in self._waiting.pop(key, ()):
                if not waiter.done():
                    waiter.set_result(customer)


def _active(customer: dict | None) -> dict | None:
    return customer if customer is not None and not customer.get("archived_at") else None
