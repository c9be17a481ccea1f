"""Streams: pass each upstream SSE event on as it arrives, and end with exactly one terminal outcome.

`relay_sse` relays (through the work's StreamMeter, which measures as it goes) and calls `finish` exactly once,
however the stream ends: the upstream's end, a broken upstream, the payment's deadline, a client that went away,
a cancelled request. `relay` is the paid call's finish: a stream that served nothing is aborted; any other is
settled once at what its meter measured (or estimated, and said so). Native streams then end with
`event: compose.receipt` (or `compose.error`); external streams carry no Compose events, only an OpenAI-shaped
error frame when the upstream broke.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Final

import orjson

from gateway_min import metrics
from gateway_min.http import HTTPError
from gateway_min.http.access_log import note
from gateway_min.http.response import EXPOSED, header_list
from gateway_min.http.sse import EventTooLarge
from gateway_min.http.types import Receive, Scope, Send
from gateway_min.pipeline.plugs import Payer, Settled, Work
from gateway_min.upstream import UpstreamReply, UpstreamUnavailable

log = logging.getLogger("gateway_min")
Finish = Callable[[bool, str | None], Awaitable[bytes]]
"""(client disconnected, why the upstream broke or None) → the tail to send. It settles; called exactly once."""
DONE: Final = b"data: [DONE]\n\n"
DEADLINE_CUT: Final = ("the payment authorization is about to expire: the stream was cut so that it can still be "
                       "settled")


def error_event(body: dict[str, Any]) -> bytes:
    """The named `compose.error` SSE event that closes a native stream which could not end well."""
    return b"event: compose.error\ndata: " + orjson.dumps(body) + b"\n\n"


def broken_event(work: Work, broken: str, external: bool) -> bytes:
    """The error that says a stream broke (or was cut at the payment's deadline): `compose.error` on native
    streams, an OpenAI-shaped `data:` error frame on external ones."""
    code, message = ("payment_deadline", broken) if broken == DEADLINE_CUT else \
        (f"{work.origin}_error", f"{work.origin} error: {broken}")
    error = {"error": {"message": message, "type": code, "code": code}}
    return b"data: " + orjson.dumps(error) + b"\n\n" if external else error_event(error)


def settle_error_event(error: HTTPError) -> bytes:
    """A settlement that failed after the content went out: `compose.error`, with the payment's answer in it."""
    body = error.body("compose")
    if "payment-response" in error.headers and isinstance(error.details, dict):
        body["paymentResponse"] = error.details
    return error_event(body)


async def relay(scope: Scope, send: Send, receive: Receive, reply: UpstreamReply, work: Work, payer: Payer,
                first: Settled | None, *, external: bool) -> None:
    """A paid stream: settled once, from what its meter measured; or, settled `first` (before its first byte), only
    relayed. Cut at the payer's deadline (so that it can still be settled) unless it is settled already."""
    meter = work.meter_stream()
    headers = {**work.headers, **payer.headers, **payer.stream_headers(external)}
    if first is not None:
        headers.update(first.headers)
        note(scope, payer.ident, int(first.receipt.get("final_amount_wei", 0)))
        metrics.settled(work.subject, first.receipt)

    async def finish(disconnected: bool, broken: str | None) -> bytes:
        tail = broken_event(work, broken, external) if broken and not disconnected else b""
        if first is not None:
            await work.served(payer, first)
            return tail + (b"" if external else meter.receipt_event(first.streamed())) + meter.closing()
        if meter.served_nothing(disconnected, broken):
            await payer.abort(meter.abort_reason(broken))
            return tail + meter.closing()
        try:
            settled = await payer.settle(meter.outcome(disconnected, broken, payer.maximum), streamed=True)
        except HTTPError as exc:
            return tail + (b"" if external else settle_error_event(exc)) + meter.closing()
        note(scope, payer.ident, int(settled.receipt.get("final_amount_wei", 0)))
        metrics.settled(work.subject, settled.receipt)
        await work.served(payer, settled)
        return tail + (b"" if external else meter.receipt_event(settled.streamed())) + meter.closing()

    await relay_sse(send, receive, reply, headers, meter.forward, finish,
                    deadline=payer.deadline if first is None else None, ended=meter.ended)


async def _pass_on(send: Send, reply: UpstreamReply, forward: Callable[[bytes], bytes], broken: list[str],
                   ended: Callable[[], bool]) -> None:
    """Each chunk through `forward` as it arrives; then b"", the end of the stream (sse.SseEvents.feed)."""
    assert reply.chunks is not None
    upstream = reply.chunks

    async def chunks() -> AsyncIterator[bytes]:
        async for chunk in upstream:
            if chunk:  # b"" means the end to forward
                yield chunk
        yield b""

    async for chunk in chunks():
        try:
            out = forward(chunk)
        except (UpstreamUnavailable, EventTooLarge) as exc:  # the upstream's own fault
            broken.append(str(exc))
            return
        except Exception:  # a bug reading a chunk: end the stream as broken, settled, and said so
            log.exception("a stream chunk could not be relayed")
            broken.append("a chunk could not be relayed")
            return
        if out:
            await send({"type": "http.response.body", "body": out, "more_body": True})
        if ended():  # the upstream said [DONE]: what it sends after that is not read
            return


async def relay_sse(send: Send, receive: Receive, reply: UpstreamReply, headers: dict[str, str],
                    forward: Callable[[bytes], bytes], finish: Finish, *, deadline: float | None = None,
                    ended: Callable[[], bool] = lambda: False) -> None:
    """Relay, then `finish` once. `deadline` (event-loop time): the upstream is cut there, `broken` = DEADLINE_CUT."""
    start = [(b"content-type", b"text/event-stream; charset=utf-8"), (b"cache-control", b"no-cache"),
             (b"x-accel-buffering", b"no"), (b"access-control-expose-headers", EXPOSED.encode()),
             *header_list(headers)]
    broken: list[str] = []

    async def pump() -> None:
        await send({"type": "http.response.start", "status": 200, "headers": start})
        limit = asyncio.timeout_at(deadline)
        try:
            async with limit:
                await _pass_on(send, reply, forward, broken, ended)
        except UpstreamUnavailable as exc:
            broken.append(str(exc))
        except TimeoutError:
            if not limit.expired():
                raise
            broken.append(DEADLINE_CUT)

    async def watch() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass

    pumping = asyncio.ensure_future(pump())
    watching = asyncio.ensure_future(watch())
    finished = False
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
        finished = True
        tail = await asyncio.shield(finish(disconnected, broken[0] if broken else None))
        if not disconnected:
            await send({"type": "http.response.body", "body": tail, "more_body": False})
    finally:
        watching.cancel()
        if not pumping.done():
            pumping.cancel()
        await reply.close()
        if not finished:  # cancelled (shutdown) or the client went away mid-send: still one terminal operation
            try:
                await asyncio.shield(finish(True, "stream interrupted"))
            except Exception:
                log.exception("settling an interrupted stream failed")


