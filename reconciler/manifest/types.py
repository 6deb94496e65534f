"""Scalar types shared by every manifest model.

Enums are case-insensitive in manifests (Metronome's own guides write ``annual``, the API wants
``ANNUAL``) and canonical upper case once parsed. Timestamps are timezone-aware UTC; a bare date means
midnight UTC; a timestamp without a zone, and a bare number (never read as Unix seconds), are refused. Numbers are finite: NaN and infinities never reach a request.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Annotated, Any, Literal, get_args

from pydantic import AfterValidator, BeforeValidator, Field, WithJsonSchema

UTC = dt.timezone.utc

#: Manifest names (``metadata.name``) and item keys: stable, readable, safe inside a uniqueness_key.
NAME_PATTERN = r"^[a-z0-9]([a-z0-9._-]{0,61}[a-z0-9])?$"
KEY_PATTERN = NAME_PATTERN
UUID_PATTERN = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def is_uuid(value: str) -> bool:
    """True when ``value`` looks like a Metronome id (a UUID), as opposed to a catalog name."""
    return bool(UUID_PATTERN.match(value))


def _upper(value: Any) -> Any:
    return value.upper() if isinstance(value, str) else value


def enum(*values: str) -> Any:
    """A case-insensitive enum: any casing in, upper case out; the JSON Schema lists both casings."""
    literal = Literal[values]  # type: ignore[valid-type]
    schema = {"enum": [*values, *(v.lower() for v in values)], "type": "string"}
    return Annotated[literal, BeforeValidator(_upper), WithJsonSchema(schema)]


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def lower_enum(*values: str) -> Any:
    """Like :func:`enum`, for the few API enums that are lower case (billing providers, delivery methods)."""
    literal = Literal[values]  # type: ignore[valid-type]
    schema = {"enum": [*values, *(v.upper() for v in values)], "type": "string"}
    return Annotated[literal, BeforeValidator(_lower), WithJsonSchema(schema)]


def _to_utc(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ValueError("timestamp has no timezone; write it in UTC with a Z suffix, "
                             "e.g. 2025-01-01T00:00:00Z (a bare date means midnight UTC)")
        return value.astimezone(UTC)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, str):
        return _to_utc(_parse_timestamp(value.strip()))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        # pydantic would read a number as Unix seconds: 20250423 would silently become 1970-08-23.
        raise ValueError(f"must be a timestamp, got the number {value!r}; write it like 2025-01-01T00:00:00Z, "
                         "or a date like 2025-01-01 (midnight UTC)")
    return value


def _parse_timestamp(text: str) -> dt.datetime:
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{text!r} is not a valid timestamp; write it like 2025-01-01T00:00:00Z, "
                         "or a date like 2025-01-01 (midnight UTC)") from None


def _check_year(value: dt.datetime) -> dt.datetime:
    if not 2000 <= value.year <= 2100:
        raise ValueError(f"year {value.year} is outside 2000-2100; check the date")
    return value


Timestamp = Annotated[
    dt.datetime,
    BeforeValidator(_to_utc),
    AfterValidator(_check_year),
    WithJsonSchema({"type": "string", "anyOf": [{"format": "date-time"}, {"format": "date"}],
                    "description": "RFC 3339 timestamp with offset (Z), or a date meaning midnight UTC"}),
]


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError("must be a finite number")
    return value


def _reject_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("must be a number, not true/false")
    return value


# The bounds come first so that they constrain the number itself and appear in the JSON Schema as
# minimum/maximum (placed after a validator, pydantic emits them as unknown "ge"/"le" keywords).
Number = Annotated[float, Field(allow_inf_nan=False, ge=-1e15, le=1e15), BeforeValidator(_reject_bool),
                   AfterValidator(_finite)]
NonNegative = Annotated[float, Field(allow_inf_nan=False, ge=0, le=1e15), BeforeValidator(_reject_bool),
                        AfterValidator(_finite)]
Fraction = Annotated[float, Field(allow_inf_nan=False, ge=0, le=1), BeforeValidator(_reject_bool)]
Count = Annotated[int, Field(ge=0, le=1_000_000), BeforeValidator(_reject_bool)]
Name = Annotated[str, Field(pattern=NAME_PATTERN)]
Key = Annotated[str, Field(pattern=KEY_PATTERN)]
Ref = Annotated[str, Field(min_length=1, max_length=255)]
"""A catalog reference: a Metronome id (UUID) or the object's unique name in the live catalog."""
MetronomeId = Annotated[str, Field(pattern=UUID_PATTERN.pattern)]
CustomFields = dict[Annotated[str, Field(min_length=1, max_length=200)], Annotated[str, Field(max_length=200)]]

BillingFrequency = enum("MONTHLY", "QUARTERLY", "ANNUAL", "WEEKLY")
CollectionSchedule = enum("ADVANCE", "ARREARS")
InvoiceBehavior = enum("BILL_IMMEDIATELY", "BILL_ON_NEXT_COLLECTION_DATE")
QuantityManagementMode = enum("QUANTITY_ONLY", "SEAT_BASED")
RecurrenceFrequency = enum("MONTHLY", "QUARTERLY", "ANNUAL", "WEEKLY", "DAILY")
RecurringProration = enum("NONE", "FIRST", "LAST", "FIRST_AND_LAST")
RateType = enum("COMMIT_RATE", "LIST_RATE")
Allocation = enum("INDIVIDUAL", "POOLED")
RoundingMethod = enum("HALF_UP", "FLOOR", "CEILING")
CommitType = enum("PREPAID", "POSTPAID")
OverrideType = enum("OVERWRITE", "MULTIPLIER", "TIERED")
OverwriteRateType = enum("FLAT", "PERCENTAGE", "SUBSCRIPTION", "TIERED", "TIERED_PERCENTAGE", "CUSTOM")
OverrideTarget = enum("COMMIT_RATE", "LIST_RATE")
AccessType = enum("SPEND", "QUANTITY")
BillingProvider = lower_enum("aws_marketplace", "azure_marketplace", "gcp_marketplace", "stripe", "netsuite")
DeliveryMethod = lower_enum("direct_to_billing_provider", "aws_sqs", "tackle", "aws_sns")
InvoicePlacement = enum("ON_SCHEDULED_INVOICE", "ON_USAGE_INVOICE")
ScheduleFrequency = enum("MONTHLY", "QUARTERLY", "SEMI_ANNUAL", "ANNUAL", "WEEKLY")
AmountDistribution = enum("DIVIDED", "DIVIDED_ROUNDED", "EACH")


def enum_values(annotated: Any) -> tuple[str, ...]:
    """The canonical values of an :func:`enum` type."""
    return get_args(get_args(annotated)[0])
