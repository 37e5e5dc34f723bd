"""Validation of JSON request bodies against the field tables; returns 422 ``validationErrors``.

Each ``*_errors`` function returns an empty list for a valid body. Names are field ids and paths
are JSON pointers (``/products/0/quantity``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .kinds import EMAIL, Kind
from .problems import FieldError
from .schemas import (
    PRODUCT_FIELDS,
    PRODUCT_ID,
    PRODUCT_REQUIRED,
    PURCHASE_FIELDS,
    PURCHASE_LINE_FIELDS,
    PURCHASE_REQUIRED,
)

REQUIRED = "Field is required"
NOT_OBJECT = "Value must be an object"


def body_errors(body: Any) -> list[FieldError]:
    """Refuse a body that is not a JSON object."""
    return [] if isinstance(body, dict) else [FieldError("body", "/", NOT_OBJECT)]


def field_errors(
    body: Mapping[str, Any],
    kinds: Mapping[str, Kind],
    *,
    required: Iterable[str] = (),
    unknown: str,
    pointer: str = "",
) -> list[FieldError]:
    """Check ``body``: every key known (else ``unknown`` is the reason), typed, required ones present."""
    errors: list[FieldError] = []
    for name in required:
        if name not in body:
            errors.append(FieldError(name, f"{pointer}/{name}", REQUIRED))
    for name, value in body.items():
        kind = kinds.get(name)
        reason = unknown if kind is None else kind.check(value)
        if reason is not None:
            errors.append(FieldError(name, f"{pointer}/{name}", reason))
    return errors


def contact_errors(body: Any, kinds: Mapping[str, Kind]) -> list[FieldError]:
    """Check a contact PATCH body (flat writable fields, custom ones included)."""
    return body_errors(body) or field_errors(body, kinds, unknown="Unknown contact field")


def product_errors(body: Any) -> list[FieldError]:
    """Check a product PATCH body: known fields, types, ``name``/``productDetailUrl``/``unitPrice``."""
    return body_errors(body) or field_errors(
        body, PRODUCT_FIELDS, required=PRODUCT_REQUIRED, unknown="Unknown product field"
    )


def _line_errors(lines: Any) -> list[FieldError]:
    if not isinstance(lines, list) or not lines:
        return [FieldError("products", "/products", "Value must be a non-empty array")]
    errors: list[FieldError] = []
    for index, line in enumerate(lines):
        pointer = f"/products/{index}"
        if not isinstance(line, dict):
            errors.append(FieldError("products", pointer, NOT_OBJECT))
            continue
        errors.extend(
            field_errors(
                line,
                PURCHASE_LINE_FIELDS,
                required=(PRODUCT_ID,),
                unknown="Unknown purchase product field",
                pointer=pointer,
            )
        )
    return errors


def purchase_errors(body: Any) -> list[FieldError]:
    """Check a purchase: required fields, a contact key, types and a non-empty ``products`` list."""
    if not isinstance(body, dict):
        return body_errors(body)
    top = {name: value for name, value in body.items() if name != "products"}
    errors = field_errors(top, PURCHASE_FIELDS, required=PURCHASE_REQUIRED, unknown="Unknown purchase field")
    if "contactEmail" not in body and "contactExternalId" not in body:
        errors.append(FieldError("contactEmail", "/contactEmail", "contactEmail or contactExternalId is required"))
    if "products" not in body:
        errors.append(FieldError("products", "/products", REQUIRED))
    else:
        errors.extend(_line_errors(body["products"]))
    return errors


def event_errors(body: Any, declared: Iterable[str]) -> list[FieldError]:
    """Check a custom event: only declared fields, and ``email`` (the primary key) a valid e-mail."""
    if not isinstance(body, dict):
        return body_errors(body)
    known = set(declared)
    errors = [
        FieldError(name, f"/{name}", "Field is not declared in the custom event type")
        for name in body
        if name not in known
    ]
    if "email" not in body:
        errors.append(FieldError("email", "/email", REQUIRED))
    else:
        reason = EMAIL.check(body["email"])
        if reason is not None:
            errors.append(FieldError("email", "/email", reason))
    return errors
