"""The response value passed from a sandbox core to the HTTP layer."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any

from .jsonbody import JSON_TYPE

Headers = tuple[tuple[str, str], ...]
"""Extra response headers as ``(name, value)`` pairs, sent in this order."""


@dataclass(frozen=True)
class Response:
    """A response: status code, body, extra headers and the Content-Type.

    ``body`` is JSON-encoded, unless it is ``bytes``: then it is sent as it is (a CSV download,
    a ``text/plain`` error...), with ``content_type`` saying what it is.
    """

    status: int
    body: Any
    headers: Headers = ()
    content_type: str = JSON_TYPE

    def encode(self) -> bytes:
        """Return the body bytes: raw ``bytes`` as they are, anything else as UTF-8 JSON."""
        if isinstance(self.body, bytes):
            return self.body
        return json.dumps(self.body, ensure_ascii=False).encode("utf-8")

    def with_headers(self, *headers: tuple[str, str]) -> Response:
        """Return a copy with ``headers`` appended (for :meth:`SandboxCore.decorate`)."""
        return dataclasses.replace(self, headers=self.headers + headers)


def message(status: int, text: str, headers: Headers = ()) -> Response:
    """Build an error or acknowledgement body of the form ``{"message": text}``."""
    return Response(status, {"message": text}, headers)
