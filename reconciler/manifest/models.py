"""The manifest format, ``apiVersion: reconciler/v1``: what a user writes to describe customers and contracts.

Two kinds, ``Customer`` and ``Contract``. Field names follow Metronome's own request vocabulary
(``subscription_rate``, ``seat_config``, ``recurring_credits``…) with three deliberate differences:

* catalog objects are referenced by **name or id** (``product``, ``rate_card``, ``credit_type``) instead of
  ``*_id``; names are resolved against the live catalog at plan time;
* every list item has a stable manifest ``key``, and recurring items link to a subscription by its key;
* seats are desired state (``seat_ids``, ``unassigned_seats``), not the API's add/remove deltas.

Every model forbids unknown fields, so a typo is an error that names the field, never a silent default.
Cross-field rules that need the whole contract live in :mod:`reconciler.manifest.validate`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, model_validator

from reconciler.manifest.types import (
    AccessType, Allocation, AmountDistribution, BillingFrequency, BillingProvider, CollectionSchedule,
    CommitType, Count, CustomFields, DeliveryMethod, Fraction, InvoiceBehavior, InvoicePlacement, Key,
    MetronomeId, Name, NonNegative, Number, OverrideTarget, OverrideType, OverwriteRateType,
    QuantityManagementMode, RateType, RecurrenceFrequency, RecurringProration, Ref, RoundingMethod,
    ScheduleFrequency, Timestamp,
)

API_VERSION = "reconciler/v1"
MAX_SEAT_IDS = 10_000
"""Most assigned seats per subscription: a guard against a runaway generated list (each seat change is sent
in batches of 500, and every seat is read back when planning)."""


class Strict(BaseModel):
    """Base of every manifest model: unknown fields are errors, values are validated on assignment."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True,
                              str_strip_whitespace=True)

    def model_post_init(self, context: Any, /) -> None:
        # pydantic gives every instance its own set of the fields it was given (a third of a loaded estate's
        # memory); instances are frozen and copies copy the set, so equal sets can be one object.
        given = self.__pydantic_fields_set__
        object.__setattr__(self, "__pydantic_fields_set__", _FIELDS_SETS.setdefault(frozenset(given), given))


_FIELDS_SETS: dict[frozenset[str], set[str]] = {}
"""One set per distinct combination of given fields, shared by the manifest models that have it."""


def empty_list() -> Any:
    """The default of a list field. pydantic deep-copies a literal ``[]`` default for every instance, in Python;
    a factory makes the empty list in C. The JSON Schema still shows the default."""
    return Field(default_factory=list, json_schema_extra={"default": []})


def empty_dict() -> Any:
    """The default of a dict field (see :func:`empty_list`)."""
    return Field(default_factory=dict, json_schema_extra={"default": {}})


# --------------------------------------------------------------------------------------------------
# Shared pieces
# --------------------------------------------------------------------------------------------------

class Rounding(Strict):
    rounding_method: RoundingMethod
    """How amounts are rounded: HALF_UP, FLOOR or CEILING."""
    decimal_places: Annotated[int, Field(ge=-5, le=5)]
    """Decimal places kept, from -5 to 5."""


class Specifier(Strict):
    """Which usage a commit or credit applies to (the API's ``specifiers[]``)."""

    product: Ref | None = None
    """Product name or id."""
    product_tags: list[str] | None = None
    """Product tags the grant applies to."""
    pricing_group_values: dict[str, str] | None = None
    presentation_group_values: dict[str, str] | None = None


class Applicability(Strict):
    """Mixin fields restricting what a commit or credit can pay for."""

    applicable_products: list[Ref] | None = None
    """Product names or ids (the API's ``applicable_product_ids``)."""
    applicable_product_tags: list[str] | None = None
    specifiers: list[Specifier] | None = None

    @model_validator(mode="after")
    def _specifiers_exclusive(self):
        if self.specifiers and (self.applicable_products or self.applicable_product_tags):
            raise ValueError("specifiers cannot be combined with applicable_products or applicable_product_tags")
        return self


# --------------------------------------------------------------------------------------------------
# Subscriptions
# --------------------------------------------------------------------------------------------------

class SubscriptionProration(Strict):
    is_prorated: bool | None = None
    """Charge a prorated amount for mid-period quantity changes."""
    invoice_behavior: InvoiceBehavior | None = None
    """BILL_IMMEDIATELY (ADVANCE only) or BILL_ON_NEXT_COLLECTION_DATE. Fixed at creation."""
    rounding: Rounding | None = None


