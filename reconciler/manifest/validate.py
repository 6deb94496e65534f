"""Cross-object rules: what each manifest's schema cannot see on its own.

Each rule is a function from the schema-valid documents to the problems it finds, located at the exact
field that is wrong. :data:`RULES` (whole set of manifests) and :data:`CONTRACT_RULES` (one contract at a
time) are the tables; :func:`validate` runs them all and returns every problem.

* names: Customer names are unique; Contract names are unique within their customer; a Contract's
  ``spec.customer`` names a Customer manifest;
* keys: item keys are unique within their list (commits and recurring commits share one list of keys,
  since override specifiers name either); seat ids are unique within a subscription;
  an ``id:`` pin is used once across all manifests; seat ids that differ only in case or Unicode form are
  the same seat, and seat ids and ingest aliases may not mix Latin with look-alike letters
  (:mod:`reconciler.manifest.unicode`);
* links: ``subscription_config.subscription`` names a subscription of the same contract; INDIVIDUAL
  allocation needs a SEAT_BASED subscription; override specifier ``commits:`` name existing commits;
* subscriptions: SEAT_BASED needs ``seat_config`` and takes no ``quantity``; QUANTITY_ONLY needs
  ``quantity`` and takes no ``seat_config``;
* time: every ``ending_before`` is after its ``starting_at``; subscriptions and recurring items start no
  earlier than their contract, and a linked recurring item no earlier than its subscription.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from reconciler.manifest.models import ContractManifest, ContractSpec, CustomerManifest, Subscription
from reconciler.manifest.problems import Document, Loc, Problem
from reconciler.manifest.unicode import mixed_script, mixed_scripts, seat_identities

SPEC: Loc = ("spec",)
RECURRING = ("recurring_credits", "recurring_commits")
#: Item lists whose keys must be unique, grouped by the namespace the keys live in.
KEY_NAMESPACES: tuple[tuple[str, ...], ...] = (
    ("subscriptions",), ("recurring_credits",), ("recurring_commits", "commits"), ("credits",), ("overrides",),
)


def validate(documents: list[Document]) -> list[Problem]:
    """Every cross-object problem among ``documents``. Rules look at the schema-valid ones (``manifest`` set); the
    others only keep a Customer's name known, so its contracts get no second, misleading error."""
    problems: list[Problem] = []
    for rule in RULES:
        problems += rule(documents)
    for document in _contracts(documents):
        for contract_rule in CONTRACT_RULES:
            problems += contract_rule(document, document.manifest.spec)
    return problems


def _customers(documents: list[Document]) -> list[Document]:
    return [d for d in documents if isinstance(d.manifest, CustomerManifest)]


def _contracts(documents: list[Document]) -> list[Document]:
    return [d for d in documents if isinstance(d.manifest, ContractManifest)]


def _duplicates(entries: Iterable[tuple[Any, Document, Loc]]) -> Iterator[tuple[Any, Document, Loc, str]]:
    """(value, document, loc, where the first one is) for every repeat of a value."""
    first: dict[Any, tuple[Document, Loc]] = {}
    for value, document, loc in entries:
        if value not in first:
            first[value] = (document, loc)  # located only if it is repeated: marks are parsed on demand
            continue
        first_document, first_loc = first[value]
        line = first_document.mark(first_loc)[0]
        file = first_document.file
        yield value, document, loc, f"line {line}" if file == document.file else f"{file}:{line}"


def _suggest(name: str, choices: Iterable[str]) -> str | None:
    """"did you mean …?" for a close match, else the list of what exists (None when nothing does)."""
    choices = sorted(choices)
    close = difflib.get_close_matches(name, choices, n=1, cutoff=0.6)
    if close:
        return f"did you mean {close[0]!r}?"
    return "known: " + ", ".join(choices) if choices else None


# --------------------------------------------------------------------------------------------------
# Rules over all manifests
# --------------------------------------------------------------------------------------------------

