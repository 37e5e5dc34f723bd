"""Records -> Rfmcube JSON: ids as strings, dates in UTC `...Z`, amounts as numbers."""

from __future__ import annotations

import decimal
from typing import Any

from api_target_kit.dates import utc_z_text
from api_target_kit.records import vendor_fields

DATE_FIELDS = ("createdAt", "updatedAt")
#: Keys of a customer in the stub re-sent to nest orders under an already loaded customer (see
#: `customer_index.CustomerIndex.remember`).
STUB_FIELDS = ("email", "id", "createdAt", "updatedAt")


def _normalise(payload: dict[str, Any]) -> None:
    for name in DATE_FIELDS:
        value = payload.get(name)
        if value is not None:
            text = utc_z_text(value)  # canonical text as it is, else parsed and rewritten
            if text is not None:
                payload[name] = text
    for name in ("id", "customerId"):
        value = payload.get(name)
        if value is not None and not isinstance(value, str):
            payload[name] = str(value)


def customer_payload(record: dict[str, Any]) -> dict[str, Any]:
    """A customer object for `/import` or `/merge_customer` (without `orders`)."""
    payload = vendor_fields(record)
    payload.pop("orders", None)
    _normalise(payload)
    return payload


def order_payload(record: dict[str, Any]) -> dict[str, Any]:
    """An order object; `amount` becomes a JSON number."""
    payload = vendor_fields(record)
    _normalise(payload)
    amount = payload.get("amount")
    if isinstance(amount, str):
        payload["amount"] = float(decimal.Decimal(amount.strip()))
    elif isinstance(amount, decimal.Decimal):
        payload["amount"] = float(amount)
    return payload


def order_warnings(payload: dict[str, Any]) -> list[str]:
    """Data-quality warnings the RFM statistics need (vendors/rfmcube.md §9)."""
    warnings = []
    status = payload.get("status")
    if status in (None, ""):
        warnings.append("order without status (Rfmcube treats it as UNDEFINED)")
    elif str(status).strip().isdigit() and not payload.get("statusLabel"):
        warnings.append("numeric status without statusLabel")
    amount = payload.get("amount")
    if isinstance(amount, (int, float)) and amount <= 0:
        warnings.append("amount <= 0")
    return warnings


def delete_body(record: dict[str, Any]) -> dict[str, Any]:
    """`/delete_customer` body: `id` and/or `email`."""
    body: dict[str, Any] = {}
    if record.get("id") not in (None, ""):
        body["id"] = str(record["id"])
    if record.get("email"):
        body["email"] = record["email"]
    return body


def email_key(email: object) -> str:
    """How customers are matched to orders: the email, trimmed and lower-cased."""
    return str(email or "").strip().lower()
