"""Tests of the generic sandbox machinery (api_target_kit.sandbox) through a tiny echo vendor."""

from __future__ import annotations

import argparse
import http.client
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from api_target_kit.sandbox import (
    ApiRequest,
    BaseSandboxConfig,
    FaultConfig,
    FaultInjector,
    RateDecision,
    RateLimitWindow,
    RateStatus,
    RateWindow,
    Response,
    RoutedSandboxCore,
    RouteTable,
    SandboxApp,
    SandboxCore,
    is_int,
    is_number,
    message,
    parse_json,
    route,
)
from api_target_kit.sandbox.cli import SandboxCommand, add_common_arguments, common_config_kwargs, serve

KEY = "echo-secret"


@dataclass
class EchoConfig(BaseSandboxConfig):
    """The kit's settings plus one vendor field."""

    greeting: str = "hi"

    def __post_init__(self) -> None:
        super().__post_init__()
        if not isinstance(self.greeting, str):
            raise TypeError("greeting must be a string")


class EchoCore(SandboxCore[EchoConfig]):
    """Stores posted JSON items; `X-Key` auth; every response carries rate headers."""

    server_name = "EchoSandbox/0.1"
    api_prefix = "/api"

    def __init__(self, config: EchoConfig, window: RateLimitWindow | None = None) -> None:
        super().__init__(config, window)
        self.items: list[Any] = []
        self.advanced = 0

    def process(self, request: ApiRequest) -> Response:
        if not self.key_matches(request.header("X-Key")):
            return Response(401, b"unauthorized\n", content_type="text/plain")
        path = self.api_path(request.path)
        if path == "/items" and request.method == "POST":
            if request.body is None:
                return message(413, "too large")
            self.items.append(parse_json(request.body))
            return Response(201, {"count": len(self.items)})
        if path == "/items" and request.method == "GET":
            return Response(200, {"items": self.items, "query": dict(request.query), "page": request.param("page")})
        if path == "/export":
            return Response(200, b"id;name\n1;\xc3\xa9\n", content_type="text/csv; charset=utf-8")
        if path == "/size":
            body = None if request.body is None else request.body.decode()
            return Response(200, {"body": body, "size": request.size})
        return message(404, "not found")

    def advance(self) -> None:
        self.advanced += 1

    def decorate(self, request: ApiRequest, response: Response) -> Response:
        status = self.window.status(time.monotonic())
        return response.with_headers(("X-Limit", str(status.limit)), ("X-Remaining", str(status.remaining)))

    def snapshot_state(self) -> dict[str, Any]:
        return {"items": list(self.items)}

    def count_state(self) -> dict[str, Any]:
        return {"items": len(self.items)}

    def clear_state(self) -> None:
        self.items.clear()


class EchoSandbox(SandboxApp[EchoConfig]):
    thread_name = "echo-sandbox"

    def make_core(self, config: EchoConfig) -> EchoCore:
        return EchoCore(config)


MakeSandbox = Callable[..., tuple[EchoSandbox, requests.Session]]


@pytest.fixture
def make_sandbox() -> Iterator[MakeSandbox]:
    """Start echo sandboxes on free ports with a keyed session; stop them afterwards."""
    started: list[tuple[EchoSandbox, requests.Session]] = []

    def _make(**kwargs: Any) -> tuple[EchoSandbox, requests.Session]:
        kwargs.setdefault("api_key", KEY)
        sandbox = EchoSandbox(EchoConfig(**kwargs))
        sandbox.start(port=0)
        session = requests.Session()
        session.headers["x-key"] = KEY
        started.append((sandbox, session))
        return sandbox, session

    yield _make
    for sandbox, session in started:
        session.close()
        sandbox.stop()


# ----- values and small parts -------------------------------------------------------------


def test_config_validation_and_key_hidden() -> None:
    config = EchoConfig(api_key="top-secret", rate_limit=5, greeting="hello")
    assert "top-secret" not in repr(config) and "greeting='hello'" in repr(config)
    with pytest.raises(ValueError, match="api_key"):
        EchoConfig(api_key="")
    with pytest.raises(ValueError, match="rate_limit"):
        EchoConfig(rate_limit=0)
    with pytest.raises(ValueError, match="window_seconds"):
        EchoConfig(window_seconds=0)
    with pytest.raises(TypeError, match="faults"):
        EchoConfig(faults={"rate_429": 1.0})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="greeting"):
        EchoConfig(greeting=3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="add up"):
        FaultConfig(rate_429=0.6, rate_5xx=0.6)
    assert is_int(3) and not is_int(True) and not is_int(3.0)
    assert is_number(2.5) and is_number(2) and not is_number(False) and not is_number("1")


