"""Ecomail's request handling on top of the kit's :class:`SandboxCore`.

Order of checks for an API request: log it and count it in the rate window, rate limit (429
with ``Retry-After``, no ``X-RateLimit-*``), ``fail_next``, one random fault (all in the kit),
then here: the ``key`` header (401 ``{"message": "Wrong api key"}``), body size (413), route
(404/405), the JSON object body (400), the endpoint.
"""

from __future__ import annotations

import time
from typing import Any

from api_target_kit.sandbox import (
    ApiRequest,
    InvalidJsonError,
    Response,
    SandboxCore,
    is_json_content_type,
    message,
    parse_json,
)

from .config import SandboxConfig
from .context import RouteContext
from .routes import resolve
from .store import Store


def json_object(request: ApiRequest) -> dict[str, Any] | Response:
    """The request's JSON object body (``{}`` for an empty body or a GET), or a 400 answer."""
    if request.method == "GET" or not request.body:
        return {}
    if not is_json_content_type(request.header("Content-Type")):
        return message(400, "Content-Type must be application/json")
    try:
        body = parse_json(request.body)
    except InvalidJsonError:
        return message(400, "The request body is not valid JSON")
    if not isinstance(body, dict):
        return message(400, "The request body must be a JSON object")
    return body


class EcomailCore(SandboxCore[SandboxConfig]):
    """Contacts, orders, events, coupons and automation runs behind the kit's lock."""

    server_name = "EcomailSandbox/1.0"
    api_prefix = ""

    def __init__(self, config: SandboxConfig) -> None:
        """Create empty state for ``config``."""
        super().__init__(config)
        self._store = Store()

    def process(self, request: ApiRequest) -> Response:
        """Auth, size, route, JSON body, handler (lock held)."""
        if not self.key_matches(request.header("key")):
            return message(401, "Wrong api key")
        if request.body is None:
            return message(413, f"The request body is larger than {self.config.max_request_bytes} bytes")
        resolved = resolve(request.method, self.api_path(request.path))
        if isinstance(resolved, Response):
            return resolved
        handler, params = resolved
        body = json_object(request)
        if isinstance(body, Response):
            return body
        return handler(RouteContext(self._store, self.config, request, body, params, time.time()))

    def snapshot_state(self) -> dict[str, Any]:
        """Contacts with memberships, orders (duplicates too), events, coupons by folder, automation runs."""
        return self._store.snapshot()

    def count_state(self) -> dict[str, Any]:
        """The store's counts (see :meth:`Store.counts`)."""
        return dict(self._store.counts())

    def clear_state(self) -> None:
        """Forget everything stored."""
        self._store.clear()
