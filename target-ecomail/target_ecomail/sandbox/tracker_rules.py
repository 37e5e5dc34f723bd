"""Rules for orders (``transaction`` + ``transaction_items``) and events (vendors/ecomail.md §4, §5)."""

from __future__ import annotations

import json
import math
from typing import Any

from api_target_kit.sandbox import is_int

from .errors import Errors
from .fields import (
    check_number,
    check_string,
    is_finite_number,
    is_string_list,
    is_text_id,
    join,
    require_email,
    require_kind,
)

TRANSACTION_STATUSES: tuple[str, ...] = ("processing", "canceled", "pending", "completed")
#: Documented: "Limited to 1000 transactions per request" (bulk create and bulk delete).
TRANSACTION_BULK_MAX = 1000
MAX_EVENT_VALUE_CHARS = 20_000
TRANSACTION_TEXT_FIELDS: tuple[str, ...] = ("shop", "city", "county", "country")
TRANSACTION_NUMBER_FIELDS: tuple[str, ...] = ("amount", "tax", "shipping")
EVENT_TEXT_FIELDS: tuple[str, ...] = ("category", "action", "label", "property")


def _check_transaction(errors: Errors, path: str, transaction: dict[str, Any], *, order_id_required: bool) -> None:
    order_id = transaction.get("order_id")
    if order_id is None or order_id == "":
        if order_id_required:
            errors.required(join(path, "order_id"))
    elif not is_text_id(order_id):
        errors.wrong_type(join(path, "order_id"), "a string")
    require_email(errors, join(path, "email"), transaction.get("email"))
    for name in TRANSACTION_NUMBER_FIELDS:
        check_number(errors, join(path, name), transaction.get(name))
    for name in TRANSACTION_TEXT_FIELDS:
        check_string(errors, join(path, name), transaction.get(name))
    timestamp = transaction.get("timestamp")
    if timestamp is not None and not (is_int(timestamp) and timestamp >= 0):
        errors.wrong_type(join(path, "timestamp"), "an integer (Unix seconds)")
    status = transaction.get("status")
    if status is not None and status not in TRANSACTION_STATUSES:
        errors.invalid_choice(join(path, "status"))
    props = transaction.get("props")
    if props is not None and not isinstance(props, (str, dict)):
        errors.wrong_type(join(path, "props"), "a string or an object")


def _check_item(errors: Errors, path: str, item: Any) -> None:
    if not isinstance(item, dict):
        errors.wrong_type(path, "an object")
        return
    for name in ("code", "title", "price", "amount"):
        if item.get(name) is None or item.get(name) == "":
            errors.required(join(path, name))
    if item.get("code") not in (None, "") and not is_text_id(item["code"]):
        errors.wrong_type(join(path, "code"), "a string")
    check_string(errors, join(path, "title"), item.get("title"))
    check_number(errors, join(path, "price"), item.get("price"))
    amount = item.get("amount")
    if amount not in (None, "") and not (is_finite_number(amount) or _is_numeric_text(amount)):
        errors.wrong_type(join(path, "amount"), "a number")
    check_string(errors, join(path, "category"), item.get("category"))
    for name in ("categories", "tags"):
        if item.get(name) is not None and not is_string_list(item[name]):
            errors.wrong_type(join(path, name), "an array of strings")


def _is_numeric_text(value: object) -> bool:
    """A quantity written as text, such as ``"1"`` or ``"2.5"`` (the docs show both forms)."""
    if not isinstance(value, str):
        return False
    try:
        number = float(value)
    except ValueError:
        return False
    return math.isfinite(number)


def check_order(errors: Errors, where: str, order: Any, *, order_id_required: bool = True) -> None:
    """``{"transaction": {...}, "transaction_items": [...]}``; ``where`` is its path (``""`` at top level)."""
    if not isinstance(order, dict):
        errors.wrong_type(where, "an object")
        return
    path = join(where, "transaction")
    transaction = require_kind(errors, path, order.get("transaction"), dict, "an object")
    if transaction is not None:
        _check_transaction(errors, path, transaction, order_id_required=order_id_required)
    path = join(where, "transaction_items")
    items = require_kind(errors, path, order.get("transaction_items"), list, "an array")
    if items is not None:
        for index, item in enumerate(items):
            _check_item(errors, join(path, index), item)


def event_value_text(value: Any) -> str | None:
    """``value`` as Ecomail stores it: text as it is, anything else JSON-encoded (compact)."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def check_event(errors: Errors, event: dict[str, Any]) -> None:
    """An event: a valid ``email``, text fields, and ``value`` within 20,000 characters once encoded."""
    require_email(errors, "event.email", event.get("email"))
    for name in EVENT_TEXT_FIELDS:
        check_string(errors, join("event", name), event.get(name))
    text = event_value_text(event.get("value"))
    if text is not None and len(text) > MAX_EVENT_VALUE_CHARS:
        errors.add(
            "event.value",
            f"The event.value may not be greater than {MAX_EVENT_VALUE_CHARS} characters once encoded ({len(text)}).",
        )
