"""``POST /coupons/import`` and ``DELETE /coupons/delete`` (at most 1,000 codes per call, assumed)."""

from __future__ import annotations

from typing import Any

from api_target_kit.sandbox import Response, is_int

from .context import RouteContext
from .coupons import DEFAULT_FOLDER
from .errors import Errors
from .fields import check_date, flag, join, require_kind

#: Not documented; assumed (vendors/ecomail.md §9).
COUPON_CODES_MAX = 1000


def _folder(errors: Errors, body: dict[str, Any]) -> int:
    """``folderId``: a non-negative integer (or digits); absent means the default folder."""
    raw = body.get("folderId")
    if raw is None:
        return DEFAULT_FOLDER
    if is_int(raw) and raw >= 0:
        return int(raw)
    if isinstance(raw, str) and raw.isascii() and raw.isdigit():
        return int(raw)
    errors.wrong_type("folderId", "an integer")
    return DEFAULT_FOLDER


def _codes(errors: Errors, body: dict[str, Any]) -> list[str]:
    """``codes``: a required, non-empty array of at most 1,000 non-empty strings."""
    codes = require_kind(errors, "codes", body.get("codes") or None, list, "an array")
    if codes is None:
        return []
    if len(codes) > COUPON_CODES_MAX:
        errors.too_many("codes", COUPON_CODES_MAX)
        return []
    for index, code in enumerate(codes):
        if not isinstance(code, str) or not code.strip():
            errors.wrong_type(join("codes", index), "a non-empty string")
    return codes


def import_coupons(ctx: RouteContext) -> Response:
    """Import codes into a folder; ``{imported, duplicated, totalCount}``."""
    errors = Errors()
    folder = _folder(errors, ctx.body)
    codes = _codes(errors, ctx.body)
    valid_until = ctx.body.get("valid_until")
    check_date(errors, "valid_until", valid_until)
    update_existing = flag(errors, ctx.body, "update_existing", False)
    if errors:
        return errors.response()
    imported, duplicated = ctx.store.coupons.import_codes(
        folder, codes, valid_until=valid_until, update_existing=update_existing, now=ctx.now
    )
    return Response(200, {"imported": imported, "duplicated": duplicated, "totalCount": len(codes)})


def delete_coupons(ctx: RouteContext) -> Response:
    """Delete codes from a folder; ``{deleted, invalid}`` (invalid: codes not found)."""
    errors = Errors()
    folder = _folder(errors, ctx.body)
    codes = _codes(errors, ctx.body)
    if errors:
        return errors.response()
    deleted, not_there = ctx.store.coupons.delete_codes(folder, codes)
    return Response(200, {"deleted": deleted, "invalid": not_there})