def test_response_encoding_and_api_request_lookup() -> None:
    assert Response(200, {"a": "é"}).encode() == '{"a": "é"}'.encode()
    raw = Response(200, b"a,b\n", content_type="text/csv")
    assert raw.encode() == b"a,b\n" and raw.content_type == "text/csv"
    assert raw.with_headers(("X-A", "1")).headers == (("X-A", "1"),)
    request = ApiRequest(
        "GET",
        "/api/x",
        query={"page": ["2", "3"], "empty": [""]},
        headers={"X-Key": "first", "Content-Type": "application/json"},
    )
    assert request.header("x-key") == "first" and request.header("CONTENT-TYPE") == "application/json"
    assert request.header("missing") is None
    assert request.param("page") == "2" and request.param("empty") == "" and request.param("nope") is None


def test_rate_window_status_counts_and_reset_time() -> None:
    window = RateWindow(limit=3, window_seconds=1.0)
    assert window.status(100.0).remaining == 3 and window.status(100.0).resets_in == 0.0
    window.hit(100.0)
    window.hit(100.5)
    status = window.status(100.6)
    assert (status.limit, status.in_window, status.remaining) == (3, 2, 1)
    assert status.resets_in == pytest.approx(0.4)
    assert window.hit(100.7).allowed and not window.hit(100.8).allowed
    assert window.remaining(100.9) == 0 and window.status(100.9).in_window == 4
    assert window.in_window(101.2) == 3  # the 100.0 arrival has left
    assert window.resets_in(102.0) == 0.0 and window.remaining(102.0) == 3


def test_fault_rules_are_matched_below_the_api_prefix() -> None:
    rules = [{"status": 503, "path": "/v1/import/", "count": 2}, {"status": 502, "path": "/other"}]
    injector = FaultInjector(FaultConfig(fail_next=rules), api_prefix="/v1")
    assert injector.decide("/v1/importx").status == 0
    assert injector.decide("/v1/import/").status == 503
    assert injector.decide("/v1/import/7").status == 503
    assert injector.decide("/v1/import").status == 0  # count used up
    assert injector.decide("/other/x").status == 502  # outside the prefix: compared as it is
    assert injector.current().fail_next == []


# ----- routing and the routed pipeline ----------------------------------------------------


def _table(decode: bool = True) -> RouteTable[str]:
    return RouteTable(
        (
            route("/x/delete-bulk", DELETE="delete-bulk"),
            route("/x/{id}", PUT="replace", GET="show"),
            route("/plain", POST="plain"),
        ),
        not_found=lambda: message(404, "nope"),
        method_not_allowed=lambda method: message(405, f"no {method}"),
        decode_params=decode,
    )


def test_route_table_404_405_allow_and_params() -> None:
    table = _table()
    assert table.resolve("GET", "/x/a%40b.com") == ("show", ("a@b.com",))
    assert table.resolve("PUT", "/x/delete-bulk") == ("replace", ("delete-bulk",))  # a later route has the method
    assert table.resolve("DELETE", "/x/delete-bulk") == ("delete-bulk", ())
    wrong = table.resolve("PATCH", "/x/delete-bulk")
    assert isinstance(wrong, Response) and wrong.status == 405 and wrong.body == {"message": "no PATCH"}
    assert wrong.headers == (("Allow", "DELETE, GET, PUT"),)
    assert table.resolve("GET", "/plain") == message(405, "no GET", (("Allow", "POST"),))
    assert table.resolve("GET", "/nope") == message(404, "nope")
    assert table.resolve("GET", None) == message(404, "nope")  # outside the API prefix
    assert table.resolve("GET", "/x/a/b") == message(404, "nope")  # a parameter is one segment
    assert _table(decode=False).resolve("GET", "/x/a%40b.com") == ("show", ("a%40b.com",))


