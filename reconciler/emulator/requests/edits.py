"""Request model for ``POST /v2/contracts/edit`` (reference §5.1) and its update sections.

There is deliberately no field to change a subscription's product, billing frequency, collection schedule or
start: such an attempt is an unknown field and fails the schema check with a 400 naming it.
"""

from __future__ import annotations

from pydantic import Field

from reconciler.emulator.requests.base import (
    BILLING_PROVIDER, DELIVERY_METHOD, RATE_TYPE, Enum, Loose, Rounding, Strict, Timestamp, UniquenessKey,
)
from reconciler.emulator.requests.contracts import (
    CommitProrationRounding, CreditInput, CreditProrationRounding, EditCommitInput, OverrideInput,
    ProfessionalServiceInput, RecurringCommitInput, RecurringCreditInput, ScheduledChargeInput,
    SubscriptionInput,
)


class SeatIdsChange(Strict):
    seat_ids: list[str]
    starting_at: Timestamp


class UnassignedSeatsChange(Strict):
    quantity: float = Field(ge=1)
    starting_at: Timestamp


class SeatUpdates(Strict):
    add_seat_ids: list[SeatIdsChange] | None = None
    remove_seat_ids: list[SeatIdsChange] | None = None
    add_unassigned_seats: list[UnassignedSeatsChange] | None = None
    remove_unassigned_seats: list[UnassignedSeatsChange] | None = None


class QuantityUpdate(Strict):
    starting_at: Timestamp
    quantity: float | None = Field(default=None, ge=0)
    quantity_delta: float | None = None


class SeatGroupKeyConfig(Strict):
    seat_group_key: str


class QuantityManagementModeUpdate(Strict):
    quantity_management_mode: Enum("SEAT_BASED")
    seat_config: SeatGroupKeyConfig


class UpdateSubscription(Strict):
    subscription_id: str
    ending_before: Timestamp | None = None
    name: str | None = None
    proration_rounding: Rounding | None = None
    quantity_updates: list[QuantityUpdate] | None = None
    seat_updates: SeatUpdates | None = None
    quantity_management_mode_update: QuantityManagementModeUpdate | None = None


class RecurringAmountUpdate(Strict):
    unit_price: float | None = None
    quantity: float | None = None


class UpdateRecurringCredit(Strict):
    recurring_credit_id: str
    access_amount: RecurringAmountUpdate | None = None
    ending_before: Timestamp | None = None
    rate_type: RATE_TYPE | None = None
    proration_rounding: CreditProrationRounding | None = None


class UpdateRecurringCommit(Strict):
    recurring_commit_id: str
    access_amount: RecurringAmountUpdate | None = None
    invoice_amount: RecurringAmountUpdate | None = None
    ending_before: Timestamp | None = None
    rate_type: RATE_TYPE | None = None
    proration_rounding: CommitProrationRounding | None = None


class AddAccessItem(Strict):
    amount: float
    starting_at: Timestamp
    ending_before: Timestamp


class UpdateAccessItem(Strict):
    id: str
    amount: float | None = None
    starting_at: Timestamp | None = None
    ending_before: Timestamp | None = None


class RemoveItem(Strict):
    id: str


class AccessScheduleUpdate(Strict):
    add_schedule_items: list[AddAccessItem] | None = None
    update_schedule_items: list[UpdateAccessItem] | None = None
    remove_schedule_items: list[RemoveItem] | None = None


class AddInvoiceItem(Strict):
    timestamp: Timestamp
    amount: float | None = None
    quantity: float | None = None
    unit_price: float | None = None


class UpdateInvoiceItem(Strict):
    id: str
    timestamp: Timestamp | None = None
    amount: float | None = None
    quantity: float | None = None
    unit_price: float | None = None


class InvoiceScheduleUpdate(Strict):
    add_schedule_items: list[AddInvoiceItem] | None = None
    update_schedule_items: list[UpdateInvoiceItem] | None = None
    remove_schedule_items: list[RemoveItem] | None = None


