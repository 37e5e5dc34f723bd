"""What Ecomail needs of each entity (vendors/ecomail.md §3-§9): required fields and limits.

Every limit is checked before sending, and a record over one is rejected with a reason that
names the field: nothing is cut short silently.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any

from api_target_kit.json_payload import dumps_bytes
from api_target_kit.validation import AMOUNT, DATETIME, EMAIL, ID, EntityRules

SUBSCRIBERS = "subscribers"
TRANSACTIONS = "transactions"
EVENTS = "events"
COUPONS = "coupons"
AUTOMATION_TRIGGERS = "automation_triggers"

#: Documented limits (docs `lists/subscribe-bulk`, `lists/update-subscriber`, `tracker/create-event`).
MAX_CUSTOM_FIELDS_CHARS = 5000
MAX_TAG_CHARS = 50
MAX_TAGS_CHARS = 2000
MAX_EVENT_VALUE_CHARS = 20_000

#: Ecomail's transaction statuses, and source spellings mapped onto them.
TRANSACTION_STATUSES = ("processing", "canceled", "pending", "completed")
STATUS_SYNONYMS = {"cancelled": "canceled", "complete": "completed", "processed": "completed"}
#: Subscriber status names accepted besides the numbers subscribe-bulk takes (1, 2, 4).
SUBSCRIBER_STATUSES = {"subscribed": 1, "unsubscribed": 2, "hard_bounce": 4, "bounced": 4}

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ].*)?$")
_NAMEDAY = re.compile(r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")


@functools.lru_cache(maxsize=4096)
def custom_field_key(key: str) -> str:
    """How Ecomail identifies a custom field: trimmed and lower-cased (a tap repeats its keys: cached)."""
    return key.strip().lower()


def custom_fields_chars(fields: dict[str, Any]) -> int:
    """Characters the custom fields take, counted as their JSON text (keys and values)."""
    return len(dumps_bytes(fields).decode())


def check_custom_fields(record: dict[str, Any]) -> str | None:
    """Keys that collide once normalised, and the 5,000-character total."""
    fields = record.get("custom_fields")
    if fields is None:
        return None
    if not isinstance(fields, dict):
        return "field 'custom_fields' must be an object"
    normalised: dict[str, Any] = {}
    seen: dict[str, str] = {}
    for key, value in fields.items():
        normal = custom_field_key(key)
        if not normal:
            return "field 'custom_fields' has an empty key"
        if normal in seen:
            return (
                f"field 'custom_fields' has keys {seen[normal]!r} and {key!r}, which Ecomail treats as one "
                "field (keys are trimmed and case-insensitive)"
            )
        seen[normal] = key
        normalised[normal] = value
    size = custom_fields_chars(normalised)
    if size > MAX_CUSTOM_FIELDS_CHARS:
        return f"field 'custom_fields' is {size} characters, over Ecomail's {MAX_CUSTOM_FIELDS_CHARS} in total"
    return None


def check_tags(record: dict[str, Any]) -> str | None:
    """At most 50 characters per tag and 2,000 in total."""
    tags = record.get("tags")
    if tags is None:
        return None
    if not isinstance(tags, list):
        return "field 'tags' must be a list of strings"
    total = 0
    for tag in tags:
        if not isinstance(tag, str):
            return "field 'tags' must be a list of strings"
        if len(tag) > MAX_TAG_CHARS:
            return f"field 'tags' has a tag of {len(tag)} characters, over Ecomail's {MAX_TAG_CHARS}: {tag[:60]!r}"
        total += len(tag)
    if total > MAX_TAGS_CHARS:
        return f"field 'tags' is {total} characters in total, over Ecomail's {MAX_TAGS_CHARS}"
    return None


def check_dates(record: dict[str, Any]) -> str | None:
    """`birthday` a date (sent as YYYY-MM-DD), `nameday` as MM-DD."""
    birthday = record.get("birthday")
    if birthday not in (None, "") and not (isinstance(birthday, str) and _DATE.match(birthday)):
        return f"field 'birthday' is not a date (YYYY-MM-DD): {birthday!r}"
    nameday = record.get("nameday")
    if nameday not in (None, "") and not (isinstance(nameday, str) and _NAMEDAY.match(nameday)):
        return f"field 'nameday' is not MM-DD: {nameday!r}"
    return None


def check_subscriber_status(record: dict[str, Any]) -> str | None:
    """subscribe-bulk takes status 1, 2 or 4 (or their names)."""
    status = record.get("status")
    if status is None or status in (1, 2, 4) or (isinstance(status, str) and status.lower() in SUBSCRIBER_STATUSES):
        return None
    return f"field 'status' must be 1, 2, 4 or one of {sorted(SUBSCRIBER_STATUSES)}: {status!r}"


def transaction_status(value: Any) -> str | None:
    """The Ecomail status of a source status, or None when there is none to send."""
    if value in (None, ""):
        return None
    text = str(value).strip().lower()
    return STATUS_SYNONYMS.get(text, text)


def check_transaction_status(record: dict[str, Any]) -> str | None:
    """A status Ecomail knows (after mapping synonyms such as 'cancelled')."""
    status = transaction_status(record.get("status"))
    if status is None or status in TRANSACTION_STATUSES:
        return None
    return f"field 'status' is not one of {', '.join(TRANSACTION_STATUSES)}: {record.get('status')!r}"


def check_transaction_items(record: dict[str, Any]) -> str | None:
    """Every item has `code`, `title`, `price` and `amount` (the sandbox's assumption)."""
    items = record.get("transaction_items")
    if items is None:
        return None
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            return f"field 'transaction_items[{index}]' must be an object"
        for name in ("code", "title", "price", "amount"):
            if item.get(name) in (None, ""):
                return f"field 'transaction_items[{index}].{name}' is missing"
    return None


def event_value_text(value: Any) -> str | None:
    """`value` as Ecomail stores it: objects and arrays JSON-encoded."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def check_event_value(record: dict[str, Any]) -> str | None:
    """At most 20,000 characters after JSON encoding."""
    text = event_value_text(record.get("value"))
    if text is not None and len(text) > MAX_EVENT_VALUE_CHARS:
        return f"field 'value' is {len(text)} characters once JSON-encoded, over Ecomail's {MAX_EVENT_VALUE_CHARS}"
    return None


_ITEM = {
    "type": "object",
    "properties": {"price": AMOUNT, "amount": AMOUNT},
}

SUBSCRIBER_RULES = EntityRules(
    schema={
        "type": "object",
        "required": ["email"],
        "properties": {
            "email": EMAIL,
            "gender": {"anyOf": [{"type": "null"}, {"enum": ["male", "female", ""]}]},
            "list_id": {"anyOf": [{"type": "null"}, ID]},
        },
    },
    delete_keys=("email",),
    checks=(check_custom_fields, check_tags, check_dates, check_subscriber_status),
)

TRANSACTION_RULES = EntityRules(
    schema={
        "type": "object",
        "required": ["order_id", "email"],
        "properties": {
            "order_id": ID,
            "email": EMAIL,
            "amount": {"anyOf": [{"type": "null"}, AMOUNT]},
            "tax": {"anyOf": [{"type": "null"}, AMOUNT]},
            "shipping": {"anyOf": [{"type": "null"}, AMOUNT]},
            "timestamp": {"anyOf": [{"type": "null"}, {"type": "integer"}, DATETIME]},
            "transaction_items": {"type": "array", "items": _ITEM},
        },
    },
    delete_keys=("order_id",),
    checks=(check_transaction_status, check_transaction_items),
)

EVENT_RULES = EntityRules(
    schema={"type": "object", "required": ["email"], "properties": {"email": EMAIL}},
    checks=(check_event_value,),
)

COUPON_RULES = EntityRules(
    schema={
        "type": "object",
        "required": ["code"],
        "properties": {
            "code": {"type": "string", "minLength": 1},
            "folder_id": {"anyOf": [{"type": "null"}, {"type": "integer"}, {"type": "string", "pattern": r"^\d+$"}]},
            "valid_until": {"anyOf": [{"type": "null"}, {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}"}]},
        },
    },
    delete_keys=("code",),
)

TRIGGER_RULES = EntityRules(
    schema={
        "type": "object",
        "required": ["pipeline_id", "email"],
        "properties": {"pipeline_id": ID, "email": EMAIL},
    },
)
