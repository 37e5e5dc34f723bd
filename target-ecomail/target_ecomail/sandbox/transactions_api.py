"""Order endpoints under ``/tracker/transaction``: create (one and bulk), replace, delete, read.

Every accepted create stores a new order, even for an ``order_id`` already stored (the
worst-case assumption: duplicates). Bulk calls over 1,000 items, or with one invalid item, are
refused whole with 422 and store nothing. The buyer's e-mail need not be a contact.
"""

from __future__ import annotations

from typing import Any

from api_target_kit.sandbox import Response

from .context import RouteContext
from .errors import Errors, not_found
from .fields import check_date, check_string, is_text_id, join, require_kind
from .pagination import page_params, paginate
from .tracker_rules import TRANSACTION_BULK_MAX, check_order

TRANSACTIONS_PER_PAGE = 100
TRANSACTIONS_PER_PAGE_MAX = 500


def _bulk_list(errors: Errors, body: dict[str, Any]) -> list[Any]:
    """``transaction_data``: a required array of at most 1,000 items (checked by the caller)."""
    data = require_kind(errors, "transaction_data", body.get("transaction_data"), list, "an array")
    if data is None:
        return []
    if len(data) > TRANSACTION_BULK_MAX:
        errors.too_many("transaction_data", TRANSACTION_BULK_MAX)
        return []
    return data


def create(ctx: RouteContext) -> Response:
    """``POST /tracker/transaction``: ``{order_id, email, shop, amount, timestamp, id, status}``."""
    errors = Errors()
    check_order(errors, "", ctx.body)
    if errors:
        return errors.response()
    return Response(200, ctx.store.orders.add(ctx.body, ctx.wall).summary())


def create_bulk(ctx: RouteContext) -> Response:
    """``POST /tracker/transaction-bulk``: ``{"inserts": n}``."""
    errors = Errors()
    orders = _bulk_list(errors, ctx.body)
    for index, order in enumerate(orders):
        check_order(errors, join("transaction_data", index), order)
    if errors:
        return errors.response()
    for order in orders:
        ctx.store.orders.add(order, ctx.wall)
    return Response(200, {"inserts": len(orders)})


def replace(ctx: RouteContext) -> Response:
    """``PUT /tracker/transaction/{order_id}``: overwrite the whole order; 404 (not created) when unknown."""
    errors = Errors()
    check_order(errors, "", ctx.body, order_id_required=False)
    if errors:
        return errors.response()
    order_id = ctx.params[0]
    if not ctx.store.orders.exists(order_id):
        return not_found("Transaction")
    order = {**ctx.body, "transaction": {**ctx.body["transaction"], "order_id": order_id}}
    ctx.store.orders.replace(order_id, order, ctx.wall)
    return Response(200, {})


def delete_one(ctx: RouteContext) -> Response:
    """``DELETE /tracker/transaction/{order_id}/delete``, optional ``{"transaction_data": {"shop"}}``."""
    errors = Errors()
    data = ctx.body.get("transaction_data") or {}
    if not isinstance(data, dict):
        errors.wrong_type("transaction_data", "an object")
        data = {}
    check_string(errors, "transaction_data.shop", data.get("shop"))
    if errors:
        return errors.response()
    if not ctx.store.orders.delete(ctx.params[0], data.get("shop")):
        return not_found("Transaction")
    return Response(200, {"deleted": True})


def delete_bulk(ctx: RouteContext) -> Response:
    """``DELETE /tracker/transaction/delete-bulk``: every stored copy of each order; ``{"deleted": n}``."""
    errors = Errors()
    entries = _bulk_list(errors, ctx.body)
    for index, entry in enumerate(entries):
        where = join("transaction_data", index)
        if not isinstance(entry, dict):
            errors.wrong_type(where, "an object")
        elif not is_text_id(entry.get("order_id")):
            errors.required(join(where, "order_id"))
        else:
            check_string(errors, join(where, "shop"), entry.get("shop"))
    if errors:
        return errors.response()
    deleted = sum(ctx.store.orders.delete(str(e["order_id"]), e.get("shop")) for e in entries)
    return Response(200, {"deleted": deleted})


def find(ctx: RouteContext) -> Response:
    """``GET /tracker/transaction?email=&shop=&date_from=&date_to=&per_page=&page=`` (``per_page`` at most 500)."""
    errors = Errors()
    page, per_page = page_params(errors, ctx.request, default=TRANSACTIONS_PER_PAGE, maximum=TRANSACTIONS_PER_PAGE_MAX)
    date_from, date_to = ctx.request.param("date_from") or None, ctx.request.param("date_to") or None
    check_date(errors, "date_from", date_from)
    check_date(errors, "date_to", date_to)
    if errors:
        return errors.response()
    orders = ctx.store.orders.find(
        email=ctx.request.param("email") or None,
        shop=ctx.request.param("shop") or None,
        date_from=date_from,
        date_to=date_to,
    )
    return Response(200, paginate(orders, page, per_page, lambda order: order.to_api()))
