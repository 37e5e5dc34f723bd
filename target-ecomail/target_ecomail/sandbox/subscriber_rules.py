"""Rules for one ``subscriber_data`` item (vendors/ecomail.md §3.1 and Limits).

The limits use the same definitions as the target (``target_ecomail.entities``): custom-field
keys are trimmed and lower-cased and two keys that meet after that are refused; the custom
fields may take at most 5,000 characters as compact JSON text of the normalised object; a tag
may have at most 50 characters and all tags together at most 2,000.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from typing import Any

from api_target_kit.sandbox import is_int

from .config import CUSTOM_FIELD_TYPES, field_key
from .errors import Errors, label
from .fields import check_date, check_string, is_iso_date, is_month_day, is_string_list, join, require_email

MAX_CUSTOM_FIELDS_CHARS = 5000
MAX_TAG_CHARS = 50
MAX_TAGS_CHARS = 2000
#: Statuses ``subscribe-bulk`` takes; the single-contact endpoints take every documented one.
BULK_STATUSES: tuple[int, ...] = (1, 2, 4)
ALL_STATUSES: tuple[int, ...] = (1, 2, 4, 5, 6)
GENDERS: tuple[str, ...] = ("male", "female")
TEXT_FIELDS: tuple[str, ...] = (
    "name",
    "surname",
    "company",
    "city",
    "street",
    "zip",
    "country",
    "phone",
    "pretitle",
    "surtitle",
    "source",
)


def normalised_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The custom fields under their normalised keys (a later colliding key wins)."""
    return {field_key(key): value for key, value in fields.items()}


def custom_fields_chars(fields: Mapping[str, Any]) -> int:
    """Characters the normalised custom fields take as compact JSON text."""
    return len(json.dumps(normalised_fields(fields), ensure_ascii=False, separators=(",", ":")))


def stored_value(value: Any) -> Any:
    """What Ecomail keeps of a custom-field value: a typed object's ``value``, else the value."""
    if isinstance(value, dict):
        return value.get("value")
    return value


def defined_values(fields: Any, defined: Collection[str]) -> tuple[dict[str, Any], int]:
    """Split valid custom fields into the values of defined keys and the number of ignored keys."""
    if not isinstance(fields, dict):
        return {}, 0
    kept = {key: stored_value(value) for key, value in normalised_fields(fields).items() if key in defined}
    return kept, len(fields) - len(kept)


def _check_typed_value(errors: Errors, path: str, value: dict[str, Any]) -> None:
    """A typed custom-field value ``{"value", "type"}`` with type date, string or int."""
    kind = value.get("type")
    if kind not in CUSTOM_FIELD_TYPES:
        errors.invalid_choice(join(path, "type"))
        return
    if "value" not in value:
        errors.required(join(path, "value"))
        return
    raw = value["value"]
    if raw is None:
        return
    if kind == "date" and not is_iso_date(raw):
        errors.add(join(path, "value"), f"The {label(join(path, 'value'))} does not match the format Y-m-d.")
    elif kind == "int" and not (is_int(raw) or (isinstance(raw, str) and raw.lstrip("-").isdigit())):
        errors.wrong_type(join(path, "value"), "an integer")


def check_custom_fields(errors: Errors, path: str, fields: Any) -> None:
    """Keys that collide once normalised, typed values, and the 5,000-character total."""
    if fields is None:
        return
    if not isinstance(fields, dict):
        errors.wrong_type(path, "an object")
        return
    seen: dict[str, str] = {}
    for key, value in fields.items():
        normal = field_key(key)
        if not normal:
            errors.add(path, f"The {label(path)} may not have an empty key.")
        elif normal in seen:
            errors.add(
                path,
                f"The {label(path)} keys {seen[normal]!r} and {key!r} are the same field "
                "(keys are trimmed and case-insensitive).",
            )
        seen.setdefault(normal, key)
        if isinstance(value, dict):
            _check_typed_value(errors, join(path, normal), value)
    size = custom_fields_chars(fields)
    if size > MAX_CUSTOM_FIELDS_CHARS:
        errors.add(
            path, f"The {label(path)} may not be greater than {MAX_CUSTOM_FIELDS_CHARS} characters in total ({size})."
        )


def check_tags(errors: Errors, path: str, tags: Any) -> None:
    """At most 50 characters per tag and 2,000 in total."""
    if tags is None:
        return
    if not is_string_list(tags):
        errors.wrong_type(path, "an array of strings")
        return
    for index, tag in enumerate(tags):
        if len(tag) > MAX_TAG_CHARS:
            where = join(path, index)
            errors.add(where, f"The {label(where)} may not be greater than {MAX_TAG_CHARS} characters.")
    total = sum(len(tag) for tag in tags)
    if total > MAX_TAGS_CHARS:
        errors.add(path, f"The {label(path)} may not be greater than {MAX_TAGS_CHARS} characters in total ({total}).")


def check_subscriber(
    errors: Errors,
    item: Any,
    where: str,
    *,
    statuses: tuple[int, ...],
    email_required: bool = True,
) -> None:
    """Every rule of one ``subscriber_data`` item; ``where`` is its path (``subscriber_data.3``)."""
    if not isinstance(item, dict):
        errors.wrong_type(where, "an object")
        return
    if email_required:
        require_email(errors, join(where, "email"), item.get("email"))
    status = item.get("status")
    if status is not None and not (is_int(status) and status in statuses):
        errors.invalid_choice(join(where, "status"))
    if item.get("gender") is not None and item["gender"] not in GENDERS:
        errors.invalid_choice(join(where, "gender"))
    check_date(errors, join(where, "birthday"), item.get("birthday"))
    nameday = item.get("nameday")
    if nameday is not None and not is_month_day(nameday):
        errors.add(join(where, "nameday"), f"The {label(join(where, 'nameday'))} does not match the format m-d.")
    for name in TEXT_FIELDS:
        check_string(errors, join(where, name), item.get(name))
    check_custom_fields(errors, join(where, "custom_fields"), item.get("custom_fields"))
    check_tags(errors, join(where, "tags"), item.get("tags"))
    if item.get("groups") is not None and not isinstance(item["groups"], dict):
        errors.wrong_type(join(where, "groups"), "an object")
