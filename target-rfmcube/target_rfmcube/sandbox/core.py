"""Rfmcube's request handling on top of the kit's :class:`RoutedSandboxCore`.

Order of checks for an API request: log it and count it in the rate window, rate limit (429),
``fail_next``, one random fault (all in the kit), then here: auth (401), connector type (406),
size (416), route (404/405), Content-Type (400, POST only), JSON (400), the endpoint handler.
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
from .processes import ProcessRegistry
from .routes import ROUTES, Handler, RouteContext
from .store import Store

CONNECTOR_API = "api"


class RfmcubeCore(RoutedSandboxCore[SandboxConfig, Handler]):
    """Customers, orders and import processes behind the kit's lock."""

    server_name = "RfmcubeSandbox/1.0"
    api_prefix = "/v1"
    routes = ROUTES

    def __init__(self, config: SandboxConfig) -> None:
        """Create empty state for ``config``."""
        super().__init__(config)
        self._store = Store()
        self._processes = ProcessRegistry()

    def check_caller(self, request: ApiRequest) -> Response | None:
        """Refuse a missing or wrong ``api-key`` (401), then a connector other than the API (406)."""
        if not self.key_matches(request.header("api-key")):
            return message(401, "missing or invalid api-key header")
        if self.config.connector_type != CONNECTOR_API:
            return message(406, "connector platform type is not 'Use Rfmcube's API'")
        return None

    def too_large(self) -> Response:
        """Answer 416 to a body over ``max_request_bytes``."""
        return message(416, f"request body larger than {self.config.max_request_bytes} bytes")

    def read_body(self, endpoint: Handler, request: ApiRequest, raw: bytes) -> Any:
        """Parse a POST's JSON body (400 for another Content-Type or bad JSON); ``None`` for a GET."""
        if request.method != "POST":
            return None
        if not is_json_content_type(request.header("Content-Type")):
            return message(400, "Content-Type must be application/json")
        try:
            return parse_json(raw)
        except InvalidJsonError:
            return message(400, "request body is not valid JSON")

    def call(self, endpoint: Handler, params: tuple[str, ...], request: ApiRequest, body: Any) -> Response:
        """Run the handler with the state and the clocks."""
        ctx = RouteContext(self._store, self._processes, self.faults, time.monotonic(), time.time())
        return endpoint(ctx, body, params)

    def advance(self) -> None:
        """Move import processes along (lock held)."""
        self._processes.advance(
            now=time.monotonic(),
            wall=time.time(),
            process_seconds=self.config.process_seconds,
            stall=self.faults.stall_imports,
            apply=self._store.apply_import,
        )

    def snapshot_state(self) -> dict[str, Any]:
        """Return customers with their orders, orphan orders, deleted emails and processes."""
        data = self._store.snapshot()
        data["processes"] = [p.to_admin() for p in self._processes.all()]
        return data

    def count_state(self) -> dict[str, Any]:
        """Return the store counts and the processes by status."""
        return {**self._store.counts(), "processes": self._processes.status_counts()}

    def clear_state(self) -> None:
        """Forget data and processes (process ids keep increasing)."""
        self._store.clear()
        self._processes.clear()
