"""The never-billed reads of a Responses API response: `GET /v1/responses/{id}`, `GET …/{id}/input_items`,
`POST …/{id}/cancel` (and on /external/v1), for the wallet that paid for it (routes/reads.py)."""

from __future__ import annotations

from gateway_min.context import Gateway
from gateway_min.http import Request, send_bytes
from gateway_min.http.types import Send
from gateway_min.routes.reads import forward, owned
from gateway_min.work.model import upstream_error


async def read_back(gw: Gateway, request: Request, send: Send, *, method: str = "GET", rest: str = "",
                    external: bool = False) -> None:
    row = await owned(gw, request, "response", request.params["response_id"])
    reply = await forward(gw, request, row, "responses", method=method, rest=rest)
    if reply.status >= 400:
        raise upstream_error(reply, external)
    await send_bytes(send, reply.status, reply.body, reply.content_type, {"cache-control": "no-store"})