class SeatConfig(Strict):
    """Seats of a ``SEAT_BASED`` subscription, as desired state at the changes' effective time."""

    seat_group_key: Annotated[str, Field(min_length=1)]
    """Event property naming the seat (a group key of the billable metric); cannot change later."""
    seat_ids: Annotated[list[Annotated[str, Field(min_length=1, max_length=255)]],
                        Field(max_length=MAX_SEAT_IDS)] = empty_list()
    """Assigned seats (e.g. e-mail addresses). Sent as ``initial_seat_ids`` at creation."""
    unassigned_seats: Count = 0
    """Seats paid for but not yet assigned (the API's ``initial_unassigned_seats``)."""


class BillingCycleConfig(Strict):
    anchor_date: Timestamp | None = None
    invoice_placement: InvoicePlacement | None = None


class Subscription(Strict):
    key: Key
    """Stable manifest key of this subscription; recurring credits and commits link to it."""
    id: MetronomeId | None = None
    """Pin to an existing live subscription id (adoption)."""
    product: Ref
    """The SUBSCRIPTION product, by name or id (the API's ``subscription_rate.product_id``)."""
    billing_frequency: BillingFrequency
    """Selects the product's subscription rate on the rate card (``subscription_rate.billing_frequency``)."""
    collection_schedule: CollectionSchedule
    """ADVANCE (bill at the start of each period) or ARREARS. Fixed at creation."""
    proration: SubscriptionProration
    """Proration of mid-period changes. Fixed at creation."""
    quantity_management_mode: QuantityManagementMode = "QUANTITY_ONLY"
    """QUANTITY_ONLY (a count) or SEAT_BASED (named seats in seat_config). Fixed at creation."""
    quantity: NonNegative | None = None
    """Desired quantity of a QUANTITY_ONLY subscription (``initial_quantity``, then absolute ``quantity_updates``)."""
    seat_config: SeatConfig | None = None
    """Desired seats of a SEAT_BASED subscription."""
    starting_at: Timestamp | None = None
    """Defaults to the contract's start."""
    ending_before: Timestamp | None = None
    """End of the subscription (exclusive). Setting or moving it earlier is destructive."""
    name: str | None = None
    """Shown on the subscription's invoice line; can be renamed."""
    description: str | None = None
    """Shown on invoices. Fixed at creation."""
    custom_fields: CustomFields | None = None
    """Custom field values (entity ``subscription``); keys are registered as needed."""
    billing_cycle_config: BillingCycleConfig | None = None
    changes_effective_at: Timestamp | None = None
    """When quantity or seat changes take effect. Default: the start of the hour the plan is made in."""


# --------------------------------------------------------------------------------------------------
# Recurring commits and credits
# --------------------------------------------------------------------------------------------------

class AccessAmount(Strict):
    unit_price: NonNegative
    """Amount granted per unit (per seat when linked to a subscription), in the credit type."""
    quantity: NonNegative | None = None
    """Required unless the item is linked to a subscription (then quantity follows the subscription)."""
    credit_type: Ref | None = None
    """Credit type name or id; omitted means USD cents."""


class InvoiceAmount(Strict):
    unit_price: NonNegative
    """Amount invoiced per unit for each generated commit."""
    quantity: NonNegative
    """Units invoiced for each generated commit."""
    credit_type: Ref | None = None
    """Credit type name or id of the invoice; omitted means USD cents."""


class CommitDuration(Strict):
    value: Annotated[float, Field(gt=0, le=1000, allow_inf_nan=False)]
    """How many recurrence periods each generated grant lasts."""
    unit: Literal["PERIODS", "periods"] = "PERIODS"
    """Always PERIODS."""


class ApplySeatIncreaseConfig(Strict):
    is_prorated: bool
    """A seat added mid-period adds only the remaining fraction of its grant."""


class SubscriptionLink(Strict):
    """Links a recurring item to a subscription of the same contract (``subscription_config``)."""

    subscription: Key
    """The manifest key of the subscription (sent as its ``temporary_id`` or live id)."""
    allocation: Allocation = "POOLED"
    """POOLED: one balance shared by all seats. INDIVIDUAL: a balance per seat (needs SEAT_BASED)."""
    apply_seat_increase_config: ApplySeatIncreaseConfig
    """How seats added mid-period are granted."""


