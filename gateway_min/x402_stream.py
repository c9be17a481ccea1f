"""SSE relay with one terminal operation, for raw-x402 chat streams and the runtime stream route.

`relay` passes each upstream chunk through `forward` as it arrives and, once the stream ends (or breaks, or the
client goes away), calls `finish` exactly once: it settles and returns the tail (receipt or error event). For
`upto` the settlement happens after the stream, so it is reported in the `compose.receipt` SSE event with the
SettleResponse inside (headers are gone by then); an `exact` stream is settled before the first byte.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from datetime import datetime

import orjson

import pricing
from gateway_min import x402_payment
from gateway_min.admission import Admitted, moment
from gateway_min.context import Gateway
from gateway_min.http import EXPOSED, HTTPError, header_list
from gateway_min.settlement import log
from gateway_min.streaming import _Stream
from gateway_min.types import Receive, Send
from gateway_min.upstream import UpstreamReply, UpstreamUnavailable
from gateway_min.x402.checks import EXACT
from gateway_min.x402_payment import Metered, Payment

Finish = Callable[[bool, str | None], Awaitable[bytes]]
"""(client disconnected, why the upstream broke or None) → the tail to send. It settles; called exactly once."""
DONE = b"data: [DONE]\n\n"


async def relay(send: Send, receive: Receive, reply: UpstreamReply, headers: dict[str, str],
                forward: Callable[[bytes], bytes], finish: Finish) -> None:
    start = [(b"content-type", b"text/event-stream; charset=utf-8"), (b"cache-control", b"no-cache"),
             (b"x-accel-buffering", b"no"), (b"access-control-expose-headers", EXPOSED.encode()),
             *header_list(headers)]
    broken: list[str] = []

    async def pump() -> None:
        await send({"type": "http.response.start", "status": 200, "headers": start})
        assert reply.chunks is not None
        try:
            async for chunk in reply.chunks:
                out = forward(chunk)
                if out:
                    await send({"type": "http.response.body", "body": out, "more_body": True})
        except UpstreamUnavailable as exc:
            broken.append(str(exc))

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


async def chat(gw: Gateway, send: Send, receive: Receive, reply: UpstreamReply, admitted: Admitted,
               payment: Payment, headers: dict[str, str]) -> None:
    """A raw-x402 chat stream: exact settles before the first byte, upto after the last."""
    stream = _Stream(admitted, external=False)
    subject = f"{admitted.model.provider}:{admitted.model.id}"
    pre_settled: bytes | None = None
    if payment.scheme == EXACT:
        try:
            result, receipt = await asyncio.shield(x402_payment.complete(
                gw, payment, Metered(admitted.exact, payment.maximum), subject))
        except BaseException:
            await reply.close()
            raise
        headers = {**headers, **x402_payment.paid_headers(result, receipt)}
        pre_settled = x402_payment.sse_receipt(result, receipt)

    async def finish(disconnected: bool, broken: str | None) -> bytes:
        tail = b""
        if broken and not disconnected:
            error = {"error": {"code": "upstream_error", "message": f"upstream error: {broken}"}}
            tail += b"event: compose.error\ndata: " + orjson.dumps(error) + b"\n\n"
        if pre_settled is not None:
            return tail + pre_settled + DONE
        try:
            metered = _metered(stream, admitted, payment.maximum, disconnected, broken, moment(gw))
            result, receipt = await x402_payment.complete(gw, payment, metered, subject)
        except HTTPError as exc:
            return tail + x402_payment.sse_error(exc) + DONE
        return tail + x402_payment.sse_receipt(result, receipt) + DONE

    await relay(send, receive, reply, headers, stream.forward, finish)


def _metered(stream: _Stream, admitted: Admitted, maximum: int, disconnected: bool, broken: str | None,
             at: datetime) -> Metered:
    """Measured usage from the final usage chunk, or (none, client gone, upstream broken) an estimate; capped."""
    usage = stream.measured()
    reason = None
    if disconnected:
        reason = "client disconnected: settled an estimate"
    elif broken:
        reason = f"upstream stream broke: {broken}"
    elif usage is None:
        reason = "no usage chunk: settled an estimate"
    estimated = usage is None or disconnected or broken is not None
    try:
        settlement = pricing.settle(admitted.model, usage or stream.estimate(), maximum, at=at)
    except pricing.PricingError as exc:
        return Metered(None, maximum, True, f"unpriced usage: {exc}")
    return Metered(settlement.charge, settlement.amount, estimated, reason)
