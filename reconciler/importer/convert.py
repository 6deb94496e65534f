"""Live state -> manifest documents (pure): one :class:`CustomerFile` per customer, a Customer document followed
by its Contract documents, with the comments the file will carry and every live field left out.

The output is the inverse of what the planner compares: planning these documents against the same live state
gives no operations. Generated grants (``recurring_commit_id`` / ``recurring_credit_id``) and archived items are
not manifest items and are skipped without a report; anything else the format cannot express is a
:class:`~reconciler.importer.fields.Skipped` entry.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from reconciler.importer import items as item
from reconciler.importer.fields import Fields, Skipped, Tracker
from reconciler.importer.names import CatalogRefs, Names, contract_names, customer_keys
from reconciler.live.model import Catalog, LiveContract, LiveCustomer
from reconciler.manifest.models import API_VERSION
from reconciler.plan.canon import clean, ts
from reconciler.plan.planner import default_effective_at

#: The contract custom field where plans record the manifest version (``reconciler.plan.drift``): bookkeeping,
#: never part of a manifest.
MANIFEST_SHA_FIELD = "reconciler_manifest_sha"
#: Contract fields that are read-only, or consumed elsewhere, and never reported.
CONTRACT_READ_ONLY = ("id", "customer_id", "created_at", "created_by", "archived_at", "uniqueness_key", "has_more")
SPEC = ("spec",)


@dataclass
class Document:
    body: dict
    header: list[str] = field(default_factory=list)
    """Comment lines above the document."""
    comments: dict[tuple, list[str]] = field(default_factory=dict)
    """Comment lines above the key or list item at a path (``("spec", "subscriptions", 0)``)."""


@dataclass
class CustomerFile:
    key: str
    documents: list[Document]
    skipped: list[Skipped]
    notes: list[str] = field(default_factory=list)
    """Things the next plan will do or say anyway (e.g. add the key as an ingest alias)."""

    @property
    def filename(self) -> str:
        return f"{self.key}.yaml"


def convert_customers(catalog: Catalog, customers: list[LiveCustomer], now: dt.datetime) -> list[CustomerFile]:
    """Every customer's file, sorted by key."""
    keys = customer_keys([c.customer for c in customers])
    refs = CatalogRefs(catalog)
    files = [convert_customer(c, keys[c.customer["id"]], refs, now) for c in customers]
    return sorted(files, key=lambda f: f.key)


def convert_customer(live: LiveCustomer, key: str, refs: CatalogRefs, now: dt.datetime) -> CustomerFile:
    customer, notes = customer_document(live, key)
    tracker_skips = list(customer.skipped)
    documents = [customer.document]
    names = contract_names([c.contract for c in live.contracts], key)
    ordered = sorted(live.contracts, key=lambda c: names[c.contract["id"]][0])
    for contract in ordered:
        name, pinned = names[contract.contract["id"]]
        converted = contract_document(contract, key, name, pinned, refs, live.billing_provider_configurations, now)
        documents.append(converted.document)
        tracker_skips += converted.skipped
    documents[0].header = _file_header(live.customer, len(ordered)) + documents[0].header
    return CustomerFile(key, documents, sorted(tracker_skips), notes)


@dataclass
class _Converted:
    document: Document
    skipped: list[Skipped]


# --------------------------------------------------------------------------------------------------
# Customer
# --------------------------------------------------------------------------------------------------

def customer_document(live: LiveCustomer, key: str) -> tuple[_Converted, list[str]]:
    tracker = Tracker(f"customer.{key}")
    raw = tracker.view(live.customer, "")
    raw.ignore("id", "external_id", "created_at", "updated_at", "archived_at", "current_billable_status")
    raw.child("customer_config")
    aliases = raw.get("ingest_aliases", [])
    spec = {"id": live.customer["id"], "name": raw.get("name"),
            "ingest_aliases": [a for a in aliases if a != key] or None,
            "custom_fields": _sorted(raw.get("custom_fields")),
            "billing_provider_configurations": _configurations(tracker, live.billing_provider_configurations)}
    body = {"apiVersion": API_VERSION, "kind": "Customer", "metadata": {"name": key}, "spec": clean(spec)}
    document = Document(body, comments={
        ("metadata", "name"): ["The customer's identity key, kept as an ingest alias. Never rename it."],
        SPEC + ("id",): ["Pinned: this manifest manages exactly this live customer."]})
    notes = []
    if key not in aliases:
        document.comments[("metadata", "name")].append(
            "No ingest alias is a valid manifest name, so this key is a slug of the name: the first plan adds it.")
        notes.append(f"customer.{key}: no ingest alias is a valid manifest name; the next plan adds {key!r} as one")
    skipped = tracker.skipped()
    document.header = _not_imported(skipped)
    return _Converted(document, skipped), notes


