"""Admin endpoints under ``/_sandbox``: no auth, no rate limit, no fault injection, not logged."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from .fault_config import FaultConfig
from .jsonbody import InvalidJsonError, parse_json
from .response import Response, message

ADMIN_PREFIX = "/_sandbox"


class AdminBackend(Protocol):
    """What the admin endpoints need from the sandbox core."""

    def snapshot(self) -> dict[str, Any]:
        """Return the stored data."""

    def summary(self) -> dict[str, Any]:
        """Return counts."""

    def request_log(self) -> list[dict[str, Any]]:
        """Return the API request log."""

    def current_faults(self) -> FaultConfig:
        """Return the fault config in force."""

    def set_faults(self, faults: FaultConfig) -> None:
        """Replace the fault config."""

    def reset(self) -> None:
        """Clear the data, the request log and the rate window."""


def is_admin_path(path: str) -> bool:
    """Whether ``path`` belongs to the admin endpoints."""
    return path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/")


def _set_faults(backend: AdminBackend, body: bytes | None) -> Response:
    if body is None:
        return message(416, "request body too large")
    try:
        data = parse_json(body or b"{}")
        faults = FaultConfig.from_dict(data)
    except InvalidJsonError:
        return message(400, "request body is not valid JSON")
    except (TypeError, ValueError) as exc:
        return message(400, str(exc))
    backend.set_faults(faults)
    return Response(200, {"message": "ok", "faults": faults.to_dict()})


def handle_admin(backend: AdminBackend, method: str, path: str, body: bytes | None) -> Response:
    """Answer one admin request."""
    name = path[len(ADMIN_PREFIX) :].rstrip("/")

    def faults() -> dict[str, Any]:
        return backend.current_faults().to_dict()

    getters: dict[str, Callable[[], Any]] = {
        "/data": backend.snapshot,
        "/summary": backend.summary,
        "/requests": backend.request_log,
        "/faults": faults,
    }
    if method == "GET" and name in getters:
        return Response(200, getters[name]())
    if method == "POST" and name == "/faults":
        return _set_faults(backend, body)
    if method == "POST" and name == "/reset":
        backend.reset()
        return message(200, "reset")
    if name in getters or name == "/reset":
        allowed = "GET, POST" if name == "/faults" else ("POST" if name == "/reset" else "GET")
        return message(405, f"method {method} not allowed", (("Allow", allowed),))
    return message(404, "not found")
