"""The native paid call paid with raw x402 v2 (no Compose Key): quote → offer → verified, claimed payment →
upstream → price measured usage → settle on the facilitator → PAYMENT-RESPONSE, X-Transaction-Hash and receipt.

Request-priced work (images, speech, video) is `exact` at `pricing.quote_exact`; usage-priced work (chat,
embeddings, transcription) is `upto` at `pricing.quote_max`, or at the client's `x-x402-max-amount-wei` when that
is lower, with the output limit lowered to fit it. The same request always yields the same offer and output
limit, so the paid retry is checked against exactly what the challenge advertised.
Exactly one terminal outcome: settled (money moved, receipt recorded on the claim), or released/failed (nothing
charged, no paid content).
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from typing import Any, Final

import orjson

import pricing
from gateway_min import settlement as settling
from gateway_min import x402_offer, x402_payment, x402_stream
from gateway_min.admission import Admitted, Files, moment, quote, read_payload, resolve_model, stream_flag
from gateway_min.context import Gateway
from gateway_min.http import HTTPError, Request, send_bytes
from gateway_min.types import Send
from gateway_min.upstream import UpstreamRequest
from gateway_min.x402.checks import EXACT, UPTO
from gateway_min.x402_payment import Metered, Payment
from generated.catalog import Model

MIME: Final = {"speech": None, "video": "application/json"}


def fit(gw: Gateway, model: Model, body: dict[str, Any], operation: str, files: Files | None,
        cap: int | None) -> tuple[Admitted, int]:
    """(the admitted request, the amount to advertise). The cap can only lower the maximum: upto work then runs
    with the output limit that fits it; when nothing fits, 400."""
    admitted = quote(gw, model, body, operation, files)
    if cap is None or cap >= admitted.hold:
        return admitted, admitted.hold
    try:
        fitted = quote(gw, model, body, operation, files, budget=cap)
    except pricing.InsufficientBudget as exc:
        raise HTTPError(400, "validation_error", f"{x402_offer.CAP_HEADER} {cap} is below the least this request "
                        f"can cost ({exc.required}); raise it or shorten the request") from None
    return fitted, cap


async def _offer(gw: Gateway, request: Request, model: Model, body: dict[str, Any], operation: str,
                 files: Files | None, cap: int | None, stream: bool) -> tuple[Admitted, x402_offer.Offer]:
    found = await x402_offer.kinds(gw)
    network = x402_offer.network_for(request, found)
    admitted, amount = fit(gw, model, body, operation, files, cap)
    admitted.stream = stream
    scheme = EXACT if admitted.exact is not None else UPTO
    timeout = x402_offer.timeout_seconds(gw, stream)
    offer = x402_offer.offer(request, found, scheme, network, amount, timeout=timeout,
                               description=f"Compose.Market AI inference: {operation} with {model.id}",
                               mime_type="text/event-stream" if stream else MIME.get(operation, "application/json"))
    return admitted, offer


async def handle(gw: Gateway, request: Request, send: Send, operation: str) -> None:
    started = time.perf_counter()
    body, files = await read_payload(request, operation)
    cap = x402_offer.client_cap(request, body)
    model = resolve_model(body, operation)
    stream = stream_flag(body, operation)
    provider = gw.providers.for_model(model)
    if provider is None:
        raise HTTPError(503, "provider_unavailable", f"no API key is configured for provider '{model.provider}'")
    admitted, offer = await _offer(gw, request, model, body, operation, files, cap, stream)
    payment = await x402_payment.admit(gw, request, offer, stream)
    headers = {"x-compose-public-model": model.id, "x-compose-upstream-provider": model.provider,
               "x-compose-upstream-model": model.upstream_id}
    call = UpstreamRequest(operation, settling.upstream_body(admitted, external=False), stream, files)
    deadline = payment.deadline

    async def give_up(reason: str) -> None:
        await x402_payment.release(gw, payment)

    reply = await x402_payment.bounded(provider.send(call), deadline, give_up, "provider")
    if reply.status >= 400:
        await reply.read()
        await x402_payment.release(gw, payment)
        error = settling.upstream_error(reply, external=False)
        error.headers.update(headers)
        raise error
    if stream:
        await x402_stream.chat(gw, send, request.receive, reply, admitted, payment, headers)
        return
    content = await x402_payment.read_bounded(reply, deadline, give_up, "provider")
    metered = measure(admitted, payment, content, moment(gw))
    subject = f"{model.provider}:{model.id}"
    result, receipt = await asyncio.shield(x402_payment.complete(gw, payment, metered, subject))
    headers.update(x402_payment.paid_headers(result, receipt))
    headers["x-compose-overhead-ms"] = f"{(time.perf_counter() - started) * 1000:.2f}"
    content = settling.with_receipt(content, reply.content_type, receipt)
    await send_bytes(send, reply.status, content, reply.content_type, headers)


def measure(admitted: Admitted, payment: Payment, content: bytes, at: datetime) -> Metered:
    """exact: the quoted charge. upto: measured usage priced and capped at the max; usage that cannot be read
    settles an upper estimate capped at the max (settlement.estimated_usage), or the max when there is none, marked
    estimated (the provider served the request: it is never free)."""
    if admitted.exact is not None:
        return Metered(admitted.exact, payment.maximum)
    try:
        settlement = pricing.settle(admitted.model, settling.measured_usage(admitted, content, at), payment.maximum,
                                    at=at)
    except (pricing.PricingError, orjson.JSONDecodeError) as exc:
        reason = f"usage unreadable: {exc}"
        estimate = settling.estimated_usage(admitted, content)
        if estimate is None:
            return Metered(None, payment.maximum, True, reason)
        try:
            settlement = pricing.settle(admitted.model, estimate, payment.maximum, at=at)
        except pricing.PricingError:
            return Metered(None, payment.maximum, True, reason)
        return Metered(settlement.charge, settlement.amount, True, reason)
    return Metered(settlement.charge, settlement.amount)
