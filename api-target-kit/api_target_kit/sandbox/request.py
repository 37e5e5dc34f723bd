"""The API request a sandbox core receives from the HTTP layer, and path helpers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


def api_path(path: str, prefix: str) -> str | None:
    """Return ``path`` below ``prefix`` without trailing ``/``, or ``None`` outside ``prefix``.

    ``api_path("/v1/import/", "/v1") == "/import"``, ``api_path("/v1", "/v1") == "/"``,
    ``api_path("/other", "/v1") is None``; with ``prefix=""`` every path is inside.
    """
    if prefix and path != prefix and not path.startswith(prefix + "/"):
        return None
    return path[len(prefix) :].rstrip("/") or "/"


def lower_case_headers(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Return the header pairs as a dict keyed by lower-cased name; a repeated name keeps its first value."""
    headers: dict[str, str] = {}
    for name, value in pairs:
        headers.setdefault(name.lower(), value)
    return headers


@dataclass(frozen=True)
class ApiRequest:
    """An API request as read by the HTTP layer.

    ``path`` is the full URL path without the query (``/v1/import``); ``query`` is
    ``urllib.parse.parse_qs(..., keep_blank_values=True)`` of the query string; ``headers`` may be
    given in any case (they are stored lower-cased, the first of repeated names wins); ``body`` is
    ``None`` when it was larger than ``max_request_bytes`` (it was discarded unread), and ``size``
    is its length in bytes either way.
    """

    method: str
    path: str
    query: Mapping[str, list[str]] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | None = b""
    size: int = 0

    def __post_init__(self) -> None:
        """Store the headers under lower-cased names."""
        object.__setattr__(self, "headers", lower_case_headers(self.headers.items()))

    def header(self, name: str) -> str | None:
        """Return the value of header ``name`` (case-insensitive), or ``None``."""
        return self.headers.get(name.lower())

    def param(self, name: str) -> str | None:
        """Return the first value of query parameter ``name``, or ``None``."""
        values = self.query.get(name)
        return values[0] if values else None
