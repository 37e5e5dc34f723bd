"""Automations: ``GET /pipelines`` and ``POST /pipelines/{id}/trigger`` (every call runs it again)."""

from __future__ import annotations

from api_target_kit.sandbox import Response

from .context import RouteContext
from .errors import Errors, invalid, not_found
from .fields import public_id, require_email


def list_pipelines(ctx: RouteContext) -> Response:
    """``{"data": [{id, name}, ...]}``."""
    data = [{"id": public_id(p), "name": f"Sandbox automation {p}"} for p in ctx.config.pipelines]
    return Response(200, {"data": data})


def trigger(ctx: RouteContext) -> Response:
    """Start the automation for a contact: 404 unknown pipeline, 422 not a contact; no dedup."""
    pipeline_id = ctx.params[0]
    if pipeline_id not in ctx.config.pipelines:
        return not_found("Pipeline")
    errors = Errors()
    require_email(errors, "email", ctx.body.get("email"))
    if errors:
        return errors.response()
    email = str(ctx.body["email"]).strip()
    if ctx.store.contacts.find(email) is None:
        return invalid("email", "Subscriber not found")
    ctx.store.runs.append({"pipeline_id": pipeline_id, "email": email, "triggered_at": ctx.now})
    return Response(200, {"message": "Automation triggered"})
