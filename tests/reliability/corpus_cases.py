"""The hostile-input corpus: every case, its input built from each target's own entities, and its outcome.

`CASES` is the table (see the legend in `test_hostile_input.py`); `case_table()` gives it as plain
rows (name, outcome per target) for reports. A case's `build(vendor, stream)` returns its
`Scenario`: the input lines, the streams it uses and what must come of it.

Record-level cases (`reject`, `delivered`, `skipped`) of one target run together in one input,
each on its own stream (mapped to its entity with `entities`), so that one process serves them
all; `error` cases stop the run, so each gets its own process.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..target_harness import schema_for
from .vendors import VENDOR_NAMES, Entity, Vendor

ERROR = "error"
REJECT = "reject"
DELIVERED = "delivered"
SKIPPED = "skipped"
OUTCOMES = (ERROR, REJECT, DELIVERED, SKIPPED)

DELETED_AT = "2026-03-02T08:00:00Z"


@dataclass(frozen=True)
class RawJson:
    """A JSON value written exactly as given (`1e3`, `NaN`, bytes that are not UTF-8)."""

    text: bytes


@dataclass(frozen=True)
class Landing:
    """A record the vendor must (or must not) end up with: entity, key and expected fields."""

    entity: str
    key: Any
    fields: dict[str, Any] = field(default_factory=dict)
    #: Fields that must not be stored (Singer metadata, the reject reason of a replay).
    absent: tuple[str, ...] = ()
    #: The record is a source delete: the vendor must show it deleted.
    deleted: bool = False


@dataclass
class Scenario:
    """One case's input for one target and what must come of it."""

    lines: list[Any]
    #: Stream -> entity, for the `entities` setting (streams named like an entity need none).
    streams: dict[str, str] = field(default_factory=dict)
    #: The records the case is about: rejected, delivered or skipped, as its outcome says.
    subjects: list[Landing] = field(default_factory=list)
    #: Valid records beside them, always delivered.
    siblings: list[Landing] = field(default_factory=list)
    #: `reject`: the field every reject reason of the case names.
    reject_field: str | None = None
    #: `delivered`: records counted as skipped on the case's streams (superseded duplicates).
    skipped: int = 0
    #: `skipped`: text the summary's skip reason contains.
    skip_reason: str | None = None
    #: Records loaded in an earlier run (e.g. the customer a delete removes).
    seed: list[tuple[Entity, dict[str, Any]]] = field(default_factory=list)
    #: `error`: settings of the run, and the text (case-insensitive) stderr must contain.
    settings: dict[str, Any] = field(default_factory=dict)
    message: str | None = None


@dataclass(frozen=True)
class Case:
    """One hostile input and the outcome it must have with each target."""

    name: str
    outcomes: dict[str, str]
    build: Callable[[Vendor, str], Scenario] = field(repr=False, compare=False)

    def outcome(self, vendor: Vendor) -> str:
        """The expected outcome with `vendor`'s target."""
        return self.outcomes[vendor.name]


def every(outcome: str) -> dict[str, str]:
    """The same outcome with every target."""
    return dict.fromkeys(VENDOR_NAMES, outcome)


def per_target(*, rfmcube: str, ecomail: str, connectif: str) -> dict[str, str]:
    """A different outcome per target."""
    return {"rfmcube": rfmcube, "ecomail": ecomail, "connectif": connectif}


# Input lines ---------------------------------------------------------------------------


def schema_message(stream: str, records: Sequence[dict[str, Any]], key: str | None) -> dict[str, Any]:
    """A SCHEMA for `records` (raw values typed as numbers; date fields as date-time)."""
    typed = [{k: 0.5 if isinstance(v, RawJson) else v for k, v in r.items()} for r in records]
    return {"type": "SCHEMA", "stream": stream, "schema": schema_for(typed), "key_properties": [key] if key else []}


def record_message(stream: str, record: dict[str, Any]) -> dict[str, Any]:
    """A RECORD."""
    return {"type": "RECORD", "stream": stream, "record": record}


def feed(stream: str, records: Sequence[dict[str, Any]], key: str | None) -> list[dict[str, Any]]:
    """SCHEMA then one RECORD per record."""
    return [schema_message(stream, records, key), *(record_message(stream, r) for r in records)]


