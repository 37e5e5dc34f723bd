"""The form fields of ``POST /imports/``: which are required and which values they take."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from .kinds import BOOLEAN, enum
from .multipart import FormPart
from .problems import FieldError
from .validation import REQUIRED

IMPORT_TYPES: tuple[str, ...] = ("contacts", "products", "coupons")
DELIMITERS: tuple[str, ...] = (",", ";")


@dataclass(frozen=True)
class ImportOptions:
    """The ``options`` of an import."""

    delimiter: str
    override_existing: bool
    update_only_empty_fields: bool
    coupon_set_id: str | None = None

    def to_api(self) -> dict[str, object]:
        """Return the JSON form ``{delimiter, overrideExisting, updateOnlyEmptyFields, couponSetId}``."""
        return {
            "delimiter": self.delimiter,
            "overrideExisting": self.override_existing,
            "updateOnlyEmptyFields": self.update_only_empty_fields,
            "couponSetId": self.coupon_set_id,
        }


@dataclass(frozen=True)
class ImportForm:
    """A valid import request: its type, options and the raw CSV file."""

    import_type: str
    options: ImportOptions
    file: bytes


class _Reader:
    """Reads form fields and collects the validation errors."""

    def __init__(self, parts: Mapping[str, FormPart]) -> None:
        self.parts = parts
        self.errors: list[FieldError] = []

    def fail(self, name: str, reason: str) -> None:
        self.errors.append(FieldError(name, f"/{name}", reason))

    def text(self, name: str, required: bool = True) -> str | None:
        part = self.parts.get(name)
        if part is None or part.text.strip() == "":
            if required:
                self.fail(name, REQUIRED)
            return None
        return part.text.strip()

    def choice(self, name: str, options: tuple[str, ...]) -> str:
        value = self.text(name)
        if value is not None and value not in options:
            self.fail(name, enum(*options).check(value) or "")
        return value or ""

    def flag(self, name: str) -> bool:
        value = self.text(name)
        if value is None:
            return False
        parsed, reason = BOOLEAN.from_text(value)
        if reason is not None:
            self.fail(name, reason)
        return parsed is True


def read_import_form(parts: Mapping[str, FormPart], coupon_sets: Collection[str]) -> ImportForm | list[FieldError]:
    """Validate the form fields; return the import request or the 422 errors."""
    reader = _Reader(parts)
    import_type = reader.choice("type", IMPORT_TYPES)
    override = reader.flag("overrideExisting")
    only_empty = reader.flag("updateOnlyEmptyFields")
    if only_empty and not override and all(error.name != "overrideExisting" for error in reader.errors):
        reader.fail("updateOnlyEmptyFields", "May be true only when overrideExisting is true")
    delimiter = reader.choice("delimiter", DELIMITERS)
    coupon_set_id = reader.text("couponSetId", required=import_type == "coupons")
    if import_type == "coupons" and coupon_set_id is not None and coupon_set_id not in coupon_sets:
        reader.fail("couponSetId", "Coupon set does not exist")
    if "file" not in parts:
        reader.fail("file", REQUIRED)
    if reader.errors:
        return reader.errors
    options = ImportOptions(delimiter, override, only_empty, coupon_set_id)
    return ImportForm(import_type, options, parts["file"].data)
