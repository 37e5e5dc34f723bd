"""late_arrival: how long a sink waits after a lost create answer before checking whether it arrived."""

from __future__ import annotations

from api_target_kit.late_arrival import SETTING, late_arrival_seconds, late_arrival_setting, wait_for_late_arrival


def test_the_wait_defaults_to_the_request_timeout_and_follows_the_setting() -> None:
    assert late_arrival_seconds({}) == 60
    assert late_arrival_seconds({"request_timeout_seconds": 3}) == 3
    assert late_arrival_seconds({"request_timeout_seconds": 3, SETTING: 12}) == 12
    assert late_arrival_seconds({"request_timeout_seconds": 3, SETTING: 0}) == 0


def test_waiting_sleeps_the_configured_time_and_never_a_negative_one() -> None:
    slept: list[float] = []
    assert wait_for_late_arrival({SETTING: 2.5}, sleep=slept.append) == 2.5
    assert wait_for_late_arrival({SETTING: 0}, sleep=slept.append) == 0
    assert slept == [2.5]


def test_the_setting_is_a_number_without_a_default_in_the_schema() -> None:
    schema = late_arrival_setting().to_dict()
    assert schema[SETTING]["type"] == ["number", "null"]
    assert "request_timeout_seconds" in schema[SETTING]["description"]
