"""Metronome's operations by their own names: the paths, methods, paging and bodies of reference §3-§7.

Each helper is one line of intent over :meth:`MetronomeClient.request` and returns plain dicts: the ``data`` of
the answer for single objects, every item of every page for lists. Nothing here interprets the objects; that is
``reconciler.live``'s job. Writes pass their body through untouched (the plan built it) with ``write=True``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote

from reconciler.metronome.pagination import (
    body_cursor,
    body_cursor_field,
    body_cursor_next_page,
    collect,
    query_cursor,
    query_cursor_without_limit,
)

#: ``GET /v1/customers`` accepts at most this many ``customer_ids`` per call.
CUSTOMER_IDS_PER_CALL = 100

Timestamp = datetime | str


def iso(value: Timestamp) -> str:
    """An RFC 3339 timestamp; datetimes must be timezone-aware (a naive one would be sent without offset)."""
    if isinstance(value, str):
        return value
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"timestamp {value!r} has no timezone")
    return value.isoformat().replace("+00:00", "Z")


def _compact(**fields: Any) -> dict[str, Any]:
    """A request body without the optional fields left unset."""
    return {key: value for key, value in fields.items() if value is not None}


def _segment(value: str) -> str:
    """An id as one path segment; ``.`` and ``..`` would be resolved away and change the endpoint."""
    if value in ("", ".", ".."):
        raise ValueError(f"invalid id {value!r}")
    return quote(value, safe="")


class MetronomeOperations:
    """Named Metronome operations, mixed into :class:`~reconciler.metronome.client.MetronomeClient`."""

    async def request(self, method: str, path: str, *, json: Any = None,
                      params: Mapping[str, Any] | None = None, write: bool = False,
                      idempotency_key: str | None = None) -> dict | None:
        raise NotImplementedError

    def report_progress(self, message: str) -> None:
        raise NotImplementedError

    async def _data(self, method: str, path: str, body: Any = None, *, write: bool = False,
                    idempotency_key: str | None = None) -> Any:
        answer = await self.request(method, path, json=body, write=write, idempotency_key=idempotency_key)
        return None if answer is None else answer.get("data")

    # -- customers (§3) ------------------------------------------------------------------------------------

    async def list_customers(self, *, ingest_alias: str | None = None,
                             customer_ids: Sequence[str] | None = None,
                             only_archived: bool | None = None) -> list[dict]:
        """GET /v1/customers, every page; ``customer_ids`` are sent in chunks of 100, comma-joined."""
        if customer_ids is None:
            return await self._list_customers(ingest_alias, None, only_archived)
        found: list[dict] = []
        for chunk in _chunks(list(customer_ids), CUSTOMER_IDS_PER_CALL):
            found += await self._list_customers(ingest_alias, chunk, only_archived)
        return found

    def iter_customers(self) -> AsyncIterator[dict]:
        """GET /v1/customers, every active customer, item by item as each page of 100 arrives."""
        return query_cursor(self, "GET", "/v1/customers", limit=100)

    async def _list_customers(self, ingest_alias: str | None, customer_ids: list[str] | None,
                              only_archived: bool | None) -> list[dict]:
        params = _compact(ingest_alias=ingest_alias, customer_ids=customer_ids, only_archived=only_archived)
        return await collect(query_cursor(self, "GET", "/v1/customers", params=params, limit=100))

    async def get_customer(self, customer_id: str) -> dict:
        return await self._data("GET", f"/v1/customers/{_segment(customer_id)}")

    async def create_customer(self, body: Mapping[str, Any], *, idempotency_key: str | None = None) -> dict:
        """POST /v1/customers; an ingest alias already in use raises ConflictError."""
        return await self._data("POST", "/v1/customers", dict(body), write=True, idempotency_key=idempotency_key)

    async def set_customer_name(self, customer_id: str, name: str) -> dict:
        return await self._data("POST", f"/v1/customers/{_segment(customer_id)}/setName", {"name": name},
                                write=True)

    async def set_ingest_aliases(self, customer_id: str, ingest_aliases: Sequence[str]) -> None:
        """Full replacement of the customer's ingest aliases."""
        await self.request("POST", f"/v1/customers/{_segment(customer_id)}/setIngestAliases",
                           json={"ingest_aliases": list(ingest_aliases)}, write=True)

    async def get_billing_provider_configurations(self, customer_id: str, *,
                                                  include_archived: bool | None = None) -> list[dict]:
        body = _compact(customer_id=customer_id, include_archived=include_archived)
        return await self._data("POST", "/v1/getCustomerBillingProviderConfigurations", body) or []

    # -- custom fields (§7.5) ------------------------------------------------------------------------------

    async def list_custom_field_keys(self, entities: Iterable[str] | None = None) -> list[dict]:
        body = _compact(entities=list(entities) if entities is not None else None)
        return await collect(query_cursor_without_limit(self, "POST", "/v1/customFields/listKeys", json=body))

    async def set_custom_field_values(self, entity: str, entity_id: str, custom_fields: Mapping[str, str]) -> None:
        """Merge ``custom_fields`` into the entity's values (keys not named are kept)."""
        body = {"entity": entity, "entity_id": entity_id, "custom_fields": dict(custom_fields)}
        await self.request("POST", "/v1/customFields/setValues", json=body, write=True)

    # -- catalog (§7.1-§7.3) -------------------------------------------------------------------------------

    async def list_credit_types(self) -> list[dict]:
        return await collect(query_cursor(self, "GET", "/v1/credit-types/list", limit=100))

    async def list_products(self, *, archive_filter: str | None = None) -> list[dict]:
        """POST /v1/contract-pricing/products/list; ``archive_filter`` is ARCHIVED, NOT_ARCHIVED (default) or ALL."""
        body = _compact(archive_filter=archive_filter)
        return await collect(query_cursor(self, "POST", "/v1/contract-pricing/products/list", json=body, limit=100))

    async def get_product(self, product_id: str) -> dict:
        return await self._data("POST", "/v1/contract-pricing/products/get", {"id": product_id})

    async def list_rate_cards(self) -> list[dict]:
        return await collect(query_cursor(self, "POST", "/v1/contract-pricing/rate-cards/list", json={}, limit=100))

    async def get_rate_card(self, rate_card_id: str) -> dict:
        return await self._data("POST", "/v1/contract-pricing/rate-cards/get", {"id": rate_card_id})

    async def get_rates(self, rate_card_id: str, at: Timestamp, *,
                        selectors: Sequence[Mapping[str, Any]] | None = None) -> list[dict]:
        """The rates of a rate card in effect at ``at`` (every page)."""
        body = _compact(rate_card_id=rate_card_id, at=iso(at), selectors=list(selectors) if selectors else None)
        return await collect(query_cursor(self, "POST", "/v1/contract-pricing/rate-cards/getRates",
                                          json=body, limit=100))

    # -- contracts (§4-§6) ---------------------------------------------------------------------------------

    async def list_contracts(self, customer_id: str, *, include_archived: bool = False,
                             covering_date: Timestamp | None = None,
                             starting_at: Timestamp | None = None) -> list[dict]:
        """POST /v2/contracts/list, every page (body ``cursor``, limit 20)."""
        body = _compact(customer_id=customer_id, include_archived=include_archived,
                        covering_date=_maybe_iso(covering_date), starting_at=_maybe_iso(starting_at))
        return await collect(body_cursor_field(self, "/v2/contracts/list", json=body, limit=20))

    async def get_contract(self, customer_id: str, contract_id: str, *,
                           as_of_date: Timestamp | None = None) -> dict:
        """POST /v2/contracts/get; a missing contract raises NotFoundError (the API answers 400)."""
        body = _compact(customer_id=customer_id, contract_id=contract_id, as_of_date=_maybe_iso(as_of_date))
        return await self._data("POST", "/v2/contracts/get", body)

    async def create_contract(self, body: Mapping[str, Any], *, idempotency_key: str | None = None) -> dict:
        """POST /v1/contracts/create; answers ``{id, contract?}``. A reused ``uniqueness_key`` raises ConflictError."""
        return await self._data("POST", "/v1/contracts/create", dict(body), write=True,
                                idempotency_key=idempotency_key)

    async def edit_contract(self, body: Mapping[str, Any], *, idempotency_key: str | None = None) -> dict:
        """POST /v2/contracts/edit; answers ``{id, edit?}``. A reused ``uniqueness_key`` raises ConflictError."""
        return await self._data("POST", "/v2/contracts/edit", dict(body), write=True,
                                idempotency_key=idempotency_key)

    async def get_edit_history(self, customer_id: str, contract_id: str) -> list[dict]:
        body = {"customer_id": customer_id, "contract_id": contract_id}
        return await self._data("POST", "/v2/contracts/getEditHistory", body) or []

    async def update_contract_end_date(self, customer_id: str, contract_id: str, *,
                                       ending_before: Timestamp | None = None,
                                       allow_ending_before_finalized_invoice: bool | None = None) -> dict:
        """POST /v1/contracts/updateEndDate; ``ending_before=None`` makes the contract open-ended."""
        body = _compact(customer_id=customer_id, contract_id=contract_id, ending_before=_maybe_iso(ending_before),
                        allow_ending_before_finalized_invoice=allow_ending_before_finalized_invoice)
        return await self._data("POST", "/v1/contracts/updateEndDate", body, write=True)

    async def archive_contract(self, customer_id: str, contract_id: str, *, void_invoices: bool) -> dict:
        body = {"customer_id": customer_id, "contract_id": contract_id, "void_invoices": void_invoices}
        return await self._data("POST", "/v1/contracts/archive", body, write=True)

    async def get_subscription_seats_history(self, customer_id: str, contract_id: str, subscription_id: str, *,
                                             covering_date: Timestamp | None = None,
                                             starting_at: Timestamp | None = None,
                                             ending_before: Timestamp | None = None) -> list[dict]:
        """Every seats-history segment (body ``cursor``, answer ``next_page``, limit 10)."""
        if covering_date is not None and (starting_at is not None or ending_before is not None):
            raise ValueError("covering_date excludes starting_at/ending_before")
        body = _compact(customer_id=customer_id, contract_id=contract_id, subscription_id=subscription_id,
                        covering_date=_maybe_iso(covering_date), starting_at=_maybe_iso(starting_at),
                        ending_before=_maybe_iso(ending_before))
        return await collect(body_cursor_next_page(self, "/v1/contracts/getSubscriptionSeatsHistory",
                                                   json=body, limit=10))

    async def list_customer_commits(self, customer_id: str, *, include_contract_commits: bool = True,
                                    include_archived: bool | None = None) -> list[dict]:
        """POST /v1/contracts/customerCommits/list, every page (body ``next_page``, limit 25). There is no
        contract filter: callers keep the commits whose ``contract.id`` they want."""
        body = _compact(customer_id=customer_id, include_contract_commits=include_contract_commits,
                        include_archived=include_archived)
        return await collect(body_cursor(self, "/v1/contracts/customerCommits/list", json=body, limit=25))

    async def list_customer_credits(self, customer_id: str, *, include_contract_credits: bool = True,
                                    include_archived: bool | None = None) -> list[dict]:
        """POST /v1/contracts/customerCredits/list, every page (body ``next_page``, limit 25); filter on
        ``contract.id`` client-side."""
        body = _compact(customer_id=customer_id, include_contract_credits=include_contract_credits,
                        include_archived=include_archived)
        return await collect(body_cursor(self, "/v1/contracts/customerCredits/list", json=body, limit=25))

    async def get_subscription_quantity_history(self, customer_id: str, contract_id: str,
                                                subscription_id: str) -> dict:
        body = {"customer_id": customer_id, "contract_id": contract_id, "subscription_id": subscription_id}
        return await self._data("POST", "/v1/contracts/getSubscriptionQuantityHistory", body)


def _maybe_iso(value: Timestamp | None) -> str | None:
    return None if value is None else iso(value)


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
