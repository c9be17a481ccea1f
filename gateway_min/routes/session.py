"""The wallet's session (contract §5): `GET /api/session` (headers `x-session-user-address`, `x-chain-id`) answers
ActiveSessionMetadata, or `{"hasSession": false, "reason": ...}`; the session's token is added only for a caller who
proves the wallet (a live key of it as bearer), never for one who merely names the address.

`GET /api/session/events?userAddress=&chainId=` (or the same headers: a browser's EventSource cannot send them)
streams it: `session-active` on connect and whenever the session changes (what it used, holds, its status, a new
session superseding it), `session-expired` with its reason when no session is live, then the stream ends. A comment
line keeps idle proxies from closing it; it ends after MAX_STREAM_SECONDS (EventSource reconnects by itself).
"""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import AsyncIterator
from typing import Any, Final

from gateway_min.context import Gateway
from gateway_min.http import HTTPError, Request, send_json
from gateway_min.http.auth import bearer
from gateway_min.http.event_stream import event, event_stream
from gateway_min.http.limits import draining
from gateway_min.http.types import Send
from gateway_min.ledger import KeyRow
from gateway_min.payment.compose_key import session
from gateway_min.payment.compose_key.tokens import (
    key_for_token,
    parse_chain_id,
    parse_wallet,
    session_headers,
    session_token,
    token_hash,
)

POLL_SECONDS: Final = 1.0  # how often a stream looks at the session (one indexed read)
KEEPALIVE_SECONDS: Final = 15.0
MAX_STREAM_SECONDS: Final = 3600.0


async def _state(gw: Gateway, owner: str, chain_id: int) -> tuple[KeyRow | None, dict[str, Any]]:
    """(the live session, its metadata) or (None, why there is none)."""
    key = await gw.ledger.latest_session(owner, chain_id)
    now = gw.clock()
    if key is None:
        return None, {"hasSession": False, "reason": "none"}
    if key.revoked_at is None and key.expires_at > now:
        return key, session.metadata(key, now)
    reason = "expired" if key.revoked_at is None else "revoked"
    if key.kind == "wallet" and key.revoked_at is not None:
        funding = await gw.ledger.get_funding(key.id)
        reason = funding.reason if funding is not None and funding.reason else reason
    return None, {"hasSession": False, "reason": reason, "keyId": key.id}


async def get_session(gw: Gateway, request: Request, send: Send) -> None:
    owner, chain_id = session_headers(request)
    proven = False
    if bearer(request) is not None:
        caller = await key_for_token(gw, bearer(request))
        if caller.owner != owner:
            raise HTTPError(403, "forbidden", "the bearer key belongs to another wallet than x-session-user-address")
        proven = True
    key, body = await _state(gw, owner, chain_id)
    if key is not None and proven:
        token = session_token(gw.token_secret, key.id)
        if hmac.compare_digest(token_hash(token), key.key_hash):
            body["token"] = token
        else:  # opened by a process with another token secret (replicas without GATEWAY_TOKEN_SECRET)
            body["tokenUnavailable"] = ("this gateway process cannot derive the session's token: its replicas do "
                                        "not share GATEWAY_TOKEN_SECRET")
    await send_json(send, 200, body, {"cache-control": "no-store"})


async def session_events(gw: Gateway, request: Request, send: Send) -> None:
    if "userAddress" in request.query or "chainId" in request.query:
        owner = parse_wallet(request.query.get("userAddress", ""), "userAddress")
        chain_id = parse_chain_id(request.query.get("chainId", ""), "chainId")
    else:
        owner, chain_id = session_headers(request)
    key, body = await _state(gw, owner, chain_id)  # errors before the stream starts are plain JSON answers

    async def events() -> AsyncIterator[bytes]:
        nonlocal key, body
        loop = asyncio.get_running_loop()
        end, quiet_since, last = loop.time() + MAX_STREAM_SECONDS, loop.time(), None
        while key is not None and loop.time() < end and not draining():
            if body != last:
                yield event("session-active", body)
                last, quiet_since = body, loop.time()
            elif loop.time() - quiet_since >= KEEPALIVE_SECONDS:
                yield b": keep-alive\n\n"
                quiet_since = loop.time()
            await asyncio.sleep(POLL_SECONDS)
            key, body = await _state(gw, owner, chain_id)
        if key is None:
            yield event("session-expired", body)

    await event_stream(request, send, events())
