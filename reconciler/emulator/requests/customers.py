"""Request models for customers, billing provider configurations and custom fields (reference §3, §7.5)."""

from __future__ import annotations

from pydantic import Field

from reconciler.emulator.requests.base import (
    BILLING_PROVIDER, CUSTOM_FIELD_ENTITY, DELIVERY_METHOD, Enum, Loose, StrMap, Strict,
)

LEGACY_BILLING_PROVIDER = BILLING_PROVIDER
CONFIG_BILLING_PROVIDER = Enum("aws_marketplace", "azure_marketplace", "gcp_marketplace", "stripe", "netsuite")
TAX_PROVIDER = Enum("anrok", "avalara", "stripe")


class BillingConfig(Strict):
    billing_provider_type: LEGACY_BILLING_PROVIDER
    billing_provider_customer_id: str
    stripe_collection_method: Enum(
        "charge_automatically", "send_invoice", "auto_charge_payment_intent", "manually_charge_payment_intent"
    ) | None = None
    aws_customer_id: str | None = None
    aws_customer_account_id: str | None = None
    aws_product_code: str | None = None
    aws_region: str | None = None
    aws_is_subscription_product: bool | None = None


class CustomerBillingProviderConfigurationInput(Strict):
    billing_provider: CONFIG_BILLING_PROVIDER
    configuration: Loose | None = None
    delivery_method_id: str | None = None
    delivery_method: DELIVERY_METHOD | None = None
    tax_provider: TAX_PROVIDER | None = None


class RevenueSystemConfigurationInput(Strict):
    provider: Enum("netsuite")
    configuration: Loose | None = None
    delivery_method_id: str | None = None
    delivery_method: Enum("direct_to_billing_provider") | None = None


class CustomerCreate(Strict):
    name: str
    ingest_aliases: list[str] | None = None
    external_id: str | None = Field(default=None, min_length=1, max_length=128)
    custom_fields: StrMap | None = None
    billing_config: BillingConfig | None = None
    customer_billing_provider_configurations: list[CustomerBillingProviderConfigurationInput] | None = None
    customer_revenue_system_configurations: list[RevenueSystemConfigurationInput] | None = None


class CustomerSetName(Strict):
    name: str


class CustomerSetIngestAliases(Strict):
    ingest_aliases: list[str]


class CustomerArchive(Strict):
    id: str


class BillingProviderConfigurationSetItem(Strict):
    customer_id: str
    billing_provider: LEGACY_BILLING_PROVIDER
    configuration: Loose | None = None
    delivery_method_id: str | None = None
    delivery_method: DELIVERY_METHOD | None = None
    tax_provider: TAX_PROVIDER | None = None


class BillingProviderConfigurationsSet(Strict):
    data: list[BillingProviderConfigurationSetItem]


class BillingProviderConfigurationsGet(Strict):
    customer_id: str
    include_archived: bool | None = None


class CustomFieldListKeys(Strict):
    entities: list[CUSTOM_FIELD_ENTITY] | None = None


class CustomFieldAddKey(Strict):
    entity: CUSTOM_FIELD_ENTITY
    key: str
    enforce_uniqueness: bool


class CustomFieldRemoveKey(Strict):
    entity: CUSTOM_FIELD_ENTITY
    key: str


class CustomFieldSetValues(Strict):
    entity: CUSTOM_FIELD_ENTITY
    entity_id: str
    custom_fields: StrMap


class CustomFieldDeleteValues(Strict):
    entity: CUSTOM_FIELD_ENTITY
    entity_id: str
    keys: list[str]