class _GrantUpdate(Strict):
    """Fields shared by ``update_credits[]`` and ``update_commits[]``."""

    name: str | None = None
    description: str | None = None
    product_id: str | None = None
    priority: float | None = None
    rollover_fraction: float | None = None
    rate_type: RATE_TYPE | None = None
    netsuite_sales_order_id: str | None = None
    applicable_product_ids: list[str] | None = None
    applicable_product_tags: list[str] | None = None
    hierarchy_configuration: Loose | None = None
    access_schedule: AccessScheduleUpdate | None = None


class UpdateCredit(_GrantUpdate):
    credit_id: str


class UpdateCommit(_GrantUpdate):
    commit_id: str
    invoice_schedule: InvoiceScheduleUpdate | None = None


class UpdateScheduledCharge(Strict):
    scheduled_charge_id: str
    netsuite_sales_order_id: str | None = None
    invoice_schedule: InvoiceScheduleUpdate | None = None


class ArchiveRef(Strict):
    id: str


class BillingProviderConfigurationUpdateRef(Strict):
    billing_provider_configuration_id: str | None = None
    billing_provider: BILLING_PROVIDER | None = None
    delivery_method: DELIVERY_METHOD | None = None


class BillingProviderConfigurationSchedule(Strict):
    effective_at: Enum("START_OF_CURRENT_PERIOD", "START_OF_NEXT_PERIOD")


class BillingProviderConfigurationUpdate(Strict):
    billing_provider_configuration: BillingProviderConfigurationUpdateRef
    schedule: BillingProviderConfigurationSchedule


class ContractEdit(Strict):
    customer_id: str
    contract_id: str
    uniqueness_key: UniquenessKey | None = None
    update_contract_name: str | None = None
    update_contract_end_date: Timestamp | None = None
    update_net_payment_terms_days: float | None = None
    allow_contract_ending_before_finalized_invoice: bool | None = None
    add_commits: list[EditCommitInput] | None = None
    add_credits: list[CreditInput] | None = None
    update_commits: list[UpdateCommit] | None = None
    update_credits: list[UpdateCredit] | None = None
    archive_commits: list[ArchiveRef] | None = None
    archive_credits: list[ArchiveRef] | None = None
    archive_scheduled_charges: list[ArchiveRef] | None = None
    add_recurring_commits: list[RecurringCommitInput] | None = None
    add_recurring_credits: list[RecurringCreditInput] | None = None
    update_recurring_commits: list[UpdateRecurringCommit] | None = None
    update_recurring_credits: list[UpdateRecurringCredit] | None = None
    add_subscriptions: list[SubscriptionInput] | None = None
    update_subscriptions: list[UpdateSubscription] | None = None
    add_overrides: list[OverrideInput] | None = None
    remove_overrides: list[ArchiveRef] | None = None
    add_scheduled_charges: list[ScheduledChargeInput] | None = None
    update_scheduled_charges: list[UpdateScheduledCharge] | None = None
    add_discounts: list[ScheduledChargeInput] | None = None
    add_professional_services: list[ProfessionalServiceInput] | None = None
    add_reseller_royalties: list[Loose] | None = None
    add_spend_threshold_configuration: Loose | None = None
    update_spend_threshold_configuration: Loose | None = None
    add_prepaid_balance_threshold_configuration: Loose | None = None
    update_prepaid_balance_threshold_configuration: Loose | None = None
    add_billing_provider_configuration_update: BillingProviderConfigurationUpdate | None = None
    add_revenue_system_configuration_update: Loose | None = None
    add_spend_trackers: list[Loose] | None = None
    archive_spend_trackers: list[str] | None = None


#: Sections accepted by name but not emulated.
UNSUPPORTED_EDIT_FIELDS = (
    "add_reseller_royalties", "add_spend_threshold_configuration", "update_spend_threshold_configuration",
    "add_prepaid_balance_threshold_configuration", "update_prepaid_balance_threshold_configuration",
    "add_revenue_system_configuration_update", "add_spend_trackers", "archive_spend_trackers",
)
