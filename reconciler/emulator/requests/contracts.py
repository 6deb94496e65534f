"""Request models for ``POST /v1/contracts/create`` and the sub-objects that ``/v2/contracts/edit`` reuses.

Sections the emulator does not emulate (packages, transitions, thresholds, spend trackers, hierarchies,
reseller royalties, revenue-system configurations) are declared by name with a loose type so that the schema
check still knows them; the contract semantics reject them with a 400 that says they are not supported.
"""

from __future__ import annotations

from pydantic import Field

from reconciler.emulator.requests.base import (
    BILLING_FREQUENCY, BILLING_PROVIDER, DELIVERY_METHOD, RATE_TYPE, Enum, Loose, Rounding, StrMap, Strict,
    Timestamp, UniquenessKey,
)

ACCESS_TYPE = Enum("SPEND", "QUANTITY")
RECURRENCE_FREQUENCY = Enum("MONTHLY", "QUARTERLY", "ANNUAL", "WEEKLY", "DAILY")
SCHEDULE_FREQUENCY = Enum("MONTHLY", "QUARTERLY", "SEMI_ANNUAL", "ANNUAL", "WEEKLY")


class SpecifierExclude(Strict):
    product_tags: list[str] | None = None


class CommitSpecifier(Strict):
    product_id: str | None = None
    product_tags: list[str] | None = None
    pricing_group_values: StrMap | None = None
    presentation_group_values: StrMap | None = None
    exclude: list[SpecifierExclude] | None = None


class AccessScheduleItem(Strict):
    amount: float
    starting_at: Timestamp
    ending_before: Timestamp


class AccessSchedule(Strict):
    schedule_items: list[AccessScheduleItem]
    credit_type_id: str | None = None
    access_type: ACCESS_TYPE | None = None


class ScheduleItemInput(Strict):
    timestamp: Timestamp
    amount: float | None = None
    unit_price: float | None = None
    quantity: float | None = None


class RecurringScheduleInput(Strict):
    starting_at: Timestamp
    ending_before: Timestamp
    frequency: SCHEDULE_FREQUENCY
    amount_distribution: Enum("DIVIDED", "DIVIDED_ROUNDED", "EACH")
    amount: float | None = None
    unit_price: float | None = None
    quantity: float | None = None


class SchedulePointInTimeInput(Strict):
    credit_type_id: str | None = None
    schedule_items: list[ScheduleItemInput] | None = None
    recurring_schedule: RecurringScheduleInput | None = None
    do_not_invoice: bool | None = None


class SpendTrackerAttributes(Strict):
    counts_as_discounted: bool


class CreditInput(Strict):
    product_id: str
    access_schedule: AccessSchedule
    name: str | None = None
    description: str | None = None
    priority: float | None = None
    rollover_fraction: float | None = None
    rate_type: RATE_TYPE | None = None
    applicable_product_ids: list[str] | None = None
    applicable_product_tags: list[str] | None = None
    specifiers: list[CommitSpecifier] | None = None
    custom_fields: StrMap | None = None
    netsuite_sales_order_id: str | None = None
    hierarchy_configuration: Loose | None = None


class CommitInput(CreditInput):
    """A credit's fields, plus what only commits have; the access schedule is optional here (documented as
    required, typed optional in both the spec and the SDK)."""

    type: Enum("PREPAID", "POSTPAID")
    access_schedule: AccessSchedule | None = None
    invoice_schedule: SchedulePointInTimeInput | None = None
    amount: float | None = None
    temporary_id: str | None = None
    spend_tracker_attributes: SpendTrackerAttributes | None = None


class EditCommitInput(CommitInput):
    """``add_commits[]`` of an edit: the create shape plus the SDK-only ``payment_gate_config``."""

    payment_gate_config: Loose | None = None


class AccessAmount(Strict):
    unit_price: float
    quantity: float | None = None
    credit_type_id: str | None = None
    access_type: ACCESS_TYPE | None = None


class InvoiceAmount(Strict):
    unit_price: float
    quantity: float
    credit_type_id: str


