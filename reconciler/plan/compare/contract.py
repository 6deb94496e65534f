"""The contract's own fields: name, end date, net payment terms, billing provider, custom fields.

``starting_at`` and the rate card cannot change (a new contract, e.g. a RENEWAL transition, is the way out). A
billing provider configuration can be added to a contract that has none, never swapped. Moving the end date
earlier (or setting one on an open-ended contract) ends billing early and is destructive.
"""

from __future__ import annotations

from reconciler.plan.canon import number, ts
from reconciler.plan.compare.base import Comparator, ContractContext, EditPart, SideRequest, change, diff_changes
from reconciler.plan.model import Risk

WAY_OUT = ("{field} of a contract cannot change; create a new contract (a new manifest name, optionally with a "
           "RENEWAL transition) and end this one")


def billing_provider_request(ctx: ContractContext) -> dict | None:
    ref = ctx.spec.billing_provider_configuration
    if ref is None:
        return None
    if ref.id:
        return {"billing_provider_configuration_id": ref.id}
    return {"billing_provider": ref.billing_provider, "delivery_method": ref.delivery_method}


def top_level_create_fields(ctx: ContractContext) -> dict:
    spec = ctx.spec
    body = {
        "name": spec.name,
        "rate_card_id": ctx.resolver.rate_card(spec.rate_card, ctx.where("rate_card")),
        "starting_at": ts(spec.starting_at),
        "ending_before": ts(spec.ending_before),
        "net_payment_terms_days": spec.net_payment_terms_days,
        "billing_provider_configuration": billing_provider_request(ctx),
        "custom_fields": spec.custom_fields,
    }
    return {k: v for k, v in body.items() if v is not None}


class ContractFieldsComparator(Comparator):
    section = "contract"

    def create_entries(self, ctx: ContractContext) -> list[dict]:
        return [top_level_create_fields(ctx)]

    def compare(self, ctx: ContractContext) -> list[EditPart]:
        live, spec = ctx.contract, ctx.spec
        self._immutables(ctx)
        parts: list[EditPart] = []
        if spec.name is not None and spec.name != live.get("name"):
            parts.append(EditPart("update_contract_name", spec.name, [change("name", live.get("name"), spec.name)],
                                  f"rename to {spec.name!r}", risk=Risk.SAFE))
        parts += self._end_date(ctx)
        terms = spec.net_payment_terms_days
        if terms is not None and number(terms) != number(live.get("net_payment_terms_days")):
            parts.append(EditPart("update_net_payment_terms_days", terms,
                                  [change("net_payment_terms_days", live.get("net_payment_terms_days"), terms)],
                                  f"net payment terms {terms:g} days", risk=Risk.BILLING))
        parts += self._billing_provider(ctx)
        self._custom_fields(ctx)
        return parts

    def _immutables(self, ctx: ContractContext) -> None:
        live, spec = ctx.contract, ctx.spec
        rate_card = ctx.resolver.rate_card(spec.rate_card, ctx.where("rate_card"))
        if live.get("rate_card_id") and rate_card != live.get("rate_card_id"):
            ctx.errors.append(f"{ctx.address}: rate_card cannot change ({live.get('rate_card_id')} -> {rate_card}); "
                              + WAY_OUT.format(field="the rate card"))
        if ts(spec.starting_at) != ts(live.get("starting_at")):
            ctx.errors.append(f"{ctx.address}: starting_at cannot change ({ts(live.get('starting_at'))} -> "
                              f"{ts(spec.starting_at)}); " + WAY_OUT.format(field="the start"))

    def _end_date(self, ctx: ContractContext) -> list[EditPart]:
        before, after = ts(ctx.contract.get("ending_before")), ts(ctx.spec.ending_before)
        if before == after:
            return []
        shortens = after is not None and (before is None or after < before)
        return [EditPart("update_contract_end_date", after, [change("ending_before", before, after,
                                                                    "end" if shortens else "update")],
                         f"end date {before or 'open-ended'} -> {after or 'open-ended'}",
                         action="end" if shortens else "update",
                         risk=Risk.DESTRUCTIVE if shortens else Risk.BILLING, destructive=shortens)]

    def _billing_provider(self, ctx: ContractContext) -> list[EditPart]:
        wanted = billing_provider_request(ctx)
        live = ctx.contract.get("customer_billing_provider_configuration")
        if wanted is None:
            return []
        if live is None:
            entry = {"billing_provider_configuration": wanted, "schedule": {"effective_at": "START_OF_CURRENT_PERIOD"}}
            return [EditPart("add_billing_provider_configuration_update", entry,
                             [change("billing_provider_configuration", None, wanted, "create")],
                             "invoice through the billing provider configuration", risk=Risk.BILLING)]
        same = (live.get("id") == wanted.get("billing_provider_configuration_id") if "billing_provider_configuration_id"
                in wanted else (live.get("billing_provider"), live.get("delivery_method")) ==
                (wanted["billing_provider"], wanted["delivery_method"]))
        if not same:
            ctx.errors.append(f"{ctx.address}: billing_provider_configuration cannot be swapped on a contract that has "
                              f"one ({live.get('billing_provider')}/{live.get('delivery_method')}); "
                              + WAY_OUT.format(field="the billing provider configuration"))
        return []

    def _custom_fields(self, ctx: ContractContext) -> None:
        wanted = ctx.spec.custom_fields or {}
        have = ctx.contract.get("custom_fields") or {}
        diff = {k: v for k, v in wanted.items() if have.get(k) != v}
        if diff:
            ctx.side_requests.append(SideRequest(
                "/v1/customFields/setValues", {"entity": "contract", "entity_id": ctx.contract["id"],
                                               "custom_fields": diff},
                diff_changes("custom_fields", {k: have.get(k) for k in diff}, diff), "set contract custom fields"))
