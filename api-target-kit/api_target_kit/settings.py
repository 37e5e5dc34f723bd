"""The settings every target shares (same names and meaning in all of them)."""

from __future__ import annotations

from typing import Any

from singer_sdk import typing as th

from api_target_kit.refusal_streak import DEFAULT_MAX_IDENTICAL_REFUSALS
from api_target_kit.reject_ratio import DEFAULT_MAX_REJECTED_RATIO, MIN_RECORDS_FOR_RATIO


def common_settings(
    *, target_name: str, default_api_url: str, default_max_requests_per_minute: int
) -> list[th.Property[Any]]:
    """Settings of DESIGN.md's contract, with this vendor's defaults."""
    return [
        th.Property("api_key", th.StringType, secret=True, description="The vendor API key (required unless dry_run)."),
        th.Property(
            "api_url",
            th.StringType,
            default=default_api_url,
            description="Base URL of the API. https:// only; http:// is accepted for loopback hosts (the sandbox).",
        ),
        th.Property(
            "entities",
            th.ObjectType(additional_properties=th.StringType),
            default={},
            description="Incoming stream name -> entity name. A stream named like an entity needs no entry.",
        ),
        th.Property(
            "unknown_streams",
            th.StringType(allowed_values=["fail", "ignore"]),
            default="fail",
            description="A stream that maps to no entity: 'fail' stops the run naming it, 'ignore' skips it.",
        ),
        th.Property(
            "max_requests_per_minute",
            th.NumberType,
            default=default_max_requests_per_minute,
            description="Request budget for this account; every call (polls and retries too) is paced to it.",
        ),
        th.Property(
            "quota_backend_url",
            th.StringType,
            secret=True,  # a Redis URL may hold a password
            description=(
                "Where the account's request budget is shared between processes: unset = a SQLite file in the "
                "user's state directory (all processes of this machine), sqlite:////path.sqlite, "
                "redis://host:6379/0 (all hosts), or none (this process only)."
            ),
        ),
        th.Property("request_timeout_seconds", th.NumberType, default=60, description="Timeout of one HTTP request."),
        th.Property(
            "max_retries", th.IntegerType, default=8, description="Retries of a failing request (429, 5xx, timeouts)."
        ),
        th.Property(
            "dry_run",
            th.BooleanType,
            default=False,
            description="Validate, build and count requests, write them to dry_run_path, send nothing, emit no STATE.",
        ),
        th.Property(
            "dry_run_path",
            th.StringType,
            default=f"{target_name}-dry-run.jsonl",
            description="Where a dry run writes the requests it would send.",
        ),
        th.Property(
            "rejects_path",
            th.StringType,
            default=f"{target_name}-rejects.singer",
            description="Replayable Singer file of rejected records, each with `_reject_reason`.",
        ),
        th.Property(
            "max_rejected_records",
            th.IntegerType,
            description="Fail the run (non-zero exit, no STATE for the batch) when more records than this are rejected.",
        ),
        th.Property(
            "max_rejected_ratio",
            th.NumberType,
            default=DEFAULT_MAX_REJECTED_RATIO,
            description=(
                "Fail the run (exit 1, no final STATE) when a stream had every record rejected, or, with at least "
                f"{MIN_RECORDS_FOR_RATIO} records, more than this share of them; the message names the stream, its "
                "most frequent reason and the stream map that may fix it. 1 turns the check off."
            ),
        ),
        th.Property(
            "max_identical_refusals",
            th.IntegerType,
            default=DEFAULT_MAX_IDENTICAL_REFUSALS,
            description=(
                "Stop the run after this many records of a stream in a row refused by the vendor for the same "
                "cause (e.g. Connectif E0102 products missing), naming it, instead of spending the request "
                "budget on the rest. 0 turns the check off."
            ),
        ),
        th.Property(
            "summary_path", th.StringType, description="Write the end-of-run summary JSON here (it is always logged)."
        ),
        th.Property(
            "ledger_path",
            th.StringType,
            description=(
                "SQLite record of what the vendor confirmed (orders, purchases, events and triggers are never sent "
                "twice; with skip_unchanged, digests of confirmed records). Keep it between runs. Unset: "
                "ledger.sqlite in the user's state directory ($XDG_STATE_HOME/api-target-kit/<vendor>_<hash of "
                "the key>/), one per account, not the working directory."
            ),
        ),
        th.Property(
            "skip_unchanged",
            th.BooleanType,
            default=False,
            description="Do not send a record whose content the vendor already confirmed (counted as skipped).",
        ),
        th.Property(
            "ledger_reset",
            th.BooleanType,
            default=False,
            description="Forget what skip_unchanged remembered, so this run sends every record again.",
        ),
        th.Property(
            "progress_interval_seconds",
            th.NumberType,
            default=10,
            description="Log progress (records, rate, ETA) this often; 0 turns it off.",
        ),
    ]


def properties_schema(*properties: th.Property[Any]) -> dict[str, Any]:
    """A `config_jsonschema` from properties."""
    return th.PropertiesList(*properties).to_dict()


def poll_settings(job: str) -> list[th.Property[Any]]:
    """Settings of polling a vendor's asynchronous `job` (see `polling.PollSchedule.from_config`)."""
    return [
        th.Property(
            "poll_interval_seconds",
            th.NumberType,
            default=1.0,
            description=f"First wait before polling an {job}; waits grow 1.5x up to poll_max_interval_seconds.",
        ),
        th.Property(
            "poll_max_interval_seconds",
            th.NumberType,
            default=30.0,
            description=f"Longest wait between two polls of an {job}.",
        ),
        th.Property(
            "import_timeout_seconds",
            th.NumberType,
            default=3600.0,
            description=f"Fail the run if an {job} has not ended by then.",
        ),
    ]
