"""The route table of Ecomail API v2 and path resolution (404 unknown path, 405 wrong method).

Path parameters (list ids, e-mails, order ids) are matched on the raw path and URL-decoded.
When several routes match a path, the first one with a handler for the method wins, so that
``DELETE /tracker/transaction/delete-bulk`` and ``PUT /tracker/transaction/{order_id}`` coexist.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import unquote

from api_target_kit.sandbox import Response, message

from . import (
    account_api,
    automations_api,
    coupons_api,
    events_api,
    lists_api,
    subscribe_api,
    subscribers_api,
    transactions_api,
)
from .context import Handler


@dataclass(frozen=True)
class Route:
    """A path pattern (groups become handler params) and its handlers by method."""

    pattern: re.Pattern[str]
    methods: Mapping[str, Handler]


def _route(pattern: str, **methods: Handler) -> Route:
    """A route whose ``{name}`` placeholders match one path segment each."""
    return Route(re.compile(re.sub(r"\{\w+\}", "([^/]+)", pattern)), methods)


ROUTES: tuple[Route, ...] = (
    _route("/account", GET=account_api.account),
    _route("/lists", GET=lists_api.all_lists),
    _route("/lists/{list_id}", GET=lists_api.show_list),
    _route("/lists/{list_id}/subscribers", GET=lists_api.list_subscribers),
    _route("/lists/{list_id}/subscriber/{email}", GET=lists_api.list_subscriber_detail),
    _route("/lists/{list_id}/subscribe", POST=subscribe_api.subscribe_one),
    _route("/lists/{list_id}/subscribe-bulk", POST=subscribe_api.subscribe_bulk),
    _route("/lists/{list_id}/update-subscriber", PUT=subscribe_api.update_subscriber),
    _route("/lists/{list_id}/update-subscriber-bulk", PUT=subscribe_api.update_subscriber_bulk),
    _route("/lists/{list_id}/unsubscribe", DELETE=subscribe_api.unsubscribe),
    _route("/subscribers/{email}", GET=subscribers_api.show_contact),
    _route("/subscribers/{email}/delete", DELETE=subscribers_api.delete_contact),
    _route("/tracker/transaction", GET=transactions_api.find, POST=transactions_api.create),
    _route("/tracker/transaction-bulk", POST=transactions_api.create_bulk),
    _route("/tracker/transaction/delete-bulk", DELETE=transactions_api.delete_bulk),
    _route("/tracker/transaction/{order_id}", PUT=transactions_api.replace),
    _route("/tracker/transaction/{order_id}/delete", DELETE=transactions_api.delete_one),
    _route("/tracker/events", POST=events_api.create_event),
    _route("/coupons/import", POST=coupons_api.import_coupons),
    _route("/coupons/delete", DELETE=coupons_api.delete_coupons),
    _route("/pipelines", GET=automations_api.list_pipelines),
    _route("/pipelines/{pipeline_id}/trigger", POST=automations_api.trigger),
)


def resolve(method: str, path: str | None) -> tuple[Handler, tuple[str, ...]] | Response:
    """Find the handler for ``method`` on ``path`` and its decoded params, or a 404/405 answer."""
    allowed: set[str] = set()
    for route in ROUTES if path is not None else ():
        match = route.pattern.fullmatch(path or "")
        if match is None:
            continue
        handler = route.methods.get(method)
        if handler is not None:
            return handler, tuple(unquote(group) for group in match.groups())
        allowed.update(route.methods)
    if allowed:
        methods = ", ".join(sorted(allowed))
        return message(405, f"The {method} method is not supported for this route.", (("Allow", methods),))
    return message(404, "Not found")
