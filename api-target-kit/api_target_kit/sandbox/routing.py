"""Route tables (404 unknown path, 405 wrong method) and the routed request pipeline.

A vendor lists its routes in a :class:`RouteTable` with its own 404/405 bodies, and subclasses
:class:`RoutedSandboxCore`, whose :meth:`~RoutedSandboxCore.process` runs the usual steps: the
caller check, body size, route, body parsing, then the endpoint.
"""

from __future__ import annotations

import re
from abc import abstractmethod
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import unquote

from .core import ConfigT, SandboxCore
from .request import ApiRequest
from .response import Response

EndpointT = TypeVar("EndpointT")

_PLACEHOLDER = re.compile(r"\{\w+\}")


@dataclass(frozen=True)
class Route(Generic[EndpointT]):
    """A path pattern (its groups become the endpoint's parameters) and its endpoints by method."""

    pattern: re.Pattern[str]
    methods: Mapping[str, EndpointT]


def route(template: str, **methods: EndpointT) -> Route[EndpointT]:
    """Build a route from ``template`` (each ``{name}`` matches one path segment) and methods.

    ``route("/lists/{list_id}/subscribe", POST=subscribe)``.
    """
    literals = _PLACEHOLDER.split(template)
    pattern = "([^/]+)".join(re.escape(literal) for literal in literals)
    return Route(re.compile(pattern), methods)


class RouteTable(Generic[EndpointT]):
    """Routes tried in order, with the vendor's answers for an unknown path and a wrong method.

    When several routes match a path, the first one with an endpoint for the method wins (so
    ``DELETE /x/delete-bulk`` and ``PUT /x/{id}`` can coexist); when none has one, the answer is
    ``method_not_allowed(method)`` with an ``Allow`` header listing the methods of every matching
    route; when no route matches, ``not_found()``. Path parameters are percent-decoded
    (``a%40b.com`` -> ``a@b.com``) unless ``decode_params`` is false.
    """

    def __init__(
        self,
        routes: Iterable[Route[EndpointT]],
        *,
        not_found: Callable[[], Response],
        method_not_allowed: Callable[[str], Response],
        decode_params: bool = True,
    ) -> None:
        """Hold ``routes`` and the factories of the 404 and 405 answers (the kit adds ``Allow``)."""
        self.routes: tuple[Route[EndpointT], ...] = tuple(routes)
        self._not_found = not_found
        self._method_not_allowed = method_not_allowed
        self._decode = decode_params

    def resolve(self, method: str, path: str | None) -> tuple[EndpointT, tuple[str, ...]] | Response:
        """Find the endpoint of ``method`` on ``path`` (below the API prefix) and its parameters.

        ``path`` is ``None`` outside the API prefix (404). Returns the 404 or 405 answer otherwise.
        """
        allowed: set[str] = set()
        for candidate in self.routes if path is not None else ():
            match = candidate.pattern.fullmatch(path or "")
            if match is None:
                continue
            endpoint = candidate.methods.get(method)
            if endpoint is not None:
                groups = match.groups()
                return endpoint, tuple(unquote(group) for group in groups) if self._decode else groups
            allowed.update(candidate.methods)
        if allowed:
            return self._method_not_allowed(method).with_headers(("Allow", ", ".join(sorted(allowed))))
        return self._not_found()


class RoutedSandboxCore(SandboxCore[ConfigT], Generic[ConfigT, EndpointT]):
    """A core whose :meth:`process` is: :meth:`check_caller`, body size, :attr:`routes`, :meth:`read_body`, :meth:`call`.

    A vendor sets :attr:`routes` and implements the four hooks, all called with the lock held.
    """

    routes: RouteTable[EndpointT]
    """The vendor's route table (a class attribute)."""

    def process(self, request: ApiRequest) -> Response:
        """Caller check, body size, route, body, endpoint: the first refusal is the answer (lock held)."""
        refused = self.check_caller(request)
        if refused is not None:
            return refused
        if request.body is None:
            return self.too_large()
        resolved = self.routes.resolve(request.method, self.api_path(request.path))
        if isinstance(resolved, Response):
            return resolved
        endpoint, params = resolved
        body = self.read_body(endpoint, request, request.body)
        if isinstance(body, Response):
            return body
        return self.call(endpoint, params, request, body)

    @abstractmethod
    def check_caller(self, request: ApiRequest) -> Response | None:
        """Return the refusal of a caller who may not use the API (bad key...), else ``None``."""

    @abstractmethod
    def too_large(self) -> Response:
        """Return the answer to a body larger than ``config.max_request_bytes`` (discarded unread)."""

    @abstractmethod
    def read_body(self, endpoint: EndpointT, request: ApiRequest, raw: bytes) -> Any:
        """Return the body ``endpoint`` gets (parsed JSON, ``None``...) or a :class:`Response` refusing it."""

    @abstractmethod
    def call(self, endpoint: EndpointT, params: tuple[str, ...], request: ApiRequest, body: Any) -> Response:
        """Run ``endpoint`` with its path parameters and the body :meth:`read_body` returned."""
