"""The route table of Ecomail API v2 (404 unknown path, 405 wrong method, resolved by the kit).

Path parameters (list ids, e-mails, order ids) are matched on the raw path and URL-decoded.
When several routes match a path, the first one with a handler for the method wins, so that
``DELETE /tracker/transaction/delete-bulk`` and ``PUT /tracker/transaction/{order_id}`` coexist.
"""

from __future__ import annotations

from api_target_kit.sandbox import Response, RouteTable, message, route

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


def _not_allowed(method: str) -> Response:
    return message(405, f"The {method} method is not supported for this route.")


ROUTES: RouteTable[Handler] = RouteTable(
    (
        route("/account", GET=account_api.account),
        route("/lists", GET=lists_api.all_lists),
        route("/lists/{list_id}", GET=lists_api.show_list),
        route("/lists/{list_id}/subscribers", GET=lists_api.list_subscribers),
        route("/lists/{list_id}/subscriber/{email}", GET=lists_api.list_subscriber_detail),
        route("/lists/{list_id}/subscribe", POST=subscribe_api.subscribe_one),
        route("/lists/{list_id}/subscribe-bulk", POST=subscribe_api.subscribe_bulk),
        route("/lists/{list_id}/update-subscriber", PUT=subscribe_api.update_subscriber),
        route("/lists/{list_id}/update-subscriber-bulk", PUT=subscribe_api.update_subscriber_bulk),
        route("/lists/{list_id}/unsubscribe", DELETE=subscribe_api.unsubscribe),
        route("/subscribers/{email}", GET=subscribers_api.show_contact),
        route("/subscribers/{email}/delete", DELETE=subscribers_api.delete_contact),
        route("/tracker/transaction", GET=transactions_api.find, POST=transactions_api.create),
        route("/tracker/transaction-bulk", POST=transactions_api.create_bulk),
        route("/tracker/transaction/delete-bulk", DELETE=transactions_api.delete_bulk),
        route("/tracker/transaction/{order_id}", PUT=transactions_api.replace),
        route("/tracker/transaction/{order_id}/delete", DELETE=transactions_api.delete_one),
        route("/tracker/events", POST=events_api.create_event),
        route("/coupons/import", POST=coupons_api.import_coupons),
        route("/coupons/delete", DELETE=coupons_api.delete_coupons),
        route("/pipelines", GET=automations_api.list_pipelines),
        route("/pipelines/{pipeline_id}/trigger", POST=automations_api.trigger),
    ),
    not_found=lambda: message(404, "Not found"),
    method_not_allowed=_not_allowed,
)
