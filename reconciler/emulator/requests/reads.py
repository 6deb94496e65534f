"""Request models for contract reads and the v1 contract mutations (reference §5.3, §6.1)."""

from __future__ import annotations

from pydantic import Field

from reconciler.emulator.requests.base import Strict, Timestamp


class ContractGet(Strict):
    customer_id: str
    contract_id: str
    as_of_date: Timestamp | None = None
    include_balance: bool | None = None
    include_ledgers: bool | None = None
    webhook_notification_id: str | None = None


class ContractList(Strict):
    customer_id: str
    covering_date: Timestamp | None = None
    starting_at: Timestamp | None = None
    include_archived: bool | None = None
    include_balance: bool | None = None
    include_ledgers: bool | None = None
    cursor: str | None = None
    limit: int | None = Field(default=None, ge=1, le=20)


class ContractRef(Strict):
    customer_id: str
    contract_id: str


class ContractArchive(Strict):
    customer_id: str
    contract_id: str
    void_invoices: bool


class ContractUpdateEndDate(Strict):
    customer_id: str
    contract_id: str
    ending_before: Timestamp | None = None
    allow_ending_before_finalized_invoice: bool | None = None


class SeatsHistory(Strict):
    customer_id: str
    contract_id: str
    subscription_id: str
    covering_date: Timestamp | None = None
    starting_at: Timestamp | None = None
    ending_before: Timestamp | None = None
    cursor: str | None = None
    limit: int | None = Field(default=None, ge=1, le=10)


class QuantityHistory(Strict):
    customer_id: str
    contract_id: str
    subscription_id: str
