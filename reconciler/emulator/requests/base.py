"""Building blocks of the strict request models: base class, enum and timestamp types, error formatting."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from reconciler.emulator.errors import ApiError
from reconciler.emulator.timeutil import canonical


class Strict(BaseModel):
    """Base of every request model: unknown fields and wrong types are errors."""

    model_config = ConfigDict(extra="forbid", strict=True)


def _enum_validator(values: tuple[str, ...]):
    by_folded = {value.casefold(): value for value in values}

    def check(raw: Any) -> str:
        if not isinstance(raw, str):
            raise ValueError("Input should be a string")
        try:
            return by_folded[raw.casefold()]
        except KeyError:
            raise ValueError(f"Input should be one of {', '.join(values)}") from None

    return check


def Enum(*values: str) -> Any:  # noqa: N802 - reads like a type in model declarations
    """A string enum accepted in any case and stored in Metronome's canonical spelling."""
    return Annotated[str, BeforeValidator(_enum_validator(values))]


def _timestamp(raw: Any) -> str:
    if not isinstance(raw, str):
        raise ValueError("Input should be an RFC 3339 date-time string")
    try:
        return canonical(raw)
    except ValueError:
        raise ValueError(f"Input should be an RFC 3339 date-time string, got {raw!r}") from None


Timestamp = Annotated[str, BeforeValidator(_timestamp)]
"""An RFC 3339 date-time, normalised to ``YYYY-MM-DDTHH:MM:SS.sssZ`` (UTC)."""

UniquenessKey = Annotated[str, Field(min_length=1, max_length=128)]
StrMap = dict[str, str]
Loose = dict[str, Any]
"""A sub-object the emulator accepts by name but does not model (it rejects it semantically when used)."""

BILLING_FREQUENCY = Enum("MONTHLY", "QUARTERLY", "ANNUAL", "WEEKLY")
RATE_TYPE = Enum("COMMIT_RATE", "LIST_RATE")
ROUNDING_METHOD = Enum("HALF_UP", "FLOOR", "CEILING")
BILLING_PROVIDER = Enum(
    "aws_marketplace", "stripe", "netsuite", "custom", "azure_marketplace", "quickbooks_online", "workday",
    "gcp_marketplace", "metronome",
)
DELIVERY_METHOD = Enum("direct_to_billing_provider", "aws_sqs", "tackle", "aws_sns")
CUSTOM_FIELD_ENTITY = Enum(
    "alert", "billable_metric", "charge", "commit", "contract_credit", "contract_product", "contract",
    "credit_grant", "customer_plan", "customer", "discount", "invoice", "plan", "professional_service",
    "product", "rate_card", "scheduled_charge", "subscription", "package_commit", "package_credit",
    "package_subscription", "package_scheduled_charge",
)


class Rounding(Strict):
    rounding_method: ROUNDING_METHOD
    decimal_places: float


def field_path(loc: tuple[Any, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "body"


def describe_errors(exc: ValidationError) -> str:
    """One line per problem, each naming the field path (``subscriptions[0].seat_config.seat_group_key``)."""
    lines = []
    for error in exc.errors():
        path = field_path(tuple(part for part in error["loc"] if not _is_validator_tag(part)))
        if error["type"] == "extra_forbidden":
            lines.append(f"{path}: unknown field")
        elif error["type"] == "missing":
            lines.append(f"{path}: required field is missing")
        else:
            lines.append(f"{path}: {error['msg']}")
    return "Invalid request body: " + "; ".join(lines)


def _is_validator_tag(part: Any) -> bool:
    return isinstance(part, str) and part.startswith("function-")


def parse_body(model: type[Strict], body: Any) -> Any:
    """Validate a decoded JSON body against ``model``; a mismatch becomes a 400 naming the fields."""
    if not isinstance(body, dict):
        raise ApiError(400, "Invalid request body: expected a JSON object")
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        raise ApiError(400, describe_errors(exc)) from None