def duplicate_customer_names(documents: list[Document]) -> Iterator[Problem]:
    entries = ((d.manifest.metadata.name, d, ("metadata", "name")) for d in _customers(documents))
    for name, document, loc, first in _duplicates(entries):
        yield document.problem(loc, f"Customer {name!r} is defined twice (first at {first})",
                               "every Customer manifest needs its own metadata.name")


def duplicate_contract_names(documents: list[Document]) -> Iterator[Problem]:
    entries = (((d.manifest.customer_ref, d.manifest.metadata.name), d, ("metadata", "name"))
               for d in _contracts(documents))
    for (customer, name), document, loc, first in _duplicates(entries):
        yield document.problem(loc, f"customer {customer!r} already has a Contract named {name!r} "
                                    f"(first at {first})", "give each contract of a customer its own name")


def unknown_customers(documents: list[Document]) -> Iterator[Problem]:
    names = {d.manifest.metadata.name for d in _customers(documents)} | _invalid_customer_names(documents)
    for document in _contracts(documents):
        customer = document.manifest.spec.customer
        if customer is not None and customer not in names:
            close = difflib.get_close_matches(customer, sorted(names), n=1, cutoff=0.6)
            hint = (f"did you mean {close[0]!r}? " if close else "") + \
                f"add a Customer manifest named {customer!r}, or use customer_id: for a customer no manifest manages"
            yield document.problem(SPEC + ("customer",), f"no Customer manifest is named {customer!r}", hint)


def _invalid_customer_names(documents: list[Document]) -> set[str]:
    """Customers whose document has its own errors still exist for their contracts: one error, not two."""
    names = set()
    for document in documents:
        if document.manifest is not None:
            continue
        data = document.data if isinstance(document.data, dict) else {}
        metadata = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
        if data.get("kind") == "Customer" and isinstance(metadata.get("name"), str):
            names.add(metadata["name"])
    return names


def duplicate_ids(documents: list[Document]) -> Iterator[Problem]:
    for pinned, document, loc, first in _duplicates(_pinned_ids(documents)):
        yield document.problem(loc, f"id {pinned} is already pinned at {first}",
                               "an id adopts one live object; pin it in one place only")


def _pinned_ids(documents: list[Document]) -> Iterator[tuple[str, Document, Loc]]:
    for document in documents:
        if document.manifest is None:
            continue
        spec = document.manifest.spec
        if spec.id:
            yield spec.id.lower(), document, SPEC + ("id",)
        if isinstance(spec, ContractSpec):
            for loc, item in _items(spec, ("subscriptions", *RECURRING, "overrides", "commits", "credits")):
                if item.id:
                    yield item.id.lower(), document, loc + ("id",)


def lookalike_aliases(documents: list[Document]) -> Iterator[Problem]:
    for document in _customers(documents):
        for i, alias in enumerate(document.manifest.spec.ingest_aliases):
            if (why := mixed_script(alias)) is not None:
                yield document.problem(SPEC + ("ingest_aliases", i), f"ingest alias {alias!r} {why}", _LOOKALIKE)


_LOOKALIKE = ("a look-alike letter makes a different id that no usage event will match; "
              "retype it with the keyboard it is meant for")


RULES: tuple[Callable[[list[Document]], Iterable[Problem]], ...] = (
    duplicate_customer_names, duplicate_contract_names, unknown_customers, duplicate_ids, lookalike_aliases,
)


# --------------------------------------------------------------------------------------------------
# Rules within one contract
# --------------------------------------------------------------------------------------------------

def _items(spec: ContractSpec, lists: Iterable[str]) -> Iterator[tuple[Loc, Any]]:
    for name in lists:
        for index, item in enumerate(getattr(spec, name)):
            yield SPEC + (name, index), item


