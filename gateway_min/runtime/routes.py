"""The agent and workflow runtime routes, on the one paid flow (routes/paid.py) with the runtime's work (work.py)."""

from __future__ import annotations

from functools import partial

from gateway_min.context import Gateway
from gateway_min.http import Request
from gateway_min.http.router import Router
from gateway_min.http.types import Send
from gateway_min.routes.paid import handle
from gateway_min.runtime import control
from gateway_min.runtime.work import admitting, unavailable


def add_routes(router: Router, gw: Gateway) -> None:
    for action in ("chat", "stream", "responses"):
        router.add("POST", f"/agent/{{wallet}}/{action}", partial(_serve, gw, action=action))
    router.add("POST", "/workflow/execute", partial(_serve, gw, action="execute"))
    router.add("POST", "/workflow/{wallet}/chat", partial(_serve, gw, action="workflow_chat"))
    router.add("POST", "/workflow/{wallet}/stream", partial(_serve, gw, action="workflow_stream"))
    router.add("POST", "/workflow/{wallet}/run", partial(_serve, gw, action="workflow_run"))  # /workflow/{id}/run
    router.add("GET", "/workflow/prices", partial(control.forward, gw, method="GET", owned=False))
    router.add("POST", "/workflow/{wallet}/stop", partial(control.forward, gw, method="POST"))
    router.add("GET", "/workflow/{wallet}/runs/{run_id}/state", partial(control.forward, gw, method="GET"))
    router.add("POST", "/workflow/{wallet}/runs/{run_id}/approval", partial(control.forward, gw, method="POST"))


async def _serve(gw: Gateway, request: Request, send: Send, *, action: str) -> None:
    if gw.runtime is None:  # said before anything about payment: no payment can make these routes work
        raise unavailable()
    await handle(gw, request, send, admit=admitting(action))
