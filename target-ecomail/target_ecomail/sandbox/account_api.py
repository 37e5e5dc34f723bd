"""``GET /account``: the key check (a wrong key never gets here: the core answers 401)."""

from __future__ import annotations

from api_target_kit.sandbox import Response

from .context import RouteContext


def account(_ctx: RouteContext) -> Response:
    """``{"account": {"name": "Sandbox"}}``."""
    return Response(200, {"account": {"name": "Sandbox"}})
