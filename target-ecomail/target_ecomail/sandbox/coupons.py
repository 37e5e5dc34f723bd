"""Coupon codes per folder (folder 0 is the default folder), as ``/coupons/import`` keeps them."""

from __future__ import annotations

import copy
from typing import Any

DEFAULT_FOLDER = 0


class CouponFolders:
    """Codes by folder id, each ``{code, valid_until, imported_at, updated_at}``."""

    def __init__(self) -> None:
        """Start empty."""
        self._folders: dict[int, dict[str, dict[str, Any]]] = {}

    def import_codes(
        self, folder: int, codes: list[str], *, valid_until: str | None, update_existing: bool, now: str
    ) -> tuple[int, int]:
        """Add new codes; a code already there is duplicated (updated only with ``update_existing``).

        Returns ``(imported, duplicated)``.
        """
        stored = self._folders.setdefault(folder, {})
        imported = duplicated = 0
        for code in codes:
            existing = stored.get(code)
            if existing is None:
                stored[code] = {"code": code, "valid_until": valid_until, "imported_at": now, "updated_at": now}
                imported += 1
                continue
            duplicated += 1
            if update_existing:
                existing["valid_until"] = valid_until
                existing["updated_at"] = now
        return imported, duplicated

    def delete_codes(self, folder: int, codes: list[str]) -> tuple[int, int]:
        """Delete codes from a folder; return ``(deleted, invalid)`` (invalid: not found)."""
        stored = self._folders.get(folder, {})
        deleted = sum(1 for code in codes if stored.pop(code, None) is not None)
        return deleted, len(codes) - deleted

    def __len__(self) -> int:
        """The number of codes in every folder."""
        return sum(len(codes) for codes in self._folders.values())

    def snapshot(self) -> dict[str, list[dict[str, Any]]]:
        """Codes by folder id (as text)."""
        return {str(folder): copy.deepcopy(list(codes.values())) for folder, codes in self._folders.items()}

    def clear(self) -> None:
        """Forget every code."""
        self._folders.clear()
