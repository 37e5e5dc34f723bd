"""Fixtures for the kit tests: a scripted HTTP server on loopback and an ApiClient factory."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from api_target_kit.api_stats import ApiStats
from api_target_kit.http_client import ApiClient
from api_target_kit.rate_limit import RateLimiter
from api_target_kit.secrets import SecretRedactor

#: A key shaped like a real one; tests assert it never appears in any text the kit makes.
API_KEY = "sk-live-SECRET123"


@dataclass
class Scripted:
    """One scripted answer.

    `drop`: close the connection without answering. `truncate`: send the headers and
    part of the body, then close (a connection lost mid-response). `sleep`: seconds to
    wait before answering (longer than the client's timeout gives a read timeout).
    """

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | str | dict[str, Any] | list[Any] = b""
    drop: bool = False
    truncate: bool = False
    sleep: float = 0.0

    def encoded(self) -> tuple[bytes, dict[str, str]]:
        """The body as bytes and the headers to send with it."""
        headers = dict(self.headers)
        if isinstance(self.body, (dict, list)):
            headers.setdefault("Content-Type", "application/json")
            return json.dumps(self.body).encode(), headers
        if isinstance(self.body, str):
            headers.setdefault("Content-Type", "text/plain; charset=utf-8")
            return self.body.encode(), headers
        return self.body, headers


@dataclass
class Recorded:
    """One request the server received."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)

    def header(self, name: str) -> str | None:
        """A header, looked up case-insensitively."""
        for key, value in self.headers.items():
            if key.lower() == name.lower():
                return value
        return None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output clean."""

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        scripted = self.server.owner.record_and_next(
            Recorded(self.command, self.path, dict(self.headers.items()), body)
        )
        if scripted.sleep:
            time.sleep(scripted.sleep)
        if scripted.drop:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        payload, headers = scripted.encoded()
        try:
            self.send_response(scripted.status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if scripted.truncate:
                self.wfile.write(payload[: len(payload) // 2])
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            self.wfile.write(payload)
        except OSError:
            # The client gave up (read timeout) before we answered.
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: ScriptedServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Connections the client dropped are expected here; stay quiet."""


class ScriptedServer:
    """A loopback HTTP/1.1 server answering from a queue of scripted responses.

    When the queue is empty it answers 200 with `{}`. Every request is recorded.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: deque[Scripted] = deque()
        self.requests: list[Recorded] = []
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.owner = self
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, name="scripted-http", daemon=True
        )

    @property
    def url(self) -> str:
        """Base URL, e.g. `http://127.0.0.1:54321`."""
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def script(self, *responses: Scripted | dict[str, Any]) -> None:
        """Queue answers, used in order (a dict holds `Scripted` fields)."""
        with self._lock:
            self._queue.extend(r if isinstance(r, Scripted) else Scripted(**r) for r in responses)

    def record_and_next(self, request: Recorded) -> Scripted:
        """Record `request` and take the next scripted answer."""
        with self._lock:
            self.requests.append(request)
            return self._queue.popleft() if self._queue else Scripted(body={})

    @property
    def pending(self) -> int:
        """Scripted answers not used yet."""
        with self._lock:
            return len(self._queue)

    def start(self) -> None:
        """Serve in a daemon thread."""
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._httpd.shutdown()
        self._httpd.server_close()


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    """A started scripted server; stopped after the test."""
    srv = ScriptedServer()
    srv.start()
    yield srv
    srv.stop()


class FakeClock:
    """An injectable clock for `RateLimiter`: `sleep` advances it (or only records)."""

    def __init__(self, start: float = 1000.0, *, advance: bool = True) -> None:
        self.now = start
        self.advance = advance
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        """Record the sleep; move the clock if `advance`."""
        with self._lock:
            self.sleeps.append(seconds)
            if self.advance:
                self.now += seconds


@pytest.fixture
def make_clock() -> Callable[..., FakeClock]:
    """Factory of fake clocks for `RateLimiter(clock=..., sleep=clock.sleep)`."""
    return FakeClock


@pytest.fixture
def api_key() -> str:
    """The secret the tests plant everywhere and look for in every output."""
    return API_KEY


MakeClient = Callable[..., ApiClient]


@pytest.fixture
def make_client(server: ScriptedServer) -> Iterator[MakeClient]:
    """Build `ApiClient`s against the scripted server with fast backoff; closed afterwards."""
    clients: list[ApiClient] = []

    def _make(**kwargs: Any) -> ApiClient:
        kwargs.setdefault("vendor", "FakeVendor")
        kwargs.setdefault("base_url", server.url)
        kwargs.setdefault("headers", {"Authorization": f"Bearer {API_KEY}"})
        kwargs.setdefault("limiter", RateLimiter(60_000))
        kwargs.setdefault("stats", ApiStats())
        kwargs.setdefault("redact", SecretRedactor([API_KEY]))
        kwargs.setdefault("timeout_seconds", 5.0)
        kwargs.setdefault("max_retries", 4)
        kwargs.setdefault("backoff_base_seconds", 0.01)
        client = ApiClient(**kwargs)
        clients.append(client)
        return client

    yield _make
    for client in clients:
        client.close()
