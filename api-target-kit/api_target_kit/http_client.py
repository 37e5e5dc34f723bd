"""HTTP to the vendor: one `requests.Session`, the shared rate limit, retries, clear errors."""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import backoff
import requests
import urllib3

from api_target_kit.api_stats import ApiStats
from api_target_kit.errors import (
    AuthenticationError,
    DeliveryError,
    OutcomeUnknownError,
    RetriesExhaustedError,
    VendorError,
)
from api_target_kit.json_payload import dumps_bytes
from api_target_kit.rate_limit import RateLimiter
from api_target_kit.retry_policy import (
    RetryableError,
    is_retryable_status,
    parse_rate_limit_budget,
    parse_retry_after,
    retry_waits,
)
from api_target_kit.secrets import SecretRedactor
from api_target_kit.staging_file import StreamedBody

#: How much of an error body goes into messages and reject reasons.
MAX_BODY_CHARS = 2000


class SendMark(Protocol):
    """Told when an unsafe call is about to leave, and when an attempt did not arrive (see `sent_ledger.PendingMark`)."""

    def sending(self) -> None:
        """The attempt has its rate-limit slot and is about to be sent."""

    def not_sent(self) -> None:
        """The attempt was answered with an error, or failed before anything was sent."""


class ApiClient:
    """Sends requests to one vendor account, within its rate limit, retrying faults.

    - every attempt first takes a slot from the shared `RateLimiter`; a budget the vendor
      reports (`X-RateLimit-Remaining` / `X-RateLimit-Reset`) on any response slows it down;
    - 429, 5xx, dropped connections and timeouts are retried up to `max_retries` times,
      honouring `Retry-After` (or, on a 429 without it, `X-RateLimit-Reset`);
    - a call sent with `idempotent=False` is not repeated after a failure that may have
      happened after the vendor received it: `OutcomeUnknownError` lets the caller check;
    - a `mark` (`SendMark`) is told, on every attempt, when the call has its slot and is about
      to leave, and when the attempt did not arrive (so a call that never left is never
      recorded as possibly sent);
    - 401/403 raise `AuthenticationError` at once ("check api_key", never the key);
    - any other status >= 400 raises `VendorError` with the status and body, unless the
      caller listed it in `ok_statuses`.
    """

    def __init__(
        self,
        *,
        vendor: str,
        base_url: str,
        headers: Mapping[str, str],
        limiter: RateLimiter,
        stats: ApiStats,
        redact: SecretRedactor,
        timeout_seconds: float = 60.0,
        max_retries: int = 8,
        backoff_base_seconds: float = 0.5,
        status_explanations: Mapping[int, str] | None = None,
        wait_after_bare_429: float | None = None,
        logger: logging.Logger | None = None,
    ) -> None:
        self.vendor = vendor
        self.base_url = base_url.rstrip("/")
        self.limiter = limiter
        self.stats = stats
        self.timeout_seconds = timeout_seconds
        self.max_retries = max_retries
        self._redact = redact
        self._explanations = dict(status_explanations or {})
        self._backoff_base = backoff_base_seconds
        #: Seconds to wait after a 429 without `Retry-After` (None: jittered backoff).
        self.wait_after_bare_429 = wait_after_bare_429
        self._logger = logger or logging.getLogger(f"api_target_kit.{vendor}")
        self.session = requests.Session()
        self.session.headers.update(headers)
        self.session.verify = True  # TLS verification is not a setting: it cannot be turned off.

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        data: bytes | Mapping[str, str] | StreamedBody | None = None,
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        ok_statuses: Collection[int] = (),
        endpoint: str | None = None,
        idempotent: bool = True,
        mark: SendMark | None = None,
    ) -> requests.Response:
        """Send one logical request (retried as needed) and return the final response.

        `files` sends a multipart form (with `data` as its plain fields). A `StreamedBody` is
        sent with its `Content-Length`, read from its start on every attempt (a retry re-reads
        its file). With
        `idempotent=False` a timeout or a connection dropped after sending raises
        `OutcomeUnknownError` instead of sending again. `mark` is told when each attempt
        leaves (after its rate-limit slot) and when one did not arrive.
        """
        label = endpoint or path
        if json_body is not None:  # encoded once, by orjson (requests' `json=` is several times slower)
            data = dumps_bytes(json_body)
            headers = {"Content-Type": "application/json", **(headers or {})}
        send = backoff.on_exception(
            retry_waits,
            RetryableError,
            max_tries=self.max_retries + 1,
            jitter=None,
            on_backoff=self._on_backoff,
            raise_on_giveup=True,
            base_seconds=self._backoff_base,
        )(self._attempt)
        try:
            return send(method, path, _Body(data, files, params, headers, mark), ok_statuses, label, idempotent)
        except RetryableError as exc:
            raise RetriesExhaustedError(
                f"{self.vendor} {method} {label}: gave up after {self.max_retries + 1} attempts; "
                f"last error: {exc.description}"
            ) from None

    def close(self) -> None:
        """Close pooled connections."""
        self.session.close()

    def _attempt(  # noqa: PLR0917 (backoff calls it with the request's parts)
        self,
        method: str,
        path: str,
        body: _Body,
        ok_statuses: Collection[int],
        label: str,
        idempotent: bool,
    ) -> requests.Response:
        self.limiter.acquire()
        if body.mark is not None:
            body.mark.sending()
        self.stats.count_call(label)
        try:
            response = self.session.request(
                method,
                f"{self.base_url}{path}",
                data=body.data,
                files=body.files,
                params=body.params,
                headers=dict(body.headers) if body.headers else None,
                timeout=self.timeout_seconds,
                # Never follow a redirect: it would carry the key header to wherever it points.
                allow_redirects=False,
            )
        except requests.exceptions.SSLError as exc:
            _not_sent(body)  # the handshake failed: nothing of the request was sent
            raise DeliveryError(
                f"{self.vendor} {method} {label}: TLS certificate verification failed ({_tls_reason(exc)}). "
                "Verification is always on: fix the server's certificate or the CA bundle, or use the vendor's "
                "https URL."
            ) from None
        except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError) as exc:
            # ChunkedEncodingError: the connection dropped in the middle of the answer.
            kind = "timed out" if isinstance(exc, requests.Timeout) else "connection failed"
            description = f"{method} {label} {kind}: {type(exc).__name__}"
            if not idempotent and may_have_been_received(exc):
                raise OutcomeUnknownError(
                    f"{self.vendor} {description}; the request may have been received, so it is not repeated blindly"
                ) from None
            if not may_have_been_received(exc):
                _not_sent(body)
            raise RetryableError(description) from None
        self._observe_budget(response)
        status = response.status_code
        if 300 <= status < 400 and status not in ok_statuses:
            where = self._redact(response.headers.get("Location", "(no Location)"))[:300]
            raise DeliveryError(
                f"{self.vendor} answered HTTP {status} to {method} {label}, redirecting to {where}; redirects are "
                "not followed (they would carry the key elsewhere): check api_url"
            )
        if status < 400 or status in ok_statuses:
            return response
        _not_sent(body)  # refused (4xx), or failed (5xx: sent again as a call that was not taken)
        text = self._redact(response.text)[:MAX_BODY_CHARS]  # redact first: a cut key would not match
        if is_retryable_status(status):
            retry_after = parse_retry_after(response.headers)
            if status == 429:
                self.stats.count_429()
                if retry_after is None:
                    budget = parse_rate_limit_budget(response.headers)
                    retry_after = budget[1] if budget is not None else self.wait_after_bare_429
                if retry_after is not None:
                    self.limiter.hold_off(retry_after)
            raise RetryableError(f"HTTP {status} from {method} {label}: {text}", retry_after=retry_after, status=status)
        if status in (401, 403):
            raise AuthenticationError(
                f"{self.vendor} answered HTTP {status} to {method} {label}: check api_key "
                "(the key is missing, wrong or revoked)"
            )
        explanation = self._explanations.get(status, "")
        message = f"{self.vendor} answered HTTP {status} to {method} {label}: {text}"
        if explanation:
            message = f"{message}. {explanation}"
        raise VendorError(message, status=status, body=text, method=method, path=label)

    def _observe_budget(self, response: requests.Response) -> None:
        budget = parse_rate_limit_budget(response.headers)
        if budget is not None and response.status_code != 429:
            self.limiter.observe_budget(*budget)

    def _on_backoff(self, details: Any) -> None:
        exc = details.get("exception")
        wait = float(details.get("wait") or 0.0)
        self.stats.count_retry(wait)
        self._logger.info(
            "Retrying in %.1fs (attempt %d of %d): %s",
            wait,
            details.get("tries", 0) + 1,
            self.max_retries + 1,
            getattr(exc, "description", type(exc).__name__),
        )


