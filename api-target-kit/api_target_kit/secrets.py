"""Keeping secrets out of every text the kit produces."""

from __future__ import annotations

from collections.abc import Iterable

REDACTED = "***"


class SecretRedactor:
    """Replaces every occurrence of each known secret (4 characters or more) with `***`."""

    def __init__(self, secrets: Iterable[str | None]) -> None:
        self._secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        """Return `text` with every secret replaced."""
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        return text
