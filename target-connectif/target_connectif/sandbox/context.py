"""What an endpoint handler gets: the state, the request, its parsed body and the clocks."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from api_target_kit.sandbox import ApiRequest, FaultInjector, Response

from .config import SandboxConfig
from .imports import ImportRegistry
from .kinds import BOOLEAN
from .problems import field_problem
from .store import Store


@dataclass(frozen=True)
class Call:
    """One API call being answered (the sandbox lock is held)."""

    store: Store
    imports: ImportRegistry
    config: SandboxConfig
    faults: FaultInjector
    request: ApiRequest
    body: Any
    now: float
    wall: float

    @property
    def base_url(self) -> str:
        """Return ``http://<Host header>``: the sandbox as the client reached it."""
        return "http://" + (self.request.header("host") or "127.0.0.1")

    def flag(self, name: str, default: bool) -> bool | Response:
        """Read boolean query parameter ``name`` (``true``/``false``); a 422 when it is anything else."""
        raw = self.request.param(name)
        if raw is None:
            return default
        value, reason = BOOLEAN.from_text(raw)
        if reason is not None:
            return field_problem(name, reason)
        return bool(value)


Handler = Callable[[Call, tuple[str, ...]], Response]
"""An endpoint: gets the call and the (percent-decoded) path parameters."""


def resource(status: int, record: Mapping[str, Any]) -> Response:
    """Answer with a deep copy of a stored record (the body is encoded after the lock is released)."""
    return Response(status, copy.deepcopy(dict(record)))


def no_content() -> Response:
    """Answer ``204 No Content``."""
    return Response(204, b"", content_type="text/plain")


def page(results: list[Any]) -> Response:
    """Answer a list resource: ``{"links": {"next": null, "prev": null}, "results": [...]}`` (one page)."""
    return Response(200, {"links": {"next": None, "prev": None}, "results": results})