class CommitDuration(Strict):
    value: float
    unit: Enum("PERIODS") | None = None


class ApplySeatIncreaseConfig(Strict):
    is_prorated: bool


class SubscriptionConfig(Strict):
    subscription_id: str
    apply_seat_increase_config: ApplySeatIncreaseConfig
    allocation: Enum("INDIVIDUAL", "POOLED") | None = None


class CreditProrationRounding(Strict):
    access: Rounding | None = None


class CommitProrationRounding(Strict):
    access: Rounding | None = None
    invoice: Rounding | None = None


class RecurringCreditInput(Strict):
    product_id: str
    access_amount: AccessAmount
    commit_duration: CommitDuration
    priority: float
    starting_at: Timestamp
    ending_before: Timestamp | None = None
    name: str | None = None
    description: str | None = None
    rollover_fraction: float | None = None
    rate_type: RATE_TYPE | None = None
    recurrence_frequency: RECURRENCE_FREQUENCY | None = None
    proration: Enum("NONE", "FIRST", "LAST", "FIRST_AND_LAST") | None = None
    applicable_product_ids: list[str] | None = None
    applicable_product_tags: list[str] | None = None
    specifiers: list[CommitSpecifier] | None = None
    netsuite_sales_order_id: str | None = None
    temporary_id: str | None = None
    subscription_config: SubscriptionConfig | None = None
    hierarchy_configuration: Loose | None = None
    proration_rounding: CreditProrationRounding | None = None


class RecurringCommitInput(RecurringCreditInput):
    invoice_amount: InvoiceAmount | None = None
    proration_rounding: CommitProrationRounding | None = None


class SubscriptionRateInput(Strict):
    product_id: str
    billing_frequency: BILLING_FREQUENCY


class ProrationInput(Strict):
    is_prorated: bool | None = None
    invoice_behavior: Enum("BILL_IMMEDIATELY", "BILL_ON_NEXT_COLLECTION_DATE") | None = None
    rounding: Rounding | None = None


class SeatConfigInput(Strict):
    seat_group_key: str
    initial_seat_ids: list[str]
    initial_unassigned_seats: float | None = Field(default=None, ge=0)


class BillingCycleConfigInput(Strict):
    anchor_date: Timestamp | None = None
    invoice_placement: Enum("ON_SCHEDULED_INVOICE", "ON_USAGE_INVOICE") | None = None


class SubscriptionInput(Strict):
    subscription_rate: SubscriptionRateInput
    collection_schedule: Enum("ADVANCE", "ARREARS")
    proration: ProrationInput
    initial_quantity: float | None = Field(default=None, ge=0)
    quantity_management_mode: Enum("SEAT_BASED", "QUANTITY_ONLY") | None = None
    seat_config: SeatConfigInput | None = None
    starting_at: Timestamp | None = None
    ending_before: Timestamp | None = None
    name: str | None = None
    description: str | None = None
    custom_fields: StrMap | None = None
    temporary_id: str | None = None
    billing_cycle_config: BillingCycleConfigInput | None = None
    payment_gate_config: Loose | None = None


class OverwriteRateTier(Strict):
    price: float
    size: float | None = None


class OverwriteRateInput(Strict):
    rate_type: Enum("FLAT", "PERCENTAGE", "SUBSCRIPTION", "TIERED", "TIERED_PERCENTAGE", "CUSTOM")
    price: float | None = None
    quantity: float | None = None
    is_prorated: bool | None = None
    tiers: list[OverwriteRateTier] | None = None
    custom_rate: Loose | None = None
    credit_type_id: str | None = None
    minimum_config: Loose | None = None


class OverrideSpecifierInput(Strict):
    product_id: str | None = None
    product_tags: list[str] | None = None
    pricing_group_values: StrMap | None = None
    presentation_group_values: StrMap | None = None
    billing_frequency: BILLING_FREQUENCY | None = None
    commit_ids: list[str] | None = None
    recurring_commit_ids: list[str] | None = None
    any_commit_or_credit_ids: list[str] | None = None
    exclude: list[SpecifierExclude] | None = None


