"""Applying a finishing import to the store, row by row, with the same rules as the JSON endpoints.

CSV cells are text: numbers, integers and booleans are read from it, list fields are
``|``-separated and an empty cell means "not set". A bad row is not applied; its reason is
``<field>: <why>`` (several joined with ``; ``), or ``duplicated code`` for coupons.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .config import SandboxConfig
from .csv_files import COUPON_CODE, CsvFile, ImportSpec, import_spec
from .import_form import ImportOptions
from .imports import ImportOutcome, RowFailure
from .kinds import is_authorised
from .schemas import CONTACT_EMAIL, PRODUCT_ID
from .store import Store, WriteMode
from .validation import REQUIRED

DUPLICATED_CODE = "duplicated code"
UNAUTHORISED_DOMAIN = "Product URL domain is not authorised"


def typed_cells(cells: Mapping[str, str], spec: ImportSpec) -> tuple[dict[str, Any], list[str]]:
    """Read the non-empty cells as their columns' types; return the fields and the reasons of bad ones."""
    fields: dict[str, Any] = {}
    reasons: list[str] = []
    for name, text in cells.items():
        if text == "":
            continue
        value, reason = spec.columns[name].from_text(text)
        if reason is None:
            fields[name] = value
        else:
            reasons.append(f"{name}: {reason}")
    reasons.extend(f"{name}: {REQUIRED}" for name in spec.required if cells.get(name, "") == "")
    return fields, reasons


class RowApplier:
    """Applies the rows of one import type with the import's options."""

    def __init__(self, store: Store, config: SandboxConfig, import_type: str, options: ImportOptions, wall: float):
        """Prepare to apply rows of ``import_type`` at wall-clock time ``wall``."""
        self.store = store
        self.config = config
        self.import_type = import_type
        self.options = options
        self.mode = WriteMode.from_options(options.override_existing, options.update_only_empty_fields)
        self.spec = import_spec(import_type, config.contact_fields)
        self.wall = wall

    def apply(self, header: Sequence[str], row: Sequence[str]) -> str | None:
        """Apply one data row; return ``None`` when applied, else the reason it failed."""
        if len(row) != len(header):
            return f"Row has {len(row)} columns, expected {len(header)}"
        fields, reasons = typed_cells(dict(zip(header, (cell.strip() for cell in row), strict=True)), self.spec)
        if reasons:
            return "; ".join(reasons)
        if self.import_type == "contacts":
            self.store.put_contact(fields.pop(CONTACT_EMAIL), fields, self.wall, self.mode)
        elif self.import_type == "products":
            if not is_authorised(fields["productDetailUrl"], self.config.authorised_domains):
                return f"productDetailUrl: {UNAUTHORISED_DOMAIN}"
            self.store.put_product(fields.pop(PRODUCT_ID), fields, self.wall, self.mode)
        else:
            codes = self.store.coupon_codes(self.options.coupon_set_id or "")
            if codes is None:
                return "couponSetId: Coupon set does not exist"
            if fields[COUPON_CODE] in codes:
                return DUPLICATED_CODE
            codes.append(fields[COUPON_CODE])
        return None


def apply_import(applier: RowApplier, file: CsvFile, *, skip_first: bool = False) -> ImportOutcome:
    """Apply the rows of ``file`` (all but the first with ``skip_first``); return the successes and failures."""
    success = 0
    failures: list[RowFailure] = []
    for row in file.rows[1:] if skip_first else file.rows:
        reason = applier.apply(file.header, row)
        if reason is None:
            success += 1
        else:
            failures.append(RowFailure(row, reason))
    return ImportOutcome(success, failures)
