"""RunReport: counts, the summary, summary_path, progress."""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path

import pytest

from api_target_kit.api_stats import ApiStats
from api_target_kit.late_arrival import wait_for_late_arrival
from api_target_kit.rate_limit import RateLimiter
from api_target_kit.run_report import RunReport, StreamTally


def make_report(tmp_path: Path | None = None, **kwargs: object) -> RunReport:
    return RunReport(
        "target-fake",
        api=kwargs.pop("api", ApiStats()),  # type: ignore[arg-type]
        limiter=kwargs.pop("limiter", RateLimiter(60)),  # type: ignore[arg-type]
        summary_path=(tmp_path / "out" / "summary.json") if tmp_path else None,
        rejects_path="rejects.singer",
        **kwargs,  # type: ignore[arg-type]
    )


def test_counts_per_stream() -> None:
    report = make_report()
    report.received("items", 5)
    report.received("items")
    report.sent("items", 3)
    report.deleted("items")
    report.skipped("items", "no delete endpoint")
    report.rejected("items", "missing required field 'sku'")
    report.rejected("orders", "missing required field 'sku'", 2)
    report.warn("items", "amount rounded")

    items = report.tally("items")
    assert items.received == 6
    assert items.sent == 3
    assert items.deleted == 1
    assert items.skipped == {"no delete endpoint": 1}
    assert items.settled == 6
    assert report.total_rejected == 3


def test_summary_keys_and_values() -> None:
    api = ApiStats()
    api.count_call("/items")
    api.count_call("/items")
    api.count_429()
    api.count_retry(1.25)
    limiter = RateLimiter(120)
    report = make_report(api=api, limiter=limiter)
    report.received("items", 4)
    report.sent("items", 2)
    report.skipped("items", "ignored", 1)
    report.rejected("items", "bad email", 1)
    report.warn("items", "trimmed")
    report.add_detail("imports", {"shortfall": 0})

    summary = report.summary()
    json.dumps(summary)  # JSON-ready
    items = summary["streams"]["items"]
    assert items["received"] == 4
    assert items["sent"] == 2
    assert items["skipped"] == 1
    assert items["skipped_by_reason"] == {"ignored": 1}
    assert items["rejected"] == 1
    assert items["rejected_by_reason"] == {"bad email": 1}
    assert items["warnings"] == {"trimmed": 1}
    assert summary["api"]["calls"] == 2
    assert summary["api"]["calls_by_endpoint"] == {"/items": 2}
    assert summary["api"]["retries"] == 1
    assert summary["api"]["rate_limited_429"] == 1
    assert summary["api"]["seconds_waited_retries"] == 1.25
    assert summary["api"]["seconds_waited_rate_limit"] == 0.0
    assert summary["api"]["max_requests_per_minute"] == 120
    assert summary["imports"] == {"shortfall": 0}
    assert summary["target"] == "target-fake"
    assert summary["status"] == "running"
    assert summary["rejects_path"] == "rejects.singer"
    assert summary["dry_run"] is False


def test_finish_writes_summary_path_once(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    report = make_report(tmp_path)
    report.sent("items", 2)
    with caplog.at_level(logging.INFO):
        first = report.finish("succeeded")
    path = tmp_path / "out" / "summary.json"
    written = json.loads(path.read_text(encoding="utf-8"))
    assert written["status"] == "succeeded"
    assert written["error"] is None
    assert written["streams"]["items"]["sent"] == 2
    assert first["status"] == "succeeded"
    assert "Run summary:" in caplog.text

    report.sent("items", 5)
    assert report.finish("failed", error="later") == {}
    again = json.loads(path.read_text(encoding="utf-8"))
    assert again == written


def test_finish_failed_records_error(tmp_path: Path) -> None:
    report = make_report(tmp_path)
    summary = report.finish("failed", error="VendorError: HTTP 422")
    assert summary["status"] == "failed"
    assert summary["error"] == "VendorError: HTTP 422"


def test_rejects_that_may_have_reached_the_vendor_end_the_run_needing_attention(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    report = make_report(tmp_path)
    report.sent("automation_triggers", 5)
    report.rejected("automation_triggers", "an earlier run was interrupted after sending it")
    report.outcome_unknown("automation_triggers")
    report.rejected("events", "bad email")  # an ordinary reject needs no attention

    with caplog.at_level(logging.INFO):
        summary = report.finish("succeeded")

    assert summary["status"] == "needs_attention"
    assert summary["needs_attention"] == {"automation_triggers": 1}
    last = caplog.records[-1]
    assert last.levelno == logging.WARNING
    assert "Needs attention: 1 automation_triggers record rejected" in last.getMessage()
    assert "rejects.singer" in last.getMessage()


def test_a_failed_run_stays_failed_and_ordinary_rejects_need_no_attention(tmp_path: Path) -> None:
    failed = make_report(tmp_path)
    failed.outcome_unknown("automation_triggers")
    assert failed.finish("failed", error="x")["status"] == "failed"

    ordinary = make_report()
    ordinary.rejected("events", "bad email")
    summary = ordinary.finish("succeeded")
    assert summary["status"] == "succeeded"
    assert summary["needs_attention"] == {}


def test_finish_without_summary_path() -> None:
    report = make_report()
    assert report.finish("succeeded")["status"] == "succeeded"


def test_progress_line_mentions_eta() -> None:
    api = ApiStats()
    api.count_call("/items")
    api.count_call("/items")
    report = make_report(api=api, limiter=RateLimiter(60, headroom=0.0))
    report.received("items", 10)
    report.sent("items", 4)

    line = report.progress_line()
    assert "4 records delivered" in line
    assert "6 pending" in line
    assert "2 API calls" in line
    # 6 pending at 2 records per call = 3 calls, 1 s apart at 60/min.
    assert "ETA 0:00:03" in line
    assert "60 requests/min" in line


def test_progress_line_eta_unknown_before_anything_is_sent() -> None:
    report = make_report()
    report.received("items", 3)
    line = report.progress_line()
    assert "ETA unknown" in line
    assert "3 pending" in line


def test_counting_is_thread_safe() -> None:
    report = make_report()

    def worker() -> None:
        for _ in range(1000):
            report.received("items")
            report.rejected("items", "r")

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert report.tally("items").received == 8000
    assert report.total_rejected == 8000


def test_stream_tally_as_dict() -> None:
    tally = StreamTally(received=3, sent=1)
    tally.rejected["x"] += 2
    assert tally.as_dict()["rejected"] == 2
    assert tally.settled == 3


def test_progress_line_says_what_it_waits_for_on_purpose_instead_of_an_eta() -> None:
    limiter = RateLimiter(60)
    report = make_report(limiter=limiter)
    report.received("orders", 10)
    report.sent("orders", 2)
    assert "ETA" in report.progress_line()

    lines: list[str] = []
    wait_for_late_arrival({"late_arrival_seconds": 30}, report, sleep=lambda _: lines.append(report.progress_line()))
    assert lines[0].endswith("waiting: late-arrival check (30 s left)")
    assert "ETA" not in lines[0]
    assert "ETA" in report.progress_line()  # the wait is over

    limiter.hold_off(20)
    assert report.progress_line().endswith(
        "waiting: holding off for the vendor's rate limit (429 or no budget left) 20 s"
    )
