"""The import's read phase: the catalog, the selected customers, and everything the planner reads about them.

Customers are selected by id or ingest alias (``--customer``, one request each) or all active ones (``--all``,
``GET /v1/customers`` page by page). Per customer, concurrently: its billing provider configurations, its
non-archived contracts (with truncated commit/credit lists completed, as :mod:`reconciler.live.read` does), and
the seats history of every SEAT_BASED subscription from the plan's default effective time on, exactly the
window the planner compares.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass, field

from reconciler.errors import ConfigError, NotFoundError
from reconciler.live.model import Catalog, LiveContract, LiveCustomer
from reconciler.live.read import complete_contracts, read_catalog, read_seats
from reconciler.manifest.types import is_uuid
from reconciler.plan.planner import default_effective_at


@dataclass
class ImportSource:
    catalog: Catalog
    customers: list[LiveCustomer] = field(default_factory=list)


async def read_for_import(client, *, selectors: list[str], everything: bool, now: dt.datetime) -> ImportSource:
    catalog, customers = await asyncio.gather(read_catalog(client), select_customers(client, selectors, everything))
    seats_from = default_effective_at(now)
    lives = await asyncio.gather(*(read_customer(client, c, seats_from) for c in customers))
    return ImportSource(catalog, list(lives))


async def select_customers(client, selectors: list[str], everything: bool) -> list[dict]:
    """The live customers to import, each once; every selector that matches no active customer is an error."""
    if everything:
        return [c for c in await client.list_customers() if not c.get("archived_at")]
    found = await asyncio.gather(*(_find(client, s) for s in selectors))
    missing = [s for s, c in zip(selectors, found) if c is None]
    if missing:
        raise ConfigError(f"no active customer has the id or ingest alias {', '.join(map(repr, missing))}",
                          hint="--customer takes a Metronome customer id or one of its ingest aliases")
    unique = {c["id"]: c for c in found if c is not None}
    return list(unique.values())


async def _find(client, selector: str) -> dict | None:
    if is_uuid(selector):
        try:
            customer = await client.get_customer(selector)
        except NotFoundError:
            return None
        return None if customer.get("archived_at") else customer
    matches = await client.list_customers(ingest_alias=selector)
    return next((c for c in matches if not c.get("archived_at")), None)


async def read_customer(client, customer: dict, seats_from: dt.datetime) -> LiveCustomer:
    configurations, contracts = await asyncio.gather(
        client.get_billing_provider_configurations(customer["id"]), client.list_contracts(customer["id"]))
    live = [LiveContract(c) for c in contracts if not c.get("archived_at")]
    await asyncio.gather(complete_contracts(client, customer["id"], [c.contract for c in live]),
                         *(read_seats(client, c, seats_from) for c in live))
    return LiveCustomer(customer=customer, billing_provider_configurations=configurations or [], contracts=live)