class RoutedEcho(RoutedSandboxCore[EchoConfig, str]):
    """Echoes the endpoint, params and body; records which steps ran."""

    api_prefix = "/api"
    routes = _table()

    def __init__(self, config: EchoConfig) -> None:
        super().__init__(config)
        self.steps: list[str] = []

    def check_caller(self, request: ApiRequest) -> Response | None:
        self.steps.append("caller")
        return None if self.key_matches(request.header("x-key")) else message(401, "who")

    def too_large(self) -> Response:
        return message(413, "big")

    def read_body(self, endpoint: str, request: ApiRequest, raw: bytes) -> Any:
        self.steps.append("body")
        return message(400, "bad") if raw == b"bad" else raw.decode()

    def call(self, endpoint: str, params: tuple[str, ...], request: ApiRequest, body: Any) -> Response:
        self.steps.append("call")
        return Response(200, {"endpoint": endpoint, "params": list(params), "body": body})


def test_routed_core_checks_caller_size_route_body_then_calls() -> None:
    core = RoutedEcho(EchoConfig(api_key=KEY))
    key = {"X-Key": KEY}

    def answer(method: str, path: str, body: bytes | None = b"", headers: dict[str, str] = key) -> Response:
        core.steps.clear()
        return core.process(ApiRequest(method, path, headers=headers, body=body, size=len(body or b"x" * 99)))

    assert answer("GET", "/api/nope", None, {}).status == 401 and core.steps == ["caller"]
    assert answer("GET", "/api/nope", None).status == 413
    assert answer("GET", "/api/nope").status == 404 and core.steps == ["caller"]
    assert answer("POST", "/api/x/1", b"bad").status == 405
    assert answer("PUT", "/api/x/1", b"bad").body == {"message": "bad"} and core.steps == ["caller", "body"]
    ok = answer("PUT", "/api/x/a%2Fb", b"hi")
    assert ok.body == {"endpoint": "replace", "params": ["a/b"], "body": "hi"}
    assert core.steps == ["caller", "body", "call"]


class FixedWindow:
    """A rate window other than the kit's: every second arrival is refused."""

    def __init__(self) -> None:
        self.count = 0

    @property
    def max_in_window(self) -> int:
        return self.count

    def hit(self, now: float) -> RateDecision:
        self.count += 1
        return RateDecision(allowed=self.count % 2 == 1, in_window=self.count, retry_after=9)

    def status(self, now: float) -> RateStatus:
        return RateStatus(limit=1, window_seconds=1.0, in_window=self.count, remaining=0, resets_in=1.0)

    def reset(self) -> None:
        self.count = 0


class DirectEcho(EchoCore):
    """Serves ``/files/...`` outside the pipeline; an injected 429 has no ``Retry-After``."""

    injected_retry_after = False

    def __init__(self, config: EchoConfig) -> None:
        super().__init__(config, FixedWindow())

    def serve_direct(self, request: ApiRequest) -> Response | None:
        return Response(200, b"file", content_type="text/plain") if request.path.startswith("/files/") else None


def test_custom_window_direct_paths_and_injected_429_without_retry_after() -> None:
    core = DirectEcho(EchoConfig(api_key=KEY, faults=FaultConfig(fail_next=[{"status": 429, "count": 1}])))
    key = {"X-Key": KEY}
    direct = core.handle_api(ApiRequest("GET", "/files/a.csv"))
    assert direct is not None and direct.body == b"file" and direct.headers == ()  # not decorated
    injected = core.handle_api(ApiRequest("GET", "/api/items", headers=key))
    assert (
        injected is not None and injected.status == 429 and injected.headers == (("X-Limit", "1"), ("X-Remaining", "0"))
    )
    limited = core.handle_api(ApiRequest("GET", "/api/items", headers=key))
    assert limited is not None and limited.status == 429 and ("Retry-After", "9") in limited.headers
    assert core.summary()["requests"]["total"] == 2 and core.summary()["requests"]["max_in_window"] == 2
    assert core.faults.decide("/api/items").headers == ()
    assert FaultInjector(FaultConfig(rate_429=1.0)).decide("/x").headers == (("Retry-After", "1"),)


# ----- the HTTP pipeline ------------------------------------------------------------------


