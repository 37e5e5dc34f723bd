"""Strict JSON request-body parsing and the Content-Type rule."""

from __future__ import annotations

import json
from typing import Any

JSON_TYPE = "application/json"


class InvalidJsonError(ValueError):
    """The body is not strict JSON (NaN and Infinity are rejected too)."""


def _reject_constant(name: str) -> Any:
    raise InvalidJsonError(f"{name} is not valid JSON")


def parse_json(body: bytes) -> Any:
    """Decode a UTF-8 JSON body; raise :class:`InvalidJsonError` on anything else."""
    try:
        return json.loads(body.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise InvalidJsonError(str(exc)) from exc


def is_json_content_type(value: str | None) -> bool:
    """Accept ``application/json``, parameters such as ``charset`` allowed, case-insensitive."""
    if value is None:
        return False
    return value.split(";", 1)[0].strip().lower() == JSON_TYPE
