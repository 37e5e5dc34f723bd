"""Transport safety: plain http only to loopback, TLS verification always on, no redirect carries the key off.

- `http://` to a host that is not loopback is refused at start, with a clear error, before any
  request (a server listening on this machine's own non-loopback address sees nothing);
- `https://` to a loopback server with a self-signed certificate fails: no setting turns
  verification off, and neither do `CURL_CA_BUNDLE=""` / `REQUESTS_CA_BUNDLE=""`; trusting the
  certificate through `REQUESTS_CA_BUNDLE` works (so the failures are the verification's);
- a vendor answer that redirects to a plain-http remote host: `requests` on its own follows it
  with the key header; the targets must not.
"""

from __future__ import annotations

import re
import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

from api_target_kit.errors import ConfigurationError
from api_target_kit.url_safety import check_api_url
from target_connectif.target import TargetConnectif
from target_ecomail.target import TargetEcomail
from target_rfmcube.target import TargetRfmcube

from .corpus_cases import encode_input, feed
from .vendors import BY_NAME, VENDOR_NAMES, VENDORS, Vendor

REFUSED = "plain http:// is only allowed to a loopback host"

#: (status, headers, body) for one request.
Answer = tuple[int, dict[str, str], bytes]


@dataclass
class Seen:
    """What a test server saw: connections accepted and requests (method, path, headers)."""

    connections: int = 0
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], answer: Callable[[str], Answer], seen: Seen) -> None:
        self.answer = answer
        self.seen = seen
        super().__init__(address, _Handler)

    def get_request(self) -> tuple[socket.socket, Any]:
        connection = super().get_request()
        self.seen.connections += 1
        return connection


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def _any(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        self.rfile.read(length)
        self.server.seen.requests.append((self.command, self.path, dict(self.headers)))
        status, headers, body = self.server.answer(self.path)
        self.send_response(status)
        for name, value in {**headers, "content-length": str(len(body))}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _any

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


def ok(path: str) -> Answer:
    """200 with an empty JSON object."""
    return 200, {"content-type": "application/json"}, b"{}"


@contextmanager
def serve(
    host: str, answer: Callable[[str], Answer] = ok, tls: ssl.SSLContext | None = None
) -> Iterator[tuple[str, Seen]]:
    """A test server on `host` (a free port); yields its `host:port` and what it saw."""
    seen = Seen()
    server = _Server((host, 0), answer, seen)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"{host}:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


def non_loopback_address() -> str | None:
    """This machine's own address on a route out (found without sending a packet), if it has one."""
    for destination in ("198.51.100.1", "10.255.255.254", "192.0.2.1"):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            try:
                probe.connect((destination, 9))
            except OSError:
                continue
            address = str(probe.getsockname()[0])
        if not address.startswith("127."):
            return address
    return None


@pytest.fixture
def remote() -> str:
    """A non-loopback address of this machine (the stand-in for a remote host)."""
    address = non_loopback_address()
    if address is None:
        pytest.skip("this machine has no non-loopback IPv4 address to stand in for a remote host")
    return address


def people(vendor: Vendor) -> bytes:
    """Two valid persons of the vendor."""
    return encode_input(
        feed(vendor.person.name, [vendor.person.record(f"tls-{n}") for n in range(2)], vendor.person.key)
    )


# Plain http ---------------------------------------------------------------------------------


@pytest.mark.parametrize("vendor", VENDORS, ids=VENDOR_NAMES)
@pytest.mark.parametrize("form", ["{remote}", "127.0.0.1:1@{remote}"], ids=["address", "loopback_userinfo"])
def test_plain_http_to_a_remote_host_is_refused_before_any_request(
    vendor: Vendor, form: str, remote: str, tmp_path: Path
) -> None:
    with serve(remote) as (where, seen):
        host, port = where.rsplit(":", 1)
        url = "http://" + form.format(remote=f"{host}:{port}")
        run = vendor.run(tmp_path, url, people(vendor))
    assert run.returncode == 1
    assert REFUSED in run.stderr
    assert "Traceback" not in run.stderr
    assert seen.connections == 0 and seen.requests == []


@pytest.mark.parametrize(
    "url",
    [
        "http://api.rfmcube.com/v1",
        "http://192.0.2.2:8080",
        "http://127.0.0.1.nip.io",
        "http://localhost.example.com",
        "http://127.0.0.1@evil.example.com/",
        "http://evil.example.com#@127.0.0.1",
        "http://0.0.0.0:8765",
        "http://2130706433/",
        "http://[::ffff:192.0.2.2]/",
        "ftp://127.0.0.1/",
        "file:///etc/passwd",
        "127.0.0.1:8765",
    ],
)
def test_urls_that_are_not_https_or_loopback_are_refused(url: str) -> None:
    with pytest.raises(ConfigurationError):
        check_api_url(url)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8765/v1", "http://localhost:8766", "http://[::1]:8767", "HTTP://127.0.0.2"]
)
def test_plain_http_to_loopback_is_allowed(url: str) -> None:
    assert check_api_url(url) == url.rstrip("/")