def test_auth_raw_bytes_query_and_server_header(make_sandbox: MakeSandbox) -> None:
    sb, session = make_sandbox()
    assert sb.base_url == f"http://127.0.0.1:{sb.port}/api" and sb.api_prefix == "/api"
    denied = requests.get(f"{sb.base_url}/items", headers={"X-KEY": "wrong"})
    assert denied.status_code == 401 and denied.content == b"unauthorized\n"
    assert denied.headers["Content-Type"] == "text/plain"
    assert denied.headers["Server"].startswith("EchoSandbox/0.1 ")
    export = session.get(f"{sb.base_url}/export")
    assert export.content == "id;name\n1;é\n".encode() and export.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert export.headers["Content-Length"] == str(len(export.content))
    assert session.post(f"{sb.base_url}/items", json={"n": 1}).json() == {"count": 1}
    listed = session.get(f"{sb.base_url}/items/?page=4&page=5&blank=").json()
    assert listed == {"items": [{"n": 1}], "query": {"page": ["4", "5"], "blank": [""]}, "page": "4"}
    assert [r["status"] for r in sb.request_log()] == [401, 200, 201, 200]


def test_repeated_header_first_value_wins(make_sandbox: MakeSandbox) -> None:
    sb, _ = make_sandbox()
    statuses = []
    for values in ((KEY, "wrong"), ("wrong", KEY)):
        conn = http.client.HTTPConnection("127.0.0.1", sb.port, timeout=5)
        try:
            conn.putrequest("GET", "/api/items")
            for value in values:
                conn.putheader("X-Key", value)
            conn.endheaders()
            statuses.append(conn.getresponse().status)
        finally:
            conn.close()
    assert statuses == [200, 401]


def test_rate_limit_429_retry_after_and_decorate(make_sandbox: MakeSandbox) -> None:
    sb, session = make_sandbox(rate_limit=2, window_seconds=30.0)
    first = session.get(f"{sb.base_url}/items")
    assert first.headers["X-Limit"] == "2" and first.headers["X-Remaining"] == "1"
    assert session.get(f"{sb.base_url}/items").headers["X-Remaining"] == "0"
    limited = session.get(f"{sb.base_url}/items")
    assert limited.status_code == 429 and limited.json() == {"message": "rate limit exceeded"}
    assert 1 <= int(limited.headers["Retry-After"]) <= 30
    assert limited.headers["X-Remaining"] == "0" and limited.headers["X-Limit"] == "2"
    assert [r["rate_limited"] for r in sb.request_log()] == [False, False, True]
    summary = sb.summary()
    assert summary["requests"]["rate_limited"] == 1 and summary["requests"]["max_in_window"] == 3
    assert summary["items"] == 0


def test_fail_next_by_path_with_api_prefix_is_decorated(make_sandbox: MakeSandbox) -> None:
    rules = [{"status": 503, "path": "/api/items", "count": 2}, {"status": 418, "path": "/export/"}]
    sb, session = make_sandbox(faults=FaultConfig(fail_next=rules))
    assert session.get(f"{sb.base_url}/export").status_code == 418
    posted = session.post(f"{sb.base_url}/items", json={"n": 1})
    assert posted.status_code == 503 and posted.json() == {"message": "injected failure (fail_next)"}
    assert posted.headers["X-Limit"] == "60"
    assert session.get(f"{sb.base_url}/items/").status_code == 503
    assert session.post(f"{sb.base_url}/items", json={"n": 2}).status_code == 201
    assert sb.snapshot() == {"items": [{"n": 2}]}
    assert [r["injected"] for r in sb.request_log()] == [True, True, True, False]
    assert sb.faults().fail_next == []


def test_random_5xx_share_is_reproducible_with_a_seed(make_sandbox: MakeSandbox) -> None:
    faults = FaultConfig(rate_5xx=0.5, rate_429=0.1, retry_after_seconds=4, seed=11)
    sb, session = make_sandbox(rate_limit=10_000, faults=faults)

    def run(n: int) -> list[requests.Response]:
        return [session.get(f"{sb.base_url}/items") for _ in range(n)]

    responses = run(60)
    codes = [r.status_code for r in responses]
    n5xx = sum(1 for c in codes if c >= 500)
    assert 18 <= n5xx <= 42 and {c for c in codes if c >= 500} <= {500, 502, 503}
    assert set(codes) - {429, 500, 502, 503} == {200}
    assert all(r.headers["Retry-After"] == "4" for r in responses if r.status_code == 429)
    assert all(r.headers["X-Limit"] == "10000" for r in responses)
    assert sb.summary()["requests"]["injected"] == sum(1 for c in codes if c != 200)
    sb.set_faults(faults)  # same seed: same sequence
    assert [r.status_code for r in run(30)] == codes[:30]