def encode_line(line: Any) -> bytes:
    """One input line: a message as ASCII JSON (raw values spliced in), or str/bytes as they are."""
    if isinstance(line, bytes):
        return line
    if isinstance(line, str):
        return line.encode("utf-8")
    raws: dict[str, bytes] = {}

    def mark(value: Any) -> Any:
        if isinstance(value, RawJson):
            placeholder = f"@@raw{len(raws)}@@"
            raws[placeholder] = value.text
            return placeholder
        if isinstance(value, dict):
            return {k: mark(v) for k, v in value.items()}
        if isinstance(value, list):
            return [mark(v) for v in value]
        return value

    encoded = json.dumps(mark(line)).encode("ascii")
    for placeholder, text in raws.items():
        encoded = encoded.replace(f'"{placeholder}"'.encode(), text)
    return encoded


def encode_input(lines: Iterable[Any]) -> bytes:
    """Input for a target: every line encoded and newline-terminated (lines ending in CR keep it)."""
    return b"".join(encode_line(line) + b"\n" for line in lines)


# Builders -------------------------------------------------------------------------------


def one_bad(
    entity: Entity,
    stream: str,
    bad: dict[str, Any],
    *,
    reject_field: str | None = None,
    expect: dict[str, Any] | None = None,
    key: Any = None,
) -> Scenario:
    """`bad` and a valid sibling on one stream: the bad one is rejected naming `reject_field`, or
    delivered with `expect`, as the case's outcome says."""
    sibling = entity.record(f"{stream}-ok")
    subject_key = key if key is not None else bad.get(entity.key)
    return Scenario(
        lines=feed(stream, [bad, sibling], entity.key),
        streams={stream: entity.name},
        subjects=[Landing(entity.name, subject_key, expect or {})],
        siblings=[Landing(entity.name, sibling[entity.key])],
        reject_field=reject_field,
    )


def person_with(*, key: Any = None, text: Any = None, expected: Any = None) -> Callable[[Vendor, str], Scenario]:
    """A person whose key field is `key` (when given) or whose text field is `text` (delivered as `expected`)."""

    def build(v: Vendor, s: str) -> Scenario:
        record = v.person.record(f"{s}-1")
        if text is None:
            record[v.person.key] = key
            return one_bad(v.person, s, record, reject_field=v.person.key)
        record[v.text_field] = text
        shown = text if expected is None else expected
        return one_bad(v.person, s, record, reject_field=v.text_field, expect={v.text_field: shown})

    return build


def raw_text(text: str) -> RawJson:
    """`text` as a JSON string in raw UTF-8 (not `\\u` escapes)."""
    return RawJson(json.dumps(text, ensure_ascii=False).encode("utf-8"))


def person_without_key(v: Vendor, s: str) -> Scenario:
    """A person with no key field at all."""
    record = v.person.record(f"{s}-1")
    del record[v.person.key]
    return one_bad(v.person, s, record, reject_field=v.person.key)


def amount(value: Any, expected: Any = None) -> Callable[[Vendor, str], Scenario]:
    """A priced record whose amount is `value` (delivered as `expected`)."""

    def build(v: Vendor, s: str) -> Scenario:
        record = v.priced.record(f"{s}-1", **{v.amount_field: value})
        return one_bad(v.priced, s, record, reject_field=v.amount_field, expect={v.amount_field: expected})

    return build


def price_id(value: Any, expected: Any = None) -> Callable[[Vendor, str], Scenario]:
    """A priced record whose id is `value` (delivered with the id `expected`)."""

    def build(v: Vendor, s: str) -> Scenario:
        record = v.priced.record(f"{s}-1", **{v.priced.key: value})
        return one_bad(v.priced, s, record, reject_field=v.priced.key, key=expected)

    return build


def date(value: Any, expected_utc: str | None = None) -> Callable[[Vendor, str], Scenario]:
    """A dated record whose date-time field is `value` (delivered as `expected_utc`)."""

    def build(v: Vendor, s: str) -> Scenario:
        record = v.dated.record(f"{s}-1", **{v.date_field: value})
        return one_bad(v.dated, s, record, reject_field=v.date_field, expect={v.date_field: expected_utc})

    return build


