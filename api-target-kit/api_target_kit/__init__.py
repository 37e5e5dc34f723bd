"""Shared delivery kit for Singer targets that load into rate-limited vendor APIs.

Everything here is vendor-agnostic: settings, HTTP with retries, the account-wide rate
limit, batching by count and bytes, routing of streams to entities, validation, the
rejects file, dry runs and the run summary. A vendor package adds its entities,
payload builders and endpoint calls on top.
"""

from api_target_kit.batching import chunk_by_size
from api_target_kit.errors import (
    AuthenticationError,
    ConfigurationError,
    DeliveryError,
    RetriesExhaustedError,
    VendorError,
)
from api_target_kit.http_client import ApiClient
from api_target_kit.rate_limit import RateLimiter
from api_target_kit.sink import EntitySink
from api_target_kit.target import ApiTarget

__all__ = [
    "ApiClient",
    "ApiTarget",
    "AuthenticationError",
    "ConfigurationError",
    "DeliveryError",
    "EntitySink",
    "RateLimiter",
    "RetriesExhaustedError",
    "VendorError",
    "chunk_by_size",
]
