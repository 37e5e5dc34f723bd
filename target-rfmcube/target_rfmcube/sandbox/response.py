"""The response value passed from request handling to the HTTP layer."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Response:
    """A JSON response: status code, JSON-ready body and extra headers."""

    status: int
    body: Any
    headers: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    def encode(self) -> bytes:
        """Encode the body as UTF-8 JSON."""
        return json.dumps(self.body, ensure_ascii=False).encode("utf-8")


def message(status: int, text: str, headers: tuple[tuple[str, str], ...] = ()) -> Response:
    """Build an error or acknowledgement body of the form ``{"message": text}``."""
    return Response(status, {"message": text}, headers)
