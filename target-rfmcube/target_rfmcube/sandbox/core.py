"""Rfmcube's request handling on top of the kit's :class:`SandboxCore`.

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
    SandboxCore,
    is_json_content_type,
    message,
    parse_json,
)

from .config import SandboxConfig
from .processes import ProcessRegistry
from .routes import RouteContext, resolve
from .store import Store

CONNECTOR_API = "api"


class RfmcubeCore(SandboxCore[SandboxConfig]):
    """Customers, orders and import processes behind the kit's lock."""

    server_name = "RfmcubeSandbox/1.0"
    api_prefix = "/v1"

    def __init__(self, config: SandboxConfig) -> None:
        """Create empty state for ``config``."""
        super().__init__(config)
        self._store = Store()
        self._processes = ProcessRegistry()

    def process(self, request: ApiRequest) -> Response:
        """Auth, connector, size, route, Content-Type, JSON, handler (lock held)."""
        if not self.key_matches(request.header("api-key")):
            return message(401, "missing or invalid api-key header")
        if self.config.connector_type != CONNECTOR_API:
            return message(406, "connector platform type is not 'Use Rfmcube's API'")
        if request.body is None or request.size > self.config.max_request_bytes:
            return message(416, f"request body larger than {self.config.max_request_bytes} bytes")
        resolved = resolve(request.method, self.api_path(request.path))
        if isinstance(resolved, Response):
            return resolved
        handler, params = resolved
        body: Any = None
        if request.method == "POST":
            if not is_json_content_type(request.header("Content-Type")):
                return message(400, "Content-Type must be application/json")
            try:
                body = parse_json(request.body)
            except InvalidJsonError:
                return message(400, "request body is not valid JSON")
        ctx = RouteContext(self._store, self._processes, self.faults, time.monotonic(), time.time())
        return handler(ctx, body, params)

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
