"""The example manifests reproduce the seed guide's three subscription set-ups."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.manifest.loader import load

EXAMPLES = Path(__file__).resolve().parents[2] / "manifests"


@pytest.fixture(scope="module")
def desired():
    return load([EXAMPLES])


def contract(desired, customer):
    return desired.contracts[f"contract.{customer}/pro"].spec


def test_one_customer_and_one_contract_each(desired):
    assert sorted(desired.customers) == ["acme", "globex", "northwind"]
    assert sorted(desired.contracts) == ["contract.acme/pro", "contract.globex/pro", "contract.northwind/pro"]
    for name, customer in desired.customers.items():
        config = customer.spec.billing_provider_configurations[0]
        assert (config.billing_provider, config.delivery_method) == ("stripe", "direct_to_billing_provider")
        assert config.configuration["stripe_customer_id"].startswith("cus_")
        ref = contract(desired, name).billing_provider_configuration
        assert (ref.billing_provider, ref.delivery_method) == ("stripe", "direct_to_billing_provider")


def test_northwind_is_a_standard_subscription_with_the_entitling_override(desired):
    spec = contract(desired, "northwind")
    (subscription,) = spec.subscriptions
    assert (subscription.product, subscription.billing_frequency, subscription.quantity) == ("Pro Plan", "ANNUAL", 2)
    assert subscription.quantity_management_mode == "QUANTITY_ONLY"
    assert subscription.custom_fields == {"plan_tier": "pro"}
    assert not spec.recurring_credits and not spec.recurring_commits
    (override,) = spec.overrides
    assert override.entitled is True
    assert (override.override_specifiers[0].product, override.override_specifiers[0].billing_frequency) == \
        ("Pro Plan", "ANNUAL")


def test_acme_is_a_seat_based_credit_pool(desired):
    spec = contract(desired, "acme")
    (subscription,) = spec.subscriptions
    (credit,) = spec.recurring_credits
    assert credit.subscription_config.subscription == subscription.key
    assert credit.subscription_config.allocation == "POOLED"
    assert credit.subscription_config.apply_seat_increase_config.is_prorated is True
    assert (credit.product, credit.access_amount.credit_type, credit.access_amount.unit_price) == \
        ("Pooled Usage Credits", "AI Credits", 100)
    assert credit.starting_at >= spec.starting_at
    assert len(spec.overrides) == 1


def test_globex_is_individual_seat_credits(desired):
    spec = contract(desired, "globex")
    (subscription,) = spec.subscriptions
    assert subscription.quantity_management_mode == "SEAT_BASED" and subscription.quantity is None
    assert subscription.seat_config.seat_group_key == "seat_id"
    assert len(subscription.seat_config.seat_ids) == 3
    (commit,) = spec.recurring_commits
    assert commit.subscription_config.allocation == "INDIVIDUAL"
    assert commit.invoice_amount.quantity == 1 and commit.rollover_fraction == 0.5
    assert spec.rate_card == "Seats 2025"
    assert spec.starting_at <= commit.starting_at < commit.ending_before
