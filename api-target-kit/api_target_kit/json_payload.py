"""Serialising payloads: compact UTF-8 JSON, with dates and decimals the SDK hands us."""

from __future__ import annotations

import datetime as dt
import decimal
import json
from typing import Any

from api_target_kit.dates import to_utc_z


def json_default(value: Any) -> Any:
    """JSON for the non-JSON types records carry after the SDK parsed them."""
    if isinstance(value, dt.datetime):
        return to_utc_z(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    raise TypeError(f"cannot serialise {type(value).__name__} to JSON")


def dumps_bytes(value: Any, *, sort_keys: bool = False) -> bytes:
    """Compact JSON as UTF-8 bytes (what goes on the wire and is measured for size limits)."""
    return json.dumps(
        value, default=json_default, separators=(",", ":"), ensure_ascii=False, sort_keys=sort_keys
    ).encode()


def dumps_text(value: Any) -> str:
    """Compact JSON as text (for files the kit writes)."""
    return json.dumps(value, default=json_default, separators=(",", ":"), ensure_ascii=False)
