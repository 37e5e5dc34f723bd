"""Connectif's problem-details errors turned into reject reasons (vendors/connectif.md §10.2)."""

from __future__ import annotations

from typing import Any

from api_target_kit.errors import VendorError

#: The record field each documented custom error is about (vendors/connectif.md §10.3).
CODE_FIELDS = {
    "E0101": "contactEmail",
    "E0102": "products",
    "E0103": "products",
    "E0201": "productDetailUrl",
    "E0501": "email",
}


def error_code(exc: VendorError) -> str | None:
    """The custom error code (`E0101`, ...) of a 400, if any."""
    body: Any = exc.json()
    if isinstance(body, dict) and isinstance(body.get("code"), str):
        return str(body["code"])
    return None


def refusal_reason(exc: VendorError) -> str:
    """`Connectif refused it (HTTP 400 E0101 from POST /purchases/): Contact does not exist; ...`."""
    body: Any = exc.json()
    status = f"HTTP {exc.status}"
    parts: list[str] = []
    prefix = ""
    if isinstance(body, dict):
        if body.get("code"):
            status = f"{status} {body['code']}"
            if body["code"] in CODE_FIELDS:
                prefix = f"field '{CODE_FIELDS[body['code']]}': "
        detail = body.get("detail") or body.get("title")
        if detail:
            parts.append(str(detail))
        for error in body.get("validationErrors") or []:
            if isinstance(error, dict):
                parts.append(f"field '{error.get('name')}': {error.get('reason')}")
        for extra in ("productIds", "allowedDomains"):
            if body.get(extra):
                parts.append(f"{extra}: {body[extra]}")
    text = prefix + "; ".join(parts) if parts else exc.body[:300]
    return f"Connectif refused it ({status} from {exc.method} {exc.path}): {text}"
