"""Records -> Ecomail JSON (vendors/ecomail.md §3-§9)."""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterable
from typing import Any

from api_target_kit.dates import parse_datetime
from target_ecomail.entities import (
    SUBSCRIBER_STATUSES,
    custom_field_key,
    event_value_text,
    transaction_status,
)

#: The documented `subscriber_data` fields (docs `lists/subscribe`); others are not sent.
SUBSCRIBER_FIELDS = (
    "email",
    "name",
    "surname",
    "gender",
    "company",
    "city",
    "street",
    "zip",
    "country",
    "phone",
    "pretitle",
    "surtitle",
    "birthday",
    "nameday",
    "source",
    "status",
    "custom_fields",
    "tags",
    "groups",
)
#: Fields that steer the target rather than describe the subscriber.
SUBSCRIBER_ROUTING_FIELDS = ("list_id",)
TRANSACTION_FIELDS = ("order_id", "email", "shop", "amount", "tax", "shipping", "city", "county", "country", "props")
ITEM_FIELDS = ("code", "title", "categories", "price", "amount", "tags")
EVENT_FIELDS = ("email", "category", "action", "label", "property", "value")


def _number(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, str):
        return float(decimal.Decimal(value.strip()))
    return value


def _date_text(value: Any) -> str | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)[:10]


def subscriber_data(record: dict[str, Any]) -> dict[str, Any]:
    """One `subscriber_data` item: documented fields only (empty ones left out), custom-field keys normalised."""
    data = {k: v for k, v in record.items() if k in _SUBSCRIBER_FIELD_SET and v is not None and v != ""}
    data["email"] = str(data["email"]).strip()
    if "birthday" in data:
        data["birthday"] = _date_text(data["birthday"])
    if type(data.get("status")) is str:
        data["status"] = SUBSCRIBER_STATUSES[data["status"].lower()]
    fields = data.get("custom_fields")
    if type(fields) is dict:
        data["custom_fields"] = {custom_field_key(k): _custom_value(v) for k, v in fields.items()}
    return data


_SUBSCRIBER_FIELD_SET = frozenset(SUBSCRIBER_FIELDS)


def _custom_value(value: Any) -> Any:
    if type(value) in _PLAIN_JSON:
        return value
    if isinstance(value, dt.datetime):
        return {"value": value.date().isoformat(), "type": "date"}
    if isinstance(value, dt.date):
        return {"value": value.isoformat(), "type": "date"}
    if isinstance(value, decimal.Decimal):
        return float(value)
    return value


_PLAIN_JSON = frozenset((str, int, float, bool, type(None)))


def unsent_subscriber_fields(field_names: Iterable[str]) -> list[str]:
    """Of a record's (or a batch's) field names, those that are not Ecomail subscriber fields (reported, not sent)."""
    known = set(SUBSCRIBER_FIELDS) | set(SUBSCRIBER_ROUTING_FIELDS)
    return sorted(k for k in field_names if k not in known and not k.startswith("_sdc_"))


#: Transaction fields read besides `TRANSACTION_FIELDS` (`transaction_body`).
TRANSACTION_OTHER_FIELDS = ("timestamp", "status", "transaction_items")


def unsent_transaction_fields(field_names: Iterable[str]) -> list[str]:
    """Of a transaction's (or a batch's) field names, those Ecomail has no place for (reported, not sent)."""
    known = set(TRANSACTION_FIELDS) | set(TRANSACTION_OTHER_FIELDS)
    return sorted(k for k in field_names if k not in known and not k.startswith("_sdc_"))


def unsent_item_fields(field_names: Iterable[str]) -> list[str]:
    """Of transaction items' field names, those that are not Ecomail item fields (reported, not sent)."""
    return sorted(k for k in field_names if k not in ITEM_FIELDS)


def unix_seconds(value: Any) -> int | None:
    """Any date-time (or Unix seconds) as whole Unix seconds."""
    if value in (None, ""):
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value)
    parsed = value if isinstance(value, dt.datetime) else parse_datetime(value)
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return int(parsed.timestamp())


def transaction_body(record: dict[str, Any], default_shop: str | None) -> dict[str, Any]:
    """`{"transaction": {...}, "transaction_items": [...]}` for create, bulk and update."""
    transaction: dict[str, Any] = {k: record[k] for k in TRANSACTION_FIELDS if record.get(k) is not None}
    transaction["order_id"] = str(transaction["order_id"])
    if not transaction.get("shop") and default_shop:
        transaction["shop"] = default_shop
    for name in ("amount", "tax", "shipping"):
        if name in transaction:
            transaction[name] = _number(transaction[name])
    timestamp = unix_seconds(record.get("timestamp"))
    if timestamp is not None:
        transaction["timestamp"] = timestamp
    transaction["status"] = transaction_status(record.get("status"))
    items = []
    for item in record.get("transaction_items") or []:
        sent = {k: item[k] for k in ITEM_FIELDS if item.get(k) is not None}
        sent["code"] = str(sent["code"])
        sent["price"] = _number(sent["price"])
        sent["amount"] = _number(sent["amount"])
        items.append(sent)
    return {"transaction": transaction, "transaction_items": items}


def event_body(record: dict[str, Any]) -> dict[str, Any]:
    """`{"event": {...}}`: objects in `value` JSON-encoded."""
    event = {k: record[k] for k in EVENT_FIELDS if record.get(k) is not None}
    if "value" in event:
        event["value"] = event_value_text(event["value"])
    for name in ("category", "action", "label", "property"):
        if name in event and not isinstance(event[name], str):
            event[name] = str(event[name])
    return {"event": event}
