"""Read endpoints of lists: ``GET /lists``, ``/lists/{id}``, ``/lists/{id}/subscribers``, ``/lists/{id}/subscriber/{email}``."""

from __future__ import annotations

from api_target_kit.sandbox import Response

from .contacts import COMPLAINED, HARD_BOUNCE, SUBSCRIBED, UNCONFIRMED, UNSUBSCRIBED
from .context import RouteContext, in_list
from .errors import Errors, not_found
from .pagination import page_params, paginate
from .views import list_detail, list_subscriber, list_summary, subscribers_entry

#: ``status`` filter of ``GET /lists/{id}/subscribers`` (default ``subscribed``).
STATUS_FILTERS: dict[str, int] = {
    "subscribed": SUBSCRIBED,
    "unsubscribed": UNSUBSCRIBED,
    "not_confirmed": UNCONFIRMED,
    "bounced": HARD_BOUNCE,
    "complained": COMPLAINED,
}
SUBSCRIBERS_PER_PAGE = 20
SUBSCRIBERS_PER_PAGE_MAX = 5000


def all_lists(ctx: RouteContext) -> Response:
    """``GET /lists``: a JSON array of lists."""
    return Response(200, [list_summary(list_id) for list_id in ctx.config.lists])


@in_list
def show_list(ctx: RouteContext) -> Response:
    """``GET /lists/{list_id}``: the list, its custom-field definitions and member counts."""
    statuses = ctx.store.contacts.status_counts(ctx.list_id)
    return Response(200, list_detail(ctx.list_id, ctx.config.lists[ctx.list_id], statuses))


@in_list
def list_subscribers(ctx: RouteContext) -> Response:
    """``GET /lists/{list_id}/subscribers?status=&page=&per_page=`` (``per_page`` at most 5000)."""
    errors = Errors()
    page, per_page = page_params(errors, ctx.request, default=SUBSCRIBERS_PER_PAGE, maximum=SUBSCRIBERS_PER_PAGE_MAX)
    status = STATUS_FILTERS.get(ctx.request.param("status") or "subscribed")
    if status is None:
        errors.invalid_choice("status")
    if errors:
        return errors.response()
    members = [m for m in ctx.store.contacts.members(ctx.list_id) if m[1].status == status]
    return Response(200, paginate(members, page, per_page, subscribers_entry))


@in_list
def list_subscriber_detail(ctx: RouteContext) -> Response:
    """``GET /lists/{list_id}/subscriber/{email}``."""
    found = ctx.store.contacts.membership(ctx.list_id, ctx.params[1])
    if found is None:
        return not_found("Subscriber")
    return Response(200, {"subscriber": list_subscriber(*found)})
