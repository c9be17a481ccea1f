"""CORS for browser wallets and web apps, outside everything else (a 402 challenge carries it too).

Allowed origins are configuration (`--cors-origin`, GATEWAY_CORS_ORIGINS: exact origins, comma-separated, or `*`);
none by default, so a browser page of another origin reads nothing. For an allowed origin every answer carries
`Access-Control-Allow-Origin` (the origin itself, with `Vary: Origin`, or `*`) and the exposed Compose and x402
headers; a preflight (`OPTIONS` with `Access-Control-Request-Method`) is answered 204 with the methods and request
headers the gateway takes, or 403 when the origin is not allowed. No credentials mode: keys travel in
`Authorization`, never in cookies.
"""

from __future__ import annotations

import re
from typing import Final

import orjson

from gateway_min.http.response import EXPOSED
from gateway_min.http.types import ASGIApp, Message, Receive, Scope, Send

METHODS: Final = "GET, POST, DELETE, OPTIONS"
ALLOWED_HEADERS: Final = frozenset({
    "authorization", "content-type", "payment-signature", "x-payment", "x-x402-max-amount-wei", "x-chain-id",
    "x-session-user-address", "x-idempotency-key", "x-request-id", "x-compose-run-id", "x-run-id",
    "x-compose-read-token", "accept", "accept-language", "content-language", "cache-control", "last-event-id",
})
MAX_AGE: Final = "600"
_ORIGIN: Final = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?")


def parse_origins(text: str | None) -> frozenset[str]:
    """The allowed origins of a comma-separated list; ValueError naming one that is not an origin."""
    origins = {item.strip().rstrip("/") for item in (text or "").split(",") if item.strip()}
    for origin in origins:
        if origin != "*" and not _ORIGIN.fullmatch(origin):
            raise ValueError(f"not an origin (scheme://host[:port]): {origin!r}")
    return frozenset(origins)


class Cors:
    def __init__(self, app: ASGIApp, origins: frozenset[str]) -> None:
        self.app = app
        self.origins = origins
        self.any = "*" in origins

    def allowed(self, origin: str) -> bool:
        return self.any or origin in self.origins

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        origin = next((value.decode("latin-1") for name, value in scope["headers"] if name == b"origin"), None)
        if origin is None:
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS" and any(name == b"access-control-request-method"
                                                for name, _ in scope["headers"]):
            await self._preflight(scope, send, origin)
            return
        if not self.allowed(origin):
            await self.app(scope, receive, send)
            return
        added = [(b"access-control-allow-origin", b"*" if self.any else origin.encode("latin-1")),
                 (b"access-control-expose-headers", EXPOSED.encode())]
        if not self.any:
            added.append((b"vary", b"Origin"))

        async def with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [(name, value) for name, value in message["headers"]
                        if name.lower() != b"access-control-expose-headers"]
                message["headers"] = [*kept, *added]
            await send(message)

        await self.app(scope, receive, with_cors)

    async def _preflight(self, scope: Scope, send: Send, origin: str) -> None:
        if not self.allowed(origin):
            body = orjson.dumps({"error": {"code": "forbidden", "message": f"origin {origin[:200]} is not allowed "
                                           "(GATEWAY_CORS_ORIGINS)"}})
            headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
            await send({"type": "http.response.start", "status": 403, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        asked = next((value.decode("latin-1") for name, value in scope["headers"]
                      if name == b"access-control-request-headers"), "")
        wanted = [name.strip().lower() for name in asked.split(",") if name.strip()]
        granted = ", ".join(name for name in wanted if name in ALLOWED_HEADERS)
        headers = [(b"access-control-allow-origin", b"*" if self.any else origin.encode("latin-1")),
                   (b"access-control-allow-methods", METHODS.encode()),
                   (b"access-control-max-age", MAX_AGE.encode()), (b"content-length", b"0")]
        if granted:
            headers.append((b"access-control-allow-headers", granted.encode()))
        if not self.any:
            headers.append((b"vary", b"Origin"))
        await send({"type": "http.response.start", "status": 204, "headers": headers})
        await send({"type": "http.response.body", "body": b""})
