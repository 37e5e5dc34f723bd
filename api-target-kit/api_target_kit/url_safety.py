"""Checks on `api_url`: HTTPS everywhere, plain HTTP only to this machine (the sandboxes)."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from api_target_kit.errors import ConfigurationError

_LOOPBACK_NAMES = {"localhost", "localhost.localdomain"}


def is_loopback_host(host: str) -> bool:
    """True for `localhost`, 127.0.0.0/8 and ::1."""
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_api_url(url: str) -> str:
    """Return `url` without a trailing slash, or raise if it is not safe to send a key to."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if not host:
        raise ConfigurationError(f"api_url {url!r} has no host name")
    if parts.scheme == "https":
        return url.rstrip("/")
    if parts.scheme == "http" and is_loopback_host(host):
        return url.rstrip("/")
    if parts.scheme == "http":
        raise ConfigurationError(
            f"api_url {url!r}: plain http:// is only allowed to a loopback host "
            "(the local sandbox); use https:// for the vendor"
        )
    raise ConfigurationError(f"api_url {url!r}: scheme must be https")
