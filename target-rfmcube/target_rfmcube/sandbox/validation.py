"""Payload rules for customers, orders and request envelopes.

Each ``*_error`` function returns ``None`` when the value is valid, otherwise a message that names
the offending field (for example ``customer.email is required``).
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from typing import Any

_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|\+00:00)")
_DECIMAL_RE = re.compile(r"-?[0-9]+(\.[0-9]+)?")
DATE_HINT = "an ISO-8601 UTC date-time such as 2020-01-01T13:06:39Z"


def parse_utc(value: object) -> datetime | None:
    """Parse ``YYYY-MM-DDTHH:MM:SS(.fraction)?`` followed by ``Z`` or ``+00:00``; else ``None``."""
    if not isinstance(value, str) or _DATE_RE.fullmatch(value) is None:
        return None
    try:
        whole = datetime.strptime(value[:19], "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        return None
    micros = 0
    if value[19] == ".":
        digits = value[20:].split("Z")[0].split("+")[0]
        micros = int((digits + "000000")[:6])
    return whole.replace(microsecond=micros, tzinfo=UTC)


def is_amount(value: object) -> bool:
    """Accept a JSON number (not a boolean, finite) or a dot-decimal string like ``"55.00"``."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, str):
        return _DECIMAL_RE.fullmatch(value) is not None
    return False


def amount_value(value: object) -> float:
    """Return the numeric value of an amount already accepted by :func:`is_amount` (0.0 otherwise)."""
    if isinstance(value, (int, float, str)) and is_amount(value):
        return float(value)
    return 0.0


def is_email(value: object) -> bool:
    """Check the only email rule enforced: a string containing ``@``."""
    return isinstance(value, str) and "@" in value


def is_order_id(value: object) -> bool:
    """Check an order id: a non-empty string or an integer (not a boolean)."""
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, str) and value != "")


def flag_error(body: dict[str, Any], name: str) -> str | None:
    """Check that an optional top-level flag (``triggerIntegrations``...) is a boolean if present."""
    if name in body and not isinstance(body[name], bool):
        return f"{name} must be a boolean"
    return None


def _dates_error(record: dict[str, Any], where: str) -> str | None:
    for key in ("createdAt", "updatedAt"):
        if key not in record:
            return f"{where}.{key} is required"
        if parse_utc(record[key]) is None:
            return f"{where}.{key} must be {DATE_HINT}"
    return None


def customer_error(customer: object, where: str = "customer") -> str | None:
    """Check a customer: ``email`` with ``@``, ``createdAt`` and ``updatedAt`` as UTC date-times."""
    if not isinstance(customer, dict):
        return f"{where} must be an object"
    if "email" not in customer:
        return f"{where}.email is required"
    if not is_email(customer["email"]):
        return f"{where}.email must be a string containing '@'"
    return _dates_error(customer, where)


def order_error(order: object, where: str = "order", *, needs_customer_email: bool) -> str | None:
    """Check an order: ``id``, dates, ``amount``; ``customerEmail`` too when not nested."""
    if not isinstance(order, dict):
        return f"{where} must be an object"
    if "id" not in order:
        return f"{where}.id is required"
    if not is_order_id(order["id"]):
        return f"{where}.id must be a non-empty string or an integer"
    dates = _dates_error(order, where)
    if dates is not None:
        return dates
    if "amount" not in order:
        return f"{where}.amount is required"
    if not is_amount(order["amount"]):
        return f'{where}.amount must be a number or a decimal string like "55.00"'
    if needs_customer_email:
        if "customerEmail" not in order:
            return f"{where}.customerEmail is required"
        if not is_email(order["customerEmail"]):
            return f"{where}.customerEmail must be a string containing '@'"
    return None


def import_customer_error(customer: object, where: str) -> str | None:
    """Check a customer inside ``/import``: the customer rules plus ``orders`` being a list if present."""
    error = customer_error(customer, where)
    if error is None and isinstance(customer, dict) and not isinstance(customer.get("orders", []), list):
        return f"{where}.orders must be a list"
    return error
