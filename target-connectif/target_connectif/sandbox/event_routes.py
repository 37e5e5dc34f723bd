"""Custom events (``POST /custom-events/alias/{alias}``) and the read-only coupon sets."""

from __future__ import annotations

from typing import Any

from api_target_kit.sandbox import Response

from .context import Call, page
from .problems import custom_error, not_found, validation_problem
from .validation import event_errors


def create_event(call: Call, params: tuple[str, ...]) -> Response:
    """Store one event of a declared type: 404 unknown alias, 422 bad fields, 400 ``E0501`` no contact."""
    declared = call.config.custom_event_types.get(params[0])
    if declared is None:
        return not_found("Custom event type")
    create_contact = call.flag("createContact", default=False)
    if isinstance(create_contact, Response):
        return create_contact
    errors = event_errors(call.body, declared)
    if errors:
        return validation_problem(errors)
    contact = call.store.contact(call.body["email"])
    if contact is None:
        if not create_contact:
            return custom_error("E0501", "Contact does not exist")
        contact, _ = call.store.put_contact(call.body["email"], {}, call.wall)
    event = call.store.add_event(params[0], call.body, contact, call.wall)
    return Response(201, {"id": event["id"]})


def _coupon_set(set_id: str, codes: list[str]) -> dict[str, Any]:
    return {
        "id": set_id,
        "name": set_id,
        "type": "multiple",
        "code": None,
        "quantity": len(codes),
        "available": len(codes),
        "assigned": 0,
        "usedInWorkflows": [],
    }


def list_coupon_sets(call: Call, _params: tuple[str, ...]) -> Response:
    """``GET /coupon-sets/``: every set of the account (one page)."""
    results = [_coupon_set(set_id, codes) for set_id, codes in call.store.coupons.items()]
    return page(results)


def get_coupon_set(call: Call, params: tuple[str, ...]) -> Response:
    """``GET /coupon-sets/{id}``."""
    codes = call.store.coupon_codes(params[0])
    return not_found("Coupon set") if codes is None else Response(200, _coupon_set(params[0], codes))
