"""EntityValidator: reasons that name the field, deletes, the remembered original."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from api_target_kit.validation import AMOUNT, DATETIME, EMAIL, ID, EntityRules, EntityValidator

RULES = EntityRules(
    schema={
        "type": "object",
        "required": ["id", "email", "createdAt"],
        "properties": {
            "id": ID,
            "email": EMAIL,
            "createdAt": DATETIME,
            "amount": AMOUNT,
            "name": {"type": "string"},
        },
    },
    delete_keys=("id", "email"),
)

#: The tap's schema: `updatedAt` is an optional date-time the rules do not mention.
STREAM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": {"type": ["string", "null"]},
        "email": {"type": ["string", "null"]},
        "createdAt": {"type": ["string", "null"], "format": "date-time"},
        "updatedAt": {"type": ["string", "null"], "format": "date-time"},
        "seenAt": {"anyOf": [{"type": "string", "format": "date-time"}, {"type": "null"}]},
        "amount": {"type": ["number", "string", "null"]},
    },
}


def good(**changes: Any) -> dict[str, Any]:
    record: dict[str, Any] = {"id": "c1", "email": "ada@example.com", "createdAt": "2024-05-01T10:00:00Z"}
    record.update(changes)
    return record


@pytest.fixture
def validator() -> EntityValidator:
    return EntityValidator(RULES, STREAM_SCHEMA)


def reason_of(validator: EntityValidator, record: dict[str, Any]) -> str | None:
    validator.validate(record)
    failure = validator.take_failure(record)
    return failure.reason if failure else None


def test_valid_record_has_no_failure(validator: EntityValidator) -> None:
    assert reason_of(validator, good()) is None
    assert reason_of(validator, good(amount=12.5, name="Ada", updatedAt=None, id=7)) is None


def test_validate_never_raises(validator: EntityValidator) -> None:
    record: dict[str, Any] = {}
    validator.validate(record)  # the SDK would stop the run on an exception
    failure = validator.take_failure(record)
    assert failure is not None
    assert failure.reason == "missing required field 'id'"


@pytest.mark.parametrize("missing", ["id", "email", "createdAt"])
def test_missing_required_field(validator: EntityValidator, missing: str) -> None:
    record = good()
    del record[missing]
    assert reason_of(validator, record) == f"missing required field '{missing}'"


def test_wrong_type_names_the_field(validator: EntityValidator) -> None:
    reason = reason_of(validator, good(name=42))
    assert reason is not None
    assert reason.startswith("field 'name' is invalid")
    assert "42" in reason


def test_null_required_field(validator: EntityValidator) -> None:
    assert reason_of(validator, good(email=None)) == "field 'email' is null"


@pytest.mark.parametrize("value", ["2024-13-01T00:00:00Z", "yesterday", "01/05/2024", ""])
def test_bad_datetime_in_required_field(validator: EntityValidator, value: str) -> None:
    reason = reason_of(validator, good(createdAt=value))
    assert reason == f"field 'createdAt' is not a valid date-time (ISO-8601): {value!r}"


@pytest.mark.parametrize(
    "value", ["2024-05-01T10:00:00Z", "2024-05-01T12:00:00+02:00", "2024-05-01 10:00:00", "2024-05-01T10:00:00.123456"]
)
def test_good_datetimes(validator: EntityValidator, value: str) -> None:
    assert reason_of(validator, good(createdAt=value, updatedAt=value)) is None


@pytest.mark.parametrize("field", ["updatedAt", "seenAt"])
def test_bad_datetime_in_optional_tap_field(validator: EntityValidator, field: str) -> None:
    reason = reason_of(validator, good(**{field: "not-a-date"}))
    assert reason is not None
    assert f"field '{field}'" in reason
    assert "'not-a-date'" in reason


def test_null_optional_tap_datetime_is_fine(validator: EntityValidator) -> None:
    assert reason_of(validator, good(updatedAt=None, seenAt=None)) is None


@pytest.mark.parametrize("value", ["no-at-sign", "a@b", "a b@example.com", "@example.com"])
def test_bad_email(validator: EntityValidator, value: str) -> None:
    assert reason_of(validator, good(email=value)) == f"field 'email' is not a valid email address: {value!r}"


@pytest.mark.parametrize("value", [12, 12.5, -3, "12.50", "-0.5", "100"])
def test_amount_number_or_dot_decimal(validator: EntityValidator, value: Any) -> None:
    assert reason_of(validator, good(amount=value)) is None


@pytest.mark.parametrize("value", ["12,50", "1e3", "12.", ".5", "abc"])
def test_amount_bad_strings(validator: EntityValidator, value: str) -> None:
    reason = reason_of(validator, good(amount=value))
    assert reason == f"field 'amount' is not a number or a dot-decimal string: {value!r}"


@pytest.mark.parametrize("value", [True, False])
def test_amount_bool_rejected(validator: EntityValidator, value: bool) -> None:
    reason = reason_of(validator, good(amount=value))
    assert reason is not None
    assert "field 'amount'" in reason


def test_id_bool_and_empty_rejected(validator: EntityValidator) -> None:
    assert reason_of(validator, good(id=True)) is not None
    assert reason_of(validator, good(id="")) is not None


def test_long_values_are_shortened_in_reasons(validator: EntityValidator) -> None:
    reason = reason_of(validator, good(email="x" * 500))
    assert reason is not None
    assert reason.endswith("...")
    assert len(reason) < 200


def test_delete_needs_one_of_its_keys(validator: EntityValidator) -> None:
    deleted = "2024-05-02T00:00:00Z"
    assert reason_of(validator, {"_sdc_deleted_at": deleted}) == "delete without any of its key fields (id, email)"
    assert reason_of(validator, {"_sdc_deleted_at": deleted, "id": "", "email": None}) is not None
    # A delete needs no upsert fields: a key is enough.
    assert reason_of(validator, {"_sdc_deleted_at": deleted, "email": "ada@example.com"}) is None
    assert reason_of(validator, {"_sdc_deleted_at": deleted, "id": "c1"}) is None


def test_null_deleted_at_is_an_upsert(validator: EntityValidator) -> None:
    assert reason_of(validator, {"_sdc_deleted_at": None, "id": "c1"}) == "missing required field 'email'"


def test_entity_without_delete_keys_leaves_deletes_to_the_sink() -> None:
    validator = EntityValidator(EntityRules(schema=RULES.schema), STREAM_SCHEMA)
    assert reason_of(validator, {"_sdc_deleted_at": "2024-05-02T00:00:00Z"}) is None


def test_take_failure_only_for_the_same_record_object(validator: EntityValidator) -> None:
    bad = good(email="nope")
    validator.validate(bad)
    twin = dict(bad)
    assert validator.take_failure(twin) is None
    # The failure is consumed by any take_failure call.
    assert validator.take_failure(bad) is None

    validator.validate(bad)
    failure = validator.take_failure(bad)
    assert failure is not None
    assert failure.record is bad
    assert validator.take_failure(bad) is None


def test_a_later_valid_record_clears_the_failure(validator: EntityValidator) -> None:
    bad = good(email="nope")
    validator.validate(bad)
    validator.validate(good())
    assert validator.take_failure(bad) is None


def test_original_is_unaffected_by_later_mutation(validator: EntityValidator) -> None:
    record = good(createdAt="2024-99-01")
    validator.validate(record)
    # What the SDK does next: parse dates in place (NULL treatment), add fields.
    record["createdAt"] = None
    record["updatedAt"] = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    del record["id"]

    failure = validator.take_failure(record)
    assert failure is not None
    assert failure.original == {"id": "c1", "email": "ada@example.com", "createdAt": "2024-99-01"}
    assert "original" not in repr(failure)


def test_rules_schema_is_not_modified() -> None:
    before = dict(RULES.schema["properties"])
    EntityValidator(RULES, STREAM_SCHEMA)
    assert RULES.schema["properties"] == before
    assert "updatedAt" not in RULES.schema["properties"]


def test_an_enum_reject_lists_the_allowed_values() -> None:
    rules = EntityRules(
        schema={
            "type": "object",
            "properties": {
                "status": {"anyOf": [{"type": "null"}, {"enum": ["subscribed", "unsubscribed"]}]},
                "availability": {"enum": ["instock", "outofstock"]},
            },
        }
    )
    validator = EntityValidator(rules, {"type": "object", "properties": {}})
    assert reason_of(validator, {"status": "sub"}) == (
        "field 'status' is not one of the allowed values ('subscribed', 'unsubscribed'): 'sub'"
    )
    assert reason_of(validator, {"availability": "gone"}) == (
        "field 'availability' is not one of the allowed values ('instock', 'outofstock'): 'gone'"
    )
    assert reason_of(validator, {"status": None, "availability": "instock"}) is None
