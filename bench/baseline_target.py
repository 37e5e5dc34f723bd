"""The baseline of the CPU benchmark: the SDK's bare `BatchSink`, default validation, a no-op batch.

`python bench/baseline_target.py --config config.json < input.singer` reads the same Singer file
as a real target with the SDK's own reader, validates every record with the SDK's default
validator (`JSONSchemaValidator`, jsonschema), parses date-times as the SDK does, batches
10,000 records (the SDK's default) and drops each batch.
"""

from __future__ import annotations

from typing import Any

from singer_sdk import Target
from singer_sdk import typing as th
from singer_sdk.sinks import BatchSink


class NullBatchSink(BatchSink):
    """Everything the SDK does per record; nothing per batch."""

    def process_batch(self, context: dict[str, Any]) -> None:
        """Drop the batch."""


class BaselineTarget(Target):
    """Every stream goes to a `NullBatchSink`."""

    name = "target-baseline"
    config_jsonschema = th.PropertiesList(th.Property("note", th.StringType)).to_dict()
    default_sink_class = NullBatchSink


if __name__ == "__main__":
    BaselineTarget.cli()