def _configurations(tracker: Tracker, configurations: list[dict]) -> list[dict] | None:
    active = sorted((c for c in configurations if not c.get("archived_at")),
                    key=lambda c: (c.get("billing_provider") or "", c.get("delivery_method") or "", c.get("id") or ""))
    out = []
    for i, config in enumerate(active):
        raw = tracker.view(config, f"billing_provider_configurations[{i}]")
        raw.ignore("id", "customer_id", "delivery_method_id", "archived_at")
        out.append(clean({"billing_provider": raw.get("billing_provider"),
                          "delivery_method": raw.get("delivery_method"),
                          "configuration": _sorted(raw.get("configuration"))}))
    return out or None


def _file_header(customer: dict, contracts: int) -> list[str]:
    plural = "contract" if contracts == 1 else "contracts"
    return [f"{customer.get('name')}: imported from Metronome by `reconciler import`.",
            "",
            f"The customer, then its {contracts} {plural}. Running `reconciler plan` on this file right after",
            "the import reports no changes; edit it, plan, and apply as with any manifest."]


def _not_imported(skipped: list[Skipped]) -> list[str]:
    if not skipped:
        return []
    lines = ["", "Live fields the manifest format cannot express yet (left as they are in Metronome):"]
    return lines + [f"not imported: {s.path}" + (f" ({s.detail})" if s.detail else "") for s in skipped]


# --------------------------------------------------------------------------------------------------
# Contract
# --------------------------------------------------------------------------------------------------

def contract_document(live: LiveContract, customer_key: str, name: str, pinned: bool, refs: CatalogRefs,
                      configurations: list[dict], now: dt.datetime) -> _Converted:
    contract = live.contract
    tracker = Tracker(f"contract.{customer_key}/{name}")
    raw = tracker.view(contract, "")
    raw.ignore(*CONTRACT_READ_ONLY)
    ctx = item.Items(refs, tracker, contract, live.seats, ts(now), ts(default_effective_at(now)))
    _contract_only_defaults(raw)
    spec = {
        "customer": customer_key, "id": contract["id"] if pinned else None, "name": raw.get("name"),
        "rate_card": refs.rate_card(raw.get("rate_card_id")), "starting_at": ts(raw.get("starting_at")),
        "ending_before": ts(raw.get("ending_before")), "net_payment_terms_days": raw.get("net_payment_terms_days"),
        "billing_provider_configuration": _billing_provider(raw, configurations),
        "custom_fields": _sorted({k: v for k, v in raw.get("custom_fields", {}).items() if k != MANIFEST_SHA_FIELD}),
    }
    spec |= _item_lists(ctx, raw)
    body = {"apiVersion": API_VERSION, "kind": "Contract", "metadata": {"name": name}, "spec": clean(spec)}
    skipped = tracker.skipped()
    document = Document(body, header=_contract_header(contract, pinned) + _not_imported(skipped),
                        comments=_contract_comments(ctx, pinned))
    return _Converted(document, skipped)


def _contract_only_defaults(raw: Fields) -> None:
    """Contract-wide settings the format has no field for: silent when they hold the API's defaults."""
    schedule = raw.data.get("usage_statement_schedule") or {}
    start = ts(raw.data.get("starting_at")) or ""
    first_of_month = start[:8] + "01T00:00:00Z"
    if set(schedule) <= {"frequency", "billing_anchor_date", "day"} and \
            schedule.get("frequency", "MONTHLY") == "MONTHLY" and schedule.get("day", "FIRST_OF_MONTH") == \
            "FIRST_OF_MONTH" and ts(schedule.get("billing_anchor_date")) in (None, first_of_month):
        raw.ignore("usage_statement_schedule")
    if raw.data.get("multiplier_override_prioritization") in (None, "LOWEST_MULTIPLIER"):
        raw.ignore("multiplier_override_prioritization")
    if len(raw.data.get("billing_provider_configuration_schedule") or []) <= 1:
        raw.ignore("billing_provider_configuration_schedule")


