"""The paid call: authenticate → admit (quote, reserve) → call upstream → price measured usage → settle → receipt.

Exactly one terminal ledger operation per request: settle when the provider served it, abort when it did not
(upstream error or unreachable: nothing is charged). A ledger operation, once called, completes even if the
request is cancelled meanwhile (ledger/writer.py).
"""

from __future__ import annotations

import time

import orjson

import pricing
from gateway_min import receipts
from gateway_min.admission import Admitted, moment, quote, read_payload, reserve, resolve_model, stream_flag
from gateway_min.context import Gateway
from gateway_min.http import HTTPError, Request, send_bytes
from gateway_min.keys import PREFIX, bearer, budget_headers, check_chain, key_for_token
from gateway_min.ledger import Reservation
from gateway_min.settlement import (
    abort,
    estimated_usage,
    measured_usage,
    settle,
    upstream_body,
    upstream_error,
    with_receipt,
)
from gateway_min.streaming import relay
from gateway_min.types import Send
from gateway_min.upstream import Provider, UpstreamBroken, UpstreamRequest, UpstreamUnavailable


def pays_with_compose_key(request: Request) -> bool:
    """`Bearer compose-...` or a bare `compose-...`; anything else (or nothing) is the raw x402 path (/v1/* only)."""
    token = bearer(request)
    return token is not None and token.startswith(PREFIX)


async def handle(gw: Gateway, request: Request, send: Send, operation: str, *, external: bool) -> None:
    gw.in_flight += 1
    try:
        if not external and gw.facilitator is not None and not pays_with_compose_key(request):
            from gateway_min import x402_paid  # noqa: PLC0415 - x402_paid builds on this module

            await x402_paid.handle(gw, request, send, operation)
        else:
            await _handle(gw, request, send, operation, external=external)
    finally:
        gw.in_flight -= 1


async def _handle(gw: Gateway, request: Request, send: Send, operation: str, *, external: bool) -> None:
    started = time.perf_counter()
    admitted, reservation, provider, headers = await _admit(gw, request, operation)
    try:
        reply = await provider.send(UpstreamRequest(operation, upstream_body(admitted, external), admitted.stream,
                                                    admitted.files))
    except UpstreamUnavailable as exc:
        raise await _abort_unavailable(gw, reservation, exc, headers, broken=isinstance(exc, UpstreamBroken)) from None
    except BaseException:
        await abort(gw, reservation, "gateway_error")
        raise
    if reply.status >= 400:
        await reply.read()
        key_after = await abort(gw, reservation, f"upstream_{reply.status}")
        error = upstream_error(reply, external)
        error.headers.update({**headers, **budget_headers(key_after)})
        raise error
    if admitted.stream:
        await relay(gw, send, request.receive, reply, admitted, reservation, headers, external=external,
                    started=started)
        return
    try:
        content = await reply.read()
    except UpstreamUnavailable as exc:
        raise await _abort_unavailable(gw, reservation, exc, headers, broken=True) from None
    try:
        usage: pricing.Usage | None = measured_usage(admitted, content, moment(gw))
        reason, estimated = None, False
    except (pricing.PricingError, orjson.JSONDecodeError) as exc:
        usage, reason, estimated = estimated_usage(admitted, content), f"usage unreadable: {exc}", True
    resolution, receipt = await settle(gw, reservation, admitted, usage, estimated=estimated, reason=reason)
    headers.update(budget_headers(resolution.key))
    headers["x-compose-key-final-amount-wei"] = str(resolution.intent.settled or 0)
    headers["x-compose-overhead-ms"] = f"{(time.perf_counter() - started) * 1000:.2f}"
    if not external:
        headers["x-compose-receipt"] = receipts.header(receipt)
    if not external:
        content = with_receipt(content, reply.content_type, receipt)
    await send_bytes(send, reply.status, content, reply.content_type, headers)


async def _abort_unavailable(gw: Gateway, reservation: Reservation, exc: UpstreamUnavailable,
                             headers: dict[str, str], *, broken: bool) -> HTTPError:
    """Abort the hold (nothing usable was served, nothing is charged) and say why: the provider could not be
    reached, or (`broken`) its answer broke off. The 502 carries the released budget."""
    key_after = await abort(gw, reservation, "upstream_broken" if broken else "upstream_unreachable")
    what = "the provider's answer broke off" if broken else "the provider could not be reached"
    return HTTPError(502, "provider_unavailable", f"{what}: {exc}", headers={**headers, **budget_headers(key_after)})


async def _admit(gw: Gateway, request: Request,
                 operation: str) -> tuple[Admitted, Reservation, Provider, dict[str, str]]:
    """Everything before the upstream call: a 4xx here has reserved nothing (or, for a replay, nothing more)."""
    key = await key_for_token(gw, bearer(request), fresh=False)
    check_chain(request, key)
    body, files = await read_payload(request, operation)
    model = resolve_model(body, operation)
    stream = stream_flag(body, operation)
    provider = gw.providers.for_model(model)
    if provider is None:
        raise HTTPError(503, "provider_unavailable", f"no API key is configured for provider '{model.provider}'")
    admitted = quote(gw, model, body, operation, files)
    admitted.stream = stream
    admitted, reservation = await reserve(gw, key, admitted, request)
    headers = {"x-payment-intent-id": reservation.intent.id, **budget_headers(reservation.key),
               "x-compose-public-model": model.id, "x-compose-upstream-provider": model.provider,
               "x-compose-upstream-model": model.upstream_id}
    if reservation.replay:
        stored = reservation.intent.receipt
        raise HTTPError(409, "idempotent_replay" if stored else "idempotency_in_progress",
                        "this x-idempotency-key was already used for this request"
                        + (": it completed and was charged once" if stored else " and it is still running"),
                        headers={**headers, "x-idempotent-replay": "true"},
                        details=orjson.loads(stored) if stored else None)
    return admitted, reservation, provider, headers
