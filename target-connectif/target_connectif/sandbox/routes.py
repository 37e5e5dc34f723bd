"""The route table: path patterns, the endpoint of each method, and what body each endpoint takes."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

from api_target_kit.sandbox import Response, RouteTable, route

from .config import SandboxConfig
from .contact_routes import delete_contact, get_contact, patch_contact
from .context import Handler
from .event_routes import create_event, get_coupon_set, list_coupon_sets
from .import_routes import create_import, get_import, list_imports
from .problems import problem
from .product_routes import get_product, patch_product
from .purchase_routes import (
    create_purchase,
    delete_by_purchase_id,
    get_by_purchase_id,
    get_purchase,
)


class Body(enum.Enum):
    """The request body an endpoint takes (and the Content-Type it requires, else 415)."""

    NONE = "none"
    JSON = "application/json"
    FORM = "multipart/form-data"


@dataclass(frozen=True)
class Endpoint:
    """A handler, its body kind and, if any, its own body size limit (413 above)."""

    handler: Handler
    body: Body = Body.NONE
    max_bytes: Callable[[SandboxConfig], int] | None = None


def _event_limit(config: SandboxConfig) -> int:
    return config.max_event_bytes


def _not_allowed(method: str) -> Response:
    return problem(405, f"Method {method} is not allowed here")


ROUTES: RouteTable[Endpoint] = RouteTable(
    (
        route(
            "/contacts/email/{email}",
            GET=Endpoint(get_contact),
            PATCH=Endpoint(patch_contact, Body.JSON),
            DELETE=Endpoint(delete_contact),
        ),
        route("/contacts/{contact_id}", GET=Endpoint(get_contact), PATCH=Endpoint(patch_contact, Body.JSON)),
        route("/products/product-id/{product_id}", GET=Endpoint(get_product), PATCH=Endpoint(patch_product, Body.JSON)),
        route("/purchases", POST=Endpoint(create_purchase, Body.JSON)),
        route(
            "/purchases/purchase-id/{purchase_id}",
            GET=Endpoint(get_by_purchase_id),
            DELETE=Endpoint(delete_by_purchase_id),
        ),
        route("/purchases/{id}", GET=Endpoint(get_purchase)),
        route("/custom-events/alias/{alias}", POST=Endpoint(create_event, Body.JSON, _event_limit)),
        route("/coupon-sets", GET=Endpoint(list_coupon_sets)),
        route("/coupon-sets/{coupon_set_id}", GET=Endpoint(get_coupon_set)),
        route("/imports", GET=Endpoint(list_imports), POST=Endpoint(create_import, Body.FORM)),
        route("/imports/{import_id}", GET=Endpoint(get_import)),
    ),
    not_found=lambda: problem(404, "Resource not found"),
    method_not_allowed=_not_allowed,
)
"""Paths with trailing ``/`` removed; the path parameters come percent-decoded (``a%40b.com`` -> ``a@b.com``)."""