class RecurringProrationRounding(Strict):
    access: Rounding | None = None
    invoice: Rounding | None = None


class RecurringItem(Applicability):
    key: Key
    """Stable manifest key of this recurring item."""
    id: MetronomeId | None = None
    """Pin to an existing live recurring item id (adoption)."""
    product: Ref
    """The product (usually FIXED) the grants are drawn against, by name or id. Fixed at creation."""
    access_amount: AccessAmount
    """What each generated grant gives; unit_price and quantity can change (future grants only)."""
    commit_duration: CommitDuration
    """Length of each generated grant. Fixed at creation."""
    priority: Number
    """Lower numbers are drawn down first. Fixed at creation."""
    starting_at: Timestamp
    """When the first grant starts. Fixed at creation."""
    ending_before: Timestamp | None = None
    """Stop generating grants from this time; setting or moving it earlier is destructive."""
    recurrence_frequency: RecurrenceFrequency | None = None
    """MONTHLY, QUARTERLY, ANNUAL, WEEKLY or DAILY; omitted follows the invoice cadence."""
    proration: RecurringProration | None = None
    """NONE, FIRST, LAST or FIRST_AND_LAST (the API's default)."""
    rollover_fraction: Fraction | None = None
    """Fraction (0-1) of an unused grant that rolls into the next one."""
    rate_type: RateType | None = None
    """COMMIT_RATE or LIST_RATE; can change."""
    name: str | None = None
    """Passed to the generated grants. Fixed at creation."""
    description: str | None = None
    subscription_config: SubscriptionLink | None = None
    """Link to a subscription of this contract (the seed's credit pool and seat credits)."""

    @model_validator(mode="after")
    def _quantity_or_subscription(self):
        if self.subscription_config is None and self.access_amount.quantity is None:
            raise ValueError("access_amount.quantity is required unless subscription_config links a subscription")
        return self


class CreditProrationRounding(Strict):
    access: Rounding | None = None


class RecurringCredit(RecurringItem):
    """Credits granted every period (the seed's seat-based credit pool)."""

    proration_rounding: CreditProrationRounding | None = None


class RecurringCommit(RecurringItem):
    """Commits granted and invoiced every period (the seed's individual seat credits)."""

    invoice_amount: InvoiceAmount | None = None
    """What each generated commit invoices."""
    proration_rounding: RecurringProrationRounding | None = None


# --------------------------------------------------------------------------------------------------
# One-off commits and credits
# --------------------------------------------------------------------------------------------------

class AccessScheduleItem(Strict):
    amount: NonNegative
    """Amount available in this segment, in the schedule's credit type."""
    starting_at: Timestamp
    ending_before: Timestamp


class AccessSchedule(Strict):
    schedule_items: Annotated[list[AccessScheduleItem], Field(min_length=1)]
    """Segments of access: amount, starting_at, ending_before."""
    credit_type: Ref | None = None
    """Credit type name or id; omitted means USD cents."""
    access_type: AccessType | None = None


class InvoiceScheduleItem(Strict):
    timestamp: Timestamp
    amount: Number | None = None
    unit_price: Number | None = None
    quantity: NonNegative | None = None


class RecurringSchedule(Strict):
    starting_at: Timestamp
    ending_before: Timestamp
    frequency: ScheduleFrequency
    amount_distribution: AmountDistribution
    amount: Number | None = None
    unit_price: Number | None = None
    quantity: NonNegative | None = None


class InvoiceSchedule(Strict):
    credit_type: Ref | None = None
    schedule_items: list[InvoiceScheduleItem] | None = None
    recurring_schedule: RecurringSchedule | None = None
    do_not_invoice: bool | None = None

    @model_validator(mode="after")
    def _one_form(self):
        if bool(self.schedule_items) == bool(self.recurring_schedule):
            raise ValueError("give exactly one of schedule_items or recurring_schedule")
        return self


class Credit(Applicability):
    """A one-off credit (``credits[]``)."""

    key: Key
    """Stable manifest key of this credit or commit."""
    id: MetronomeId | None = None
    """Pin to an existing live credit or commit id (adoption)."""
    product: Ref
    """The FIXED product, by name or id."""
    access_schedule: AccessSchedule
    """When and how much can be drawn down."""
    name: str | None = None
    description: str | None = None
    priority: Number | None = None
    """Lower numbers are drawn down first."""
    rollover_fraction: Fraction | None = None
    rate_type: RateType | None = None
    custom_fields: CustomFields | None = None


