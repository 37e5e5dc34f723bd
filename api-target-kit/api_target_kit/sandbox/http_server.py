"""HTTP layer: a threading HTTP/1.1 keep-alive server that hands requests to a :class:`SandboxCore`.

Paths under ``/_sandbox`` go to the admin endpoints; everything else becomes an
:class:`ApiRequest` for :meth:`SandboxCore.handle_api`.
"""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast
from urllib.parse import parse_qs, urlsplit

from .admin import handle_admin, is_admin_path
from .core import SandboxCore
from .request import ApiRequest, lower_case_headers
from .response import Response, message

ADMIN_MAX_BYTES = 10_000_000
_CHUNK = 1 << 20


class BadBodyError(Exception):
    """The request framing (Content-Length or chunked encoding) is unusable."""


class SandboxHTTPServer(ThreadingHTTPServer):
    """Threading server that remembers open connections so :meth:`close_connections` can end them."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], core: SandboxCore[Any]) -> None:
        """Bind to ``address`` and serve ``core``."""
        super().__init__(address, SandboxRequestHandler)
        self.core = core
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    def track(self, connection: socket.socket, open_: bool) -> None:
        """Add or remove an open client connection."""
        with self._connections_lock:
            if open_:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    def close_connections(self) -> None:
        """Shut down every open client connection (wakes handler threads blocked on reads)."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class SandboxRequestHandler(BaseHTTPRequestHandler):
    """Reads the body, routes to the admin endpoints or the API pipeline, writes the response."""

    protocol_version = "HTTP/1.1"
    timeout = 300
    wbufsize = -1  # buffered: headers and body leave in one write (no Nagle/delayed-ACK stall)

    @property
    def _sandbox(self) -> SandboxHTTPServer:
        return cast(SandboxHTTPServer, self.server)

    def setup(self) -> None:
        """Register the connection."""
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sandbox.track(self.connection, True)

    def finish(self) -> None:
        """Unregister the connection."""
        self._sandbox.track(self.connection, False)
        try:
            super().finish()
        except OSError:
            pass

    def version_string(self) -> str:
        """Return the ``Server`` header: the core's ``server_name`` and the Python version."""
        return f"{self._sandbox.core.server_name} {self.sys_version}"

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet; the request log is available under ``/_sandbox/requests``."""

    def _dispatch(self) -> None:
        url = urlsplit(self.path)
        admin = is_admin_path(url.path)
        limit = ADMIN_MAX_BYTES if admin else self._sandbox.core.config.max_request_bytes
        try:
            try:
                body, size = self._read_body(limit)
            except BadBodyError as exc:
                self._send(message(400, str(exc)), close=True)
                return
            if admin:
                self._send(handle_admin(self._sandbox.core, self.command, url.path, body))
                return
            request = ApiRequest(
                method=self.command,
                path=url.path,
                query=parse_qs(url.query, keep_blank_values=True),
                headers=lower_case_headers(self.headers.items()),
                body=body,
                size=size,
            )
            response = self._sandbox.core.handle_api(request)
            if response is None:
                self.close_connection = True
                return
            self._send(response)
        except OSError:
            self.close_connection = True

    do_GET = _dispatch  # noqa: N815
    do_POST = _dispatch  # noqa: N815
    do_PUT = _dispatch  # noqa: N815
    do_PATCH = _dispatch  # noqa: N815
    do_DELETE = _dispatch  # noqa: N815

    def _read_body(self, limit: int) -> tuple[bytes | None, int]:
        """Read the whole body; return ``(None, size)`` after discarding one larger than ``limit``."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked(limit)
        raw = self.headers.get("Content-Length")
        if raw is None:
            return b"", 0
        try:
            length = int(raw)
        except ValueError as exc:
            raise BadBodyError("invalid Content-Length") from exc
        if length < 0:
            raise BadBodyError("invalid Content-Length")
        if length > limit:
            remaining = length
            while remaining > 0:
                chunk = self.rfile.read(min(_CHUNK, remaining))
                if not chunk:
                    break
                remaining -= len(chunk)
            return None, length
        return self.rfile.read(length), length

    def _read_chunked(self, limit: int) -> tuple[bytes | None, int]:
        parts: list[bytes] = []
        total = 0
        while True:
            line = self.rfile.readline(65537)
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError as exc:
                raise BadBodyError("invalid chunked encoding") from exc
            if size == 0:
                break
            data = self.rfile.read(size)
            self.rfile.readline(65537)
            total += len(data)
            if total <= limit:
                parts.append(data)
        while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
            pass
        if total > limit:
            return None, total
        return b"".join(parts), total

    def _send(self, response: Response, *, close: bool = False) -> None:
        payload = response.encode()
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in response.headers:
            self.send_header(name, value)
        if close:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(payload)
