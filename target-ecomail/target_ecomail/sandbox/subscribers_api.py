"""Account-wide contact endpoints: ``GET /subscribers/{email}`` and ``DELETE /subscribers/{email}/delete``."""

from __future__ import annotations

from api_target_kit.sandbox import Response

from .context import RouteContext
from .errors import not_found
from .views import account_contact


def show_contact(ctx: RouteContext) -> Response:
    """``GET /subscribers/{email}``: the contact with its memberships; 404 when unknown."""
    contact = ctx.store.contacts.find(ctx.params[0])
    if contact is None:
        return not_found("Subscriber")
    return Response(200, {"subscriber": account_contact(contact)})


def delete_contact(ctx: RouteContext) -> Response:
    """``DELETE /subscribers/{email}/delete``: remove from the account and every list; ``{}``."""
    if not ctx.store.contacts.delete(ctx.params[0]):
        return not_found("Subscriber")
    return Response(200, {})