class Commit(Credit):
    """A one-off commit (``commits[]``): PREPAID (with an optional invoice schedule) or POSTPAID."""

    type: CommitType
    """PREPAID (paid up front, optionally invoiced) or POSTPAID (invoiced for the commitment). Fixed."""
    invoice_schedule: InvoiceSchedule | None = None
    """When the commit is invoiced (required for POSTPAID)."""

    @model_validator(mode="after")
    def _postpaid_invoice(self):
        if self.type == "POSTPAID" and self.invoice_schedule is None:
            raise ValueError("a POSTPAID commit needs an invoice_schedule")
        return self


# --------------------------------------------------------------------------------------------------
# Overrides
# --------------------------------------------------------------------------------------------------

class OverrideSpecifier(Strict):
    product: Ref | None = None
    product_tags: list[str] | None = None
    billing_frequency: BillingFrequency | None = None
    pricing_group_values: dict[str, str] | None = None
    presentation_group_values: dict[str, str] | None = None
    commits: list[Key] | None = None
    """Keys of this contract's commits or recurring commits (commit-specific overrides)."""


class OverwriteTier(Strict):
    price: Number
    size: NonNegative | None = None


class OverwriteRate(Strict):
    rate_type: OverwriteRateType
    price: Number | None = None
    quantity: NonNegative | None = None
    is_prorated: bool | None = None
    tiers: list[OverwriteTier] | None = None
    custom_rate: dict[str, object] | None = None
    credit_type: Ref | None = None


class MultiplierTier(Strict):
    multiplier: NonNegative
    size: NonNegative | None = None


class Override(Strict):
    """A rate override. The API cannot update overrides: a change becomes remove + add in one edit."""

    key: Key
    """Stable manifest key. The API cannot update an override: a change becomes remove + add."""
    id: MetronomeId | None = None
    starting_at: Timestamp
    """When the override takes effect."""
    ending_before: Timestamp | None = None
    type: OverrideType | None = None
    """OVERWRITE (a new rate), MULTIPLIER (a factor on the list rate) or TIERED."""
    product: Ref | None = None
    """The product whose rate is overridden (or use override_specifiers)."""
    applicable_product_tags: list[str] | None = None
    override_specifiers: list[OverrideSpecifier] | None = None
    """Which rates the override applies to: product and billing frequency, tags, group values."""
    entitled: bool | None = None
    """Enable (true) or disable the matched rates on this contract."""
    multiplier: NonNegative | None = None
    """Factor applied to the list rate (MULTIPLIER)."""
    overwrite_rate: OverwriteRate | None = None
    """The rate that replaces the list rate (OVERWRITE)."""
    tiers: list[MultiplierTier] | None = None
    priority: Annotated[float, Field(gt=0, allow_inf_nan=False)] | None = None
    """Precedence among overlapping overrides (required for TIERED and EXPLICIT prioritization)."""
    is_commit_specific: bool | None = None
    target: OverrideTarget | None = None

    @model_validator(mode="after")
    def _shape(self):
        if self.override_specifiers and (self.product or self.applicable_product_tags):
            raise ValueError("override_specifiers cannot be combined with product or applicable_product_tags")
        if self.type == "OVERWRITE" and self.overwrite_rate is None:
            raise ValueError("an OVERWRITE override needs overwrite_rate")
        if self.type == "MULTIPLIER" and self.multiplier is None:
            raise ValueError("a MULTIPLIER override needs multiplier")
        if self.type == "TIERED" and not self.tiers:
            raise ValueError("a TIERED override needs tiers")
        return self


# --------------------------------------------------------------------------------------------------
# Contract and customer
# --------------------------------------------------------------------------------------------------

class BillingProviderConfigurationRef(Strict):
    """Which of the customer's billing provider configurations the contract invoices through."""

    id: MetronomeId | None = None
    billing_provider: BillingProvider | None = None
    delivery_method: DeliveryMethod | None = None

    @model_validator(mode="after")
    def _one_form(self):
        by_pair = self.billing_provider is not None and self.delivery_method is not None
        if bool(self.id) == by_pair:
            raise ValueError("give either id, or billing_provider together with delivery_method")
        return self


