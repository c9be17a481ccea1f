"""Streaming chat: pass each upstream SSE event through as it arrives, settle from the final usage chunk.

One terminal ledger operation whatever happens: the normal end settles measured usage; an end without a usage
chunk, a broken upstream or a client that goes away settles an estimate (prompt bound + output bytes) capped at
the hold and marked estimated. Native streams get `event: compose.receipt` (or `compose.error`) before `[DONE]`;
external streams carry no Compose events.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

import orjson

import pricing
from gateway_min import receipts
from gateway_min.admission import Admitted
from gateway_min.context import Gateway
from gateway_min.http import EXPOSED, header_list
from gateway_min.ledger import Reservation
from gateway_min.settlement import log, settle
from gateway_min.types import Receive, Send
from gateway_min.upstream import UpstreamReply, UpstreamUnavailable


class _Events:
    """Splits a byte stream into SSE events (blank-line separated), tolerant of CRLF and split chunks."""

    def __init__(self) -> None:
        self.buffer = b""

    def feed(self, chunk: bytes) -> list[bytes]:
        self.buffer += chunk.replace(b"\r\n", b"\n")
        *events, self.buffer = self.buffer.split(b"\n\n")
        return [event for event in events if event.strip()]


def _data(event: bytes) -> bytes | None:
    lines = [line[5:].lstrip() for line in event.split(b"\n") if line.startswith(b"data:")]
    return b"\n".join(lines) if lines else None


class _Stream:
    def __init__(self, admitted: Admitted, external: bool) -> None:
        self.admitted = admitted
        self.external = external
        options = admitted.body.get("stream_options")
        self.client_wants_usage = isinstance(options, dict) and options.get("include_usage") is True
        self.usage: dict[str, Any] | None = None
        self.output_bytes = 0
        self.events = _Events()

    def forward(self, chunk: bytes) -> bytes:
        """The bytes to pass on for this upstream chunk; remembers the usage chunk and counts output."""
        out = []
        for event in self.events.feed(chunk):
            data = _data(event)
            if data == b"[DONE]":
                continue  # ours comes after the receipt
            document = None
            if data is not None:
                try:
                    document = orjson.loads(data)
                except orjson.JSONDecodeError:
                    document = None
            if isinstance(document, dict):
                if isinstance(document.get("usage"), dict):
                    self.usage = document
                    if not self.client_wants_usage and not document.get("choices"):
                        continue  # a usage-only chunk the client did not ask for (its empty choices break clients)
                for choice in document.get("choices") or ():
                    delta = choice.get("delta") if isinstance(choice, dict) else None
                    if isinstance(delta, dict):
                        for field in ("content", "reasoning_content", "refusal"):
                            if isinstance(delta.get(field), str):
                                self.output_bytes += len(delta[field].encode())
                        if delta.get("tool_calls"):
                            self.output_bytes += len(orjson.dumps(delta["tool_calls"]))
            out.append(event + b"\n\n")
        return b"".join(out)

    def measured(self) -> pricing.Usage | None:
        if self.usage is None:
            return None
        try:
            return pricing.usage_from_response("openai-chat", self.usage)
        except pricing.PricingError:
            return None

    def estimate(self) -> pricing.Usage:
        output = min(self.output_bytes, self.admitted.output_limit)
        return pricing.Usage(input_tokens=self.admitted.prompt_bound, output_tokens=output)


async def relay(gw: Gateway, send: Send, receive: Receive, reply: UpstreamReply, admitted: Admitted,
                reservation: Reservation, headers: dict[str, str], *, external: bool, started: float) -> None:
    stream = _Stream(admitted, external)
    start_headers = [(b"content-type", b"text/event-stream; charset=utf-8"), (b"cache-control", b"no-cache"),
                     (b"x-accel-buffering", b"no"), (b"access-control-expose-headers", EXPOSED.encode()),
                     (b"x-compose-budget-remaining-kind", b"reserved"), *header_list(headers)]
    broken: list[str] = []

    async def pump() -> None:
        await send({"type": "http.response.start", "status": 200, "headers": start_headers})
        assert reply.chunks is not None
        try:
            async for chunk in reply.chunks:
                out = stream.forward(chunk)
                if out:
                    await send({"type": "http.response.body", "body": out, "more_body": True})
        except UpstreamUnavailable as exc:
            broken.append(str(exc))

    async def watch() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass

    pumping = asyncio.ensure_future(pump())
    watching = asyncio.ensure_future(watch())
    settled = False
    try:
        await asyncio.wait({pumping, watching}, return_when=asyncio.FIRST_COMPLETED)
        disconnected = not pumping.done()
        if disconnected:
            pumping.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pumping
        elif (failure := pumping.exception()) is not None:
            raise failure
        await reply.close()
        receipt = await _settle(gw, stream, admitted, reservation, disconnected, broken[0] if broken else None)
        settled = True
        if not disconnected:
            await send({"type": "http.response.body", "body": _tail(receipt, broken, external), "more_body": False})
        log.debug("stream %s settled in %.1f ms", reservation.intent.id, (time.perf_counter() - started) * 1000)
    finally:
        watching.cancel()
        if not pumping.done():
            pumping.cancel()
        await reply.close()
        if not settled:  # cancelled (shutdown) or a bug: still exactly one terminal operation
            await settle(gw, reservation, admitted, stream.measured() or stream.estimate(), estimated=True,
                         reason="stream interrupted")


async def _settle(gw: Gateway, stream: _Stream, admitted: Admitted, reservation: Reservation, disconnected: bool,
                  broken: str | None) -> dict[str, Any]:
    usage = stream.measured()
    reason = None
    if disconnected:
        reason = "client disconnected: settled an estimate"
    elif broken:
        reason = f"upstream stream broke: {broken}"
    elif usage is None:
        reason = "no usage chunk: settled an estimate"
    estimated = usage is None or disconnected or broken is not None
    _, receipt = await settle(gw, reservation, admitted, usage or stream.estimate(), estimated=estimated,
                              reason=reason)
    return receipt


def _tail(receipt: dict[str, Any], broken: list[str], external: bool) -> bytes:
    """What closes the stream: an error event if the upstream broke, the receipt (native only), [DONE]."""
    tail = b""
    if broken:
        error = {"error": {"message": f"upstream error: {broken[0]}", "type": "upstream_error"}}
        tail += (b"data: " if external else b"event: compose.error\ndata: ") + orjson.dumps(error) + b"\n\n"
    if not external:
        tail += receipts.sse_event(receipt)
    return tail + b"data: [DONE]\n\n"
