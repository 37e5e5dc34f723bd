"""Errors the kit raises. Every message is safe to log: no API key ever goes in one."""

from __future__ import annotations

import json
from typing import Any


class DeliveryError(Exception):
    """A batch could not be delivered; the run must stop without emitting STATE."""


class ConfigurationError(DeliveryError):
    """A setting is missing, malformed or unsafe (for example plain http to a remote host)."""


class AuthenticationError(DeliveryError):
    """The vendor refused the credentials (HTTP 401/403). Retrying cannot help."""


class VendorError(DeliveryError):
    """The vendor answered with a status we do not retry.

    Carries the status and the body text so that callers can turn it into a reject
    reason or a clear error message.
    """

    def __init__(self, message: str, *, status: int, body: str, method: str, path: str) -> None:
        super().__init__(message)
        self.status = status
        self.body = body
        self.method = method
        self.path = path

    def json(self) -> Any:
        """The error body parsed as JSON, or None when it is not JSON (or was cut short)."""
        try:
            return json.loads(self.body)
        except ValueError:
            return None


class OutcomeUnknownError(DeliveryError):
    """A request that is not safe to repeat may have reached the vendor before the connection failed.

    Raised instead of retrying for calls sent with `idempotent=False` (e.g. creating a
    purchase): the caller must check whether the vendor acted before sending it again.
    """


class RetriesExhaustedError(DeliveryError):
    """A request kept failing with retryable errors until `max_retries` ran out."""


class UnknownStreamError(DeliveryError):
    """A stream maps to no entity and `unknown_streams` is `fail`."""


class TooManyRejectsError(DeliveryError):
    """More records were rejected than `max_rejected_records` allows."""


class RejectsFileError(DeliveryError):
    """The rejects file could not be written (a full disk, no permission): no STATE may pass the record."""