def test_drop_closes_without_processing_and_drop_after_processes(make_sandbox: MakeSandbox) -> None:
    sb, session = make_sandbox(faults=FaultConfig(rate_drop=1.0))
    with pytest.raises(requests.exceptions.ConnectionError):
        session.post(f"{sb.base_url}/items", json={"n": 1}, timeout=5)
    assert sb.snapshot() == {"items": []}
    sb.set_faults(FaultConfig(rate_drop_after=1.0))
    with pytest.raises(requests.exceptions.ConnectionError):
        session.post(f"{sb.base_url}/items", json={"n": 2}, timeout=5)
    assert sb.snapshot() == {"items": [{"n": 2}]}
    assert [(r["status"], r["injected"]) for r in sb.request_log()] == [(None, True), (None, True)]
    assert sb.summary()["requests"]["by_status"] == {"dropped": 2}


def test_stall_is_interrupted_by_stop(make_sandbox: MakeSandbox) -> None:
    sb, session = make_sandbox(faults=FaultConfig(rate_stall=1.0, stall_seconds=30.0))
    outcome: list[object] = []

    def call() -> None:
        try:
            outcome.append(session.post(f"{sb.base_url}/items", json={"n": 1}, timeout=10).status_code)
        except requests.exceptions.RequestException as exc:
            outcome.append(exc)

    caller = threading.Thread(target=call)
    caller.start()
    deadline = time.monotonic() + 5
    while not sb.request_log() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert sb.summary()["requests"]["by_status"] == {"in_flight": 1}
    started = time.monotonic()
    sb.stop()
    caller.join(timeout=5)
    assert not caller.is_alive() and len(outcome) == 1
    while sb.snapshot() == {"items": []} and time.monotonic() - started < 5:
        time.sleep(0.01)  # the woken handler thread goes on to process the request
    assert sb.snapshot() == {"items": [{"n": 1}]} and time.monotonic() - started < 5


def test_body_over_max_request_bytes_arrives_as_none(make_sandbox: MakeSandbox) -> None:
    sb, session = make_sandbox(max_request_bytes=10)
    big = session.post(f"{sb.base_url}/size", data=b"x" * 25)
    assert big.json() == {"body": None, "size": 25}
    small = session.post(f"{sb.base_url}/size", data=b"0123456789")  # same connection, still usable
    assert small.json() == {"body": "0123456789", "size": 10}
    assert session.post(f"{sb.base_url}/items", data=b"[" * 11).status_code == 413
    assert [r["bytes"] for r in sb.request_log()] == [25, 10, 11]


def test_chunked_request_body(make_sandbox: MakeSandbox) -> None:
    sb, session = make_sandbox(max_request_bytes=12)
    ok = session.post(f"{sb.base_url}/size", data=iter([b"abc", b"defg"]))
    assert ok.json() == {"body": "abcdefg", "size": 7}
    too_big = session.post(f"{sb.base_url}/size", data=iter([b"abcdefgh", b"ijklmnop"]))
    assert too_big.json() == {"body": None, "size": 16}
    assert session.get(f"{sb.base_url}/items").status_code == 200


# ----- admin ------------------------------------------------------------------------------