def nested(depth: int) -> dict[str, Any]:
    """`{"level": {"level": ... {"leaf": depth}}}`, `depth` objects deep."""
    value: dict[str, Any] = {"leaf": depth}
    for _ in range(depth - 1):
        value = {"level": value}
    return value


def deep_object(v: Vendor, s: str) -> Scenario:
    """A 250-deep object in the vendor's free-form field."""
    entity, name = v.free_form
    value = nested(250)
    return one_bad(entity, s, entity.record(f"{s}-1", **{name: value}), reject_field=name, expect={name: value})


def duplicate_key(v: Vendor, s: str) -> Scenario:
    """Two records of one key in one batch: the last one wins, the first is skipped."""
    first = v.person.record(f"{s}-1", **{v.text_field: "First"})
    last = v.person.record(f"{s}-1", **{v.text_field: "Last"})
    return Scenario(
        lines=feed(s, [first, last], v.person.key),
        streams={s: v.person.name},
        subjects=[Landing(v.person.name, last[v.person.key], {v.text_field: "Last"})],
        skipped=1,
    )


def schema_adds_field(v: Vendor, s: str) -> Scenario:
    """A second SCHEMA adds a field; records after it carry it."""
    before = v.person.record(f"{s}-1")
    after = v.person.record(f"{s}-2", **{v.other_text_field: "Added"})
    return Scenario(
        lines=[*feed(s, [before], v.person.key), *feed(s, [after], v.person.key)],
        streams={s: v.person.name},
        subjects=[Landing(v.person.name, after[v.person.key], {v.other_text_field: "Added"})],
        siblings=[Landing(v.person.name, before[v.person.key], {v.text_field: before[v.text_field]})],
    )


def schema_removes_field(v: Vendor, s: str) -> Scenario:
    """A second SCHEMA drops the text field; records before it keep theirs, records after have none."""
    before = v.person.record(f"{s}-1", **{v.text_field: "Kept"})
    after = v.person.record(f"{s}-2")
    del after[v.text_field]
    return Scenario(
        lines=[*feed(s, [before], v.person.key), *feed(s, [after], v.person.key)],
        streams={s: v.person.name},
        subjects=[Landing(v.person.name, after[v.person.key], absent=(v.text_field,))],
        siblings=[Landing(v.person.name, before[v.person.key], {v.text_field: "Kept"})],
    )


def blank_lines_and_crlf(v: Vendor, s: str) -> Scenario:
    """Blank lines between messages and CRLF line ends."""
    records = [v.person.record(f"{s}-{n}") for n in (1, 2)]
    schema, *rows = feed(s, records, v.person.key)
    lines = ["", schema, "   ", encode_line(rows[0]) + b"\r", "\t", encode_line(rows[1]) + b"\r", ""]
    return Scenario(
        lines=lines,
        streams={s: v.person.name},
        subjects=[Landing(v.person.name, r[v.person.key], {v.text_field: r[v.text_field]}) for r in records],
    )


def key_property_missing(v: Vendor, s: str) -> Scenario:
    """The stream's key property (not a vendor field) is missing from one record."""
    bad = v.priced.record(f"{s}-1")
    good = v.priced.record(f"{s}-2", source_id="S-2")
    lines = [schema_message(s, [bad, good], "source_id"), record_message(s, bad), record_message(s, good)]
    return Scenario(
        lines=lines,
        streams={s: v.priced.name},
        subjects=[Landing(v.priced.name, bad[v.priced.key])],
        siblings=[Landing(v.priced.name, good[v.priced.key])],
        reject_field="source_id",
    )


def tap_metadata(v: Vendor, s: str) -> Scenario:
    """A tap sends Singer metadata and a replayed `_reject_reason`: delivered without them."""
    extra = {"_sdc_extracted_at": "2026-03-01T10:00:00Z", "_sdc_sequence": 7, "_reject_reason": "fixed since"}
    record = v.person.record(f"{s}-1", **extra)
    return Scenario(
        lines=feed(s, [record], v.person.key),
        streams={s: v.person.name},
        subjects=[Landing(v.person.name, record[v.person.key], absent=tuple(extra))],
    )


