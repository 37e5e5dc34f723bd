"""Checking records against what the vendor needs, with a compiled JSON Schema.

`EntityValidator` plugs into the SDK's `Sink.get_validator` hook. It does not raise on a
bad record (the SDK would stop the run); it remembers why the record fails, together with
an untouched copy, so the sink can write it to the rejects file with a reason that names
the field.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import fastjsonschema
from singer_sdk.sinks.core import BaseJSONSchemaValidator

from api_target_kit.dates import is_datetime_string
from api_target_kit.quick_check import quick_check

#: `local@domain.tld`: printable ASCII without spaces or a second `@` before it, dot-separated
#: labels after it (no empty label, so no leading, trailing or double dot), a top-level
#: domain of 2+ characters; at most 254 characters (RFC 5321). Unicode e-mails are refused:
#: the vendors match and deliver plain ASCII addresses (IDN domains go in their xn-- form).
_EMAIL = re.compile(r"[!-?A-~]+@(?:[A-Za-z0-9_-]+\.)+[A-Za-z0-9-]{2,}")
MAX_EMAIL_LENGTH = 254
_DECIMAL = re.compile(r"^-?\d+(\.\d+)?$")


def is_email(value: str) -> bool:
    """The `email` format check."""
    return len(value) <= MAX_EMAIL_LENGTH and _EMAIL.fullmatch(value) is not None


FORMATS: dict[str, Any] = {
    "date-time": is_datetime_string,
    "email": is_email,
    "decimal": lambda value: bool(_DECIMAL.match(value)),
}

#: JSON Schema of a date-time the kit can read (string forms only; parsed values pass).
DATETIME: dict[str, Any] = {"type": "string", "format": "date-time"}
#: A JSON number or a dot-decimal string.
AMOUNT: dict[str, Any] = {"anyOf": [{"type": "number"}, {"type": "string", "format": "decimal"}]}
EMAIL: dict[str, Any] = {"type": "string", "format": "email"}
ID: dict[str, Any] = {"type": ["string", "integer"], "minLength": 1}


@dataclass(frozen=True)
class EntityRules:
    """What a record of an entity must carry.

    `schema` is the JSON Schema for records to upsert (required fields and their types).
    `delete_keys`: a delete needs at least one of these; empty if the entity has no delete.
    `checks`: further rules a schema cannot say (limits, key collisions); each returns a
    reject reason naming the field, or None. They run after the schema passed.
    """

    schema: dict[str, Any]
    delete_keys: tuple[str, ...] = ()
    deleted_field: str = "_sdc_deleted_at"
    checks: tuple[Callable[[dict[str, Any]], str | None], ...] = ()


@dataclass
class Failure:
    """Why a record is rejected, and the record as it arrived."""

    record: dict[str, Any] = field(repr=False)
    reason: str
    original: dict[str, Any] = field(repr=False)


def _datetime_fields(stream_schema: dict[str, Any]) -> list[str]:
    fields = []
    for name, prop in (stream_schema.get("properties") or {}).items():
        if not isinstance(prop, dict):
            continue
        variants = prop.get("anyOf") or [prop]
        if any(isinstance(v, dict) and v.get("format") == "date-time" for v in variants):
            fields.append(name)
    return fields


def unsendable_value(record: dict[str, Any]) -> str | None:
    r"""A reason naming the field when a value cannot travel as JSON text, else None.

    NaN and infinite numbers (and numbers beyond a float's range) have no JSON form, and text
    holding a lone surrogate (a `\ud800` escape, or input bytes that were not UTF-8) cannot
    be encoded: either would make the whole request fail. Nested values are walked too.
    """
    if _plainly_sendable(record.values()):
        return None
    stack: list[tuple[str, Any]] = list(record.items())
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if not _is_unicode(value):
                return f"field '{path}' is not valid Unicode text (a lone surrogate, or input bytes that are not UTF-8)"
        elif isinstance(value, (float, decimal.Decimal, int)) and not isinstance(value, bool):
            if not _is_finite(value):
                shown = str(value) if len(str(value)) <= 40 else f"{str(value)[:37]}..."
                return f"field '{path}' is not a finite number that JSON can carry: {shown}"
        elif isinstance(value, dict):
            for key, item in value.items():
                if not _is_unicode(str(key)):
                    return f"field '{path}' has a key that is not valid Unicode text"
                stack.append((f"{path}.{key}", item))
        elif isinstance(value, list):
            stack.extend((f"{path}[{index}]", item) for index, item in enumerate(value))
    return None


#: Numbers below this size are finite as floats (an int beyond a float's range is not).
_FLOAT_SAFE_INT = 2**1000


def _plainly_sendable(values: Any, depth: int = 0) -> bool:
    """The common case, checked fast: Unicode text, small integers, finite floats, null, booleans.

    False means "walk it properly" (`unsendable_value` then names the field, if any).
    """
    for value in values:
        kind = type(value)
        if kind is str:
            if not _is_unicode(value):
                return False
        elif kind is int:
            if not -_FLOAT_SAFE_INT < value < _FLOAT_SAFE_INT:
                return False
        elif kind is float:
            if value - value != 0.0:  # NaN or infinite
                return False
        elif kind is dict:
            if depth > _MAX_FAST_DEPTH or not all(type(k) is str and _is_unicode(k) for k in value):
                return False
            if not _plainly_sendable(value.values(), depth + 1):
                return False
        elif kind is list:
            if depth > _MAX_FAST_DEPTH or not _plainly_sendable(value, depth + 1):
                return False
        elif value is not None and kind is not bool:
            return False
    return True


_MAX_FAST_DEPTH = 20


def _is_unicode(text: str) -> bool:
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _is_finite(number: float | decimal.Decimal | int) -> bool:
    try:
        return math.isfinite(float(number))
    except OverflowError:  # an integer beyond a float's range
        return False


def describe_error(exc: fastjsonschema.JsonSchemaValueException, record: dict[str, Any]) -> str:
    """A reject reason naming the field: `missing required field 'email'`, ..."""
    name = (exc.name or "data").removeprefix("data").lstrip(".")
    if exc.rule == "required":
        required = (exc.rule_definition or []) if isinstance(exc.rule_definition, list) else []
        missing = [f for f in required if f not in record]
        if missing:
            return f"missing required field '{missing[0]}'"
    if not name:
        return f"record: {exc.message}"
    if exc.value is None:
        return f"field '{name}' is null"
    shown = repr(exc.value)
    if len(shown) > 80:
        shown = shown[:77] + "..."
    if exc.rule in ("format", "anyOf"):
        wanted = _wanted_format(exc.definition)
    else:
        wanted = None
    if wanted:
        return f"field '{name}' is not {_format_name(wanted)}: {shown}"
    allowed = _allowed_values(exc.definition) if exc.rule in ("enum", "anyOf") else None
    if allowed is not None:
        return f"field '{name}' is not one of the allowed values ({', '.join(map(repr, allowed))}): {shown}"
    detail = exc.message.replace("data.", "", 1).replace("data ", "record ", 1)
    types = _wanted_types(exc.definition) if exc.rule == "anyOf" else []
    if types:  # rather than "cannot be validated by any definition"
        detail = f"{name} must be {' or '.join(types)}"
    return f"field '{name}' is invalid ({detail}): {shown}"


def _wanted_types(definition: Any) -> list[str]:
    """The JSON types an anyOf definition accepts (`["null", "string"]`), or [] if a variant says none."""
    found: list[str] = []
    variants = (definition.get("anyOf") or []) if isinstance(definition, dict) else []
    for variant in variants:
        if not isinstance(variant, dict):
            return []
        kinds = variant.get("type") or _wanted_types(variant)
        if not kinds:
            return []
        found += [kinds] if isinstance(kinds, str) else list(kinds)
    return sorted(set(found))


def _allowed_values(definition: Any) -> list[Any] | None:
    """The values an `enum` (possibly an optional one: anyOf null or enum) allows, else None."""
    if not isinstance(definition, dict):
        return None
    if isinstance(definition.get("enum"), list):
        return list(definition["enum"])
    for variant in definition.get("anyOf") or []:
        allowed = _allowed_values(variant)
        if allowed is not None:
            return allowed
    return None


def _wanted_format(definition: Any) -> str | None:
    """The format a (possibly anyOf) definition asks for, if it asks for one."""
    if not isinstance(definition, dict):
        return None
    if definition.get("format"):
        return str(definition["format"])
    for variant in definition.get("anyOf") or []:
        wanted = _wanted_format(variant)  # e.g. an optional amount: anyOf null or AMOUNT
        if wanted:
            return wanted
    return None


def _format_name(fmt: str) -> str:
    return {
        "date-time": "a valid date-time (ISO-8601)",
        "email": "a valid email address",
        "decimal": "a number or a dot-decimal string",
    }.get(fmt, fmt)


def null_last(schema: Any) -> Any:
    """`schema` with `{"type": "null"}` moved to the end of every `anyOf`.

    fastjsonschema tries `anyOf` variants in order and raises (and catches) an exception for
    each one that fails: with null first, every present optional value paid for one. The
    variants accept the same values in any order, so only the speed changes.
    """
    if isinstance(schema, list):
        return [null_last(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: null_last(value) for key, value in schema.items()}
    variants = out.get("anyOf")
    if isinstance(variants, list):
        out["anyOf"] = [v for v in variants if v != _NULL] + [v for v in variants if v == _NULL]
    return out


_NULL = {"type": "null"}


class EntityValidator(BaseJSONSchemaValidator):
    """Compiled check of records against their entity's rules; remembers failures."""

    def __init__(self, rules: EntityRules, stream_schema: dict[str, Any]) -> None:
        upsert = dict(rules.schema)
        props = dict(upsert.get("properties") or {})
        # Every date-time field of the tap's schema must be readable, or the SDK's own
        # parsing would stop the run on it: check it here and reject the record instead.
        for name in _datetime_fields(stream_schema):
            props.setdefault(name, {"anyOf": [DATETIME, {"type": "null"}]})
        upsert["properties"] = props
        super().__init__(upsert)
        self.rules = rules
        self._check_upsert = fastjsonschema.compile(null_last(upsert), formats=FORMATS)
        #: True for a record `_check_upsert` passes, found faster (None: every record goes to it).
        self._passes = quick_check(upsert, FORMATS)
        self._failure: Failure | None = None

    def validate(self, record: dict[str, Any], *, sendable: bool = False) -> None:
        """Check `record`; on failure remember why (see `take_failure`) instead of raising.

        `sendable`: the reader vouches that every value can be written as JSON (see
        `singer_input.VALUES_SENDABLE`), so `unsendable_value` is skipped.
        """
        self._failure = None
        reason = (None if sendable else unsendable_value(record)) or self._problem(record)
        if reason:
            self._failure = Failure(record, reason, dict(record))

    def _problem(self, record: dict[str, Any]) -> str | None:
        if record.get(self.rules.deleted_field):
            return self._delete_problem(record)
        passes = self._passes
        if passes is None or not passes(record):  # the compiled schema says why a record fails
            try:
                self._check_upsert(record)
            except fastjsonschema.JsonSchemaValueException as exc:
                return describe_error(exc, record)
        for check in self.rules.checks:
            reason = check(record)
            if reason:
                return reason
        return None

    def take_failure(self, record: dict[str, Any]) -> Failure | None:
        """The failure of `record` if the last validated record was it and failed."""
        failure, self._failure = self._failure, None
        if failure is not None and failure.record is record:
            return failure
        return None

    def failed(self, record: dict[str, Any]) -> bool:
        """True when `record` is the last validated record and it failed (its failure not taken yet)."""
        return self._failure is not None and self._failure.record is record

    def _delete_problem(self, record: dict[str, Any]) -> str | None:
        deleted_at = record[self.rules.deleted_field]
        if not isinstance(deleted_at, dt.datetime) and not is_datetime_string(deleted_at):
            # Else the SDK would read it as null, and the delete would become an upsert.
            return f"field '{self.rules.deleted_field}' is not {_format_name('date-time')}: {deleted_at!r}"
        keys = self.rules.delete_keys
        if not keys:
            return None  # the sink decides what a delete of this entity means
        if any(record.get(k) not in (None, "") for k in keys):
            return None
        return f"delete without any of its key fields ({', '.join(keys)})"
