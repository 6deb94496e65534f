"""Read-backs: did an operation's write happen? Asked after a 409 or an unknown outcome, never guessed.

Each write path has one question it can answer from a read: a customer create is found by its ingest alias, a
contract create by its ``uniqueness_key``, an edit by its ``uniqueness_key`` in the edit history, a billing
provider configuration by provider and delivery method. Writes that set a value (names, aliases, custom field
values, custom field keys) are idempotent: sending them again is the read-back.
"""

from __future__ import annotations

import re
from typing import Any

from reconciler.errors import ApplyError
from reconciler.plan.model import Operation

IDEMPOTENT = (re.compile(r"^/v1/customers/[^/]+/(setName|setIngestAliases)$"),
              re.compile(r"^/v1/customFields/(setValues|addKey)$"))


def is_idempotent(path: str) -> bool:
    return any(p.match(path) for p in IDEMPOTENT)


async def find_applied(client: Any, op: Operation, body: dict) -> dict | None:
    """The evidence that ``op`` is already applied (``{"id": …}`` where it created something), or ``None``.
    A write path with no read-back here is refused loudly: guessing is how credits get duplicated."""
    path = op.request.path
    if is_idempotent(path):
        return None
    question = READ_BACKS.get(path)
    if question is None:
        raise ApplyError(f"{op.id}: no read-back is known for {path}; its outcome cannot be settled safely")
    return await question(client, body)


async def _customer_by_alias(client: Any, body: dict) -> dict | None:
    found = await client.list_customers(ingest_alias=body["ingest_aliases"][0])
    return {"id": found[0]["id"]} if found else None


async def _contract_created(client: Any, body: dict) -> dict | None:
    return await _contract_by_key(client, body["customer_id"], body["uniqueness_key"])


async def _edit_in_history(client: Any, body: dict) -> dict | None:
    history = await client.get_edit_history(body["customer_id"], body["contract_id"])
    return {"id": body["contract_id"]} if any(e.get("uniqueness_key") == body["uniqueness_key"]
                                               for e in history) else None


async def _contract_by_key(client: Any, customer_id: str, uniqueness_key: str) -> dict | None:
    if customer_id.startswith("${"):
        return None
    for contract in await client.list_contracts(customer_id):
        if contract.get("uniqueness_key") == uniqueness_key:
            return {"id": contract["id"]}
    return None


async def _configurations_present(client: Any, body: dict) -> dict | None:
    wanted = body.get("data") or []
    if not wanted:
        return None
    live = await client.get_billing_provider_configurations(wanted[0]["customer_id"])
    have = {(c.get("billing_provider"), c.get("delivery_method")) for c in live if not c.get("archived_at")}
    present = all((w["billing_provider"], w["delivery_method"]) in have for w in wanted)
    return {"id": wanted[0]["customer_id"]} if present else None


#: One question per write path: did this write happen?
READ_BACKS = {
    "/v1/customers": _customer_by_alias,
    "/v1/contracts/create": _contract_created,
    "/v2/contracts/edit": _edit_in_history,
    "/v1/setCustomerBillingProviderConfigurations": _configurations_present,
}
