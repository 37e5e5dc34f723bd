"""A quick pass test for records that plainly meet an entity's schema, made from the schema.

fastjsonschema's compiled validator is exact, and it is what says why a record fails; but for
a record that passes it pays for its generality (a set of the record's keys, a `try` per
`anyOf` variant, `isinstance` calls): about 2.3 µs for a Connectif contact. `quick_check`
compiles, for the schemas entities use (`type`, `enum` of texts, `anyOf`, `minLength`,
`maxLength`, the kit's formats, `required`, `properties`), a function that answers True only
when that validator would pass the record, with exact type tests (`type(v) is str`), and False
whenever it is not sure (a subclass, an integral float for `integer`, a keyword it does not
know): the validator then runs as before, so what is accepted and every reject reason stay
the same. A schema with a keyword that changes the record (`default`) or that the test does
not know at the top gets no quick test.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

#: `type` values and the exact-type test that implies fastjsonschema's own (`isinstance`) test.
_TYPE_TESTS = {
    "string": "type(v) is str",
    "integer": "type(v) is int",
    "number": "(type(v) is int or type(v) is float)",
    "boolean": "type(v) is bool",
    "null": "v is None",
    "object": "type(v) is dict",
    "array": "type(v) is list",
}
#: Keywords of a property's schema the quick test understands.
_KNOWN = frozenset({"type", "enum", "anyOf", "minLength", "maxLength", "format", "description", "title"})
_TOP_KNOWN = frozenset({"type", "required", "properties", "description", "title", "$schema"})


class _UnsupportedError(Exception):
    """The schema (or a part of it) has a keyword the quick test does not know."""


class _Builder:
    """Python source of a test expression per schema, and the constants it refers to."""

    def __init__(self, formats: Mapping[str, Callable[[str], Any]]) -> None:
        self.formats = formats
        self.scope: dict[str, Any] = {}

    def constant(self, value: Any) -> str:
        name = f"c{len(self.scope)}"
        self.scope[name] = value
        return name

    def test(self, schema: Any) -> str:
        """An expression over `v` that is true only if `schema` accepts `v` (may be false when it would)."""
        if not isinstance(schema, dict) or not schema.keys() <= _KNOWN:
            raise _UnsupportedError
        parts: list[str] = []
        text = "(not isinstance(v, str) or type(v) is str and {})"  # a test of text, as fastjsonschema applies it
        if "type" in schema:
            kinds = schema["type"]
            kinds = [kinds] if isinstance(kinds, str) else kinds
            if not isinstance(kinds, list) or not kinds or any(kind not in _TYPE_TESTS for kind in kinds):
                raise _UnsupportedError
            parts.append("(" + " or ".join(_TYPE_TESTS[kind] for kind in kinds) + ")")
            if kinds == ["string"]:
                text = "{}"  # `v` is known to be exactly text by then
        if "enum" in schema:
            values = schema["enum"]
            if not isinstance(values, list) or not values or not all(type(value) is str for value in values):
                raise _UnsupportedError
            parts.append(f"(type(v) is str and v in {self.constant(frozenset(values))})")
        for keyword, compare in (("minLength", ">="), ("maxLength", "<=")):
            if keyword in schema:
                limit = schema[keyword]
                if type(limit) is not int:
                    raise _UnsupportedError
                parts.append(text.format(f"len(v) {compare} {limit}"))
        if "format" in schema:
            check = self.formats.get(schema["format"])
            if check is None:  # one of fastjsonschema's own formats
                raise _UnsupportedError
            parts.append(text.format(f"{self.constant(check)}(v)"))
        if "anyOf" in schema:
            variants = schema["anyOf"]
            if not isinstance(variants, list) or not variants:
                raise _UnsupportedError
            parts.append("(" + " or ".join(f"({self.test(variant)})" for variant in variants) + ")")
        return " and ".join(parts) or "True"


def quick_check(
    schema: dict[str, Any], formats: Mapping[str, Callable[[str], Any]]
) -> Callable[[dict[str, Any]], bool] | None:
    """`passes(record)`: True only if fastjsonschema's validator of `schema` passes `record`; None if the schema is not one it knows.

    A property whose schema it does not know makes `passes` False when the record has it.
    """
    if not isinstance(schema, dict) or not schema.keys() <= _TOP_KNOWN or schema.get("type") != "object":
        return None
    if _has_default(schema):  # fastjsonschema fills defaults in: it must see every record
        return None
    required = schema.get("required") or []
    properties = schema.get("properties") or {}
    if not isinstance(required, list) or not isinstance(properties, dict):
        return None
    if not all(isinstance(name, str) for name in [*required, *properties]):
        return None
    builder = _Builder(formats)
    lines = ["def passes(data):", "    if type(data) is not dict:", "        return False", "    get = data.get"]
    for name in required:
        if name not in properties:
            lines += [f"    if {builder.constant(name)} not in data:", "        return False"]
    for name, prop in properties.items():
        try:
            test = builder.test(prop)
        except _UnsupportedError:
            test = "False"
        key = builder.constant(name)
        lines.append(f"    v = get({key}, MISSING)")
        if name in required:
            lines += [f"    if v is MISSING or not ({test}):", "        return False"]
        else:
            lines += [f"    if v is not MISSING and not ({test}):", "        return False"]
    lines.append("    return True")
    scope = {**builder.scope, "MISSING": _MISSING}
    exec("\n".join(lines), scope)  # noqa: S102 - code made above; names and values only as constants
    passes: Callable[[dict[str, Any]], bool] = scope["passes"]
    return passes


_MISSING = object()


def _has_default(schema: Any) -> bool:
    """True if `default` is a keyword anywhere in `schema`."""
    if isinstance(schema, dict):
        return "default" in schema or any(_has_default(value) for value in schema.values())
    if isinstance(schema, list):
        return any(_has_default(item) for item in schema)
    return False