# TLS -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key, made with the openssl CLI."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is not installed: no self-signed certificate can be made")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture
def tls_server(self_signed: tuple[Path, Path]) -> Iterator[tuple[str, Seen]]:
    """An HTTPS server on 127.0.0.1 with the self-signed certificate, answering 200 `{}`."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*self_signed)
    with serve("127.0.0.1", tls=context) as (where, seen):
        yield f"https://{where}", seen


#: Everything that could plausibly be read as "don't verify": none of it may work.
INSECURE_SETTINGS = {"verify_ssl": False, "ssl_verify": False, "tls_verify": False, "verify": False, "insecure": True}
INSECURE_ENVS = {
    "no_env": {},
    "CURL_CA_BUNDLE_empty": {"CURL_CA_BUNDLE": ""},
    "REQUESTS_CA_BUNDLE_empty": {"REQUESTS_CA_BUNDLE": ""},
    "all_of_them": {"CURL_CA_BUNDLE": "", "REQUESTS_CA_BUNDLE": "", "PYTHONHTTPSVERIFY": "0"},
}


def assert_tls_refused(run: Any, seen: Seen) -> None:
    assert run.returncode == 1, run.stderr[-2000:]
    assert "TLS certificate verification failed (certificate verify failed" in run.stderr, run.stderr[-2000:]
    assert "Traceback" not in run.stderr
    assert seen.requests == []  # the handshake failed: no request, no header, no key


@pytest.mark.parametrize("env", INSECURE_ENVS.values(), ids=INSECURE_ENVS)
def test_a_self_signed_certificate_fails_whatever_the_environment(
    env: dict[str, str], tls_server: tuple[str, Seen], tmp_path: Path
) -> None:
    url, seen = tls_server
    vendor = BY_NAME["rfmcube"]
    run = vendor.run(tmp_path, url, people(vendor), env=env, max_retries=0, **INSECURE_SETTINGS)
    assert_tls_refused(run, seen)


@pytest.mark.parametrize("vendor", VENDORS, ids=VENDOR_NAMES)
def test_every_target_verifies_tls(vendor: Vendor, tls_server: tuple[str, Seen], tmp_path: Path) -> None:
    url, seen = tls_server
    run = vendor.run(
        tmp_path, url, people(vendor), env=INSECURE_ENVS["all_of_them"], max_retries=0, **INSECURE_SETTINGS
    )
    assert_tls_refused(run, seen)


def test_trusting_the_certificate_makes_it_work(
    tls_server: tuple[str, Seen], self_signed: tuple[Path, Path], tmp_path: Path
) -> None:
    """The control: with the certificate trusted (a CA bundle, not verification off), the same run succeeds."""
    url, seen = tls_server
    vendor = BY_NAME["ecomail"]
    run = vendor.run(tmp_path, url, people(vendor), env={"REQUESTS_CA_BUNDLE": str(self_signed[0])})
    assert run.returncode == 0, run.stderr[-2000:]
    assert [method for method, _, _ in seen.requests] == ["POST"]


def test_no_setting_turns_tls_verification_off() -> None:
    for target in (TargetRfmcube, TargetEcomail, TargetConnectif):
        names = set(target.config_jsonschema["properties"])
        suspicious = {n for n in names if re.search(r"ssl|tls|insecure|cert|ca_bundle|^verify$", n.lower())}
        assert suspicious == set(), f"{target.name}: {suspicious}"


# Redirects -------------------------------------------------------------------------------------


@pytest.fixture
def redirect_to_remote(remote: str) -> Iterator[tuple[str, Seen, Seen]]:
    """A loopback "vendor" that answers every call with 307 to a plain-http remote host.

    Yields the vendor's URL, what the vendor saw and what the remote host saw.
    """
    with serve(remote) as (elsewhere, stolen):

        def moved(path: str) -> Answer:
            return 307, {"location": f"http://{elsewhere}/collect{path}"}, b""

        with serve("127.0.0.1", moved) as (where, seen):
            yield f"http://{where}", seen, stolen


def test_requests_alone_would_follow_the_redirect_with_the_key(redirect_to_remote: tuple[str, Seen, Seen]) -> None:
    """Why the targets must not rely on requests' defaults: the key header travels to the remote host."""
    url, _, stolen = redirect_to_remote
    requests.post(f"{url}/import", json={}, headers={"api-key": "rfmc_live_example"}, timeout=10)
    assert [headers.get("api-key") for _, _, headers in stolen.requests] == ["rfmc_live_example"]


@pytest.mark.parametrize("vendor", VENDORS, ids=VENDOR_NAMES)
def test_no_target_follows_a_redirect_to_a_remote_plain_http_host(
    vendor: Vendor, redirect_to_remote: tuple[str, Seen, Seen], tmp_path: Path
) -> None:
    url, seen, stolen = redirect_to_remote
    run = vendor.run(tmp_path, url, people(vendor), max_retries=0)
    assert seen.requests, "the vendor was never called"
    assert stolen.connections == 0 and stolen.requests == []
    assert run.returncode == 1
    assert "redirects are not followed" in run.stderr
    assert "Traceback" not in run.stderr


def test_a_certificate_failure_is_not_retried(tls_server: tuple[str, Seen], tmp_path: Path) -> None:
    url, seen = tls_server
    vendor = BY_NAME["ecomail"]
    run = vendor.run(tmp_path, url, people(vendor), max_retries=5)
    assert_tls_refused(run, seen)
    assert "Retrying" not in run.stderr  # one handshake, refused: no backoff loop over a bad certificate
    assert run.summary["api"]["retries"] == 0
