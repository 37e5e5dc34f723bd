"""Field-level rules the endpoints share: e-mails, dates, strings, numbers, flags, and UTC text."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

from api_target_kit.sandbox import is_int, is_number

from .errors import Errors, label

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MONTH_DAY = re.compile(r"[0-9]{2}-[0-9]{2}")
_TRUE: tuple[object, ...] = (True, 1, "1", "true")
_FALSE: tuple[object, ...] = (False, 0, "0", "false")

T = TypeVar("T")


def join(prefix: str, name: str | int) -> str:
    """Join field-path parts with dots (``join("subscriber_data.3", "email")``)."""
    return f"{prefix}.{name}" if prefix else str(name)


def email_key(email: str) -> str:
    """How Ecomail matches e-mails: trimmed, case-insensitive."""
    return email.strip().lower()


def is_email(value: object) -> bool:
    """A string shaped ``local@domain.tld`` without spaces."""
    return isinstance(value, str) and _EMAIL.fullmatch(value.strip()) is not None


def is_iso_date(value: object) -> bool:
    """A real calendar date written ``YYYY-MM-DD``."""
    if not isinstance(value, str) or _ISO_DATE.fullmatch(value) is None:
        return False
    try:
        datetime.strptime(value, "%Y-%m-%d")
    except ValueError:
        return False
    return True


def is_month_day(value: object) -> bool:
    """A real day of the year written ``MM-DD`` (29 February included)."""
    return isinstance(value, str) and _MONTH_DAY.fullmatch(value) is not None and is_iso_date(f"2000-{value}")


def is_finite_number(value: object) -> bool:
    """A JSON number (not a boolean), finite."""
    return isinstance(value, (int, float)) and is_number(value) and math.isfinite(value)


def is_text_id(value: object) -> bool:
    """A non-empty string or an integer: what an id such as ``order_id`` may be."""
    return is_int(value) or (isinstance(value, str) and value.strip() != "")


def is_string_list(value: object) -> bool:
    """An array of strings."""
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def require_kind(errors: Errors, path: str, value: object, kind: type[T], description: str) -> T | None:
    """Return ``value`` when it is a ``kind``; else record that ``path`` is missing or not ``description``."""
    if value is None:
        errors.required(path)
        return None
    if not isinstance(value, kind):
        errors.wrong_type(path, description)
        return None
    return value


def require_email(errors: Errors, path: str, value: object) -> None:
    """``path`` is required and must be a valid e-mail."""
    if value is None or value == "":
        errors.required(path)
    elif not is_email(value):
        errors.add(path, f"The {label(path)} must be a valid email address.")


def check_string(errors: Errors, path: str, value: object) -> None:
    """``path`` is optional; when present it is a string (or null)."""
    if value is not None and not isinstance(value, str):
        errors.wrong_type(path, "a string")


def check_number(errors: Errors, path: str, value: object) -> None:
    """``path`` is optional; when present it is a number (or null)."""
    if value is not None and not is_finite_number(value):
        errors.wrong_type(path, "a number")


def check_date(errors: Errors, path: str, value: object) -> None:
    """``path`` is optional; when present it is a ``YYYY-MM-DD`` date (or null)."""
    if value is not None and not is_iso_date(value):
        errors.add(path, f"The {label(path)} does not match the format Y-m-d.")


def flag(errors: Errors, body: Mapping[str, Any], name: str, default: bool) -> bool:
    """Read a boolean flag as Laravel's ``boolean`` rule does (true/false/1/0/"1"/"0")."""
    value = body.get(name)
    if value is None:
        return default
    if value in _TRUE and not isinstance(value, float):
        return True
    if value in _FALSE and not isinstance(value, float):
        return False
    errors.add(name, f"The {label(name)} field must be true or false.")
    return default


def utc_text(wall: float) -> str:
    """Unix seconds as ``YYYY-MM-DD HH:MM:SS`` in UTC, as Ecomail returns times."""
    return datetime.fromtimestamp(wall, tz=UTC).strftime("%Y-%m-%d %H:%M:%S")


def public_id(raw: str) -> int | str:
    """An id as Ecomail shows it: a number when it is all digits."""
    return int(raw) if raw.isascii() and raw.isdigit() else raw
