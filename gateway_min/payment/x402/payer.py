"""Paying with raw x402 v2 (no Compose Key): the hold is a verified, single-use claim of a payment signed for the
offer; the settlement moves the money through the facilitator.

Request-priced work is offered `exact` at its price; any other work `upto` at its worst case, or at the client's
`x-x402-max-amount-wei` when that is lower (the work then runs fitted to it: a chat with the output limit that
fits). The same request always yields the same offer, so the paid retry is checked against exactly what the 402
challenge advertised. `exact` settles its amount whatever was measured; an `exact` stream settles before its first
byte. PAYMENT-RESPONSE, X-Transaction-Hash and the receipt go in the headers, or in the `compose.receipt` event of
an `upto` stream (settled after its last byte, once the headers are gone).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import pricing
from gateway_min import metrics
from gateway_min.context import Gateway
from gateway_min.http import Request
from gateway_min.payment import receipts
from gateway_min.payment.cap import capped
from gateway_min.payment.x402 import offer as offers
from gateway_min.payment.x402.admit import Payment, admit, release
from gateway_min.payment.x402.protocol import EXACT, UPTO
from gateway_min.payment.x402.settle import complete, paid_headers, streamed_receipt
from gateway_min.pipeline.plugs import Metered, Payer, Settled, Work


class X402Payment:
    """A request paid with raw x402 (pipeline/plugs.Payment)."""

    def __init__(self, gw: Gateway, request: Request) -> None:
        self.gw = gw
        self.request = request

    async def hold(self, work: Work) -> tuple[Work, Payer]:
        found = await offers.kinds(self.gw)
        network = offers.network_for(self.request, found)
        work, amount = capped(work)
        scheme = EXACT if work.exact is not None else UPTO
        offer = offers.offer(self.request, found, scheme, network, amount,
                             timeout=offers.timeout_seconds(self.gw, work.stream), description=work.description,
                             mime_type=work.mime_type)
        payment = await admit(self.gw, self.request, offer, work.stream)
        return work, X402Payer(self.gw, payment, work.subject, work.exact)


@dataclass
class X402Payer:
    """A claimed, verified x402 payment (pipeline/plugs.Payer)."""

    gw: Gateway
    payment: Payment
    subject: str
    exact: pricing.Charge | None
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def ident(self) -> str:
        return "rct_" + receipts.call_id(self.payment.seed)

    @property
    def maximum(self) -> int:
        return self.payment.maximum

    @property
    def owner(self) -> str:
        return self.payment.payer.lower()

    @property
    def intent_id(self) -> str | None:
        return None

    @property
    def deadline(self) -> float | None:
        return self.payment.deadline

    def stream_headers(self, external: bool) -> dict[str, str]:
        return {"x-compose-response-id": receipts.response_id(self.payment.seed)}

    async def abort(self, reason: str) -> dict[str, str]:
        metrics.aborts.labels(reason[:64]).inc()
        await release(self.gw, self.payment)  # never reached settle: the same payment may be presented again
        return {}

    async def settle(self, metered: Metered, *, streamed: bool = False) -> Settled:
        if self.payment.scheme == EXACT:  # exact moves the offered amount: the quoted charge, not a measurement
            metered = Metered(self.exact, self.payment.maximum)
        result, receipt = await asyncio.shield(complete(self.gw, self.payment, metered, self.subject,
                                                        streamed=streamed))
        return Settled(receipt, paid_headers(result, receipt), lambda: streamed_receipt(result, receipt))

    async def settle_first(self) -> Settled | None:
        """An `exact` stream is settled before its first byte: its price does not depend on what it streams."""
        if self.payment.scheme != EXACT:
            return None
        return await self.settle(Metered(self.exact, self.payment.maximum))
