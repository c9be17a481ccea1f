"""Requests on raw ASGI: headers, query, a bounded body (size, idle and total time), JSON read safely."""

from __future__ import annotations

import asyncio
from typing import Any, Final
from urllib.parse import parse_qsl

import orjson

from gateway_min.http.errors import HTTPError
from gateway_min.http.types import Receive, Scope

MAX_BODY: Final = 32 * 1024 * 1024  # bytes; OpenAI's own limit for audio uploads is 25 MB
SMALL_BODY: Final = 1 << 20  # bytes, on the JSON-only routes (keys, intents, meter, facilitator): no uploads there
BODY_IDLE_SECONDS: Final = 30.0  # a body that stops arriving for this long is given up (408): no idle sockets held
BODY_TOTAL_SECONDS: Final = 300.0  # and one that trickles in: 32 MB at ~1 Mbit/s, and no slower
CLOSE: Final = {"connection": "close"}  # on a 408 or 413 the rest of the body may still come: not a next request
MAX_DEPTH: Final = 64  # nesting of a JSON body: OpenAI bodies (JSON Schemas in tools included) stay far below it,
# and orjson refuses to write past 255 (a deeper body would pass the parser and fail later, when re-encoded)


class Request:
    __slots__ = ("_body", "headers", "method", "params", "path", "query", "receive", "scope")

    def __init__(self, scope: Scope, receive: Receive) -> None:
        self.scope = scope
        self.receive = receive
        self.method: str = scope["method"]
        self.path: str = scope["path"]
        self.headers: dict[str, str] = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        self.query: dict[str, str] = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        self.params: dict[str, str] = {}
        self._body: bytes | None = None

    async def body(self, limit: int = MAX_BODY) -> bytes:
        if self._body is None:
            declared = self.headers.get("content-length")
            if declared is not None and (not declared.isascii() or not declared.isdigit() or int(declared) > limit):
                raise HTTPError(413, "payload_too_large", f"request body exceeds {limit} bytes", headers=CLOSE)
            chunks: list[bytes] = []
            size = 0
            loop = asyncio.get_running_loop()
            deadline = loop.time() + BODY_TOTAL_SECONDS
            while True:
                try:
                    async with asyncio.timeout_at(min(loop.time() + BODY_IDLE_SECONDS, deadline)):
                        message = await self.receive()
                except TimeoutError:
                    why = (f"the request body stalled: nothing arrived for {BODY_IDLE_SECONDS:g} s"
                           if loop.time() < deadline else f"the request body took more than {BODY_TOTAL_SECONDS:g} s")
                    raise HTTPError(408, "request_timeout", why, headers=CLOSE) from None
                if message["type"] == "http.disconnect":
                    raise HTTPError(400, "client_disconnected", "the client disconnected before sending the body")
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > limit:
                    raise HTTPError(413, "payload_too_large", f"request body exceeds {limit} bytes", headers=CLOSE)
                chunks.append(chunk)
                if not message.get("more_body", False):
                    break
            self._body = b"".join(chunks)
        return self._body

    def expect_json(self) -> None:
        """415 unless the body is declared JSON."""
        kind = self.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if kind != "application/json":
            raise HTTPError(415, "unsupported_media_type",
                            f"expected Content-Type: application/json, got {kind or 'none'}")

    async def json(self, limit: int = MAX_BODY) -> dict[str, Any]:
        """The body as a JSON object; 415 for another content type, 400 for malformed JSON or a non-object."""
        self.expect_json()
        value = parse_json(await self.body(limit))
        if not isinstance(value, dict):
            raise HTTPError(400, "invalid_json", f"request body must be a JSON object, got {type(value).__name__}")
        return value


def parse_json(raw: bytes, what: str = "request body") -> Any:
    """A JSON document from a client, nested at most MAX_DEPTH deep: orjson, which stops at 1,024 levels by itself
    (the standard library's parser recurses on the C stack, so only the recursion limit stands between a deep
    document and a crash)."""
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise HTTPError(400, "invalid_json", f"{what} is not valid JSON: {exc}") from None
    if raw.count(b"[") + raw.count(b"{") > MAX_DEPTH and not nested_within(value, MAX_DEPTH):  # walk only if it may be
        raise HTTPError(400, "invalid_json", f"{what} is nested more than {MAX_DEPTH} levels deep")
    return value


def nested_within(value: Any, depth: int) -> bool:
    """Whether arrays and objects in `value` nest at most `depth` levels (level by level, no recursion)."""
    level = [value]
    while level:
        if depth == 0:
            return False
        depth -= 1
        inner: list[Any] = []
        for item in level:
            children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
            inner.extend(child for child in children if isinstance(child, (dict, list)))
        level = inner
    return True
