"""HTTP to the vendor: one `requests.Session`, the shared rate limit, retries, clear errors."""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from typing import Any

import backoff
import requests

from api_target_kit.api_stats import ApiStats
from api_target_kit.errors import AuthenticationError, RetriesExhaustedError, VendorError
from api_target_kit.rate_limit import RateLimiter
from api_target_kit.retry_policy import (
    RetryableError,
    is_retryable_status,
    parse_retry_after,
    retry_waits,
)
from api_target_kit.secrets import SecretRedactor

#: How much of an error body goes into messages and reject reasons.
MAX_BODY_CHARS = 2000


class ApiClient:
    """Sends requests to one vendor account, within its rate limit, retrying faults.

    - every attempt first takes a slot from the shared `RateLimiter`;
    - 429, 5xx, dropped connections and timeouts are retried up to `max_retries` times,
      honouring `Retry-After`;
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
        data: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        ok_statuses: Collection[int] = (),
        endpoint: str | None = None,
    ) -> requests.Response:
        """Send one logical request (retried as needed) and return the final response."""
        label = endpoint or path
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
            return send(method, path, json_body, data, headers, ok_statuses, label)
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
        json_body: Any,
        data: bytes | None,
        headers: Mapping[str, str] | None,
        ok_statuses: Collection[int],
        label: str,
    ) -> requests.Response:
        self.limiter.acquire()
        self.stats.count_call(label)
        try:
            response = self.session.request(
                method,
                f"{self.base_url}{path}",
                json=json_body,
                data=data,
                headers=dict(headers) if headers else None,
                timeout=self.timeout_seconds,
            )
        except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError) as exc:
            # ChunkedEncodingError: the connection dropped in the middle of the answer.
            kind = "timed out" if isinstance(exc, requests.Timeout) else "connection failed"
            raise RetryableError(f"{method} {label} {kind}: {type(exc).__name__}") from None
        status = response.status_code
        if status < 400 or status in ok_statuses:
            return response
        body = self._redact(response.text)[:MAX_BODY_CHARS]  # redact first: a cut key would not match
        if is_retryable_status(status):
            retry_after = parse_retry_after(response.headers)
            if status == 429:
                self.stats.count_429()
                if retry_after is None:
                    retry_after = self.wait_after_bare_429
                if retry_after is not None:
                    self.limiter.hold_off(retry_after)
            raise RetryableError(f"HTTP {status} from {method} {label}: {body}", retry_after=retry_after, status=status)
        if status in (401, 403):
            raise AuthenticationError(
                f"{self.vendor} answered HTTP {status} to {method} {label}: check api_key "
                "(the key is missing, wrong or revoked)"
            )
        explanation = self._explanations.get(status, "")
        message = f"{self.vendor} answered HTTP {status} to {method} {label}: {body}"
        if explanation:
            message = f"{message}. {explanation}"
        raise VendorError(message, status=status, body=body, method=method, path=label)

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