class Metadata(Strict):
    name: Name
    """Manifest name: a customer's identity key, or the contract's name within its customer."""
    labels: dict[str, str] = empty_dict()
    """Free-form labels; not sent to Metronome."""
    annotations: dict[str, str] = empty_dict()
    """Free-form annotations; not sent to Metronome."""


class ContractSpec(Strict):
    customer: Name | None = None
    """``metadata.name`` of a Customer manifest."""
    customer_id: MetronomeId | None = None
    """Or the id of a customer that no manifest manages."""
    id: MetronomeId | None = None
    """Adopt an existing live contract (one created without our uniqueness_key)."""
    name: str | None = None
    """The contract's name; can change (update_contract_name)."""
    rate_card: Ref
    """Rate card name or id. Fixed at creation: changing it needs a new contract."""
    starting_at: Timestamp
    """Contract start (inclusive). Fixed at creation."""
    ending_before: Timestamp | None = None
    """Contract end (exclusive); omitted means open-ended. Moving it earlier is destructive."""
    net_payment_terms_days: Annotated[float, Field(ge=0, le=3650, allow_inf_nan=False)] | None = None
    """Days until invoices are due; can change."""
    billing_provider_configuration: BillingProviderConfigurationRef | None = None
    """How invoices are routed; can be added to a contract that has none, never swapped."""
    custom_fields: CustomFields | None = None
    """Custom field values (entity ``contract``); ``reconciler_manifest_sha`` is reserved."""
    subscriptions: list[Subscription] = empty_list()
    """Subscriptions: standard (quantity) or SEAT_BASED (named seats)."""
    recurring_credits: list[RecurringCredit] = empty_list()
    """Credits granted every period, optionally per seat of a linked subscription."""
    recurring_commits: list[RecurringCommit] = empty_list()
    """Commits granted and invoiced every period, optionally per seat."""
    overrides: list[Override] = empty_list()
    """Rate overrides (entitlements, multipliers, overwrites)."""
    commits: list[Commit] = empty_list()
    """One-off commits."""
    credits: list[Credit] = empty_list()
    """One-off credits."""
    allow_destructive: bool = False
    """Allow operations that end, remove or archive live objects (they are refused otherwise)."""

    @model_validator(mode="after")
    def _one_customer(self):
        if bool(self.customer) == bool(self.customer_id):
            raise ValueError("give exactly one of customer (a Customer manifest name) or customer_id")
        return self


class CustomerBillingProviderConfiguration(Strict):
    billing_provider: BillingProvider
    """stripe, netsuite, aws_marketplace, azure_marketplace or gcp_marketplace."""
    delivery_method: DeliveryMethod = "direct_to_billing_provider"
    """How invoices reach the provider."""
    configuration: dict[str, object] = empty_dict()
    """Provider settings, e.g. stripe_customer_id and stripe_collection_method."""


class CustomerSpec(Strict):
    id: MetronomeId | None = None
    """Adopt an existing live customer; otherwise it is found by its identity alias."""
    name: Annotated[str, Field(min_length=1, max_length=160)]
    """Customer name (at most 160 characters); can change."""
    ingest_aliases: list[Annotated[str, Field(min_length=1, max_length=255)]] = empty_list()
    """Extra ingest aliases. The identity alias (``metadata.name``) is always kept too."""
    custom_fields: CustomFields | None = None
    """Custom field values (entity ``customer``)."""
    billing_provider_configurations: list[CustomerBillingProviderConfiguration] = empty_list()
    """Billing provider configurations; missing ones are added, none is removed."""


class CustomerManifest(Strict):
    apiVersion: Literal["reconciler/v1"]
    kind: Literal["Customer"]
    metadata: Metadata
    spec: CustomerSpec

    @property
    def address(self) -> str:
        return f"customer.{self.metadata.name}"


class ContractManifest(Strict):
    apiVersion: Literal["reconciler/v1"]
    kind: Literal["Contract"]
    metadata: Metadata
    spec: ContractSpec

    @property
    def customer_ref(self) -> str:
        return self.spec.customer or self.spec.customer_id or ""

    @property
    def address(self) -> str:
        return f"contract.{self.customer_ref}/{self.metadata.name}"


Manifest = Annotated[Union[CustomerManifest, ContractManifest], Field(discriminator="kind")]
