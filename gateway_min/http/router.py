"""A small router: (method, path template) → handler. `{name}` matches one segment, `{name:path}` the rest."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Final

from gateway_min.http.errors import HTTPError
from gateway_min.http.request import Request
from gateway_min.http.types import Send

Handler = Callable[[Request, Send], Awaitable[None]]
_PARAM: Final = re.compile(r"\{(\w+)(:path)?\}")


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    style: str  # error body style for this route: "openai", "compose" or "legacy"
    template: str = ""  # as added (`/v1/responses/{response_id}`): names the route in metrics


class Router:
    def __init__(self) -> None:
        self.static: dict[tuple[str, str], Route] = {}
        self.dynamic: list[Route] = []

    def add(self, method: str, template: str, handler: Handler, style: str = "compose") -> None:
        if "{" not in template:
            self.static[method, template] = Route(method, re.compile(re.escape(template)), handler, style, template)
            return
        regex = _PARAM.sub(lambda m: f"(?P<{m[1]}>.+)" if m[2] else f"(?P<{m[1]}>[^/]+)", template)
        self.dynamic.append(Route(method, re.compile(regex), handler, style, template))

    def routes(self) -> list[Route]:
        """Every route, static and dynamic."""
        return [*self.static.values(), *self.dynamic]

    def match(self, request: Request) -> Route:
        route = self.static.get((request.method, request.path))
        if route is not None:
            return route
        others: list[Route] = []  # routes of this path for other methods: the 405 names them, in their error style
        for candidate in self.dynamic:
            found = candidate.pattern.fullmatch(request.path)
            if found is None:
                continue
            if candidate.method == request.method:
                request.params = found.groupdict()
                return candidate
            others.append(candidate)
        others += [route for (_, path), route in self.static.items() if path == request.path]
        if others:
            raise HTTPError(405, "method_not_allowed", f"{request.method} is not allowed on {request.path}",
                            style=others[0].style, headers={"allow": ", ".join(sorted({r.method for r in others}))})
        raise HTTPError(404, "not_found", f"no route for {request.method} {request.path}")
