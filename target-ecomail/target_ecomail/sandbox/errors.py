"""Ecomail's error answers: 422 ``{"errors": {"<field path>": ["<message>"]}}`` and 404 ``{"message"}``.

Messages follow Laravel's wording, with the field path written with spaces for underscores
(``The transaction data may not have more than 1000 items.``).
"""

from __future__ import annotations

from api_target_kit.sandbox import Response, message


def label(path: str) -> str:
    """The field path as Laravel writes it in a message (underscores become spaces)."""
    return path.replace("_", " ")


class Errors:
    """Validation errors collected for one request, keyed by field path, in the order found."""

    def __init__(self) -> None:
        """Start with no error."""
        self.fields: dict[str, list[str]] = {}

    def __bool__(self) -> bool:
        """Tell whether any error was found."""
        return bool(self.fields)

    def add(self, path: str, text: str) -> None:
        """Record ``text`` against ``path``."""
        self.fields.setdefault(path, []).append(text)

    def required(self, path: str) -> None:
        """Record that ``path`` is missing."""
        self.add(path, f"The {label(path)} field is required.")

    def wrong_type(self, path: str, kind: str) -> None:
        """Record that ``path`` is not of the expected kind (``"a string"``, ``"an array"``...)."""
        self.add(path, f"The {label(path)} must be {kind}.")

    def invalid_choice(self, path: str) -> None:
        """Record that ``path`` is not one of the allowed values."""
        self.add(path, f"The selected {label(path)} is invalid.")

    def too_many(self, path: str, limit: int) -> None:
        """Record that the array at ``path`` has more than ``limit`` items."""
        self.add(path, f"The {label(path)} may not have more than {limit} items.")

    def response(self) -> Response:
        """Return the 422 answer."""
        return Response(422, {"errors": self.fields})


def invalid(path: str, text: str) -> Response:
    """Return a 422 answer with one error."""
    return Response(422, {"errors": {path: [text]}})


def not_found(what: str) -> Response:
    """Return 404 ``{"message": "<what> not found"}``."""
    return message(404, f"{what} not found")