def _billing_provider(raw: Fields, configurations: list[dict]) -> dict | None:
    """By provider and delivery method when that pair names one configuration of the customer, else by id."""
    live = raw.get("customer_billing_provider_configuration")
    if not live:
        return None
    pair = (live.get("billing_provider"), live.get("delivery_method"))
    same = [c for c in configurations if (c.get("billing_provider"), c.get("delivery_method")) == pair
            and not c.get("archived_at")]
    if len(same) == 1 and same[0].get("id") == live.get("id"):
        return {"billing_provider": pair[0], "delivery_method": pair[1]}
    return {"id": live.get("id")}


def _item_lists(ctx: item.Items, raw: Fields) -> dict:
    """Keys first (recurring items link to subscriptions, overrides name commits), then each list converted."""
    contract = raw.data
    subscriptions = item.ordered(contract.get("subscriptions") or [])
    recurring_commits = item.ordered(contract.get("recurring_commits") or [])
    recurring_credits = item.ordered(contract.get("recurring_credits") or [])
    commits = item.ordered(_one_off(contract, "commit"), start=item._first_access)
    credits = item.ordered(_one_off(contract, "credit"), start=item._first_access)
    overrides = item.ordered(contract.get("overrides") or [])
    raw.ignore("commits", "credits")
    commit_names = Names()
    keys = {
        "subscriptions": item.assign_keys(subscriptions, Names()),
        "recurring_commits": item.assign_keys(recurring_commits, commit_names),
        "commits": item.assign_keys(commits, commit_names),
        "recurring_credits": item.assign_keys(recurring_credits, Names()),
        "credits": item.assign_keys(credits, Names()),
        "overrides": item.assign_keys(overrides, Names(), base=lambda o: item.override_key_base(o, ctx.refs)),
    }
    ctx.subscription_keys = dict(zip((s.get("id") for s in subscriptions), keys["subscriptions"]))
    ctx.commit_keys = dict(zip((c.get("id") for c in recurring_commits + commits),
                               keys["recurring_commits"] + keys["commits"]))
    convert = {
        "subscriptions": (subscriptions, item.subscription),
        "recurring_credits": (recurring_credits, lambda c, r, k, p: item.recurring(c, r, k, p, "credit")),
        "recurring_commits": (recurring_commits, lambda c, r, k, p: item.recurring(c, r, k, p, "commit")),
        "overrides": (overrides, item.override),
        "commits": (commits, lambda c, r, k, p: item.grant(c, r, k, p, "commit")),
        "credits": (credits, lambda c, r, k, p: item.grant(c, r, k, p, "credit")),
    }
    out: dict = {}
    for section, (raws, function) in convert.items():
        raw.ignore(section)
        converted = []
        for raw_item, key in zip(raws, keys[section]):
            path = SPEC + (section, len(converted))
            result = function(ctx, ctx.tracker.view(raw_item, f"{section}[{key}]"), key, path)
            if result is not None:
                converted.append(result)
        out[section] = converted or None
    return out


def _one_off(contract: dict, kind: str) -> list[dict]:
    """A contract's own commits or credits: not generated by a recurring one, not archived."""
    return [g for g in contract.get(f"{kind}s") or []
            if not g.get(f"recurring_{kind}_id") and not g.get("archived_at")]


def _contract_header(contract: dict, pinned: bool) -> list[str]:
    lines = [f"Contract {contract.get('name') or contract['id']!r} (live id {contract['id']})."]
    if pinned:
        key = contract.get("uniqueness_key")
        why = f"its uniqueness_key {key!r} is not reconciler's" if key else "it has no uniqueness_key"
        lines.append(f"Adopted by its id: {why}, so spec.id pins it.")
    else:
        lines.append("Found by its uniqueness_key, reconciler:<customer>/<metadata.name>: never rename it.")
    lines.append("List items carry their live id: pins; overrides have none and are matched by all their fields.")
    return lines


def _contract_comments(ctx: item.Items, pinned: bool) -> dict[tuple, list[str]]:
    comments = {SPEC + ("rate_card",): ["The price list. It cannot change after the contract is created."],
                SPEC + ("starting_at",): ["The first day the contract bills. It cannot change after creation."]}
    if pinned:
        comments[SPEC + ("id",)] = ["Pinned to the live contract (it carries no reconciler uniqueness_key)."]
    for path, lines in ctx.comments.items():
        comments.setdefault(path, []).extend(lines)
    return comments


def _sorted(mapping: dict | None) -> dict | None:
    return {k: mapping[k] for k in sorted(mapping)} if mapping else None
