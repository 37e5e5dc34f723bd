"""``page`` / ``per_page`` query parameters and Ecomail's page envelope.

The envelope is ``{current_page, data, per_page, total, last_page, from, to}`` (vendors/ecomail.md §8).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from api_target_kit.sandbox import ApiRequest

from .errors import Errors, label

T = TypeVar("T")


def _positive(errors: Errors, request: ApiRequest, name: str, default: int, maximum: int | None) -> int:
    raw = request.param(name)
    if raw is None or raw == "":
        return default
    if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
        errors.add(name, f"The {label(name)} must be at least 1.")
        return default
    value = int(raw)
    if maximum is not None and value > maximum:
        errors.add(name, f"The {label(name)} may not be greater than {maximum}.")
    return value


def page_params(errors: Errors, request: ApiRequest, *, default: int, maximum: int) -> tuple[int, int]:
    """Return ``(page, per_page)``; a value that is not a positive integer or over ``maximum`` is an error."""
    return (
        _positive(errors, request, "page", 1, None),
        _positive(errors, request, "per_page", default, maximum),
    )


def paginate(items: Sequence[T], page: int, per_page: int, render: Callable[[T], dict[str, Any]]) -> dict[str, Any]:
    """The envelope for page ``page`` of ``items``, each shown by ``render``."""
    total = len(items)
    start = (page - 1) * per_page
    shown = [render(item) for item in items[start : start + per_page]]
    return {
        "current_page": page,
        "data": shown,
        "per_page": per_page,
        "total": total,
        "last_page": max(1, math.ceil(total / per_page)),
        "from": start + 1 if shown else None,
        "to": start + len(shown) if shown else None,
    }