def duplicate_keys(document: Document, spec: ContractSpec) -> Iterator[Problem]:
    for lists in KEY_NAMESPACES:
        locs = [(loc + ("key",), item.key) for loc, item in _items(spec, lists)]
        if len({key for _, key in locs}) == len(locs):
            continue
        locs.sort(key=lambda entry: document.mark(entry[0]))  # report the later one, in file order
        entries = ((key, document, loc) for loc, key in locs)
        for key, _, loc, first in _duplicates(entries):
            shared = " (commits and recurring_commits share keys)" if len(lists) > 1 else ""
            yield document.problem(loc, f"key {key!r} is already used at {first}{shared}",
                                   "keys identify items across plans and links; make each one unique")


def duplicate_seat_ids(document: Document, spec: ContractSpec) -> Iterator[Problem]:
    """Seat ids are compared by :func:`seat_identity`: ``Bob@acme.com`` and ``bob@acme.com`` are one person."""
    for loc, subscription in _items(spec, ("subscriptions",)):
        seats = subscription.seat_config.seat_ids if subscription.seat_config else []
        identities = seat_identities(seats)
        if len(set(identities)) == len(identities):
            continue
        first: dict[str, tuple[str, int]] = {}
        for i, (seat, identity) in enumerate(zip(seats, identities)):
            seat_loc = loc + ("seat_config", "seat_ids", i)
            if identity not in first:
                first[identity] = (seat, i)
                continue
            original, first_index = first[identity]
            line = document.mark(loc + ("seat_config", "seat_ids", first_index))[0]
            if original == seat:
                yield document.problem(seat_loc, f"seat {seat!r} is listed twice (first at line {line})",
                                       "each seat id is one seat; remove the repeat")
            else:
                yield document.problem(seat_loc, f"seat {seat!r} differs from seat {original!r} (line {line}) "
                                       "only in letter case or Unicode form",
                                       "both would be paid seats for what reads as one person; keep one spelling")


def lookalike_letters(document: Document, spec: ContractSpec) -> Iterator[Problem]:
    for loc, subscription in _items(spec, ("subscriptions",)):
        seats = subscription.seat_config.seat_ids if subscription.seat_config else []
        for i, why in mixed_scripts(seats):
            yield document.problem(loc + ("seat_config", "seat_ids", i), f"seat {seats[i]!r} {why}", _LOOKALIKE)


def subscription_links(document: Document, spec: ContractSpec) -> Iterator[Problem]:
    subscriptions = {s.key: s for s in spec.subscriptions}
    for loc, item in _items(spec, RECURRING):
        link = item.subscription_config
        if link is None:
            continue
        target = subscriptions.get(link.subscription)
        if target is None:
            yield document.problem(loc + ("subscription_config", "subscription"),
                                   f"no subscription with key {link.subscription!r} in this contract",
                                   _suggest(link.subscription, subscriptions) or "add the subscription first")
        elif link.allocation == "INDIVIDUAL" and target.quantity_management_mode != "SEAT_BASED":
            yield document.problem(
                loc + ("subscription_config", "allocation"),
                f"INDIVIDUAL allocation needs a SEAT_BASED subscription, but {target.key!r} is "
                f"{target.quantity_management_mode}",
                f"set quantity_management_mode: SEAT_BASED and a seat_config on {target.key!r}, "
                "or use allocation: POOLED")


def quantity_modes(document: Document, spec: ContractSpec) -> Iterator[Problem]:
    for loc, subscription in _items(spec, ("subscriptions",)):
        yield from _quantity_mode(document, loc, subscription)


