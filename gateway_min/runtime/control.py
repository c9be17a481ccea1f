"""A workflow run's unmetered routes, forwarded to the runtime (contract §1.4: they carry no meter):
`GET /workflow/prices` (public), and for the run's wallet only (a live Compose Key of it as bearer, or the admin
token) `GET /workflow/{wallet}/runs/{runId}/state`, `POST /workflow/{wallet}/stop`,
`POST /workflow/{wallet}/runs/{runId}/approval`: another wallet's runs are not its to read, stop or approve."""

from __future__ import annotations

import re
from typing import Final

import orjson

from gateway_min.context import Gateway
from gateway_min.http import SMALL_BODY, HTTPError, Request, send_bytes
from gateway_min.http.auth import bearer, is_admin
from gateway_min.http.types import Send
from gateway_min.payment.compose_key.tokens import key_for_token
from gateway_min.runtime.work import FORWARDED, unavailable
from gateway_min.upstream import UpstreamUnavailable

_WALLET: Final = re.compile(r"0x[0-9a-fA-F]{40}")
_RUN: Final = re.compile(r"[A-Za-z0-9_.:-]{1,128}")


async def forward(gw: Gateway, request: Request, send: Send, *, method: str, owned: bool = True) -> None:
    if gw.runtime is None:
        raise unavailable()
    if owned:
        wallet = request.params["wallet"]
        if not _WALLET.fullmatch(wallet):
            raise HTTPError(400, "validation_error", f"the workflow wallet must be 0x and 40 hex digits, got "
                            f"{wallet[:60]!r}")
        if "run_id" in request.params and not _RUN.fullmatch(request.params["run_id"]):
            raise HTTPError(400, "validation_error", "a run id is 1 to 128 letters, digits and _.:-")
        if not is_admin(request, gw.admin_token):
            key = await key_for_token(gw, bearer(request))
            if key.owner != wallet.lower():
                raise HTTPError(403, "forbidden", "a workflow's runs are its wallet's: a live key of that wallet "
                                "(or the admin token) reads, stops and approves them")
    body = await request.json(SMALL_BODY) if method == "POST" else None
    headers: dict[str, str] = {name: request.headers[name] for name in FORWARDED if name in request.headers}
    try:
        reply = await gw.runtime.control(method, request.path, body, headers)
    except UpstreamUnavailable as exc:
        raise HTTPError(502, "runtime_unavailable", f"the runtime could not be reached: {exc}") from None
    if reply.status >= 500:
        raise HTTPError(502, "runtime_error", f"the runtime answered {reply.status}")
    try:
        orjson.loads(reply.body)
    except orjson.JSONDecodeError:
        raise HTTPError(502, "runtime_error", "the runtime's answer is not JSON") from None
    await send_bytes(send, reply.status, reply.body, "application/json", {"cache-control": "no-store"})
