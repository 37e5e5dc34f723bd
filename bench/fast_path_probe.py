"""A PROBE, not a proposal to ship as is: the targets with the CPU changes README.md proposes, applied from outside.

`python bench/fast_path_probe.py <rfmcube|ecomail|connectif> --config config.json` runs the real
target class with these overrides (stdlib only, so orjson/msgspec gains are NOT included: they
come on top):

1. reader: one `json.JSONDecoder` built once instead of one per line (`deserialize_json` passes
   `parse_float`, so `json.loads` builds a decoder and scanner for every line);
2. lean record path when the stream has no stream map and no flattening: no `copy.copy` of the
   record, no SDK `_sdc_*` metadata (the tap's own `_sdc_deleted_at` stays in the record), no
   second key-property check (`preprocess_record` already does it), no per-record debug log;
3. no SDK date-time parsing (the validator already rejected unreadable dates; the payload
   functions read the text), and a canonical `YYYY-MM-DDTHH:MM:SSZ` text goes through
   `parse_datetime`/`to_utc_z` untouched;
4. validation: `anyOf` variants reordered so that `{"type": "null"}` comes last (fastjsonschema
   tries variants in order and raises + catches an exception for every non-null value that
   meets the null variant first);
5. Ecomail: the unsent-field warning computed once per batch over the union of keys, not per record.

The CPU benchmark measures it with `--probe` beside the target and the baseline.
"""

from __future__ import annotations

import decimal
import importlib
import json
import re
import sys
import typing as t
from typing import Any

import fastjsonschema

from api_target_kit import dates
from api_target_kit.singer_input import SingerInputReader, message_problem
from api_target_kit.target import ApiTarget
from api_target_kit.validation import DATETIME, FORMATS, EntityRules, EntityValidator, _datetime_fields

_DECODER = json.JSONDecoder(parse_float=decimal.Decimal)
_CANONICAL = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


class FastReader(SingerInputReader):  # type: ignore[misc]
    """(1) one decoder for every line; anything unusual goes through the kit's own checks."""

    def _message(self, line: str, number: int) -> dict[str, t.Any]:
        try:
            message = _DECODER.decode(line)
        except (ValueError, RecursionError):
            message = None
        if isinstance(message, dict) and message_problem(message) is None:
            return message
        checked: dict[str, t.Any] = super()._message(line, number)
        return checked


def null_last(schema: Any) -> Any:
    """(4) the schema with `{"type": "null"}` moved to the end of every anyOf."""
    if isinstance(schema, list):
        return [null_last(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: null_last(value) for key, value in schema.items()}
    variants = out.get("anyOf")
    if isinstance(variants, list):
        null = {"type": "null"}
        out["anyOf"] = [v for v in variants if v != null] + [v for v in variants if v == null]
    return out


class FastValidator(EntityValidator):  # type: ignore[misc]
    """(4) the same rules, compiled with non-null variants first."""

    def __init__(self, rules: EntityRules, stream_schema: dict[str, Any]) -> None:
        super().__init__(rules, stream_schema)
        upsert = dict(rules.schema)
        props = dict(upsert.get("properties") or {})
        for name in _datetime_fields(stream_schema):
            props.setdefault(name, {"anyOf": [DATETIME, {"type": "null"}]})
        upsert["properties"] = props
        self._check_upsert = fastjsonschema.compile(null_last(upsert), formats=FORMATS)


class FastSinkMixin:
    """(2), (3), (4) on any entity sink."""

    rules: t.ClassVar[EntityRules]
    schema: dict[str, Any]

    def _add_sdc_metadata_to_record(
        self, record: dict[str, Any], message: dict[str, Any], context: dict[str, Any]
    ) -> None:
        """Keep the record as the tap sent it (its own `_sdc_deleted_at` included)."""

    def _parse_timestamps_in_record(self, record: dict[str, Any], schema: dict[str, Any], treatment: Any) -> None:
        """Leave date-time text as text: the validator checked it, the payloads read it."""

    def get_validator(self) -> Any:
        """Rules compiled with null variants last."""
        return FastValidator(self.rules, self.schema)

    def _warn_unsent_fields(self, records: list[dict[str, Any]]) -> None:
        """(5) Ecomail: one pass over the union of the batch's keys."""
        from target_ecomail.payloads import unsent_subscriber_fields

        keys = dict.fromkeys(set().union(*records))
        report = self.kit.report  # type: ignore[attr-defined]
        for name in unsent_subscriber_fields(keys):
            report.warn(self.stream_name, f"field '{name}' is not an Ecomail subscriber field (not sent)")  # type: ignore[attr-defined]


def fast_parse_datetime(value: object) -> Any:
    """(3) canonical UTC text as it is (to_utc_z gives it back unchanged)."""
    if isinstance(value, str) and _CANONICAL.fullmatch(value):
        return value
    return dates.parse_datetime(value)


def fast_to_utc_z(value: Any) -> str:
    """(3) text that `fast_parse_datetime` let through is already canonical."""
    return value if isinstance(value, str) else dates.to_utc_z(value)


def lean(target_class: type[ApiTarget]) -> type[ApiTarget]:
    """The target class with every override above."""
    sinks = {
        entity: type(f"Fast{sink.__name__}", (FastSinkMixin, sink), {})
        for entity, sink in target_class.entity_sinks.items()
    }

    def _process_record_message(self: Any, message_dict: dict[str, Any]) -> None:
        stream_name = message_dict["stream"]
        maps = self.mapper.stream_maps.get(stream_name)
        if (
            not maps
            or len(maps) != 1
            or type(maps[0]).__name__ != "SameRecordTransform"
            or maps[0].flattening_enabled
            or maps[0].stream_alias != stream_name
        ):
            target_class._process_record_message(self, message_dict)
            return
        record = message_dict["record"]
        sink = self.get_sink(stream_name, record=record)
        context = sink._get_context(record)
        sink._validate_and_parse(record)
        record = sink.preprocess_record(record, context)
        sink.tally_record_read()
        sink.process_record(record, context)
        sink.record_counter_metric.increment()
        if sink.is_full:
            self.drain_one(sink)
        self._handle_max_record_age()

    return type(
        f"Lean{target_class.__name__}",
        (target_class,),
        {
            "entity_sinks": sinks,
            "message_reader_class": FastReader,
            "_process_record_message": _process_record_message,
        },
    )


def main() -> None:
    """`fast_path_probe.py <vendor> --config ...`."""
    vendor = sys.argv.pop(1)
    payloads = importlib.import_module(f"target_{vendor}.payloads")
    target_module = importlib.import_module(f"target_{vendor}.target")
    target_class = next(
        value
        for value in vars(target_module).values()
        if isinstance(value, type) and issubclass(value, ApiTarget) and value is not ApiTarget
    )
    if hasattr(payloads, "to_utc_z"):
        setattr(payloads, "to_utc_z", fast_to_utc_z)  # noqa: B010 (a module attribute mypy cannot see)
    setattr(payloads, "parse_datetime", fast_parse_datetime)  # noqa: B010
    lean(target_class).cli()


if __name__ == "__main__":
    main()
