"""Timestamps and calendar periods.

The API accepts RFC 3339 date-times and the emulator always answers in UTC with a ``Z`` suffix and millisecond
precision (``2025-04-23T00:00:00.000Z``), the format the SDK itself sends. Stored timestamps use the same
canonical string, so that they sort lexicographically in SQLite and in Python.

Periods (billing frequencies, recurrence frequencies) are computed from an anchor by whole steps, never by
repeated addition, so that month-end anchors do not drift (Jan 31 -> Feb 28 -> Mar 31).
"""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta, timezone
from functools import lru_cache

MONTHS_PER_PERIOD = {"MONTHLY": 1, "QUARTERLY": 3, "SEMI_ANNUAL": 6, "ANNUAL": 12}
DAYS_PER_PERIOD = {"WEEKLY": 7, "DAILY": 1}


def parse_timestamp(value: str | datetime) -> datetime:
    """Parse an RFC 3339 string (``Z`` or offset; a missing offset is taken as UTC) into an aware UTC datetime."""
    if isinstance(value, datetime):
        parsed = value
    else:
        text = value.strip()
        if text.endswith(("z", "Z")):
            text = text[:-1] + "+00:00"
        parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def format_timestamp(value: datetime) -> str:
    """Canonical wire/storage form: UTC, milliseconds, ``Z``."""
    return value.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def canonical(value: str | datetime) -> str:
    return format_timestamp(parse_timestamp(value))


def add_months(value: datetime, months: int) -> datetime:
    month_index = value.month - 1 + months
    year, month = value.year + month_index // 12, month_index % 12 + 1
    day = min(value.day, calendar.monthrange(year, month)[1])
    return value.replace(year=year, month=month, day=day)


@lru_cache(maxsize=4096)
def period_start(anchor: datetime, frequency: str, index: int) -> datetime:
    """Start of the ``index``-th period of ``frequency`` counted from ``anchor`` (index 0 is the anchor)."""
    if frequency in MONTHS_PER_PERIOD:
        return add_months(anchor, MONTHS_PER_PERIOD[frequency] * index)
    return anchor + timedelta(days=DAYS_PER_PERIOD[frequency] * index)


def period_index_at(anchor: datetime, frequency: str, at: datetime) -> int:
    """Index of the period (counted from ``anchor``) that contains ``at``; negative before the anchor."""
    if frequency in DAYS_PER_PERIOD:
        return (at - anchor) // timedelta(days=DAYS_PER_PERIOD[frequency])
    step = MONTHS_PER_PERIOD[frequency]
    guess = ((at.year - anchor.year) * 12 + at.month - anchor.month) // step
    while period_start(anchor, frequency, guess) > at:
        guess -= 1
    while period_start(anchor, frequency, guess + 1) <= at:
        guess += 1
    return guess
