"""Import CSV files: decoding (UTF-8), splitting into rows, and the header rules of each import type."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass

from .kinds import EMAIL, STRING, Kind
from .schemas import CONTACT_EMAIL, PRODUCT_FIELDS, PRODUCT_ID, contact_fields

COUPON_CODE = "code"
PRODUCT_IMPORT_REQUIRED: tuple[str, ...] = (PRODUCT_ID, "productDetailUrl", "name", "unitPrice")


class CsvError(ValueError):
    """The file cannot be read as a UTF-8 CSV with a header row; the message is the 422 reason."""


@dataclass(frozen=True)
class CsvFile:
    """A header row of field ids and the data rows (completely empty lines are left out)."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class ImportSpec:
    """The columns an import type accepts (with their types) and the ones it requires.

    A coupons import accepts exactly one column, ``code``.
    """

    columns: Mapping[str, Kind]
    required: tuple[str, ...]


def import_spec(import_type: str, custom_contact_fields: Mapping[str, str]) -> ImportSpec:
    """Return the column rules of ``contacts``, ``products`` or ``coupons``."""
    if import_type == "contacts":
        return ImportSpec({CONTACT_EMAIL: EMAIL, **contact_fields(custom_contact_fields)}, (CONTACT_EMAIL,))
    if import_type == "products":
        return ImportSpec({PRODUCT_ID: STRING, **PRODUCT_FIELDS}, PRODUCT_IMPORT_REQUIRED)
    return ImportSpec({COUPON_CODE: STRING}, (COUPON_CODE,))


def read_csv(data: bytes, delimiter: str) -> CsvFile:
    """Decode and split ``data``; raise :class:`CsvError` for non-UTF-8, broken CSV or no header."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CsvError("File must be UTF-8 encoded") from exc
    try:
        records = [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True) if row]
    except csv.Error as exc:
        raise CsvError(f"File is not valid CSV: {exc}") from exc
    if not records:
        raise CsvError("File has no header row")
    header = tuple(cell.strip() for cell in records[0])
    return CsvFile(header, tuple(tuple(row) for row in records[1:]))


def header_errors(header: tuple[str, ...], spec: ImportSpec) -> list[str]:
    """Return why ``header`` does not suit ``spec`` (empty when it does)."""
    errors: list[str] = []
    seen: set[str] = set()
    for position, name in enumerate(header, start=1):
        if not name:
            errors.append(f"Column {position} has no name")
        elif name in seen:
            errors.append(f"Column {name} appears more than once")
        elif name not in spec.columns:
            errors.append(f"Unknown column {name}")
        seen.add(name)
    errors.extend(f"Column {name} is required" for name in spec.required if name not in seen)
    return errors
