"""quick_check: True only for records the compiled schema passes, for every kind of value a record may hold."""

from __future__ import annotations

import datetime as dt
import decimal
import itertools
import random
from typing import Any

import fastjsonschema
import pytest

from api_target_kit.quick_check import quick_check
from api_target_kit.validation import AMOUNT, DATETIME, EMAIL, FORMATS, ID, EntityRules, EntityValidator, null_last


class _Text(str):
    """Text of a subclass: fastjsonschema checks it (isinstance); the quick test is never sure of it."""


#: Schemas of the shapes entities use (the targets' own rules are made of these parts).
SCHEMAS: list[dict[str, Any]] = [
    {
        "type": "object",
        "required": ["email", "createdAt", "missing_elsewhere"],
        "properties": {
            "email": EMAIL,
            "createdAt": DATETIME,
            "id": ID,
            "amount": AMOUNT,
            "optional_amount": {"anyOf": [{"type": "null"}, AMOUNT]},
            "status": {"anyOf": [{"enum": ["active", "bounced"]}, {"type": "null"}]},
            "gender": {"anyOf": [{"type": "null"}, {"enum": ["male", "female", ""]}]},
            "points": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
            "name": {"type": "string", "minLength": 1, "maxLength": 5},
            "flag": {"type": ["boolean", "null"]},
            "tags": {"type": "array", "items": {"type": "string"}},  # `items`: never quickly passed
            "url": {"type": "string", "pattern": "^https?://"},
            "when": {"anyOf": [{"type": "null"}, {"type": "integer"}, DATETIME]},
            "blob": {"type": "object"},
            "ratio": {"type": "number"},
        },
    },
    {"type": "object", "required": ["email"], "properties": {"email": EMAIL}},
]

VALUES: list[Any] = [
    None,
    "",
    "x",
    "toolong",
    "a@example.it",
    "not an email",
    _Text("a@example.it"),
    _Text(""),
    "2024-05-01T10:00:00Z",
    "2024-05-01T10:00:00+02:00",
    "2024-13-01T10:00:00Z",
    _Text("2024-13-01T10:00:00Z"),
    "12.50",
    "12,50",
    "https://shop.example/p",
    "active",
    "bounced",
    "male",
    "Active",
    _Text("active"),
    0,
    7,
    -3,
    2**70,
    1.5,
    2.0,
    float("nan"),
    True,
    False,
    decimal.Decimal("1.5"),
    {},
    {"a": 1},
    [],
    ["a"],
    [1],
    ("a",),
    dt.datetime(2024, 5, 1, tzinfo=dt.UTC),
]


def _passes(validate: Any, record: dict[str, Any]) -> bool:
    try:
        validate(record)
    except fastjsonschema.JsonSchemaValueException:
        return False
    return True


@pytest.mark.parametrize("schema", SCHEMAS, ids=["many-shapes", "email-only"])
def test_quick_check_passes_only_what_the_compiled_schema_passes(schema: dict[str, Any]) -> None:
    validate = fastjsonschema.compile(null_last(schema), formats=FORMATS)
    quick = quick_check(schema, FORMATS)
    assert quick is not None
    names = [*schema["properties"], "missing_elsewhere", "other"]
    rng = random.Random(7)
    records: list[dict[str, Any]] = [{name: value} for name, value in itertools.product(names, VALUES)]
    for _ in range(20_000):
        records.append({name: rng.choice(VALUES) for name in names if rng.random() < 0.7})
    for _ in range(5_000):  # mostly good values, so that the quick test passes some records
        good = {"email": "a@example.it", "createdAt": "2024-05-01T10:00:00Z", "missing_elsewhere": 1}
        good.update({name: rng.choice(VALUES) for name in rng.sample(names, 2)})
        records.append(good)
    quick_passed = 0
    for record in records:
        if quick(record):
            quick_passed += 1
            assert _passes(validate, record), record
    assert quick_passed > 100  # and it does pass plain records


def test_a_schema_with_defaults_or_unknown_top_keywords_gets_no_quick_check() -> None:
    assert quick_check({"type": "object", "properties": {"a": {"type": "string", "default": "x"}}}, FORMATS) is None
    assert quick_check({"type": "object", "properties": {}, "additionalProperties": False}, FORMATS) is None
    assert quick_check({"type": "array"}, FORMATS) is None


def test_the_validator_gives_the_same_reasons_with_the_quick_check() -> None:
    rules = EntityRules(schema=SCHEMAS[0])
    validator = EntityValidator(rules, {"type": "object", "properties": {}})
    assert validator._passes is not None
    good = {"email": "a@example.it", "createdAt": "2024-05-01T10:00:00Z", "missing_elsewhere": 1, "points": 3}
    validator.validate(good, sendable=True)
    assert validator.take_failure(good) is None
    for field, value, reason in [
        ("points", 2.5, "field 'points' is invalid (points must be integer or null): 2.5"),
        ("email", _Text("nope"), "field 'email' is not a valid email address: 'nope'"),
        ("status", "Active", "field 'status' is not one of the allowed values ('active', 'bounced'): 'Active'"),
    ]:
        record = {**good, field: value}
        validator.validate(record, sendable=True)
        failure = validator.take_failure(record)
        assert failure is not None and failure.reason == reason
    record = {**good, "points": 2.0}  # an integral float is an integer for the schema: the slow path passes it
    validator.validate(record, sendable=True)
    assert validator.take_failure(record) is None
