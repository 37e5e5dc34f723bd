"""Ecomail's error bodies turned into reject reasons (vendors/ecomail.md §7)."""

from __future__ import annotations

from typing import Any

from api_target_kit.errors import VendorError


def refusal_reason(exc: VendorError) -> str:
    """`Ecomail refused it (HTTP 422): field 'email': must be a valid email` from `{"errors": {...}}`."""
    body: Any = exc.json()
    details: list[str] = []
    if isinstance(body, dict):
        errors = body.get("errors")
        if isinstance(errors, dict):
            for field, messages in errors.items():
                texts = messages if isinstance(messages, list) else [messages]
                details.append(f"field '{field}': {'; '.join(str(t) for t in texts)}")
        elif body.get("message"):
            details.append(str(body["message"]))
    detail = ", ".join(details) if details else exc.body[:300]
    return f"Ecomail refused it (HTTP {exc.status} from {exc.method} {exc.path}): {detail}"
