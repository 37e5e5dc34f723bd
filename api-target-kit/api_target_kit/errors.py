"""Errors the kit raises. Every message is safe to log: no API key ever goes in one."""

from __future__ import annotations


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


class RetriesExhaustedError(DeliveryError):
    """A request kept failing with retryable errors until `max_retries` ran out."""


class UnknownStreamError(DeliveryError):
    """A stream maps to no entity and `unknown_streams` is `fail`."""


class TooManyRejectsError(DeliveryError):
    """More records were rejected than `max_rejected_records` allows."""
