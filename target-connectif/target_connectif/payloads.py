"""Records -> Connectif JSON bodies and CSV rows (vendors/connectif.md §2-§7)."""

from __future__ import annotations

import datetime as dt
import decimal
import json
from collections.abc import Callable, Mapping
from typing import Any

from api_target_kit.dates import is_canonical_utc, to_utc_z, utc_z_text
from api_target_kit.records import is_vendor_field, vendor_fields
from target_connectif.entities import EVENT_ALIAS_FIELD, PRODUCT_FIELDS, PURCHASE_FIELDS

#: List fields of an import CSV are `|`-separated (support Product-import).
CSV_LIST_SEPARATOR = "|"
PRODUCT_NUMBERS = ("unitPrice", "unitPriceOriginal", "unitPriceWithoutVAT", "discountedAmount", "rating")
LINE_NUMBERS = ("unitPrice", "unitPriceOriginal", "unitPriceWithoutVAT", "discountedAmount", "price", "rating")


#: Values JSON and CSV take as they are (most values: checked first, by exact type).
_AS_IS = frozenset((str, int, float, bool, list, dict, type(None)))


def _json_value(value: Any) -> Any:
    if type(value) in _AS_IS:
        return value
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.datetime):
        return to_utc_z(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _number(value: Any) -> Any:
    if isinstance(value, str):
        return float(decimal.Decimal(value.strip()))
    return _json_value(value)


def _date_time(value: Any) -> Any:
    text = utc_z_text(value)  # text already in that form as it is
    return value if text is None else text


def contact_body(record: dict[str, Any]) -> dict[str, Any]:
    """`PATCH /contacts/email/{email}` body: every field but the e-mail (system fields and custom ids)."""
    body = {k: _json_value(v) for k, v in vendor_fields(record).items() if k != "_email" and v is not None}
    if "_birthdate" in body:
        body["_birthdate"] = _date_time(body["_birthdate"])
    return body


#: Columns up to which `ContactRows.encoder` compiles a row's encoder.
COMPILED_COLUMNS = 64


class ContactRows:
    """Contacts as import rows straight from their records: the cells `contact_body` would give.

    A row's cells are `csv_cell(contact_body(record).get(column))` for each column, built
    without the body or a copy of the record: every column is a field of the record, and
    `csv_cell` of the body's value is `csv_cell` of the record's (`_json_value` changes no
    cell), except `_birthdate`, whose cell is that of `_date_time` (text already in the UTC `Z`
    form is the cell as it is).
    """

    key_field = "_email"
    date_field = "_birthdate"

    def sends(self, name: str) -> bool:
        """True if a field of this name is in the body when it has a value (so a column of the file)."""
        return name != self.key_field and is_vendor_field(name)

    def encoder(self, columns: tuple[str, ...]) -> Callable[[dict[str, Any], str], list[str]]:
        """`cells(record, key_text)`: the key cell, then the record's cells for `columns` (the sent fields).

        Up to `COMPILED_COLUMNS` columns it is compiled for them (as fastjsonschema compiles a
        validator): one statement per column, no loop; the names are read from the `columns`
        tuple, never written into the code. Past that, a loop (a compile per new column would
        cost more than it saves).
        """
        date_at = columns.index(self.date_field) if self.date_field in columns else -1
        if len(columns) > COMPILED_COLUMNS:
            date_field = self.date_field

            def cells(record: dict[str, Any], key_text: str) -> list[str]:
                row = [key_text, *[v if type(v) is str else csv_cell(v) for v in map(record.get, columns)]]
                if date_at >= 0:
                    row[date_at + 1] = _date_cell(record.get(date_field))
                return row

            return cells
        lines = ["def cells(record, key_text):", "    get = record.get"]
        lines += [f"    v{at} = get(columns[{at}])" for at in range(len(columns))]
        # text as it is; `csv_cell` of an int or None written out (`str`, empty): the common cells
        items = [
            f'v{at} if type(v{at}) is str else str(v{at}) if type(v{at}) is int else "" if v{at} is None else csv_cell(v{at})'
            for at in range(len(columns))
        ]
        if date_at >= 0:
            items[date_at] = f"date_cell(v{date_at})"
        lines.append(f"    return [key_text, {', '.join(items)}]")
        scope: dict[str, Any] = {"columns": columns, "csv_cell": csv_cell, "date_cell": _date_cell}
        exec("\n".join(lines), scope)  # noqa: S102 - code made above from indexes only
        compiled: Callable[[dict[str, Any], str], list[str]] = scope["cells"]
        return compiled


def _date_cell(value: Any) -> str:
    """The cell of `contact_body`'s `_birthdate`: `_date_time` of the value (UTC `Z` text as it is)."""
    if value is None or (type(value) is str and is_canonical_utc(value)):
        return "" if value is None else value
    return csv_cell(_date_time(_json_value(value)))


def product_body(record: dict[str, Any]) -> dict[str, Any]:
    """`PATCH /products/product-id/{id}` body: the documented product fields."""
    body = {k: _json_value(record[k]) for k in PRODUCT_FIELDS if record.get(k) is not None}
    for name in PRODUCT_NUMBERS:
        if name in body:
            body[name] = _number(body[name])
    if "publishedAt" in body:
        body["publishedAt"] = _date_time(body["publishedAt"])
    return body


def unknown_product_fields(record: dict[str, Any]) -> list[str]:
    """Fields that are not Connectif product fields (not sent)."""
    known = {*PRODUCT_FIELDS, "productId"}
    return sorted(k for k in vendor_fields(record) if k not in known)


def purchase_body(record: dict[str, Any]) -> dict[str, Any]:
    """`POST /purchases/` body: amounts as numbers, dates in UTC."""
    body = {k: _json_value(record[k]) for k in PURCHASE_FIELDS if record.get(k) is not None}
    body["purchaseId"] = str(body["purchaseId"])
    body["totalPrice"] = _number(body["totalPrice"])
    if "purchaseDate" in body:
        body["purchaseDate"] = _date_time(body["purchaseDate"])
    lines = []
    for line in record.get("products") or []:
        sent = {k: _json_value(v) for k, v in line.items() if v is not None}
        sent["productId"] = str(sent["productId"])
        for name in LINE_NUMBERS:
            if name in sent:
                sent[name] = _number(sent[name])
        lines.append(sent)
    body["products"] = lines
    return body


def custom_event_body(record: dict[str, Any]) -> dict[str, Any]:
    """The event's fields (the alias field, if any, is the address, not data)."""
    return {k: _json_value(v) for k, v in vendor_fields(record).items() if k != EVENT_ALIAS_FIELD and v is not None}


def csv_cell(value: Any) -> str:
    """A CSV cell: lists `|`-separated, booleans `true`/`false`, dates ISO-8601 UTC, empty for null."""
    kind = type(value)
    if kind is str:
        text: str = value
        return text
    if kind is int or kind is float:
        return str(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return CSV_LIST_SEPARATOR.join(csv_cell(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    value = _json_value(value)
    return str(value)


def record_from_csv_row(row: Mapping[str, str], schema: dict[str, Any]) -> dict[str, Any]:
    """An import CSV row (column -> cell) back as a record (the inverse of `csv_cell`), typed by `schema`.

    Empty cells are left out (the record had null or no value there). For a rejects file that
    replays: what a row does not show (nulls, fields that are not sent) is not brought back.
    """
    properties = schema.get("properties") or {}
    return {name: value_from_csv_cell(text, properties.get(name) or {}) for name, text in row.items() if text != ""}


def value_from_csv_cell(text: str, prop: dict[str, Any]) -> Any:
    """A cell as the value the schema property `prop` declares; the text itself if it is not one."""
    types, items = _json_types(prop)
    if "array" in types:
        return [value_from_csv_cell(part, items) for part in text.split(CSV_LIST_SEPARATOR)]
    if "object" in types and text.startswith("{"):
        try:
            return json.loads(text)
        except ValueError:
            return text
    if "string" in types:
        return text
    if "boolean" in types and text in ("true", "false"):
        return text == "true"
    if "integer" in types or "number" in types:
        for number in (int, float):
            try:
                return number(text)
            except ValueError:
                continue
    return text


def _json_types(prop: dict[str, Any]) -> tuple[set[str], dict[str, Any]]:
    """The JSON types `prop` allows (`type`, `anyOf`/`oneOf`) and the schema of its array items."""
    declared = prop.get("type")
    types = {declared} if isinstance(declared, str) else set(declared or ())
    items: dict[str, Any] = prop.get("items") or {}
    for variant in (*prop.get("anyOf", ()), *prop.get("oneOf", ())):
        if isinstance(variant, dict):
            more, more_items = _json_types(variant)
            types |= more
            items = items or more_items
    return types, items