class OverrideTierInput(Strict):
    multiplier: float
    size: float | None = None


class OverrideInput(Strict):
    starting_at: Timestamp
    ending_before: Timestamp | None = None
    type: Enum("OVERWRITE", "MULTIPLIER", "TIERED") | None = None
    product_id: str | None = None
    applicable_product_tags: list[str] | None = None
    override_specifiers: list[OverrideSpecifierInput] | None = None
    multiplier: float | None = Field(default=None, ge=0)
    overwrite_rate: OverwriteRateInput | None = None
    tiers: list[OverrideTierInput] | None = None
    priority: float | None = None
    entitled: bool | None = None
    is_commit_specific: bool | None = None
    target: RATE_TYPE | None = None


class ScheduledChargeInput(Strict):
    product_id: str
    schedule: SchedulePointInTimeInput
    name: str | None = None
    custom_fields: StrMap | None = None
    netsuite_sales_order_id: str | None = None


class ProfessionalServiceInput(Strict):
    product_id: str
    unit_price: float
    quantity: float
    max_amount: float
    description: str | None = None
    custom_fields: StrMap | None = None
    netsuite_sales_order_id: str | None = None


class BillingProviderConfigurationRef(Strict):
    billing_provider_configuration_id: str | None = None
    billing_provider: BILLING_PROVIDER | None = None
    delivery_method: DELIVERY_METHOD | None = None


class UsageFilterInput(Strict):
    group_key: str
    group_values: list[str]
    starting_at: Timestamp | None = None


class UsageStatementScheduleInput(Strict):
    frequency: BILLING_FREQUENCY
    day: Enum("FIRST_OF_MONTH", "CONTRACT_START", "CUSTOM_DATE") | None = None
    billing_anchor_date: Timestamp | None = None
    invoice_generation_starting_at: Timestamp | None = None


class ContractCreate(Strict):
    customer_id: str
    starting_at: Timestamp
    ending_before: Timestamp | None = None
    name: str | None = None
    uniqueness_key: UniquenessKey | None = None
    rate_card_id: str | None = None
    rate_card_alias: str | None = None
    package_id: str | None = None
    package_alias: str | None = None
    billing_provider_configuration: BillingProviderConfigurationRef | None = None
    revenue_system_configuration: Loose | None = None
    commits: list[CommitInput] | None = None
    credits: list[CreditInput] | None = None
    recurring_commits: list[RecurringCommitInput] | None = None
    recurring_credits: list[RecurringCreditInput] | None = None
    subscriptions: list[SubscriptionInput] | None = None
    overrides: list[OverrideInput] | None = None
    multiplier_override_prioritization: Enum("LOWEST_MULTIPLIER", "EXPLICIT") | None = None
    scheduled_charges: list[ScheduledChargeInput] | None = None
    discounts: list[ScheduledChargeInput] | None = None
    professional_services: list[ProfessionalServiceInput] | None = None
    reseller_royalties: list[Loose] | None = None
    scheduled_charges_on_usage_invoices: Enum("ALL") | None = None
    usage_statement_schedule: UsageStatementScheduleInput | None = None
    usage_filter: UsageFilterInput | None = None
    transition: Loose | None = None
    spend_threshold_configuration: Loose | None = None
    prepaid_balance_threshold_configuration: Loose | None = None
    spend_trackers: list[Loose] | None = None
    hierarchy_configuration: Loose | None = None
    net_payment_terms_days: float | None = None
    custom_fields: StrMap | None = None
    netsuite_sales_order_id: str | None = None
    salesforce_opportunity_id: str | None = None
    total_contract_value: float | None = None


#: Top-level sections the emulator accepts by name but does not emulate.
UNSUPPORTED_CREATE_FIELDS = (
    "package_id", "package_alias", "revenue_system_configuration", "reseller_royalties", "transition",
    "spend_threshold_configuration", "prepaid_balance_threshold_configuration", "spend_trackers",
    "hierarchy_configuration",
)
