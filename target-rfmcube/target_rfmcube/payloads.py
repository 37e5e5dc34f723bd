"""Records -> Rfmcube JSON: ids as strings, dates in UTC `...Z`, amounts as numbers."""

from __future__ import annotations

import decimal
from typing import Any

from api_target_kit.dates import is_canonical_utc, utc_z_text
from api_target_kit.json_payload import dumps_bytes
from api_target_kit.records import vendor_fields

DATE_FIELDS = ("createdAt", "updatedAt")
#: Keys of a customer in the stub re-sent to nest orders under an already loaded customer (see
#: `customer_index.CustomerIndex.remember`); they come first in a staged customer (`staged_customer`).
STUB_FIELDS = ("email", "id", "createdAt", "updatedAt")


def _utc(value: Any) -> Any:
    """A date-time in canonical UTC `...Z` text (as it is when already so); other values unchanged."""
    if type(value) is str and is_canonical_utc(value):  # most dates (see `EntitySink._parse_timestamps_in_record`)
        return value
    text = utc_z_text(value)
    return value if text is None else text


def _normalise(payload: dict[str, Any]) -> None:
    for name in DATE_FIELDS:
        value = payload.get(name)
        if value is not None:
            payload[name] = _utc(value)
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


def staged_customer(record: dict[str, Any]) -> tuple[bytes, int]:
    """`customer_payload(record)` encoded with its stub's fields first, and the bytes of that stub in it.

    `encoded[:head] + b"}"` is the stub the customer index keeps (the non-null `STUB_FIELDS`), so
    that confirming an import reads back only those bytes of each customer and decodes no whole
    payload. Rfmcube reads a JSON object by its keys: their order changes nothing it receives.
    The stub and the other fields are encoded apart and joined.
    """
    payload = vendor_fields(record)
    pop = payload.pop
    email, customer_id, created, updated = (
        pop("email", None),
        pop("id", None),
        pop("createdAt", None),
        pop("updatedAt", None),
    )
    if email is None or customer_id is None or created is None or updated is None:
        return _staged_with_nulls(customer_payload(record))
    pop("orders", None)
    reference = payload.get("customerId")
    if reference is not None and not isinstance(reference, str):
        payload["customerId"] = str(reference)
    stub = {
        "email": email,
        "id": customer_id if isinstance(customer_id, str) else str(customer_id),
        "createdAt": _utc(created),
        "updatedAt": _utc(updated),
    }
    return _joined(dumps_bytes(stub), payload)


def _staged_with_nulls(payload: dict[str, Any]) -> tuple[bytes, int]:
    """`staged_customer` for a customer missing a stub field (or holding a null there)."""
    stub = {name: payload[name] for name in STUB_FIELDS if payload.get(name) is not None}
    for name in stub:
        del payload[name]
    return _joined(dumps_bytes(stub), payload)


def _joined(head: bytes, rest: dict[str, Any]) -> tuple[bytes, int]:
    """The object of the encoded stub `head` followed by the fields of `rest`; and `head`'s bytes without its `}`."""
    if not rest:
        return head, len(head) - 1
    if len(head) == 2:
        return dumps_bytes(rest), 1
    return head[:-1] + b"," + dumps_bytes(rest)[1:], len(head) - 1


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
