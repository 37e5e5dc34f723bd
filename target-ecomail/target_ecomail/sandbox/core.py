"""Ecomail's request handling on top of the kit's :class:`RoutedSandboxCore`.

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
    RoutedSandboxCore,
    is_json_content_type,
    message,
    parse_json,
)

from .config import SandboxConfig
from .context import Handler, RouteContext
from .routes import ROUTES
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


class EcomailCore(RoutedSandboxCore[SandboxConfig, Handler]):
    """Contacts, orders, events, coupons and automation runs behind the kit's lock."""

    server_name = "EcomailSandbox/1.0"
    api_prefix = ""
    routes = ROUTES

    def __init__(self, config: SandboxConfig) -> None:
        """Create empty state for ``config``."""
        super().__init__(config)
        self._store = Store()

    def check_caller(self, request: ApiRequest) -> Response | None:
        """Refuse a missing or wrong ``key`` header (401)."""
        return None if self.key_matches(request.header("key")) else message(401, "Wrong api key")

    def too_large(self) -> Response:
        """Answer 413 to a body over ``max_request_bytes``."""
        return message(413, f"The request body is larger than {self.config.max_request_bytes} bytes")

    def read_body(self, endpoint: Handler, request: ApiRequest, raw: bytes) -> dict[str, Any] | Response:
        """Return the JSON object body (see :func:`json_object`)."""
        return json_object(request)

    def call(self, endpoint: Handler, params: tuple[str, ...], request: ApiRequest, body: Any) -> Response:
        """Run the handler on a :class:`RouteContext`."""
        return endpoint(RouteContext(self._store, self.config, request, body, params, time.time()))

    def snapshot_state(self) -> dict[str, Any]:
        """Contacts with memberships, orders (duplicates too), events, coupons by folder, automation runs."""
        return self._store.snapshot()

    def count_state(self) -> dict[str, Any]:
        """The store's counts (see :meth:`Store.counts`)."""
        return dict(self._store.counts())

    def clear_state(self) -> None:
        """Forget everything stored."""
        self._store.clear()
