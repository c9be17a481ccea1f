"""Raw-x402 chat streams, on the shared SSE relay (streaming.relay_sse).

For `upto` the settlement happens after the stream, so it is reported in the `compose.receipt` SSE event with the
SettleResponse inside (headers are gone by then); an `exact` stream is settled before the first byte.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

import pricing
from gateway_min import receipts, x402_payment
from gateway_min.admission import Admitted, moment
from gateway_min.context import Gateway
from gateway_min.http import HTTPError
from gateway_min.streaming import DEADLINE_CUT, DONE, ChatStream, error_event, relay_sse
from gateway_min.types import Receive, Send
from gateway_min.upstream import UpstreamReply
from gateway_min.x402.checks import EXACT
from gateway_min.x402_payment import Metered, Payment


async def chat(gw: Gateway, send: Send, receive: Receive, reply: UpstreamReply, admitted: Admitted,
               payment: Payment, headers: dict[str, str]) -> None:
    """A raw-x402 chat stream: exact settles before the first byte, upto after the last."""
    stream = ChatStream(admitted, external=False)
    headers = {**headers, "x-compose-response-id": receipts.response_id(payment.seed)}
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
            error = {"error": {"code": "payment_deadline", "message": broken} if broken == DEADLINE_CUT
                     else {"code": "upstream_error", "message": f"upstream error: {broken}"}}
            tail += error_event(error)
        if pre_settled is not None:
            return tail + pre_settled + DONE
        if stream.served_nothing(disconnected):
            await x402_payment.release(gw, payment)
            return tail + DONE
        try:
            metered = _metered(stream, admitted, payment.maximum, disconnected, broken, moment(gw))
            result, receipt = await x402_payment.complete(gw, payment, metered, subject, streamed=True)
        except HTTPError as exc:
            return tail + x402_payment.sse_error(exc) + DONE
        return tail + x402_payment.sse_receipt(result, receipt) + DONE

    deadline = payment.deadline if pre_settled is None else None
    await relay_sse(send, receive, reply, headers, stream.forward, finish, deadline=deadline,
                    ended=lambda: stream.ended)


def _metered(stream: ChatStream, admitted: Admitted, maximum: int, disconnected: bool, broken: str | None,
             at: datetime) -> Metered:
    """The stream's outcome (ChatStream.outcome) priced and capped at the max; cut at the payment deadline, it says
    so."""
    usage, estimated, reason = stream.outcome(disconnected, broken)
    if broken == DEADLINE_CUT and not disconnected:
        reason = "stream cut at the payment deadline: settled " + ("the measured usage" if not estimated else
                                                                  "an estimate")
    try:
        settlement = pricing.settle(admitted.model, usage, maximum, at=at)
    except pricing.PricingError as exc:
        return Metered(None, maximum, True, f"unpriced usage: {exc}")
    return Metered(settlement.charge, settlement.amount, estimated, reason)
