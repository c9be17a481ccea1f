"""The paid routes: who pays (a way to pay, payment/), what is paid for (a kind of work: work/ for the model
routes, runtime/ for agents and workflows), and the one flow that serves them (pipeline/)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from gateway_min.context import Gateway
from gateway_min.http import Request
from gateway_min.http.access_log import PAID_WITH
from gateway_min.http.types import Send
from gateway_min.payment.compose_key.payer import ComposeKeyPayment
from gateway_min.payment.compose_key.tokens import pays_with_compose_key
from gateway_min.payment.x402.payer import X402Payment
from gateway_min.pipeline.call import serve
from gateway_min.pipeline.plugs import Payment, Work

Admit = Callable[[Gateway, Request], Awaitable[Work]]
"""Reads, checks and quotes a request into its work (4xx otherwise, nothing held)."""


async def payment_for(gw: Gateway, request: Request, *, external: bool) -> Payment:
    """How `request` pays: a Compose Key when it carries one (external routes take nothing else: a 401 names the
    key they lack), else raw x402 when the gateway has a facilitator (a 401 otherwise)."""
    if not external and gw.facilitator is not None and not pays_with_compose_key(request):
        request.scope[PAID_WITH] = "x402"
        return X402Payment(gw, request)
    request.scope[PAID_WITH] = "compose_key"
    return await ComposeKeyPayment.start(gw, request)


async def handle(gw: Gateway, request: Request, send: Send, *, admit: Admit, external: bool = False) -> None:
    gw.in_flight += 1  # a lone request may commit its settlement inline (ledger): it blocks no one
    try:
        payment = await payment_for(gw, request, external=external)
        work = await admit(gw, request)
        await serve(request, send, work, payment, external=external)
    finally:
        gw.in_flight -= 1
