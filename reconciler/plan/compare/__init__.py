"""The registry of per-kind comparators, in the order they run.

Order is data: subscriptions run first so recurring items can link to them; commits before overrides so
commit-specific overrides can name them. Adding a kind means adding a class and a row here, never touching the
planner's loop.
"""

from __future__ import annotations

from reconciler.plan.compare.base import Comparator, ContractContext, EditPart, SideRequest
from reconciler.plan.compare.contract import ContractFieldsComparator
from reconciler.plan.compare.grants import CommitComparator, CreditComparator
from reconciler.plan.compare.overrides import OverrideComparator
from reconciler.plan.compare.recurring import RecurringCommitComparator, RecurringCreditComparator
from reconciler.plan.compare.subscriptions import SubscriptionComparator

COMPARATORS: tuple[Comparator, ...] = (
    ContractFieldsComparator(),
    SubscriptionComparator(),
    RecurringCommitComparator(),
    RecurringCreditComparator(),
    CommitComparator(),
    CreditComparator(),
    OverrideComparator(),
)

#: Where each edit section goes in a ``/v2/contracts/edit`` body, and the order sections are listed in.
EDIT_SECTIONS: tuple[str, ...] = (
    "update_contract_name", "update_contract_end_date", "update_net_payment_terms_days",
    "add_billing_provider_configuration_update",
    "add_subscriptions", "update_subscriptions",
    "add_recurring_commits", "update_recurring_commits", "add_recurring_credits", "update_recurring_credits",
    "add_commits", "update_commits", "archive_commits", "add_credits", "update_credits", "archive_credits",
    "remove_overrides", "add_overrides",
)

#: Scalar sections take one value; the rest are lists.
SCALAR_SECTIONS = frozenset({"update_contract_name", "update_contract_end_date", "update_net_payment_terms_days",
                             "add_billing_provider_configuration_update"})

__all__ = ["COMPARATORS", "EDIT_SECTIONS", "SCALAR_SECTIONS", "Comparator", "ContractContext", "EditPart",
           "SideRequest"]
