"""The agent and workflow runtime routes, on the one paid flow (routes/paid.py) with the runtime's work (work.py)."""

from __future__ import annotations

from functools import partial

from gateway_min.context import Gateway
from gateway_min.http import Request
from gateway_min.http.router import Router
from gateway_min.http.types import Send
from gateway_min.routes.paid import handle
from gateway_min.runtime.work import admitting, unavailable


def add_routes(router: Router, gw: Gateway) -> None:
    for action in ("chat", "stream", "responses"):
        router.add("POST", f"/agent/{{wallet}}/{action}", partial(_serve, gw, action=action))
    router.add("POST", "/workflow/execute", partial(_serve, gw, action="execute"))


async def _serve(gw: Gateway, request: Request, send: Send, *, action: str) -> None:
    if gw.runtime is None:  # said before anything about payment: no payment can make these routes work
        raise unavailable()
    await handle(gw, request, send, admit=admitting(action))
