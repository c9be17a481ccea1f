"""The never-billed reads of a Responses API response: `GET /v1/responses/{id}`, `GET …/{id}/input_items`,
`POST …/{id}/cancel` (and on /external/v1). Forwarded to the provider that served the response, for a live
Compose Key of the wallet that paid for it (the key that paid, another key of its owner, or, for a response paid
with raw x402, a key of the paying wallet): anyone else is told there is no such response (404, no probing)."""

from __future__ import annotations

from typing import Final
from urllib.parse import quote

import pricing
from gateway_min.context import Gateway
from gateway_min.http import HTTPError, Request, send_bytes
from gateway_min.http.auth import bearer
from gateway_min.http.types import Send
from gateway_min.payment.compose_key.tokens import key_for_token
from gateway_min.upstream import UpstreamRequest, UpstreamUnavailable
from gateway_min.work.model import upstream_error

MAX_QUERY: Final = 1024  # input_items takes limit, order, after, before, include[]: a longer query is no such list


async def read_back(gw: Gateway, request: Request, send: Send, *, method: str = "GET", rest: str = "",
                    external: bool = False) -> None:
    key = await key_for_token(gw, bearer(request))
    ident = request.params["response_id"]
    row = await gw.ledger.get_served("response", ident)
    if row is None or row.owner != key.owner:
        raise HTTPError(404, "not_found", f"No response found with id '{ident[:200]}'")
    provider = gw.providers.for_model(pricing.get_model(row.model))
    if provider is None:
        raise HTTPError(503, "provider_unavailable", f"no API key is configured for provider '{row.provider}'")
    query = request.scope.get("query_string", b"").decode("latin-1")
    if len(query) > MAX_QUERY:
        raise HTTPError(400, "validation_error", f"the query string exceeds {MAX_QUERY} bytes")
    suffix = f"/{quote(ident, safe='')}{rest}" + (f"?{query}" if query and method == "GET" else "")
    try:
        reply = await provider.send(UpstreamRequest("responses", {}, method=method, suffix=suffix))
        body = await reply.read()
    except UpstreamUnavailable as exc:
        raise HTTPError(502, "provider_unavailable", f"the provider could not be reached: {exc}") from None
    if reply.status >= 400:
        raise upstream_error(reply, external)
    await send_bytes(send, reply.status, body, reply.content_type, {"cache-control": "no-store"})