@dataclass(frozen=True)
class _Body:
    """What one request carries besides its method and path."""

    data: bytes | Mapping[str, str] | StreamedBody | None
    files: Mapping[str, tuple[str, bytes, str]] | None
    params: Mapping[str, str] | None
    headers: Mapping[str, str] | None
    mark: SendMark | None = None


def _not_sent(body: _Body) -> None:
    """Tell the call's mark, if any, that this attempt did not arrive."""
    if body.mark is not None:
        body.mark.not_sent()


def may_have_been_received(exc: BaseException) -> bool:
    """False only when the connection failed before anything was sent (refused, connect timeout)."""
    if isinstance(exc, requests.ConnectTimeout):
        return False
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, urllib3.exceptions.NewConnectionError):
            return False
        reason = getattr(current, "reason", None)
        if isinstance(reason, BaseException) and id(reason) not in seen:
            current = reason
            continue
        args = getattr(current, "args", ())
        nested = next((a for a in args if isinstance(a, BaseException)), None)
        current = nested or current.__cause__ or current.__context__
    return True


def _tls_reason(exc: BaseException) -> str:
    """The certificate problem (e.g. `certificate verify failed: self-signed certificate`)."""
    text = str(exc)
    marker = "certificate verify failed"
    if marker in text:
        return text[text.index(marker) :].split(")", 1)[0].rstrip("'\" ")
    return type(exc).__name__
