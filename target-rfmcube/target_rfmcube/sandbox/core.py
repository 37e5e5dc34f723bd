"""Request pipeline and state of one sandbox, independent of the HTTP layer.

Order of checks for an API request: log it and count it in the rate window, rate limit (429),
``fail_next``, one random fault, auth (401), connector type (406), size (416), route (404/405),
Content-Type (400, POST only), JSON (400), then the endpoint handler.
"""

from __future__ import annotations

import hmac
import threading
import time
from dataclasses import dataclass
from typing import Any

from .config import FaultConfig, SandboxConfig
from .faults import FaultAction, FaultInjector
from .jsonbody import InvalidJsonError, is_json_content_type, parse_json
from .processes import ProcessRegistry
from .rate_window import RateWindow
from .request_log import RequestLog, RequestRecord
from .response import Response, message
from .routes import RouteContext, resolve
from .store import Store

API_PREFIX = "/v1"
CONNECTOR_API = "api"


@dataclass(frozen=True)
class ApiRequest:
    """An API request as read by the HTTP layer. ``body`` is ``None`` when it was too large."""

    method: str
    path: str
    api_key: str | None
    content_type: str | None
    body: bytes | None
    size: int


def api_path(path: str) -> str | None:
    """Return the path below ``/v1`` (``/import`` for ``/v1/import/``), or ``None`` outside ``/v1``."""
    if path != API_PREFIX and not path.startswith(API_PREFIX + "/"):
        return None
    return path[len(API_PREFIX) :].rstrip("/") or "/"


class SandboxCore:
    """All sandbox state behind one lock, plus the per-request pipeline."""

    def __init__(self, config: SandboxConfig) -> None:
        """Create empty state for ``config``."""
        self.config = config
        self._lock = threading.RLock()
        self._store = Store()
        self._processes = ProcessRegistry()
        self._faults = FaultInjector(config.faults)
        self._window = RateWindow(config.rate_limit, config.window_seconds)
        self._log = RequestLog()
        self._stopping = threading.Event()

    # ----- API requests -------------------------------------------------------------------

    def handle_api(self, request: ApiRequest) -> Response | None:
        """Answer an API request; ``None`` means: close the connection without a response."""
        with self._lock:
            self._advance()
            record = self._log.add(time.time(), request.method, request.path, request.size)
            rate = self._window.hit(time.monotonic())
            if not rate.allowed:
                record.rate_limited = True
                return self._finish(
                    record,
                    message(
                        429,
                        "rate limit exceeded",
                        (("Retry-After", str(rate.retry_after)),),
                    ),
                )
            decision = self._faults.decide(api_path(request.path) or request.path)
            if decision.action is not FaultAction.NONE:
                record.injected = True
            if decision.action is FaultAction.RESPOND:
                return self._finish(record, message(decision.status, decision.message, decision.headers))
            if decision.action is FaultAction.DROP:
                return self._finish(record, None)
        if decision.action is FaultAction.STALL:
            self._stopping.wait(decision.stall_seconds)
        with self._lock:
            self._advance()
            response = self._process(request)
            if decision.action is FaultAction.DROP_AFTER:
                return self._finish(record, None)
            return self._finish(record, response)

    @staticmethod
    def _finish(record: RequestRecord, response: Response | None) -> Response | None:
        if response is None:
            record.dropped = True
        else:
            record.status = response.status
        return response

    def _process(self, request: ApiRequest) -> Response:
        """Auth, connector, size, route, Content-Type, JSON, handler (lock held)."""
        if request.api_key is None or not hmac.compare_digest(
            request.api_key.encode("utf-8", "surrogateescape"),
            self.config.api_key.encode("utf-8"),
        ):
            return message(401, "missing or invalid api-key header")
        if self.config.connector_type != CONNECTOR_API:
            return message(406, "connector platform type is not 'Use Rfmcube's API'")
        if request.body is None or request.size > self.config.max_request_bytes:
            return message(416, f"request body larger than {self.config.max_request_bytes} bytes")
        resolved = resolve(request.method, api_path(request.path))
        if isinstance(resolved, Response):
            return resolved
        handler, params = resolved
        body: Any = None
        if request.method == "POST":
            if not is_json_content_type(request.content_type):
                return message(400, "Content-Type must be application/json")
            try:
                body = parse_json(request.body)
            except InvalidJsonError:
                return message(400, "request body is not valid JSON")
        ctx = RouteContext(self._store, self._processes, self._faults, time.monotonic(), time.time())
        return handler(ctx, body, params)

    def _advance(self) -> None:
        """Move import processes along (lock held)."""
        self._processes.advance(
            now=time.monotonic(),
            wall=time.time(),
            process_seconds=self.config.process_seconds,
            stall=self._faults.stall_imports,
            apply=self._store.apply_import,
        )

    # ----- admin and Python API -----------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """Return the body of ``GET /_sandbox/data``."""
        with self._lock:
            self._advance()
            data = self._store.snapshot()
            data["processes"] = [p.to_admin() for p in self._processes.all()]
            return data

    def summary(self) -> dict[str, Any]:
        """Return the body of ``GET /_sandbox/summary``."""
        with self._lock:
            self._advance()
            return {
                **self._store.counts(),
                "processes": self._processes.status_counts(),
                "requests": self._log.summary(self._window.max_in_window),
            }

    def request_log(self) -> list[dict[str, Any]]:
        """Return the body of ``GET /_sandbox/requests``."""
        with self._lock:
            self._advance()
            return self._log.entries()

    def current_faults(self) -> FaultConfig:
        """Return the fault config with what is left of ``fail_next`` and ``fail_imports``."""
        with self._lock:
            self._advance()
            return self._faults.current()

    def set_faults(self, faults: FaultConfig) -> None:
        """Replace the fault config (the RNG is reseeded)."""
        with self._lock:
            self._advance()
            self._faults.replace(faults)

    def reset(self) -> None:
        """Clear data, processes, the request log and the rate window; faults are kept."""
        with self._lock:
            self._store.clear()
            self._processes.clear()
            self._log.clear()
            self._window.reset()

    def interrupt_stalls(self) -> None:
        """Wake stalled requests (used on shutdown)."""
        self._stopping.set()

    def resume_stalls(self) -> None:
        """Let stalls sleep again (used on start)."""
        self._stopping.clear()
