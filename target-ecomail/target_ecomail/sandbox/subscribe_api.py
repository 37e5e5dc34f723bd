"""Write endpoints of a list: subscribe (one and bulk), update-subscriber (one and bulk), unsubscribe.

Each validates every item it will process first: one invalid item refuses the whole call with
422 and nothing is stored. The bulk endpoints process the first 3,000 items and silently
ignore the rest (documented); custom-field keys the list does not define are ignored.
"""

from __future__ import annotations

from typing import Any

from api_target_kit.sandbox import Response

from .contacts import SUBSCRIBED, UNCONFIRMED, Contact
from .context import RouteContext, in_list
from .errors import Errors, not_found
from .fields import flag, join, require_email, require_kind
from .subscriber_rules import ALL_STATUSES, BULK_STATUSES, check_subscriber, defined_values
from .views import contact_result, membership_record

#: subscribe-bulk and update-subscriber-bulk process this many items; the rest are ignored.
BULK_ITEMS_MAX = 3000


def _bulk_items(ctx: RouteContext, errors: Errors, statuses: tuple[int, ...]) -> tuple[list[dict[str, Any]], int]:
    """The first 3,000 ``subscriber_data`` items, each checked, and how many were cut off."""
    items = require_kind(errors, "subscriber_data", ctx.body.get("subscriber_data"), list, "an array")
    if items is None:
        return [], 0
    kept = items[:BULK_ITEMS_MAX]
    for index, item in enumerate(kept):
        check_subscriber(errors, item, join("subscriber_data", index), statuses=statuses)
    return kept, len(items) - len(kept)


def _one_item(ctx: RouteContext, errors: Errors, *, email_required: bool) -> dict[str, Any]:
    """The ``subscriber_data`` object of a single-contact call, checked."""
    data = require_kind(errors, "subscriber_data", ctx.body.get("subscriber_data"), dict, "an object")
    if data is None:
        return {}
    check_subscriber(errors, data, "subscriber_data", statuses=ALL_STATUSES, email_required=email_required)
    return data


def _defined(ctx: RouteContext, item: dict[str, Any]) -> dict[str, Any]:
    """The item's custom-field values the list defines; the other keys are counted as ignored."""
    fields, ignored = defined_values(item.get("custom_fields"), ctx.config.defined_keys(ctx.list_id))
    ctx.store.note_ignored("custom_field_keys_ignored", ignored)
    return fields


def _subscribe(
    ctx: RouteContext, item: dict[str, Any], new_status: int, flags: dict[str, bool]
) -> tuple[Contact, bool]:
    """Apply one valid item with the call's ``update_existing`` and ``resubscribe`` flags."""
    return ctx.store.contacts.subscribe(
        ctx.list_id,
        item,
        _defined(ctx, item),
        new_status=new_status,
        update_existing=flags["update_existing"],
        resubscribe=flags["resubscribe"],
        now=ctx.now,
    )


def _flags(ctx: RouteContext, errors: Errors, defaults: dict[str, bool]) -> dict[str, bool]:
    """The call's boolean flags, each with its default for this endpoint."""
    return {name: flag(errors, ctx.body, name, default) for name, default in defaults.items()}


@in_list
def subscribe_bulk(ctx: RouteContext) -> Response:
    """``POST /lists/{list_id}/subscribe-bulk``: ``{"inserts": n}`` counting contacts new to the list."""
    errors = Errors()
    flags = _flags(ctx, errors, {"update_existing": True, "resubscribe": False, "trigger_autoresponders": False})
    items, cut_off = _bulk_items(ctx, errors, BULK_STATUSES)
    if errors:
        return errors.response()
    inserts = sum(_subscribe(ctx, item, item.get("status") or SUBSCRIBED, flags)[1] for item in items)
    ctx.store.note_ignored("subscribe_bulk_items_ignored", cut_off)
    return Response(200, {"inserts": inserts})


@in_list
def subscribe_one(ctx: RouteContext) -> Response:
    """``POST /lists/{list_id}/subscribe``: a new member is unconfirmed (6) unless ``skip_confirmation``."""
    errors = Errors()
    names = ("update_existing", "resubscribe", "skip_confirmation", "trigger_autoresponders", "trigger_notification")
    flags = _flags(ctx, errors, dict.fromkeys(names, False))
    item = _one_item(ctx, errors, email_required=True)
    if errors:
        return errors.response()
    requested = item.get("status")
    if flags["skip_confirmation"]:
        new_status = requested or SUBSCRIBED
    else:
        new_status = UNCONFIRMED if requested in (None, SUBSCRIBED) else requested
    contact, inserted = _subscribe(ctx, item, new_status, flags)
    return Response(200, {**contact_result(contact), "already_subscribed": not inserted})


@in_list
def update_subscriber(ctx: RouteContext) -> Response:
    """``PUT /lists/{list_id}/update-subscriber``: ``{email, subscriber_data}``; 404 when not a member."""
    errors = Errors()
    require_email(errors, "email", ctx.body.get("email"))
    item = _one_item(ctx, errors, email_required=False)
    if errors:
        return errors.response()
    contact = ctx.store.contacts.update(
        ctx.list_id, str(ctx.body["email"]), item, _defined(ctx, item), allow_resubscribe=False, now=ctx.now
    )
    if contact is None:
        return not_found("Subscriber")
    return Response(200, contact_result(contact, bounce_key="bounce_hard"))


@in_list
def update_subscriber_bulk(ctx: RouteContext) -> Response:
    """``PUT /lists/{list_id}/update-subscriber-bulk``: ``{"updates": n}``; non-members are skipped."""
    errors = Errors()
    allow_resubscribe = flag(errors, ctx.body, "allow_resubscribe", False)
    items, cut_off = _bulk_items(ctx, errors, ALL_STATUSES)
    if errors:
        return errors.response()
    updates = 0
    for item in items:
        email = str(item["email"])
        if ctx.store.contacts.membership(ctx.list_id, email) is not None:
            fields = _defined(ctx, item)
            ctx.store.contacts.update(
                ctx.list_id, email, item, fields, allow_resubscribe=allow_resubscribe, now=ctx.now
            )
            updates += 1
    ctx.store.note_ignored("update_bulk_items_ignored", cut_off)
    return Response(200, {"updates": updates})


@in_list
def unsubscribe(ctx: RouteContext) -> Response:
    """``DELETE /lists/{list_id}/unsubscribe`` with ``{"email"}``: status 2; the membership record."""
    errors = Errors()
    require_email(errors, "email", ctx.body.get("email"))
    if errors:
        return errors.response()
    found = ctx.store.contacts.unsubscribe(ctx.list_id, str(ctx.body["email"]), ctx.now)
    if found is None:
        return not_found("Subscriber")
    return Response(200, membership_record(*found))
