"""Purchase endpoints: create (duplicates allowed), read by either id, delete by the shop's id."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from api_target_kit.sandbox import Response

from .context import Call, no_content, resource
from .kinds import is_authorised
from .problems import custom_error, not_found, validation_problem
from .validation import purchase_errors


def _buyer(call: Call, body: Mapping[str, Any]) -> dict[str, Any] | None:
    if "contactEmail" in body:
        return call.store.contact(body["contactEmail"])
    return call.store.contact_by_external_id(body["contactExternalId"])


def _precondition_error(call: Call, lines: list[dict[str, Any]]) -> Response | None:
    """Return ``E0102`` for products not in the catalog, ``E0103`` for lines on a foreign domain."""
    missing = list(dict.fromkeys(line["productId"] for line in lines if line["productId"] not in call.store.products))
    if missing:
        return custom_error("E0102", "Products do not exist", productIds=missing)
    domains = call.config.authorised_domains
    foreign = [
        line["productId"]
        for line in lines
        if "productDetailUrl" in line and not is_authorised(line["productDetailUrl"], domains)
    ]
    if foreign:
        detail = "The product URL domain is not authorised"
        return custom_error("E0103", detail, productIds=list(dict.fromkeys(foreign)), allowedDomains=list(domains))
    return None


def create_purchase(call: Call, _params: tuple[str, ...]) -> Response:
    """``POST /purchases/?triggerPurchaseEvent=true``: 201 with the ``Purchase``."""
    trigger = call.flag("triggerPurchaseEvent", default=True)
    if isinstance(trigger, Response):
        return trigger
    errors = purchase_errors(call.body)
    if errors:
        return validation_problem(errors)
    contact = _buyer(call, call.body)
    if contact is None:
        return custom_error("E0101", "Contact does not exist")
    failed = _precondition_error(call, call.body["products"])
    if failed is not None:
        return failed
    return resource(201, call.store.add_purchase(call.body, contact, trigger, call.wall))


def get_by_purchase_id(call: Call, params: tuple[str, ...]) -> Response:
    """``GET /purchases/purchase-id/{id}``: the first stored copy."""
    copies = call.store.purchases_with_purchase_id(params[0])
    return resource(200, copies[0]) if copies else not_found("Purchase")


def get_purchase(call: Call, params: tuple[str, ...]) -> Response:
    """``GET /purchases/{id}`` by Connectif id."""
    record = call.store.purchase(params[0])
    return not_found("Purchase") if record is None else resource(200, record)


def delete_by_purchase_id(call: Call, params: tuple[str, ...]) -> Response:
    """``DELETE /purchases/purchase-id/{id}``: 204 deleting every copy, 404 when there is none."""
    return no_content() if call.store.delete_purchases(params[0]) else not_found("Purchase")
