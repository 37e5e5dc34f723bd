"""API routes under ``/v1``: the route table (404/405 with ``{"message"}``) and one handler per endpoint.

Handlers receive the parsed JSON body and run with the sandbox lock held.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from api_target_kit.sandbox import FaultInjector, Response, RouteTable, message, route

from .processes import ProcessRegistry, count_orders
from .store import Store
from .validation import customer_error, flag_error, is_order_id, order_error

IMPORT_FLAGS: tuple[str, ...] = (
    "overwriteDescriptors",
    "triggerIntegrations",
    "recalculateStats",
)


@dataclass(frozen=True)
class RouteContext:
    """State a handler may read or change, and the current clocks."""

    store: Store
    processes: ProcessRegistry
    faults: FaultInjector
    now: float
    wall: float


Handler = Callable[[RouteContext, Any, tuple[str, ...]], Response]


def _object_error(body: Any) -> Response | None:
    if not isinstance(body, dict):
        return message(400, "request body must be a JSON object")
    return None


def import_customers(ctx: RouteContext, body: Any, _params: tuple[str, ...]) -> Response:
    """``POST /import``: validate the envelope and start an asynchronous process."""
    bad = _object_error(body)
    if bad is not None:
        return bad
    for flag in IMPORT_FLAGS:
        error = flag_error(body, flag)
        if error is not None:
            return message(400, error)
    customers = body.get("customers")
    if not isinstance(customers, list):
        return message(400, "customers must be a list")
    if body.get("overwriteDescriptors") is True and count_orders(customers) == 0:
        return message(
            400,
            "overwriteDescriptors is true, so the request must contain at least one order",
        )
    process = ctx.processes.create(
        customers,
        will_fail=ctx.faults.take_import_failure(),
        now=ctx.now,
        wall=ctx.wall,
        flags={flag: body.get(flag) is True for flag in IMPORT_FLAGS},
        skip_first=ctx.faults.take_short_import(),
    )
    return Response(200, {"processId": process.process_id})


def get_process(ctx: RouteContext, _body: Any, params: tuple[str, ...]) -> Response:
    """``GET /processes/{processId}``."""
    raw = params[0]
    process = ctx.processes.get(int(raw)) if raw.isascii() and raw.isdigit() else None
    if process is None:
        return message(404, "process not found")
    return Response(200, process.to_api())


def merge_customer(ctx: RouteContext, body: Any, _params: tuple[str, ...]) -> Response:
    """``POST /merge_customer``: upsert one customer; its orders are left alone."""
    bad = _object_error(body)
    if bad is not None:
        return bad
    error = flag_error(body, "triggerIntegrations")
    if error is None and "customer" not in body:
        error = "customer is required"
    if error is None:
        error = customer_error(body["customer"], "customer")
    if error is not None:
        return message(400, error)
    ctx.store.merge_customer(body["customer"])
    return message(200, "ok")


def merge_order(ctx: RouteContext, body: Any, _params: tuple[str, ...]) -> Response:
    """``POST /merge_order``: upsert (replace) one order, attached or kept as an orphan."""
    bad = _object_error(body)
    if bad is not None:
        return bad
    error = flag_error(body, "triggerIntegrations")
    if error is None and "order" not in body:
        error = "order is required"
    if error is None:
        error = order_error(body["order"], "order", needs_customer_email=True)
    if error is not None:
        return message(400, error)
    ctx.store.put_order(body["order"], body["order"]["customerEmail"])
    return message(200, "ok")


def _lookup_keys(body: dict[str, Any]) -> tuple[object, object] | Response:
    """Return the validated ``id`` / ``email`` lookup keys (``None`` or ``""`` means absent)."""
    customer_id = body.get("id")
    email = body.get("email")
    if customer_id == "":
        customer_id = None
    if email == "":
        email = None
    if customer_id is not None and not is_order_id(customer_id):
        return message(400, "id must be a string or an integer")
    if email is not None and not isinstance(email, str):
        return message(400, "email must be a string")
    if customer_id is None and email is None:
        return message(400, "id or email is required")
    return customer_id, email


def _find_customer(ctx: RouteContext, body: Any) -> dict[str, Any] | Response:
    """The customer a body names by ``id`` (first) or ``email``; an error response if none."""
    bad = _object_error(body)
    if bad is not None:
        return bad
    keys = _lookup_keys(body)
    if isinstance(keys, Response):
        return keys
    customer = ctx.store.find_customer(*keys)
    if customer is None:
        return message(404, "customer not found")
    return customer


def delete_customer(ctx: RouteContext, body: Any, _params: tuple[str, ...]) -> Response:
    """``POST /delete_customer``: by ``id`` first, then ``email``; removes the customer's orders."""
    customer = _find_customer(ctx, body)
    if isinstance(customer, Response):
        return customer
    ctx.store.delete_customer(customer["email"])
    return message(200, "deleted")


def customer_stats(ctx: RouteContext, body: Any, _params: tuple[str, ...]) -> Response:
    """``POST /customer_stats``: simple statistics computed from the stored orders."""
    customer = _find_customer(ctx, body)
    if isinstance(customer, Response):
        return customer
    return Response(200, ctx.store.stats(customer["email"]))


def _not_allowed(method: str) -> Response:
    return message(405, f"method {method} not allowed")


ROUTES: RouteTable[Handler] = RouteTable(
    (
        route("/import", POST=import_customers),
        route("/processes/{process_id}", GET=get_process),
        route("/merge_customer", POST=merge_customer),
        route("/merge_order", POST=merge_order),
        route("/delete_customer", POST=delete_customer),
        route("/customer_stats", POST=customer_stats),
    ),
    not_found=lambda: message(404, "not found"),
    method_not_allowed=_not_allowed,
    decode_params=False,
)
"""Paths below ``/v1``; the process id is matched as it is (not percent-decoded)."""