def test_admin_endpoints(make_sandbox: MakeSandbox) -> None:
    sb, session = make_sandbox(rate_limit=1)
    assert session.post(f"{sb.base_url}/items", json={"n": 1}).status_code == 201
    assert session.get(f"{sb.base_url}/items").status_code == 429
    sb.set_faults(FaultConfig(rate_5xx=1.0))
    admin = sb.admin_url
    assert admin == f"http://127.0.0.1:{sb.port}/_sandbox"
    for _ in range(2):  # no auth, no rate limit, no faults, not logged
        data = requests.get(f"{admin}/data")
        assert data.json() == {"items": [{"n": 1}]} and "X-Limit" not in data.headers
        assert requests.get(f"{admin}/summary").json()["requests"]["total"] == 2
        assert [r["status"] for r in requests.get(f"{admin}/requests").json()] == [201, 429]
    assert requests.get(f"{admin}/faults").json()["rate_5xx"] == 1.0
    bad = requests.post(f"{admin}/faults", json={"rate_5xx": 2})
    assert bad.status_code == 400 and "rate_5xx" in bad.json()["message"]
    assert requests.post(f"{admin}/faults", data=b"{").status_code == 400
    posted = requests.post(f"{admin}/faults", json={"fail_next": [{"status": 409, "path": "/items"}]})
    assert posted.status_code == 200 and posted.json()["faults"]["fail_next"][0]["count"] == 1
    assert sb.faults().rate_5xx == 0.0
    wrong = requests.delete(f"{admin}/faults")
    assert wrong.status_code == 405 and wrong.headers["Allow"] == "GET, POST"
    assert requests.get(f"{admin}/reset").headers["Allow"] == "POST"
    assert requests.get(f"{admin}/nope").status_code == 404
    assert requests.post(f"{admin}/reset").json() == {"message": "reset"}
    assert sb.snapshot() == {"items": []} and sb.request_log() == []
    assert session.get(f"{sb.base_url}/items").status_code == 409  # rate window reset, faults kept
    assert sb.core.advanced > 0  # type: ignore[attr-defined]


# ----- command line -----------------------------------------------------------------------


def test_sandbox_command_adds_vendor_flags_and_reports_bad_settings(capsys: pytest.CaptureFixture[str]) -> None:
    def flags(parser: argparse.ArgumentParser, defaults: EchoConfig) -> None:
        parser.add_argument("--greeting", default=defaults.greeting)

    def settings(args: argparse.Namespace) -> dict[str, Any]:
        return {"greeting": int(args.greeting) if args.greeting.isdigit() else args.greeting}

    command = SandboxCommand("python -m echo", "Echo sandbox.", 9998, "Echo", EchoConfig, EchoSandbox, flags, settings)
    parser = command.parser()
    assert parser.prog == "python -m echo" and parser.description == "Echo sandbox."
    assert parser.parse_args([]).port == 9998 and parser.parse_args([]).greeting == "hi"
    for bad, error in ((["--greeting", "3"], "greeting must be a string"), (["--faults", "{"], "Expecting")):
        with pytest.raises(SystemExit) as exited:
            command.main(bad)
        assert exited.value.code == 2 and error in capsys.readouterr().err


def test_cli_helpers_build_config_and_serve_until_sigterm(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser()
    add_common_arguments(parser, EchoConfig(), port=9999)
    assert parser.parse_args([]).port == 9999 and parser.parse_args([]).rate_limit == 60
    args = parser.parse_args(["--port", "0", "--api-key", KEY, "--faults", '{"rate_5xx": 0.25}'])
    config = EchoConfig(**common_config_kwargs(args), greeting="yo")
    assert config.faults.rate_5xx == 0.25 and config.api_key == KEY and config.greeting == "yo"
    with pytest.raises(ValueError):
        common_config_kwargs(parser.parse_args(["--faults", '{"nope": 1}']))
    port_file = tmp_path / "port"
    sandbox = EchoSandbox(config)
    previous = signal.getsignal(signal.SIGTERM)
    statuses: list[int] = []

    def client() -> None:
        deadline = time.monotonic() + 5
        while not port_file.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        port = int(port_file.read_text())
        statuses.append(requests.get(f"http://127.0.0.1:{port}/api/export", headers={"X-Key": KEY}).status_code)
        os.kill(os.getpid(), signal.SIGTERM)

    thread = threading.Thread(target=client)
    thread.start()
    assert serve(sandbox, 0, str(port_file), "Echo") == 0
    thread.join(timeout=5)
    out = capsys.readouterr().out
    assert out.startswith("Echo sandbox listening on http://127.0.0.1:") and out.rstrip().endswith("/api")
    assert KEY not in out and statuses in ([200], [500], [502], [503])
    assert signal.getsignal(signal.SIGTERM) == previous
    with pytest.raises(RuntimeError):
        _ = sandbox.port  # stopped
