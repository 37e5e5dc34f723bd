"""Small modules: url_safety, secrets, dates, json_payload, records, dry_run, settings."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import random
from pathlib import Path

import pytest

from api_target_kit.dates import is_canonical_utc, is_datetime_string, parse_datetime, to_utc_z
from api_target_kit.dry_run import DryRunRecorder
from api_target_kit.errors import ConfigurationError
from api_target_kit.json_payload import dumps_bytes, dumps_text
from api_target_kit.polling import PollSchedule
from api_target_kit.records import as_source_record, email_key, is_delete, vendor_fields
from api_target_kit.secrets import REDACTED, SecretRedactor
from api_target_kit.settings import common_settings, properties_schema
from api_target_kit.url_safety import check_api_url, is_loopback_host

UTC = dt.UTC

# url_safety ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://api.example.com/v1", "https://api.example.com/v1"),
        ("https://api.example.com/v1/", "https://api.example.com/v1"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("http://127.0.0.1:8080/", "http://127.0.0.1:8080"),
        ("http://127.5.6.7/api", "http://127.5.6.7/api"),
        ("http://localhost:9000/v1", "http://localhost:9000/v1"),
        ("http://LOCALHOST", "http://LOCALHOST"),
        ("http://[::1]:8080/v1", "http://[::1]:8080/v1"),
    ],
)
def test_safe_urls(url: str, expected: str) -> None:
    assert check_api_url(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com",
        "http://10.0.0.5:8080",
        "http://192.168.1.10",
        "http://localhost.example.com",
        "http://127.0.0.1.nip.io",
        "http://127.0.0.1@evil.example.com/",
    ],
)
def test_plain_http_to_remote_hosts_refused(url: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        check_api_url(url)
    assert url in str(caught.value)
    assert "loopback" in str(caught.value)
    assert "https://" in str(caught.value)


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/x", "ftp://example.com", "ws://localhost"])
def test_other_schemes_refused(url: str) -> None:
    with pytest.raises(ConfigurationError, match="scheme must be https"):
        check_api_url(url)


@pytest.mark.parametrize("url", ["https://", "example.com/v1", ""])
def test_url_without_host_refused(url: str) -> None:
    with pytest.raises(ConfigurationError, match="no host"):
        check_api_url(url)


def test_is_loopback_host() -> None:
    assert is_loopback_host("127.0.0.1")
    assert is_loopback_host("::1")
    assert is_loopback_host("[::1]")
    assert is_loopback_host("localhost.localdomain")
    assert not is_loopback_host("10.0.0.1")
    assert not is_loopback_host("example.com")


# secrets ------------------------------------------------------------------------------


def test_redactor_replaces_every_occurrence() -> None:
    redact = SecretRedactor(["sk-live-SECRET123"])
    text = "key=sk-live-SECRET123; again sk-live-SECRET123."
    assert redact(text) == f"key={REDACTED}; again {REDACTED}."


def test_redactor_longest_secret_first() -> None:
    redact = SecretRedactor(["abcd", "abcd1234", None])
    assert redact("x abcd1234 y abcd z") == f"x {REDACTED} y {REDACTED} z"


def test_redactor_ignores_empty_and_tiny_secrets() -> None:
    redact = SecretRedactor([None, "", "ab"])
    assert redact("ab cd") == "ab cd"


def test_redactor_leaves_clean_text_alone() -> None:
    assert SecretRedactor(["s3cr3t-value"])("nothing here") == "nothing here"


# dates --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-05-01T10:00:00Z", "2024-05-01T10:00:00Z"),
        ("2024-05-01T12:00:00+02:00", "2024-05-01T10:00:00Z"),
        ("2024-05-01T01:30:00-05:30", "2024-05-01T07:00:00Z"),
        ("2024-05-01 10:00:00", "2024-05-01T10:00:00Z"),  # naive -> UTC
        ("2024-05-01T10:00:00.999999Z", "2024-05-01T10:00:00Z"),  # whole seconds
        ("2024-05-01", "2024-05-01T00:00:00Z"),
        ("2024-12-31T23:30:00-01:00", "2025-01-01T00:30:00Z"),
    ],
)
def test_parse_and_format_strings(value: str, expected: str) -> None:
    parsed = parse_datetime(value)
    assert parsed is not None
    assert parsed.tzinfo is not None
    assert to_utc_z(parsed) == expected


def test_parse_datetime_objects() -> None:
    aware = dt.datetime(2024, 5, 1, 12, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert parse_datetime(aware) is aware
    naive = parse_datetime(dt.datetime(2024, 5, 1, 12))
    assert naive == dt.datetime(2024, 5, 1, 12, tzinfo=UTC)
    assert parse_datetime(dt.date(2024, 5, 1)) == dt.datetime(2024, 5, 1, tzinfo=UTC)


@pytest.mark.parametrize("value", ["garbage", "", "2024-13-01", "31/12/2024", None, 1714557600, 12.5, ["2024-05-01"]])
def test_parse_datetime_garbage(value: object) -> None:
    assert parse_datetime(value) is None
    assert not is_datetime_string(value)


def test_to_utc_z_writes_what_isoformat_writes_for_any_datetime() -> None:
    """Whole seconds in UTC, as `isoformat(timespec="seconds")` writes them, across the calendar and offsets."""
    rng = random.Random(15)
    start = dt.datetime(1, 1, 2, tzinfo=UTC)
    span = (dt.datetime(9999, 12, 30, tzinfo=UTC) - start).total_seconds()
    zones = [None, UTC] + [dt.timezone(dt.timedelta(minutes=rng.randint(-1439, 1439))) for _ in range(50)]
    values = [dt.datetime(1, 1, 1, 23, 59, 59, tzinfo=dt.timezone(dt.timedelta(hours=-1)))]
    values += [dt.datetime(9999, 12, 31, 0, 0, 0, 999999, tzinfo=dt.timezone(dt.timedelta(hours=1)))]
    for _ in range(20_000):
        moment = start + dt.timedelta(
            seconds=rng.uniform(0, span), microseconds=rng.choice([0, rng.randint(1, 999_999)])
        )
        zone = rng.choice(zones)
        values.append(moment.replace(tzinfo=None) if zone is None else moment.astimezone(zone))
    for value in values:
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        expected = aware.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"
        assert to_utc_z(value) == expected, value


def test_to_utc_z_naive_is_utc() -> None:
    assert to_utc_z(dt.datetime(2024, 1, 31, 9, 5)) == "2024-01-31T09:05:00Z"


def test_canonical_utc_text_is_told_the_same_the_first_time_and_when_remembered() -> None:
    canonical = [f"2024-01-{day:02d}T09:05:{second:02d}Z" for day in range(1, 29) for second in range(60)]
    others = ["2024-01-31T09:05:00+00:00", "2024-01-31 09:05:00Z", "2024-01-31T09:05:00z", "2024-01-31T09:05:0Z", ""]
    for _ in range(3):  # 1,680 texts a round: the remembered ones are let go past 4,096 and found again
        assert all(is_canonical_utc(text) for text in canonical)
        assert not any(is_canonical_utc(text) for text in others)
    assert is_canonical_utc("2024-13-45T99:99:99Z")  # the form, not a calendar check


def test_is_datetime_string_needs_a_string() -> None:
    assert is_datetime_string("2024-05-01T10:00:00Z")
    assert not is_datetime_string(dt.datetime(2024, 5, 1, tzinfo=UTC))


# json_payload -------------------------------------------------------------------------


def test_dumps_bytes_sdk_types() -> None:
    value = {
        "at": dt.datetime(2024, 5, 1, 12, 0, 30, tzinfo=dt.timezone(dt.timedelta(hours=2))),
        "naive": dt.datetime(2024, 5, 1, 12),
        "day": dt.date(2024, 5, 1),
        "time": dt.time(9, 30),
        "amount": decimal.Decimal("12.50"),
        "tags": ("a", "b"),
        "raw": b"bytes",
        "name": "Zoë",
    }
    out = dumps_bytes(value)
    assert isinstance(out, bytes)
    assert json.loads(out) == {
        "at": "2024-05-01T10:00:30Z",
        "naive": "2024-05-01T12:00:00Z",
        "day": "2024-05-01",
        "time": "09:30:00",
        "amount": 12.5,
        "tags": ["a", "b"],
        "raw": "bytes",
        "name": "Zoë",
    }
    # compact, and UTF-8 (the size that is measured against request limits)
    assert b", " not in out
    assert b": " not in out
    assert "Zoë".encode() in out


def test_dumps_text_matches_bytes() -> None:
    value = {"a": [1, 2], "d": decimal.Decimal("1.5")}
    assert dumps_text(value) == '{"a":[1,2],"d":1.5}'
    assert dumps_text(value).encode() == dumps_bytes(value)


def test_dumps_writes_keys_that_are_not_text_as_text_and_big_integers_whole() -> None:
    # orjson refuses both without its non-text-keys option or at all: the later attempts write them
    value = {1: "one", "nested": {2.5: [None, {True: "yes"}]}, "big": 2**70}
    assert dumps_text({1: "one", "nested": {2.5: [None, {True: "yes"}]}}) == (
        '{"1":"one","nested":{"2.5":[null,{"true":"yes"}]}}'
    )
    assert dumps_bytes(value) == b'{"1":"one","nested":{"2.5":[null,{"true":"yes"}]},"big":1180591620717411303424}'
    assert dumps_text({"k": {7: "v"}, "d": dt.date(2024, 5, 1)}) == '{"k":{"7":"v"},"d":"2024-05-01"}'


def test_dumps_unknown_type_raises() -> None:
    with pytest.raises(TypeError, match="object"):
        dumps_bytes({"x": object()})


# records ------------------------------------------------------------------------------


def test_is_delete() -> None:
    assert is_delete({"_sdc_deleted_at": "2024-05-01T00:00:00Z"})
    assert not is_delete({"_sdc_deleted_at": None})
    assert not is_delete({"sku": "A"})


def test_vendor_fields_drop_metadata_and_reason() -> None:
    record = {"sku": "A", "_sdc_deleted_at": None, "_sdc_sequence": 1, "_reject_reason": "x", "sdc": 1}
    assert vendor_fields(record) == {"sku": "A", "sdc": 1}


def test_vendor_fields_of_records_with_names_seen_before_still_drop_metadata() -> None:
    plain = {"sku": "A", "sdc": 1, "name": "x"}
    copied = vendor_fields(plain)
    assert copied == plain and copied is not plain
    assert vendor_fields({"sku": "B"}) == {"sku": "B"}  # its names were all seen: copied as it is
    later = {"name": "y", "_sdc_deleted_at": "2025-01-01T00:00:00Z", "sku": "C", "_reject_reason": "r"}
    assert vendor_fields(later) == {"name": "y", "sku": "C"}
    assert vendor_fields({"sku": "D", "_other": 1}) == {"sku": "D", "_other": 1}  # only `_sdc_*` and the reason go


def test_as_source_record() -> None:
    record = {
        "sku": "A",
        "_sdc_extracted_at": None,
        "_sdc_received_at": "now",
        "_sdc_batched_at": "now",
        "_sdc_sequence": 1,
        "_sdc_table_version": None,
        "_sdc_sync_started_at": 1,
        "_sdc_deleted_at": None,
    }
    assert as_source_record(record) == {"sku": "A"}
    deleted = {**record, "_sdc_deleted_at": "2024-05-01T00:00:00Z"}
    assert as_source_record(deleted) == {"sku": "A", "_sdc_deleted_at": "2024-05-01T00:00:00Z"}


# dry_run ------------------------------------------------------------------------------


def test_dry_run_recorder(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "dry.jsonl"
    recorder = DryRunRecorder(path)
    assert not path.exists()
    recorder.record("POST", "/items", {"at": dt.datetime(2024, 5, 1, tzinfo=UTC)})
    recorder.record("DELETE", "/items/1", None)
    recorder.close()

    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert lines == [
        {"method": "POST", "path": "/items", "body": {"at": "2024-05-01T00:00:00Z"}},
        {"method": "DELETE", "path": "/items/1", "body": None},
    ]
    assert recorder.requests == 2


def test_dry_run_recorder_writes_whole_bodies_big_ones_and_uploads_beside_it(tmp_path: Path) -> None:
    path = tmp_path / "dry.jsonl"
    recorder = DryRunRecorder(path, inline_body_bytes=100)
    recorder.record("POST", "/import", b'{"customers":[{"email":"a@example.cz"}]}')  # encoded JSON, inline
    big = {"customers": [{"email": f"c{n}@example.cz"} for n in range(10)]}
    recorder.record("POST", "/import", big)
    recorder.record("POST", "/imports/", {"type": "contacts"}, upload=b"_email\na@example.cz\n")
    recorder.record_polls("/imports/{id}", 3)
    recorder.close()

    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert lines[0] == {"method": "POST", "path": "/import", "body": {"customers": [{"email": "a@example.cz"}]}}
    assert "body" not in lines[1] and lines[1]["body_bytes"] > 100
    assert json.loads(Path(lines[1]["body_file"]).read_text(encoding="utf-8")) == big
    assert Path(lines[1]["body_file"]).parent == tmp_path / "dry.bodies"
    assert lines[2]["body"] == {"type": "contacts"} and lines[2]["file_bytes"] == 20
    assert Path(lines[2]["file"]).read_bytes() == b"_email\na@example.cz\n"
    assert [line.get("poll") for line in lines[3:]] == [1, 2, 3]
    assert all(line["method"] == "GET" and line["path"] == "/imports/{id}" for line in lines[3:])
    assert (recorder.requests, recorder.polls) == (6, 3)


def test_polls_are_counted_by_the_poll_schedule() -> None:
    schedule = PollSchedule(first_seconds=1.0, max_seconds=30.0)
    assert schedule.polls_for(0.5) == 1
    assert schedule.polls_for(1.0) == 1
    assert schedule.polls_for(4.0) == 3  # 1 + 1.5 + 2.25 = 4.75
    assert schedule.polls_for(10.0) == 5  # ... + 3.375 + 5.06 = 13.2
    assert PollSchedule(first_seconds=1.0, max_seconds=2.0).polls_for(10.0) == 6  # 1 + 1.5 + 2 x 4 = 10.5


# settings -----------------------------------------------------------------------------


def test_common_settings_schema() -> None:
    schema = properties_schema(
        *common_settings(
            target_name="target-x", default_api_url="https://x.example", default_max_requests_per_minute=90
        )
    )
    props = schema["properties"]
    for name in (
        "api_key",
        "api_url",
        "entities",
        "unknown_streams",
        "max_requests_per_minute",
        "request_timeout_seconds",
        "max_retries",
        "dry_run",
        "dry_run_path",
        "rejects_path",
        "max_rejected_records",
        "summary_path",
        "progress_interval_seconds",
    ):
        assert name in props, name
    assert props["api_key"].get("secret") is True
    assert props["api_url"]["default"] == "https://x.example"
    assert props["max_requests_per_minute"]["default"] == 90
    assert props["unknown_streams"]["enum"] == ["fail", "ignore"]
    assert props["rejects_path"]["default"] == "target-x-rejects.singer"
    assert props["dry_run_path"]["default"] == "target-x-dry-run.jsonl"


@pytest.mark.parametrize(
    ("email", "key"),
    [
        (" Anna@Example.IT ", "anna@example.it"),
        ("ÜNÏ@EXÄMPLE.IT", "ünï@exämple.it"),
        (None, ""),
        ("", ""),
        (0, ""),
        (12, "12"),
    ],
)
def test_email_key_is_the_email_trimmed_and_lower_cased(email: object, key: str) -> None:
    assert email_key(email) == key
