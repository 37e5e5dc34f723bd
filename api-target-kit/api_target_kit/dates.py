"""Dates from any tap into the one form vendors want: UTC, `YYYY-MM-DDTHH:MM:SSZ`."""

from __future__ import annotations

import datetime as dt


def parse_datetime(value: object) -> dt.datetime | None:
    """A `datetime` from a datetime, a date or an ISO-8601 string; None if it is not one.

    Strings are read as the SDK reads them (`datetime.fromisoformat`, which takes `Z`,
    offsets, a space instead of `T`, and fractions). A value without a time zone is
    taken as UTC.
    """
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, dt.date):
        parsed = dt.datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    else:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed


def to_utc_z(value: dt.datetime) -> str:
    """`2026-01-31T09:05:00Z`: converted to UTC, whole seconds."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def is_datetime_string(value: object) -> bool:
    """True for a string `parse_datetime` accepts (the `date-time` format check)."""
    return isinstance(value, str) and parse_datetime(value) is not None
