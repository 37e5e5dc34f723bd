"""Records -> Connectif JSON bodies and CSV rows (vendors/connectif.md §2-§7)."""

from __future__ import annotations

import datetime as dt
import decimal
import json
from typing import Any

from api_target_kit.dates import parse_datetime, to_utc_z
from api_target_kit.records import vendor_fields
from target_connectif.entities import EVENT_ALIAS_FIELD, PRODUCT_FIELDS, PURCHASE_FIELDS

#: List fields of an import CSV are `|`-separated (support Product-import).
CSV_LIST_SEPARATOR = "|"
PRODUCT_NUMBERS = ("unitPrice", "unitPriceOriginal", "unitPriceWithoutVAT", "discountedAmount", "rating")
LINE_NUMBERS = ("unitPrice", "unitPriceOriginal", "unitPriceWithoutVAT", "discountedAmount", "price", "rating")


def _json_value(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.datetime):
        return to_utc_z(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _number(value: Any) -> Any:
    if isinstance(value, str):
        return float(decimal.Decimal(value.strip()))
    return _json_value(value)


def _date_time(value: Any) -> Any:
    parsed = value if isinstance(value, dt.datetime) else parse_datetime(value)
    return to_utc_z(parsed) if parsed is not None else value


def contact_body(record: dict[str, Any]) -> dict[str, Any]:
    """`PATCH /contacts/email/{email}` body: every field but the e-mail (system fields and custom ids)."""
    body = {k: _json_value(v) for k, v in vendor_fields(record).items() if k != "_email" and v is not None}
    if "_birthdate" in body:
        body["_birthdate"] = _date_time(body["_birthdate"])
    return body


def product_body(record: dict[str, Any]) -> dict[str, Any]:
    """`PATCH /products/product-id/{id}` body: the documented product fields."""
    body = {k: _json_value(record[k]) for k in PRODUCT_FIELDS if record.get(k) is not None}
    for name in PRODUCT_NUMBERS:
        if name in body:
            body[name] = _number(body[name])
    if "publishedAt" in body:
        body["publishedAt"] = _date_time(body["publishedAt"])
    return body


def unknown_product_fields(record: dict[str, Any]) -> list[str]:
    """Fields that are not Connectif product fields (not sent)."""
    known = {*PRODUCT_FIELDS, "productId"}
    return sorted(k for k in vendor_fields(record) if k not in known)


def purchase_body(record: dict[str, Any]) -> dict[str, Any]:
    """`POST /purchases/` body: amounts as numbers, dates in UTC."""
    body = {k: _json_value(record[k]) for k in PURCHASE_FIELDS if record.get(k) is not None}
    body["purchaseId"] = str(body["purchaseId"])
    body["totalPrice"] = _number(body["totalPrice"])
    if "purchaseDate" in body:
        body["purchaseDate"] = _date_time(body["purchaseDate"])
    lines = []
    for line in record.get("products") or []:
        sent = {k: _json_value(v) for k, v in line.items() if v is not None}
        sent["productId"] = str(sent["productId"])
        for name in LINE_NUMBERS:
            if name in sent:
                sent[name] = _number(sent[name])
        lines.append(sent)
    body["products"] = lines
    return body


def custom_event_body(record: dict[str, Any]) -> dict[str, Any]:
    """The event's fields (the alias field, if any, is the address, not data)."""
    return {k: _json_value(v) for k, v in vendor_fields(record).items() if k != EVENT_ALIAS_FIELD and v is not None}


def csv_cell(value: Any) -> str:
    """A CSV cell: lists `|`-separated, booleans `true`/`false`, dates ISO-8601 UTC, empty for null."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return CSV_LIST_SEPARATOR.join(csv_cell(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    value = _json_value(value)
    return str(value)
