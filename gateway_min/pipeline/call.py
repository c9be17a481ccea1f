"""The paid call, one flow for every kind of work and every way to pay:

    admit (the work: read, check, quote) → hold (the payment) → call upstream → measure → settle or abort → answer

Exactly one terminal outcome per request: settled when the upstream served the work, aborted (nothing charged)
when it did not (an error answer, unreachable, broken off, or past the payment's deadline). A ledger operation,
once called, completes even if the request is cancelled meanwhile; a settlement runs shielded from cancellation.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Final, TypeVar

from gateway_min import metrics
from gateway_min.http import HTTPError, Request, send_bytes
from gateway_min.http.access_log import note
from gateway_min.http.types import Send
from gateway_min.pipeline.plugs import Payer, Payment, Work
from gateway_min.pipeline.stream import relay
from gateway_min.upstream import UpstreamBroken, UpstreamReply, UpstreamUnavailable

T = TypeVar("T")
RECEIPT: Final = "x-compose-receipt"
DEADLINE_MESSAGE: Final = ("did not finish in the time the payment allows (the advertised maxTimeoutSeconds, or the "
                           "authorization's validBefore / deadline less the time to settle); nothing was charged")


async def serve(request: Request, send: Send, work: Work, payment: Payment, *, external: bool) -> None:
    """Serve one admitted `work`, paid with `payment`. External routes carry no receipt, in headers or bodies."""
    started = time.perf_counter()
    work, payer = await payment.hold(work)
    note(request.scope, payer.ident, 0)
    calling = time.perf_counter()
    reply = await bounded(work.call(payer.maximum), work, payer)
    upstream = time.perf_counter() - calling
    if reply.status >= 400:
        await reply.read()
        released = await payer.abort(f"{work.origin}_{reply.status}")
        error = work.upstream_error(reply, external)
        error.headers.update({**work.headers, **payer.headers, **released})
        raise error
    if work.stream and reply.content_type.startswith("text/event-stream"):
        try:
            first = await payer.settle_first()
        except BaseException:
            await reply.close()
            raise
        await relay(request.scope, send, request.receive, reply, work, payer, first, external=external)
        return
    # a non-stream answer, or a stream request answered with one JSON document: metered and passed on as it is
    reading = time.perf_counter()
    content = await read_bounded(reply, work, payer)
    upstream += time.perf_counter() - reading
    settled = await payer.settle(work.measure(content, payer.maximum))  # runs to its end even if cancelled
    await work.served(payer, settled)
    note(request.scope, payer.ident, int(settled.receipt.get("final_amount_wei", 0)))
    metrics.settled(work.subject, settled.receipt)
    metrics.added_latency.labels("external" if external else work.service).observe(
        time.perf_counter() - started - upstream)
    headers = {**work.headers, **payer.headers, **settled.headers,
               "x-compose-overhead-ms": f"{(time.perf_counter() - started) * 1000:.2f}"}
    if external:
        headers.pop(RECEIPT, None)
    else:
        content = work.answer(content, reply.content_type, settled.receipt)
    await send_bytes(send, work.answer_status(reply.status), content, reply.content_type, headers)


async def bounded(call: Awaitable[T], work: Work, payer: Payer) -> T:
    """`call` (to the work's upstream) done by the payer's deadline, if it has one. Otherwise the hold is given up
    first, then: unreachable or broken off → 502 `{who}_unavailable`, timed out on its own → 502 too, past the
    deadline → 504 `payment_deadline`, anything else (a bug, a cancellation) re-raised."""
    return await _bounded(call, work, payer, payer.abort)


async def read_bounded(reply: UpstreamReply, work: Work, payer: Payer) -> bytes:
    """The body of `reply`, `bounded` like the call: a body that cannot be had closes the connection first."""
    async def close_then_abort(reason: str) -> dict[str, str]:
        try:
            await reply.close()
        finally:
            released = await payer.abort(reason)
        return released

    return await _bounded(reply.read(), work, payer, close_then_abort)


async def _bounded(call: Awaitable[T], work: Work, payer: Payer,
                   give_up: Callable[[str], Awaitable[dict[str, str]]]) -> T:
    limit = asyncio.timeout_at(payer.deadline) if payer.deadline is not None else None
    what = f"the {work.who}"
    try:
        if limit is None:  # no deadline: no timeout to arm (it costs a loop callback per call)
            return await call
        async with limit:
            return await call
    except UpstreamUnavailable as exc:
        broken = isinstance(exc, UpstreamBroken)
        released = await give_up(f"{work.origin}_{'broken' if broken else 'unreachable'}")
        how = "'s answer broke off" if broken else " could not be reached"
        raise _unavailable(work, payer, released, f"{what}{how}: {exc}; nothing was charged") from None
    except TimeoutError:
        if limit is None or not limit.expired():  # the upstream's own timeout, not the payment's
            released = await give_up(f"{work.origin}_unreachable")
            raise _unavailable(work, payer, released, f"{what} timed out; nothing was charged") from None
        released = await give_up("payment_deadline")
        raise HTTPError(504, "payment_deadline", f"{what} {DEADLINE_MESSAGE}",
                        headers={**work.headers, **payer.headers, **released}) from None
    except BaseException:
        await give_up("gateway_error")
        raise


def _unavailable(work: Work, payer: Payer, released: dict[str, str], message: str) -> HTTPError:
    return HTTPError(502, f"{work.who}_unavailable", message, headers={**work.headers, **payer.headers, **released})
