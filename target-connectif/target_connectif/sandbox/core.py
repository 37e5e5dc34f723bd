"""Connectif's request handling on top of the kit's :class:`RoutedSandboxCore`.

Order of checks for an API request: log it and count it in the fixed rate window, rate limit
(429), ``fail_next``, one random fault (all in the kit), then here: auth (401, plain text), body
size (413), route (404/405), Content-Type (415), the endpoint's own size limit (413), JSON (400),
the endpoint. Every response carries the ``X-RateLimit-*`` headers; an injected 429 has no
``Retry-After`` either. Downloads under ``/_files/`` bypass all of this.
"""

from __future__ import annotations

import time
from typing import Any

from api_target_kit.sandbox import (
    ApiRequest,
    Headers,
    InvalidJsonError,
    RateDecision,
    Response,
    RoutedSandboxCore,
    is_json_content_type,
    parse_json,
)

from .config import SandboxConfig
from .context import Call
from .files import is_file_path, serve_file
from .import_apply import RowApplier, apply_import
from .imports import ImportJob, ImportOutcome, ImportRegistry
from .multipart import is_form_content_type
from .problems import RATE_LIMIT_DETAIL, problem, rate_limited, unauthorized
from .rate_window import FixedRateWindow
from .routes import ROUTES, Body, Endpoint
from .store import Store

AUTH_SCHEME = "apiKey "


class ConnectifCore(RoutedSandboxCore[SandboxConfig, Endpoint]):
    """Contacts, products, purchases, events, coupons and imports behind the kit's lock."""

    server_name = "ConnectifSandbox/1.0"
    api_prefix = ""
    routes = ROUTES
    injected_retry_after = False

    def __init__(self, config: SandboxConfig) -> None:
        """Create empty state and the fixed rate window for ``config``."""
        window = FixedRateWindow(config.rate_limit, config.window_seconds, config.foreign_requests_per_window)
        super().__init__(config, window)
        self.fixed_window = window
        self._store = Store(config.coupon_sets)
        self._imports = ImportRegistry()

    def serve_direct(self, request: ApiRequest) -> Response | None:
        """Serve ``/_files/`` downloads outside the kit's pipeline; leave everything else to it."""
        return serve_file(self._imports, request, self.config) if is_file_path(request.path) else None

    def check_caller(self, request: ApiRequest) -> Response | None:
        """Refuse anything but ``Authorization: apiKey <key>`` (401, plain text)."""
        authorization = request.header("authorization") or ""
        if not authorization.startswith(AUTH_SCHEME) or not self.key_matches(authorization[len(AUTH_SCHEME) :]):
            return unauthorized()
        return None

    def too_large(self) -> Response:
        """Answer 413 problem details to a body over ``max_request_bytes``."""
        return problem(413, f"The request body is larger than {self.config.max_request_bytes} bytes")

    def read_body(self, endpoint: Endpoint, request: ApiRequest, raw: bytes) -> Any:
        """Return the parsed JSON body (``None`` for other endpoints) or the 415/413/400 problem."""
        content_type = request.header("content-type")
        if endpoint.body is Body.FORM and not is_form_content_type(content_type):
            return problem(415, "Content-Type must be multipart/form-data")
        if endpoint.body is not Body.JSON:
            return None
        if not is_json_content_type(content_type):
            return problem(415, "Content-Type must be application/json")
        if endpoint.max_bytes is not None and len(raw) > endpoint.max_bytes(self.config):
            return problem(413, f"The request body is larger than {endpoint.max_bytes(self.config)} bytes")
        try:
            return parse_json(raw)
        except InvalidJsonError:
            return problem(400, "The request body is not valid JSON")

    def call(self, endpoint: Endpoint, params: tuple[str, ...], request: ApiRequest, body: Any) -> Response:
        """Run the endpoint's handler on a :class:`Call`."""
        call = Call(self._store, self._imports, self.config, self.faults, request, body, time.monotonic(), time.time())
        return endpoint.handler(call, params)

    def decorate(self, request: ApiRequest, response: Response) -> Response:
        """Add ``X-RateLimit-Limit``, ``-Remaining`` and ``-Reset`` (epoch seconds) to every response."""
        now = time.monotonic()
        status = self.fixed_window.status(now)
        return response.with_headers(
            ("X-RateLimit-Limit", str(status.limit)),
            ("X-RateLimit-Remaining", str(status.remaining)),
            ("X-RateLimit-Reset", str(self.fixed_window.reset_epoch(now))),
        )

    def rate_limited_response(self, decision: RateDecision) -> Response:
        """Answer over the limit: 429 problem details, without ``Retry-After``."""
        return rate_limited()

    def fault_response(self, status: int, text: str, headers: Headers) -> Response:
        """Answer an injected failure as problem details; an injected 429 looks like a real one."""
        return problem(status, RATE_LIMIT_DETAIL if status == 429 else text, headers)

    def advance(self) -> None:
        """Move imports along; finishing ones are applied to the store (lock held)."""
        wall = time.time()

        def apply(job: ImportJob) -> ImportOutcome:
            assert job.file is not None
            applier = RowApplier(self._store, self.config, job.import_type, job.options, wall)
            return apply_import(applier, job.file, skip_first=job.skip_first)

        self._imports.advance(
            now=time.monotonic(),
            wall=wall,
            seconds=self.config.import_seconds,
            stall=self.faults.stall_imports,
            apply=apply,
        )

    def snapshot_state(self) -> dict[str, Any]:
        """Return everything stored, imports included (with their failed rows)."""
        return {**self._store.snapshot(), "imports": [job.to_admin() for job in self._imports.all()]}

    def count_state(self) -> dict[str, Any]:
        """Return the store counts and the imports by status."""
        return {**self._store.counts(), "imports": self._imports.status_counts()}

    def clear_state(self) -> None:
        """Forget data and imports (ids keep increasing)."""
        self._store.clear()
        self._imports.clear()
