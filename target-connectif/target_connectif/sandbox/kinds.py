"""Field types: checking a JSON value, and reading the same type from a CSV cell (imports).

Every check returns ``None`` for a valid value or the ``reason`` of a validation error.
``null`` is never a valid value (assumed: the API documents no way to clear a field).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

from api_target_kit.sandbox import is_int, is_number

_DATE_TIME_RE = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})"
)
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_EMAIL_RE = re.compile(r"[^@\s]+@([A-Za-z0-9-]+\.)+[A-Za-z0-9-]{2,}")
_INT_RE = re.compile(r"[+-]?[0-9]+")
_NUMBER_RE = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")
LIST_SEPARATOR = "|"
"""Separates the items of a list field in an import CSV cell."""


def is_email(value: object) -> bool:
    """Tell whether ``value`` is a string shaped like ``local@domain.tld``."""
    return isinstance(value, str) and _EMAIL_RE.fullmatch(value) is not None


def is_url(value: object) -> bool:
    """Tell whether ``value`` is an absolute ``http``/``https`` URL with a host."""
    if not isinstance(value, str) or any(ch.isspace() for ch in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def is_authorised(url: str, domains: Iterable[str]) -> bool:
    """Tell whether the host of ``url`` is one of the authorised ``domains`` (case-insensitive, exact)."""
    host = (urlsplit(url).hostname or "").lower()
    return host != "" and host in {domain.lower() for domain in domains}


def is_date_time(value: object) -> bool:
    """Tell whether ``value`` is an ISO 8601 (RFC 3339) date-time with a ``Z`` or ``±HH:MM`` offset."""
    if not isinstance(value, str) or _DATE_TIME_RE.fullmatch(value) is None:
        return False
    try:
        datetime.strptime(value[:19], "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        return False
    return True


def is_date(value: object) -> bool:
    """Tell whether ``value`` is an ISO 8601 date (``YYYY-MM-DD``) or date-time."""
    if not isinstance(value, str):
        return False
    if _DATE_RE.fullmatch(value) is None:
        return is_date_time(value)
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _finite_number(value: object) -> bool:
    return is_number(value) and isinstance(value, (int, float)) and math.isfinite(value)


def _percentage(value: object) -> bool:
    return _finite_number(value) and isinstance(value, (int, float)) and 0 <= value <= 100


def _string_list(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


_CHECKS: dict[str, tuple[Callable[[object], bool], str]] = {
    "string": (lambda v: isinstance(v, str), "Value must be a string"),
    "url": (is_url, "Value must be a valid http(s) URL"),
    "email": (is_email, "Value must be a valid email"),
    "date-time": (is_date_time, "Value must be an ISO 8601 date-time such as 2024-01-31T10:00:00Z"),
    "date": (is_date, "Value must be an ISO 8601 date such as 2024-01-31"),
    "integer": (is_int, "Value must be an integer"),
    "number": (_finite_number, "Value must be a number"),
    "percentage": (_percentage, "Value must be a number between 0 and 100"),
    "boolean": (lambda v: isinstance(v, bool), "Value must be a boolean"),
    "string-list": (_string_list, "Value must be an array of strings"),
}


@dataclass(frozen=True)
class Kind:
    """A field type: one of the names of the checks above, or ``enum`` with its ``options``."""

    name: str
    options: tuple[str, ...] = ()

    def check(self, value: object) -> str | None:
        """Return ``None`` when ``value`` is valid JSON for this type, else the reason."""
        if value is None:
            return "Value must not be null"
        if self.name == "enum":
            if isinstance(value, str) and value in self.options:
                return None
            return "Value must be one of: " + ", ".join(self.options)
        accept, reason = _CHECKS[self.name]
        return None if accept(value) else reason

    def from_text(self, text: str) -> tuple[Any, str | None]:
        """Read a CSV cell as this type: ``(value, None)``, or ``(None, reason)`` when it is invalid."""
        value: Any = text
        if self.name == "integer" and _INT_RE.fullmatch(text):
            value = int(text)
        elif self.name in ("number", "percentage") and _NUMBER_RE.fullmatch(text):
            value = float(text)
        elif self.name == "boolean" and text.lower() in ("true", "false"):
            value = text.lower() == "true"
        elif self.name == "string-list":
            value = [item.strip() for item in text.split(LIST_SEPARATOR) if item.strip()]
        reason = self.check(value)
        return (None, reason) if reason is not None else (value, None)


STRING = Kind("string")
URL = Kind("url")
EMAIL = Kind("email")
DATE_TIME = Kind("date-time")
INTEGER = Kind("integer")
NUMBER = Kind("number")
PERCENTAGE = Kind("percentage")
BOOLEAN = Kind("boolean")
STRING_LIST = Kind("string-list")

CONTACT_FIELD_KINDS: dict[str, Kind] = {
    "text": STRING,
    "integer": INTEGER,
    "decimal": NUMBER,
    "boolean": BOOLEAN,
    "date": Kind("date"),
    "checkbox": STRING_LIST,
}
"""The :class:`Kind` of each custom contact field type."""


def enum(*options: str) -> Kind:
    """Return an enumeration type accepting exactly ``options``."""
    return Kind("enum", options)
