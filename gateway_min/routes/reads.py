"""Reading back what the gateway served (a Responses API response, a video job): never billed, and only for the
wallet that paid for it. The reader proves it with a live Compose Key of that wallet (the key that paid, or any
other of its owner's), or with the `x-compose-read-token` the paid answer carried (a raw x402 payer has no key);
anyone else is told there is no such thing (404: no probing for ids). The read is forwarded to the provider that
served it."""

from __future__ import annotations

import hmac
from typing import Final
from urllib.parse import quote

import pricing
from gateway_min.context import Gateway
from gateway_min.http import HTTPError, Request
from gateway_min.http.auth import bearer
from gateway_min.ledger import ServedRow
from gateway_min.payment.compose_key.tokens import key_for_token, read_token
from gateway_min.upstream import UpstreamReply, UpstreamRequest, UpstreamUnavailable
from gateway_min.work.model import no_provider

MAX_QUERY: Final = 1024  # input_items takes limit, order, after, before, include[]: a longer query is no such list
NAMES: Final = {"response": "response", "video": "video job"}
READ_TOKEN: Final = "x-compose-read-token"


async def owned(gw: Gateway, request: Request, kind: str, ident: str) -> ServedRow:
    row = await gw.ledger.get_served(kind, ident)
    given = request.headers.get(READ_TOKEN)
    if given is not None:
        allowed = row is not None and hmac.compare_digest(given.encode(), read_token(gw.token_secret, kind,
                                                                                     ident).encode())
    else:
        key = await key_for_token(gw, bearer(request))
        allowed = row is not None and row.owner == key.owner
    if row is None or not allowed:
        raise HTTPError(404, "not_found", f"No {NAMES[kind]} found with id '{ident[:200]}'")
    return row


async def forward(gw: Gateway, request: Request, row: ServedRow, operation: str, *, method: str = "GET",
                  rest: str = "") -> UpstreamReply:
    """The read, sent to the provider of `row` (its body read unless `stream`)."""
    provider = gw.providers.for_model(pricing.get_model(row.model))
    if provider is None:
        raise no_provider(row.provider)
    query = request.scope.get("query_string", b"").decode("latin-1") if method == "GET" else ""
    if len(query) > MAX_QUERY:
        raise HTTPError(400, "validation_error", f"the query string exceeds {MAX_QUERY} bytes")
    suffix = f"/{quote(row.id, safe='')}{rest}" + (f"?{query}" if query else "")
    try:
        reply = await provider.send(UpstreamRequest(operation, {}, method=method, suffix=suffix))
        await reply.read()
    except UpstreamUnavailable as exc:
        raise HTTPError(502, "provider_unavailable", f"the provider could not be reached: {exc}") from None
    return reply
