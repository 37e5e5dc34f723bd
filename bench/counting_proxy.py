"""A pass-through HTTP proxy that counts the items each bulk call carries.

The sandbox's request log has the bytes of every request but not how many records a call
carried; this proxy sits between the target and the sandbox, forwards every request as it is
and notes, per request, the items of the bulk bodies:

- Rfmcube `POST /v1/import`: customers (and the orders nested in them);
- Ecomail `subscribe-bulk` (`subscriber_data`) and `transaction-bulk` (`transaction_data`);
- Connectif `POST /imports/`: the CSV file's bytes and data rows.
"""

from __future__ import annotations

import csv
import email.parser
import email.policy
import http.client
import io
import json
import threading
from dataclasses import asdict, dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "proxy-connection", "host"}


@dataclass
class Seen:
    """One request as the proxy saw it."""

    method: str
    path: str
    bytes: int
    status: int
    items: int | None = None
    nested_items: int | None = None
    file_bytes: int | None = None


def count_items(method: str, path: str, content_type: str, body: bytes) -> tuple[int | None, int | None, int | None]:
    """(items, nested items, file bytes) of a bulk call; None where the call is not a bulk call."""
    if method != "POST":
        return None, None, None
    if path.endswith("/import"):
        customers = json.loads(body).get("customers") or []
        return len(customers), sum(len(c.get("orders") or []) for c in customers), None
    if path.endswith("/subscribe-bulk"):
        return len(json.loads(body).get("subscriber_data") or []), None, None
    if path.endswith("/transaction-bulk"):
        return len(json.loads(body).get("transaction_data") or []), None, None
    if path.rstrip("/").endswith("/imports") and content_type.startswith("multipart/"):
        file_bytes = _form_file(content_type, body)
        rows = sum(1 for _ in csv.reader(io.StringIO(file_bytes.decode("utf-8")))) - 1
        return rows, None, len(file_bytes)
    return None, None, None


def _form_file(content_type: str, body: bytes) -> bytes:
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
    )
    for part in message.iter_parts():  # type: ignore[attr-defined]
        if part.get_param("name", header="content-disposition") == "file":
            return cast(bytes, part.get_payload(decode=True))
    return b""


class CountingProxy:
    """Forwards to `127.0.0.1:<upstream_port>`; `seen` lists every request in arrival order."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            local = threading.local()

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet."""

            def _upstream(self) -> http.client.HTTPConnection:
                connection = getattr(self.local, "connection", None)
                if connection is None:
                    connection = http.client.HTTPConnection("127.0.0.1", proxy.upstream_port, timeout=600)
                    self.local.connection = connection
                return cast(http.client.HTTPConnection, connection)

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                connection = self._upstream()
                try:
                    connection.request(self.command, self.path, body=body or None, headers=headers)
                    response = connection.getresponse()
                    payload = response.read()
                except (OSError, http.client.HTTPException):
                    connection.close()
                    self.local.connection = None
                    self.close_connection = True
                    return
                content_type = self.headers.get("Content-Type", "")
                items, nested, file_bytes = count_items(
                    self.command, self.path.split("?", maxsplit=1)[0], content_type, body
                )
                with proxy._lock:
                    proxy.seen.append(
                        Seen(self.command, self.path, len(body), response.status, items, nested, file_bytes)
                    )
                self.send_response(response.status)
                for name, value in response.getheaders():
                    if name.lower() not in HOP_BY_HOP and name.lower() not in ("server", "date"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _forward  # noqa: N815

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        """The proxy's port."""
        return int(self._server.server_address[1])

    def __enter__(self) -> CountingProxy:
        """Start serving."""
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()

    def entries(self) -> list[dict[str, Any]]:
        """Every request seen, as dicts."""
        with self._lock:
            return [asdict(s) for s in self.seen]

    def clear(self) -> None:
        """Forget what was seen."""
        with self._lock:
            self.seen.clear()