def delete_with(deleted_at: Any, *, keep_key: bool = True) -> Callable[[Vendor, str], Scenario]:
    """A person delete with `_sdc_deleted_at` = `deleted_at` (and without its key unless `keep_key`)."""

    def build(v: Vendor, s: str) -> Scenario:
        record = {v.person.key: v.person.key_of(f"{s}-1"), "_sdc_deleted_at": deleted_at, v.text_field: "Gone"}
        field_name = "_sdc_deleted_at"
        if not keep_key:
            del record[v.person.key]
            field_name = v.person.key
        return one_bad(v.person, s, record, reject_field=field_name)

    return build


def delete_deletable(v: Vendor, s: str) -> Scenario:
    """A person loaded earlier, deleted at the source: the vendor deletes it (or unsubscribes it)."""
    seed = v.person.record(f"{s}-1")
    key = seed[v.person.key]
    stream = v.person.name  # a stream named like its entity needs no `entities` entry
    return Scenario(
        lines=feed(stream, [{v.person.key: key, "_sdc_deleted_at": DELETED_AT}], v.person.key),
        subjects=[Landing(v.person.name, key, deleted=True)],
        seed=[(v.person, seed)],
    )


def delete_undeletable(v: Vendor, s: str) -> Scenario:
    """Deletes of entities the vendor cannot delete (orders, actions, coupons): skipped with a reason."""
    lines: list[Any] = []
    streams: dict[str, str] = {}
    for number, entity in enumerate(v.undeletable):
        stream = f"{s}-{number}"
        lines += feed(stream, [entity.record(f"{stream}-1", _sdc_deleted_at=DELETED_AT)], entity.key)
        streams[stream] = entity.name
    return Scenario(lines=lines, streams=streams, skip_reason="delete")


def unknown_stream_ignored(v: Vendor, s: str) -> Scenario:
    """A stream that maps to no entity, with `unknown_streams: ignore`: counted and skipped."""
    record = v.person.record(f"{s}-1")
    return Scenario(
        lines=feed(s, [record], v.person.key),
        subjects=[Landing(v.person.name, record[v.person.key])],
        skip_reason="maps to no entity",
    )


# Error cases: one process each ---------------------------------------------------------------


def broken(bad_line: Any, message: str, **settings: Any) -> Callable[[Vendor, str], Scenario]:
    """Valid records and a STATE, then `bad_line`, then more records and a STATE that must never be emitted."""

    def build(v: Vendor, s: str) -> Scenario:
        before, after = v.person.record(f"{s}-1"), v.person.record(f"{s}-2")
        schema, *rows = feed(v.person.name, [before, after], v.person.key)
        line = bad_line(v) if callable(bad_line) else bad_line
        return Scenario(
            lines=[
                schema,
                rows[0],
                {"type": "STATE", "value": {"before": True}},
                line,
                rows[1],
                {"type": "STATE", "value": {"after": True}},
            ],
            subjects=[Landing(v.person.name, after[v.person.key])],
            settings=settings,
            message=message,
        )

    return build


def _record_of(v: Vendor, payload: Any) -> dict[str, Any]:
    return {"type": "RECORD", "stream": v.person.name, "record": payload}


def _schema_of(v: Vendor, **changes: Any) -> dict[str, Any]:
    return {**schema_message(v.person.name, [v.person.record("x")], v.person.key), **changes}


def _deep_line(depth: int) -> Callable[[Vendor], bytes]:
    def line(v: Vendor) -> bytes:
        head = encode_line(_record_of(v, v.person.record("deep")))[:-2]
        return head + b',"deep":' + b"[" * depth + b"]" * depth + b"}}"

    return line


def _huge_integer(v: Vendor) -> bytes:
    return encode_line(_record_of(v, {**v.person.record("big"), "points": RawJson(b"9" * 5000)}))


MB = 1_000_000
NAN = RawJson(b"NaN")

