"""The request pipeline and admin protocol shared by every sandbox, independent of the HTTP layer.

An API request goes: :meth:`SandboxCore.advance`, :meth:`SandboxCore.serve_direct` (paths served
outside the pipeline), request log, rate window (429), fault draw (``fail_next`` first, then at
most one random fault), then :meth:`SandboxCore.process` (the vendor's auth, routing and
endpoints; :class:`~api_target_kit.sandbox.routing.RoutedSandboxCore` has the usual steps).
Every response of the pipeline goes through :meth:`SandboxCore.decorate`.

Lock discipline: all state sits behind one re-entrant lock, ``self.lock``. Hooks are called
with it held; only an injected stall waits outside it (and :meth:`interrupt_stalls` wakes it).
"""

from __future__ import annotations

import hmac
import threading
import time
from abc import ABC, abstractmethod
from typing import Any, ClassVar, Generic, TypeVar

from .fault_config import BaseSandboxConfig, FaultConfig
from .faults import FaultAction, FaultInjector
from .rate_window import RateDecision, RateLimitWindow, RateWindow
from .request import ApiRequest, api_path
from .request_log import RequestLog, RequestRecord
from .response import Headers, Response, message

ConfigT = TypeVar("ConfigT", bound=BaseSandboxConfig)


class SandboxCore(ABC, Generic[ConfigT]):
    """All sandbox state behind one lock, plus the per-request pipeline; subclass per vendor.

    A vendor sets :attr:`server_name` and :attr:`api_prefix`, implements :meth:`process` and
    usually the state hooks (:meth:`snapshot_state`, :meth:`count_state`, :meth:`clear_state`,
    :meth:`advance`). Attributes for subclasses: ``config``, ``lock``, ``window``
    (a :class:`RateLimitWindow`, the sliding :class:`RateWindow` unless one is passed to
    ``__init__``) and ``faults`` (:class:`FaultInjector`).
    """

    server_name: ClassVar[str] = "Sandbox/1.0"
    """Sent in the ``Server`` header (followed by the Python version)."""

    api_prefix: ClassVar[str] = ""
    """Path prefix of the API (``"/v1"``, or ``""`` for none); admin stays under ``/_sandbox``."""

    injected_retry_after: ClassVar[bool] = True
    """Whether an injected 429 carries ``Retry-After`` (set ``False`` for a vendor that sends none)."""

    def __init__(self, config: ConfigT, window: RateLimitWindow | None = None) -> None:
        """Create empty state for ``config`` (a subclass creates its own state after calling this).

        ``window`` replaces the sliding :class:`RateWindow` of ``config.rate_limit`` requests per
        ``config.window_seconds``.
        """
        self.config = config
        self.lock = threading.RLock()
        self.window: RateLimitWindow = (
            window if window is not None else RateWindow(config.rate_limit, config.window_seconds)
        )
        self.faults = FaultInjector(config.faults, self.api_prefix, retry_after=self.injected_retry_after)
        self._log = RequestLog()
        self._stopping = threading.Event()

    # ----- hooks for the vendor -----------------------------------------------------------

    @abstractmethod
    def process(self, request: ApiRequest) -> Response:
        """Answer a request that passed the rate limit and the fault draw (lock held).

        The vendor checks auth, body size (``request.body is None``), routing, Content-Type and
        JSON here and runs the endpoint.
        """

    def advance(self) -> None:
        """Move time-driven state along, such as asynchronous jobs (lock held); no-op by default.

        Called before every API request is handled and before every admin read.
        """

    def serve_direct(self, request: ApiRequest) -> Response | None:
        """Answer a request outside the API pipeline, or ``None`` to let the pipeline have it (lock held).

        A direct answer is neither logged, rate-limited, fault-injected nor decorated (a download
        from a storage host, say). ``None`` by default: every request goes through the pipeline.
        """
        return None

    def snapshot_state(self) -> dict[str, Any]:
        """Return the stored data for ``GET /_sandbox/data`` (lock held); ``{}`` by default."""
        return {}

    def count_state(self) -> dict[str, Any]:
        """Return the counts for ``GET /_sandbox/summary`` (lock held); ``{}`` by default.

        The summary adds a ``"requests"`` key with the request-log figures.
        """
        return {}

    def clear_state(self) -> None:
        """Forget the stored data on a reset (lock held); no-op by default."""

    def decorate(self, request: ApiRequest, response: Response) -> Response:
        """Adjust every API response before it is sent, 429s and injected faults included (lock held).

        Identity by default. ``self.window.status(time.monotonic())`` gives what a header such as
        ``X-RateLimit-Remaining`` needs.
        """
        return response

    def rate_limited_response(self, decision: RateDecision) -> Response:
        """Return the answer to a request over the rate limit (lock held).

        Default: 429 ``{"message": "rate limit exceeded"}`` with ``Retry-After``.
        """
        return message(429, "rate limit exceeded", (("Retry-After", str(decision.retry_after)),))

    def fault_response(self, status: int, text: str, headers: Headers) -> Response:
        """Return the answer for an injected failure (lock held); default ``{"message": text}``.

        ``headers`` holds ``Retry-After`` for an injected 429 (unless :attr:`injected_retry_after` is false).
        """
        return message(status, text, headers)

    # ----- helpers for the vendor ---------------------------------------------------------

    def api_path(self, path: str) -> str | None:
        """Return ``path`` below :attr:`api_prefix` without trailing ``/``; ``None`` outside it."""
        return api_path(path, self.api_prefix)

    def key_matches(self, presented: str | None) -> bool:
        """Compare a presented API key with ``config.api_key`` in constant time (``None`` fails)."""
        if presented is None:
            return False
        return hmac.compare_digest(
            presented.encode("utf-8", "surrogateescape"),
            self.config.api_key.encode("utf-8"),
        )

    # ----- API requests -------------------------------------------------------------------

    def handle_api(self, request: ApiRequest) -> Response | None:
        """Answer an API request; ``None`` means: close the connection without a response."""
        with self.lock:
            self.advance()
            direct = self.serve_direct(request)
            if direct is not None:
                return direct
            record = self._log.add(time.time(), request.method, request.path, request.size)
            rate = self.window.hit(time.monotonic())
            if not rate.allowed:
                record.rate_limited = True
                return self._finish(record, request, self.rate_limited_response(rate))
            decision = self.faults.decide(request.path)
            if decision.action is not FaultAction.NONE:
                record.injected = True
            if decision.action is FaultAction.RESPOND:
                injected = self.fault_response(decision.status, decision.message, decision.headers)
                return self._finish(record, request, injected)
            if decision.action is FaultAction.DROP:
                return self._finish(record, request, None)
        if decision.action is FaultAction.STALL:
            self._stopping.wait(decision.stall_seconds)
        with self.lock:
            self.advance()
            response = self.process(request)
            if decision.action is FaultAction.DROP_AFTER:
                return self._finish(record, request, None)
            return self._finish(record, request, response)

    def _finish(self, record: RequestRecord, request: ApiRequest, response: Response | None) -> Response | None:
        """Decorate the response and note the outcome in the log (lock held)."""
        if response is None:
            record.dropped = True
            return None
        response = self.decorate(request, response)
        record.status = response.status
        return response

    # ----- admin and Python API -----------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """Return the body of ``GET /_sandbox/data``."""
        with self.lock:
            self.advance()
            return self.snapshot_state()

    def summary(self) -> dict[str, Any]:
        """Return the body of ``GET /_sandbox/summary``: the counts plus ``"requests"`` figures."""
        with self.lock:
            self.advance()
            return {**self.count_state(), "requests": self._log.summary(self.window.max_in_window)}

    def request_log(self) -> list[dict[str, Any]]:
        """Return the body of ``GET /_sandbox/requests``."""
        with self.lock:
            self.advance()
            return self._log.entries()

    def current_faults(self) -> FaultConfig:
        """Return the fault config with what is left of ``fail_next`` and ``*_imports``."""
        with self.lock:
            self.advance()
            return self.faults.current()

    def set_faults(self, faults: FaultConfig) -> None:
        """Replace the fault config (the RNG is reseeded)."""
        with self.lock:
            self.advance()
            self.faults.replace(faults)

    def reset(self) -> None:
        """Clear the data, the request log and the rate window; faults are kept."""
        with self.lock:
            self.clear_state()
            self._log.clear()
            self.window.reset()

    def interrupt_stalls(self) -> None:
        """Wake stalled requests (used on shutdown)."""
        self._stopping.set()

    def resume_stalls(self) -> None:
        """Let stalls sleep again (used on start)."""
        self._stopping.clear()
