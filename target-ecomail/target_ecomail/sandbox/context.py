"""What an endpoint handler receives: the state, the settings, the request and its JSON body."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from api_target_kit.sandbox import ApiRequest, Response

from .config import SandboxConfig
from .errors import not_found
from .fields import utc_text
from .store import Store


@dataclass(frozen=True)
class RouteContext:
    """One request as a handler sees it; ``params`` are the URL-decoded path parameters."""

    store: Store
    config: SandboxConfig
    request: ApiRequest
    body: dict[str, Any]
    params: tuple[str, ...]
    wall: float

    @property
    def now(self) -> str:
        """The request time as ``YYYY-MM-DD HH:MM:SS`` UTC."""
        return utc_text(self.wall)

    @property
    def list_id(self) -> str:
        """The ``{list_id}`` of a ``/lists/{list_id}/...`` path."""
        return self.params[0]


Handler = Callable[[RouteContext], Response]
"""An endpoint: runs with the sandbox lock held."""


def in_list(handler: Handler) -> Handler:
    """Wrap a ``/lists/{list_id}/...`` endpoint: an unknown list is 404 ``List not found``."""

    @functools.wraps(handler)
    def checked(ctx: RouteContext) -> Response:
        if ctx.list_id not in ctx.config.lists:
            return not_found("List")
        return handler(ctx)

    return checked
