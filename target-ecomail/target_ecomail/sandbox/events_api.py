"""``POST /tracker/events``: custom and basket events, stored every time (no deduplication).

The e-mail must already be a contact (a member of any list, any status); otherwise 422
``{"errors": {"email": ["Subscriber not found"]}}`` (assumption, vendors/ecomail.md §5.1).
"""

from __future__ import annotations

from api_target_kit.sandbox import Response

from .context import RouteContext
from .errors import Errors, invalid
from .fields import require_kind
from .tracker_rules import EVENT_TEXT_FIELDS, check_event, event_value_text


def create_event(ctx: RouteContext) -> Response:
    """Store the event; answer it with ``id`` and ``value`` as text."""
    errors = Errors()
    event = require_kind(errors, "event", ctx.body.get("event"), dict, "an object")
    if event is not None:
        check_event(errors, event)
    if errors or event is None:
        return errors.response()
    email = str(event["email"]).strip()
    if ctx.store.contacts.find(email) is None:
        return invalid("email", "Subscriber not found")
    stored = ctx.store.events.append(
        {
            "email": email,
            **{name: event.get(name) for name in EVENT_TEXT_FIELDS},
            "value": event_value_text(event.get("value")),
            "created_at": ctx.now,
        }
    )
    return Response(200, {key: value for key, value in stored.items() if key != "created_at"})