CASES: tuple[Case, ...] = (
    # Lines that are not Singer messages.
    Case("invalid_json_line", every(ERROR), broken("{not json", "line 4 is not valid JSON")),
    Case(
        "truncated_json_line",
        every(ERROR),
        broken('{"type": "RECORD", "stream": "x", "rec', "line 4 is not valid JSON"),
    ),
    Case("json_array_line", every(ERROR), broken("[1, 2]", "line 4 is not a JSON object")),
    Case("json_scalar_line", every(ERROR), broken("42", "line 4 is not a JSON object")),
    Case("byte_order_mark_line", every(ERROR), broken(b"\xef\xbb\xbf{}", "line 4 is not valid JSON")),
    Case("nesting_too_deep_to_parse", every(ERROR), broken(_deep_line(100_000), "line 4 is nested too deeply")),
    Case("integer_of_5000_digits", every(ERROR), broken(_huge_integer, "line 4 is not valid JSON")),
    Case("message_without_type", every(ERROR), broken({"stream": "x"}, "line 4 has no 'type'")),
    Case("unknown_message_type", every(ERROR), broken({"type": "BOGUS"}, "unknown message type 'BOGUS'")),
    # Messages that break the Singer rules.
    Case(
        "record_before_schema",
        every(ERROR),
        broken(lambda v: {"type": "RECORD", "stream": "later", "record": {}}, "stream 'later' before its SCHEMA"),
    ),
    Case(
        "record_without_record", every(ERROR), broken(lambda v: {"type": "RECORD", "stream": v.person.name}, "'record'")
    ),
    Case(
        "record_not_an_object", every(ERROR), broken(lambda v: _record_of(v, [1, 2]), "'record' must be a JSON object")
    ),
    Case("record_null", every(ERROR), broken(lambda v: _record_of(v, None), "'record' must be a JSON object")),
    Case(
        "schema_without_properties",
        every(ERROR),
        broken(lambda v: _schema_of(v, schema={"type": "object"}), "'properties'"),
    ),
    Case("schema_not_an_object", every(ERROR), broken(lambda v: _schema_of(v, schema="object"), "'schema' must be")),
    Case(
        "key_properties_not_a_list",
        every(ERROR),
        broken(lambda v: _schema_of(v, key_properties=v.person.key), "'key_properties' must be a list"),
    ),
    Case("stream_name_not_a_string", every(ERROR), broken(lambda v: _schema_of(v, stream=5), "'stream' must be")),
    Case(
        "unknown_stream_with_fail",
        every(ERROR),
        broken(lambda v: _schema_of(v, stream="shop_visits"), "stream 'shop_visits' maps to no entity"),
    ),
    Case(
        "entities_maps_to_no_entity",
        every(ERROR),
        broken(
            lambda v: _schema_of(v, stream="people"),
            "'nowhere', which is not an entity",
            entities={"people": "nowhere"},
        ),
    ),
    # Keys.
    Case("key_null", every(REJECT), person_with(key=None)),
    Case("key_missing", every(REJECT), person_without_key),
    Case("key_empty_string", every(REJECT), person_with(key="")),
    Case("key_property_missing", every(REJECT), key_property_missing),
    Case("duplicate_key_in_batch", every(DELIVERED), duplicate_key),
    # E-mails that are not e-mails.
    Case("email_without_at", every(REJECT), person_with(key="jana.example.cz")),
    Case("email_with_space", every(REJECT), person_with(key="jana novak@example.cz")),
    Case("email_unicode", every(REJECT), person_with(key="jána@příklad.cz")),
    Case("email_fullwidth_at", every(REJECT), person_with(key="jana\uff20example.cz")),
    Case("email_trailing_dot", every(REJECT), person_with(key="jana@example.cz.")),
    Case("email_control_character", every(REJECT), person_with(key="ja\u0000na@example.cz")),
    Case("email_a_number", every(REJECT), person_with(key=12345)),
    Case("email_of_1mb", every(REJECT), person_with(key="j" * MB + "@example.cz")),
    # Amounts and ids of the wrong type.
    Case("amount_comma_decimal", every(REJECT), amount("12,50")),
    Case("amount_letters", every(REJECT), amount("abc")),
    Case("amount_boolean", every(REJECT), amount(True)),
    Case("amount_object", every(REJECT), amount({"value": 12.5})),
    Case("amount_exponent_string", every(REJECT), amount("1.5E+2")),
    Case("amount_nan", every(REJECT), amount(NAN)),
    Case("amount_beyond_float", every(REJECT), amount(RawJson(b"1e400"))),
    Case("amount_integer_beyond_float", every(REJECT), amount(RawJson(b"1" + b"0" * 400))),
    Case("amount_exponent", every(DELIVERED), amount(RawJson(b"1e3"), 1000.0)),
    Case("amount_exponent_fraction", every(DELIVERED), amount(RawJson(b"1.5E+2"), 150.0)),
    Case("amount_dot_decimal_string", every(DELIVERED), amount("12.50", 12.5)),
    Case("id_float", every(REJECT), price_id(RawJson(b"12.5"))),
    Case("id_integer", every(DELIVERED), price_id(4242, "4242")),
    # Dates and time zones.
    Case("date_iso_utc", every(DELIVERED), date("2020-12-31T23:30:00Z", "2020-12-31T23:30:00Z")),
    Case("date_with_offset", every(DELIVERED), date("2020-12-31T23:30:00+02:00", "2020-12-31T21:30:00Z")),
    Case("date_without_zone", every(DELIVERED), date("2020-12-31T23:30:00", "2020-12-31T23:30:00Z")),
    Case("date_only", every(DELIVERED), date("2020-12-31", "2020-12-31T00:00:00Z")),
    Case("date_day_first", every(REJECT), date("31/12/2020")),
    Case("date_impossible", every(REJECT), date("2020-13-45")),
    Case(
        "date_epoch_number",
        per_target(rfmcube=REJECT, ecomail=DELIVERED, connectif=REJECT),  # Ecomail's timestamp is Unix seconds
        date(1609457400, "2020-12-31T23:30:00Z"),
    ),
    # Text.
    Case("text_control_characters", every(DELIVERED), person_with(text="a\u0000b\u001b[31mc\u007f")),
    Case("text_emoji", every(DELIVERED), person_with(text=raw_text("Jana 😀👍🏽"), expected="Jana 😀👍🏽")),
    Case("text_escaped_surrogate_pair", every(DELIVERED), person_with(text="\U0001f600")),
    Case("text_of_1mb", every(DELIVERED), person_with(text="žluťoučký kůň " * (MB // 14))),
    Case("text_lone_surrogate", every(REJECT), person_with(text="x\ud800y")),
    Case("text_not_utf8", every(REJECT), person_with(text=RawJson(b'"caf\xe9"'))),
    Case("text_nan", every(REJECT), person_with(text=NAN)),
    Case(
        "text_a_number",
        per_target(rfmcube=DELIVERED, ecomail=REJECT, connectif=REJECT),  # Rfmcube keeps any JSON value
        person_with(text=12345),
    ),
    Case(
        "object_250_deep",
        per_target(rfmcube=DELIVERED, ecomail=DELIVERED, connectif=REJECT),  # Connectif has no free-form field
        deep_object,
    ),
    # The stream: blank lines, schema changes, routing, metadata.
    Case("blank_lines_and_crlf", every(DELIVERED), blank_lines_and_crlf),
    Case("schema_change_adds_field", every(DELIVERED), schema_adds_field),
    Case("schema_change_removes_field", every(DELIVERED), schema_removes_field),
    Case("unknown_stream_ignored", every(SKIPPED), unknown_stream_ignored),
    Case("tap_metadata_and_reject_reason", every(DELIVERED), tap_metadata),
    # Source deletes.
    Case("delete_of_deletable_entity", every(DELIVERED), delete_deletable),
    Case("delete_of_undeletable_entity", every(SKIPPED), delete_undeletable),
    Case("delete_with_unreadable_date", every(REJECT), delete_with("yesterday")),
    Case("delete_without_key", every(REJECT), delete_with(DELETED_AT, keep_key=False)),
)


def case_table() -> list[dict[str, Any]]:
    """The corpus as rows: `{"name", "outcomes": {target: outcome}}`."""
    return [{"name": case.name, "outcomes": dict(case.outcomes)} for case in CASES]
