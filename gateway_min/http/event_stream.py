"""Server-sent events the gateway makes itself (the session's, a video job's status): started once, each event
sent as it is made, ended when its producer ends or the client leaves (the producer is then cancelled)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import orjson

from gateway_min.http.request import Request
from gateway_min.http.response import EXPOSED
from gateway_min.http.types import Send

log = logging.getLogger("gateway_min")
START = [(b"content-type", b"text/event-stream; charset=utf-8"), (b"cache-control", b"no-cache"),
         (b"x-accel-buffering", b"no"), (b"access-control-expose-headers", EXPOSED.encode())]


def event(name: str, body: Any) -> bytes:
    return b"event: " + name.encode() + b"\ndata: " + orjson.dumps(body) + b"\n\n"


async def event_stream(request: Request, send: Send, events: AsyncIterator[bytes]) -> None:
    """Send `events` as one text/event-stream answer. A producer that fails ends the stream (logged): its client
    reconnects; a client that leaves cancels the producer."""
    await send({"type": "http.response.start", "status": 200, "headers": START})

    async def pump() -> None:
        try:
            async for chunk in events:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        except Exception:
            log.exception("an event stream on %s stopped", request.path)
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def watch() -> None:
        while (await request.receive())["type"] != "http.disconnect":
            pass

    pumping, watching = asyncio.ensure_future(pump()), asyncio.ensure_future(watch())
    try:
        await asyncio.wait({pumping, watching}, return_when=asyncio.FIRST_COMPLETED)
        if pumping.done():
            pumping.result()
    finally:
        for task in (pumping, watching):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, OSError):
                await task
