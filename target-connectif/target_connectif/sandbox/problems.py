"""Connectif's error bodies: problem details, 422 validation errors, custom ``E0xxx`` errors, 401."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from api_target_kit.sandbox import Headers, Response

VALIDATION_TITLE = "Unprocessable entity"
VALIDATION_DETAIL = "One or more validation error occurred."
RATE_LIMIT_DETAIL = "Requests rate limit reached"


@dataclass(frozen=True)
class FieldError:
    """One entry of ``validationErrors``: the field's name, its JSON pointer and why it failed."""

    name: str
    path: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        """Return the JSON form ``{"name", "path", "reason"}``."""
        return {"name": self.name, "path": self.path, "reason": self.reason}


def title_for(status: int) -> str:
    """Return the problem title of ``status`` (the HTTP reason phrase; Connectif's own for 422)."""
    if status == 422:
        return VALIDATION_TITLE
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def problem(status: int, detail: str, headers: Headers = (), **extra: Any) -> Response:
    """Build a problem-details response ``{"status", "title", "detail", **extra}``."""
    return Response(status, {"status": status, "title": title_for(status), "detail": detail, **extra}, headers)


def custom_error(code: str, detail: str, **extra: Any) -> Response:
    """Build a custom Connectif error: 400 with ``code`` (such as ``E0101``) and any extra fields."""
    return problem(400, detail, code=code, **extra)


def validation_problem(errors: Iterable[FieldError]) -> Response:
    """Build the 422 body with its ``validationErrors`` list."""
    return problem(422, VALIDATION_DETAIL, validationErrors=[error.to_dict() for error in errors])


def field_problem(name: str, reason: str) -> Response:
    """Build a 422 for a single top-level field (its path is ``/<name>``)."""
    return validation_problem([FieldError(name, f"/{name}", reason)])


def rate_limited() -> Response:
    """Build the 429 Connectif sends over the limit: problem details, no ``Retry-After``."""
    return problem(429, RATE_LIMIT_DETAIL)


def unauthorized() -> Response:
    """Build the 401: the plain-text body ``Unauthorized`` (not JSON)."""
    return Response(401, b"Unauthorized", content_type="text/plain; charset=utf-8")


def not_found(what: str) -> Response:
    """Build a 404 problem for a missing resource, such as ``Contact not found``."""
    return problem(404, f"{what} not found")
