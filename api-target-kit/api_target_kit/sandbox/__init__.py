"""Generic local emulator ("sandbox") machinery for vendor HTTP APIs, standard library only.

A vendor sandbox is a thin layer on top:

* a config dataclass subclassing :class:`BaseSandboxConfig`;
* a core subclassing :class:`SandboxCore` (``server_name``, ``api_prefix``, :meth:`~SandboxCore.process`
  and the state hooks), usually through :class:`RoutedSandboxCore` (a :class:`RouteTable` and the
  caller, size and body hooks);
* an app subclassing :class:`SandboxApp` (``thread_name``, :meth:`~SandboxApp.make_core`);
* a ``__main__`` using :mod:`api_target_kit.sandbox.cli`.

The kit provides the threading HTTP/1.1 server, the sliding rate window (or any
:class:`RateLimitWindow`), fault injection, the request log, route resolution and the admin
endpoints under ``/_sandbox``.
"""

from .app import SandboxApp
from .core import SandboxCore
from .fault_config import BaseSandboxConfig, FaultConfig, is_int, is_number
from .faults import FaultAction, FaultDecision, FaultInjector
from .jsonbody import InvalidJsonError, is_json_content_type, parse_json
from .rate_window import RateDecision, RateLimitWindow, RateStatus, RateWindow
from .request import ApiRequest, api_path
from .response import Headers, Response, message
from .routing import Route, RoutedSandboxCore, RouteTable, route

__all__ = [
    "ApiRequest",
    "BaseSandboxConfig",
    "FaultAction",
    "FaultConfig",
    "FaultDecision",
    "FaultInjector",
    "Headers",
    "InvalidJsonError",
    "RateDecision",
    "RateLimitWindow",
    "RateStatus",
    "RateWindow",
    "Response",
    "Route",
    "RouteTable",
    "RoutedSandboxCore",
    "SandboxApp",
    "SandboxCore",
    "api_path",
    "is_int",
    "is_json_content_type",
    "is_number",
    "message",
    "parse_json",
    "route",
]
