"""The route table: path patterns, the endpoint of each method, and what body each endpoint takes."""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import unquote

from api_target_kit.sandbox import Response

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


@dataclass(frozen=True)
class Route:
    """A path pattern (its groups become the handler's parameters) and its endpoints by method."""

    pattern: re.Pattern[str]
    methods: Mapping[str, Endpoint]


def _event_limit(config: SandboxConfig) -> int:
    return config.max_event_bytes


ROUTES: tuple[Route, ...] = (
    Route(
        re.compile(r"/contacts/email/([^/]+)"),
        {
            "GET": Endpoint(get_contact),
            "PATCH": Endpoint(patch_contact, Body.JSON),
            "DELETE": Endpoint(delete_contact),
        },
    ),
    Route(
        re.compile(r"/contacts/([^/]+)"),
        {"GET": Endpoint(get_contact), "PATCH": Endpoint(patch_contact, Body.JSON)},
    ),
    Route(
        re.compile(r"/products/product-id/([^/]+)"),
        {"GET": Endpoint(get_product), "PATCH": Endpoint(patch_product, Body.JSON)},
    ),
    Route(re.compile(r"/purchases"), {"POST": Endpoint(create_purchase, Body.JSON)}),
    Route(
        re.compile(r"/purchases/purchase-id/([^/]+)"),
        {"GET": Endpoint(get_by_purchase_id), "DELETE": Endpoint(delete_by_purchase_id)},
    ),
    Route(re.compile(r"/purchases/([^/]+)"), {"GET": Endpoint(get_purchase)}),
    Route(
        re.compile(r"/custom-events/alias/([^/]+)"),
        {"POST": Endpoint(create_event, Body.JSON, _event_limit)},
    ),
    Route(re.compile(r"/coupon-sets"), {"GET": Endpoint(list_coupon_sets)}),
    Route(re.compile(r"/coupon-sets/([^/]+)"), {"GET": Endpoint(get_coupon_set)}),
    Route(
        re.compile(r"/imports"),
        {"GET": Endpoint(list_imports), "POST": Endpoint(create_import, Body.FORM)},
    ),
    Route(re.compile(r"/imports/([^/]+)"), {"GET": Endpoint(get_import)}),
)


def resolve(method: str, path: str | None) -> tuple[Endpoint, tuple[str, ...]] | Response:
    """Find the endpoint of ``method`` on ``path`` (trailing ``/`` removed), or a 404/405 problem.

    The path parameters come back percent-decoded (``a%40b.com`` -> ``a@b.com``).
    """
    if path is not None:
        for route in ROUTES:
            match = route.pattern.fullmatch(path)
            if match is None:
                continue
            endpoint = route.methods.get(method)
            if endpoint is None:
                allowed = ", ".join(sorted(route.methods))
                return problem(405, f"Method {method} is not allowed here", (("Allow", allowed),))
            return endpoint, tuple(unquote(group) for group in match.groups())
    return problem(404, "Resource not found")