def _quantity_mode(document: Document, loc: Loc, subscription: Subscription) -> Iterator[Problem]:
    seat_based = subscription.quantity_management_mode == "SEAT_BASED"
    if seat_based and subscription.seat_config is None:
        yield document.problem(loc + ("quantity_management_mode",), "a SEAT_BASED subscription needs seat_config",
                               "add seat_config with seat_group_key, seat_ids and unassigned_seats")
    if seat_based and subscription.quantity is not None:
        yield document.problem(loc + ("quantity",), "quantity must not be given for a SEAT_BASED subscription",
                               "seats are counted from seat_config.seat_ids and unassigned_seats")
    if not seat_based and subscription.quantity is None:
        yield document.problem(loc, "a QUANTITY_ONLY subscription needs quantity",
                               "add quantity: (for a platform fee usually 1)")
    if not seat_based and subscription.seat_config is not None:
        yield document.problem(loc + ("seat_config",), "seat_config is given for a QUANTITY_ONLY subscription",
                               "set quantity_management_mode: SEAT_BASED, or remove seat_config")


def override_commits(document: Document, spec: ContractSpec) -> Iterator[Problem]:
    commit_keys = {item.key for _, item in _items(spec, ("commits", "recurring_commits"))}
    for loc, override in _items(spec, ("overrides",)):
        for s, specifier in enumerate(override.override_specifiers or []):
            for c, key in enumerate(specifier.commits or []):
                if key not in commit_keys:
                    yield document.problem(loc + ("override_specifiers", s, "commits", c),
                                           f"no commit or recurring commit with key {key!r} in this contract",
                                           _suggest(key, commit_keys))


def time_order(document: Document, spec: ContractSpec) -> Iterator[Problem]:
    for loc, starting_at, ending_before in _periods(spec):
        if ending_before is not None and starting_at is not None and ending_before <= starting_at:
            yield document.problem(loc + ("ending_before",),
                                   f"ending_before {_day(ending_before)} is not after starting_at "
                                   f"{_day(starting_at)}", "ending_before is exclusive: it must be later")


def _periods(spec: ContractSpec) -> Iterator[tuple[Loc, dt.datetime | None, dt.datetime | None]]:
    yield SPEC, spec.starting_at, spec.ending_before
    for loc, item in _items(spec, ("subscriptions",)):
        yield loc, item.starting_at or spec.starting_at, item.ending_before
    for loc, item in _items(spec, (*RECURRING, "overrides")):
        yield loc, item.starting_at, item.ending_before
    for loc, item in _items(spec, ("commits", "credits")):
        for i, schedule_item in enumerate(item.access_schedule.schedule_items):
            yield loc + ("access_schedule", "schedule_items", i), schedule_item.starting_at, schedule_item.ending_before
        recurring = item.invoice_schedule.recurring_schedule if getattr(item, "invoice_schedule", None) else None
        if recurring is not None:
            yield loc + ("invoice_schedule", "recurring_schedule"), recurring.starting_at, recurring.ending_before


def starts_within(document: Document, spec: ContractSpec) -> Iterator[Problem]:
    subscriptions = {s.key: s for s in spec.subscriptions}
    for loc, item in _items(spec, ("subscriptions", *RECURRING)):
        if item.starting_at is not None and item.starting_at < spec.starting_at:
            yield document.problem(loc + ("starting_at",), f"starts {_day(item.starting_at)}, before its contract "
                                   f"({_day(spec.starting_at)})", "start it on or after the contract's starting_at")
            continue
        link = getattr(item, "subscription_config", None)
        target = subscriptions.get(link.subscription) if link else None
        if target is not None and target.starting_at is not None and item.starting_at < target.starting_at:
            yield document.problem(loc + ("starting_at",), f"starts {_day(item.starting_at)}, before subscription "
                                   f"{target.key!r} ({_day(target.starting_at)})",
                                   "start it on or after the linked subscription's starting_at")


def _day(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%d") if moment.time() == dt.time(0) else moment.isoformat()


CONTRACT_RULES: tuple[Callable[[Document, ContractSpec], Iterable[Problem]], ...] = (
    duplicate_keys, duplicate_seat_ids, lookalike_letters, subscription_links, quantity_modes, override_commits, time_order,
    starts_within,
)
