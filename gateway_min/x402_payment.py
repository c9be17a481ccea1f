"""Raw x402 v2 payment of one request, shared by the native paid routes and the runtime routes.

Before the work: the offer (x402_offer.py) → no PAYMENT-SIGNATURE: 402 challenge → decode (400 when it cannot be
decoded) → `accepted` must match the offer → cheap local checks → single-use claim of (network, payer, nonce) in the
ledger → facilitator /verify. Each refusal after decoding is a 402 with a fresh PAYMENT-REQUIRED whose `error` says
why. The work is bounded by the authorization's own end (validBefore / deadline): it must leave at least
MIN_WORK_SECONDS + SETTLE_RESERVE_SECONDS at admission, and the work (upstream call, stream) is cut
SETTLE_RESERVE_SECONDS before it, so a served request can always still be settled. After the work: settle (exact:
its amount; upto: min(measured, max), clamped here whatever the caller passes) → receipt → the outcome recorded on
the claim row.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Final, NamedTuple, TypeVar

import orjson

from gateway_min import receipts
from gateway_min.context import Gateway
from gateway_min.http import HTTPError, Request
from gateway_min.ledger import ClaimRow
from gateway_min.streaming import error_event
from gateway_min.upstream import UpstreamReply, UpstreamUnavailable
from gateway_min.x402 import (
    FacilitatorError,
    FacilitatorUnavailable,
    MalformedPayment,
    PaymentPayload,
    SettleResponse,
    decode_header,
    encode_header,
    expires_at,
    local_checks,
    matches,
    payer_and_nonce,
)
from gateway_min.x402.checks import EXACT, SCHEMES, UPTO
from gateway_min.x402.errors import SETTLEMENT_PENDING
from gateway_min.x402_offer import Offer
from pricing import Charge

log = logging.getLogger("gateway_min")
T = TypeVar("T")
# The facilitator wants >= 6 s of validity left at settle, and its call may take up to 30 s (HttpFacilitator).
SETTLE_RESERVE_SECONDS: Final = 45
MIN_WORK_SECONDS: Final = 10
# How long an open claim counts as live (ledger.claims): the longest work, then its settle.
SETTLE_WINDOW_MS: Final = 120_000


def settlement_failed(result: SettleResponse, streamed: bool = False) -> HTTPError:
    withheld = "the content already streamed is not charged" if streamed else "the content is withheld"
    return HTTPError(402, "settlement_failed", f"the payment could not be settled: {result.error_reason}; "
                     f"nothing was charged and {withheld}", details=result.wire(),
                     headers={"payment-response": encode_header(result), "cache-control": "no-store"})


def in_flight(row: ClaimRow, live_ms: int) -> HTTPError:
    """The payer's open claim that an upto stream excludes (ledger.claims): wait for it, or for it to stop counting."""
    what = f"your payment {row.nonce} is paying for a stream not yet settled" if row.stream else \
        f"a stream paid with upto must be your only open payment, and {row.nonce} is still open"
    return HTTPError(409, "payment_in_flight", f"{what}; send this payment again once that one has settled, at the "
                     f"latest after {(row.claimed_at + live_ms) // 1000} (unix seconds), when a claim cut short by a "
                     "gateway restart stops counting (x402 holds no funds, so nothing may settle ahead of a stream "
                     "it could leave unpaid)")


@dataclass(frozen=True)
class Payment:
    offer: Offer
    payload: PaymentPayload
    payer: str
    nonce: str
    expires: int  # unix seconds: the authorization's validBefore / deadline
    deadline: float  # event-loop time the work must end by, fixed at admission (work_deadline)

    @property
    def scheme(self) -> str:
        return self.offer.requirements.scheme

    @property
    def network(self) -> str:
        return self.offer.requirements.network

    @property
    def seed(self) -> str:
        """What names this paid call (receipts.call_id): the single-use claim's key."""
        return f"x402:{self.network}:{self.payer}:{self.nonce}"

    @property
    def maximum(self) -> int:
        return int(self.offer.requirements.amount)



def work_deadline(gw: Gateway, expires: int, max_timeout_seconds: int) -> float:
    """The event-loop time by which the work must be done, counted from now (the claim): so that settle still lands
    in the authorization's validity window, and within the advertised maxTimeoutSeconds (the claim's live window,
    less SETTLE_WINDOW_MS for the settle itself, ledger.claims)."""
    seconds_left = min(expires - SETTLE_RESERVE_SECONDS - gw.clock() / 1000, max_timeout_seconds)
    return asyncio.get_running_loop().time() + seconds_left


async def bounded(work: Awaitable[T], deadline: float | None, give_up: Callable[[str], Awaitable[None]],
                  who: str) -> T:
    """`work` (a call to the `who` upstream: provider or runtime) done by `deadline` (event-loop time, None: no
    bound). Otherwise the payment is given up first (`give_up(reason)`), then: unreachable, broken or timed out on
    its own → 502 `{who}_unavailable`, past the deadline → 504 `payment_deadline`, anything else re-raised."""
    limit = asyncio.timeout_at(deadline)
    try:
        async with limit:
            return await work
    except UpstreamUnavailable as exc:
        await give_up(f"{who}_unreachable")
        raise HTTPError(502, f"{who}_unavailable", f"the {who} failed: {exc}; nothing was charged") from None
    except TimeoutError:
        if not limit.expired():  # the upstream's own timeout, not ours
            await give_up(f"{who}_unreachable")
            raise HTTPError(502, f"{who}_unavailable", f"the {who} timed out; nothing was charged") from None
        await give_up("payment_deadline")
        raise HTTPError(504, "payment_deadline", f"the {who} did not finish in the time the payment allows (the "
                        f"advertised maxTimeoutSeconds, or the authorization's validBefore / deadline less "
                        f"{SETTLE_RESERVE_SECONDS} s to settle); nothing was charged") from None
    except BaseException:
        await give_up("gateway_error")
        raise


async def read_bounded(reply: UpstreamReply, deadline: float | None, give_up: Callable[[str], Awaitable[None]],
                       who: str) -> bytes:
    """The body of `reply`, `bounded` like the call: a body that cannot be had closes the connection, then the
    payment is given up."""
    async def close_then_give_up(reason: str) -> None:
        try:
            await reply.close()
        finally:
            await give_up(reason)

    return await bounded(reply.read(), deadline, close_then_give_up, who)


async def admit(gw: Gateway, request: Request, paid: Offer, stream: bool = False) -> Payment:
    """The verified, claimed payment for `paid`; raises the 402 challenge (or 400/409/502/503) otherwise.
    `stream`: the content goes out before settle (an upto stream then needs the payer to have no other live
    payment, ledger.claims)."""
    header = request.headers.get("payment-signature")
    if header is None:
        raise paid.challenge("PAYMENT-SIGNATURE header is required")
    try:
        payload = decode_header(header, PaymentPayload)
    except MalformedPayment as exc:
        raise HTTPError(400, "invalid_payment", str(exc)) from None
    advertised = paid.requirements
    scheme = payload.accepted.scheme
    if scheme not in SCHEMES:
        raise paid.challenge(f"unsupported_scheme: scheme {scheme!r} is not supported; this request is paid "
                             f"with {advertised.scheme!r}")
    if scheme != advertised.scheme:
        raise paid.challenge(f"invalid_scheme: this request is paid with {advertised.scheme!r}, not {scheme!r}")
    mismatch = matches(payload.accepted, advertised)
    if mismatch:
        raise paid.challenge(f"no matching payment requirements: {mismatch}")
    reason = local_checks(payload, advertised, gw.clock() // 1000)
    if reason:
        raise paid.challenge(reason)
    try:
        payer, nonce = payer_and_nonce(payload)
        expires = expires_at(payload)
    except MalformedPayment as exc:  # pragma: no cover - local_checks parsed the same payload
        raise HTTPError(400, "invalid_payment", str(exc)) from None
    least = gw.clock() // 1000 + MIN_WORK_SECONDS + SETTLE_RESERVE_SECONDS
    if expires < least:
        raise paid.challenge(f"payment_expires_too_soon: the authorization is valid until {expires}, which leaves "
                             f"under {MIN_WORK_SECONDS + SETTLE_RESERVE_SECONDS} s to do the work and settle; sign it "
                             f"for the advertised maxTimeoutSeconds ({advertised.max_timeout_seconds})")
    live_ms = max(gw.stream_ttl_ms, gw.intent_ttl_ms) + SETTLE_WINDOW_MS
    taken, row = await gw.ledger.claim_payment(advertised.network, payer, nonce, scheme, int(advertised.amount),
                                               stream, live_ms)
    if not taken and row.nonce != nonce:
        raise in_flight(row, live_ms)
    if not taken:
        raise paid.challenge(f"payment_already_used: this authorization (payer {payer}, nonce {nonce}) was already "
                             f"presented ({row.state}); sign a new payment")
    payment = Payment(paid, payload, payer, nonce, expires, work_deadline(gw, expires, advertised.max_timeout_seconds))
    assert gw.facilitator is not None
    try:
        verdict = await gw.facilitator.verify(payload, advertised)
    except FacilitatorError as exc:
        await release(gw, payment)
        raise facilitator_error(exc, "verify") from None
    except BaseException:
        await release(gw, payment)
        raise
    if not verdict.is_valid:
        await release(gw, payment, "failed")
        reason = verdict.invalid_reason or "invalid_payment"
        raise paid.challenge(f"{reason}: {verdict.invalid_message}" if verdict.invalid_message else reason)
    return payment


def facilitator_error(exc: FacilitatorError, what: str) -> HTTPError:
    if isinstance(exc, FacilitatorUnavailable):
        return HTTPError(503, "facilitator_unavailable", f"the payment facilitator could not be reached to {what} "
                         f"the payment ({exc}); nothing was charged, try again later")
    return HTTPError(502, "facilitator_error", f"the payment facilitator gave no usable {what} answer ({exc}); "
                     "nothing was charged")


async def release(gw: Gateway, payment: Payment, state: str = "released") -> None:
    """Give the claim up: `released` (never reached settle: the same payment may be presented again) or `failed`."""
    done = await asyncio.shield(gw.ledger.resolve_payment(payment.network, payment.payer, payment.nonce, state))
    if not done:
        log.warning("x402 claim %s/%s was no longer claimed when marking it %s", payment.payer, payment.nonce, state)


class Metered(NamedTuple):
    """What to settle: the measured charge (None when unreadable), the amount, and why it is what it is."""

    charge: Charge | None
    amount: int
    estimated: bool = False
    reason: str | None = None


async def complete(gw: Gateway, payment: Payment, metered: Metered, subject: str, *, streamed: bool = False
                   ) -> tuple[SettleResponse, dict[str, Any]]:
    """Settle, build the receipt, record both on the claim. Raises HTTPError (402 settlement_failed with
    PAYMENT-RESPONSE, 502/503 facilitator) when the money did not move or may not have; the claim is then `failed`.
    `streamed`: the content is already out (error wording only)."""
    amount = payment.maximum if payment.scheme == EXACT else max(0, min(metered.amount, payment.maximum))
    requirements = payment.offer.requirements
    if amount != payment.maximum:
        requirements = requirements.model_copy(update={"amount": str(amount)})
    assert gw.facilitator is not None
    try:
        result = await gw.facilitator.settle(payment.payload, requirements)
    except FacilitatorError as exc:
        await release(gw, payment, "failed")  # the outcome is unknown: this authorization is never used again here
        status, code = (503, "facilitator_unavailable") if isinstance(exc, FacilitatorUnavailable) else \
            (502, "facilitator_error")
        log.error("x402 settle for %s/%s has no usable answer (%s): the money may have moved", payment.payer,
                  payment.nonce, exc)
        raise HTTPError(status, code, f"the payment facilitator gave no usable settle answer ({exc}); the settlement "
                        "outcome is unknown and this authorization will not be presented again") from None
    except BaseException:  # a bug, or cancelled mid-settle: the outcome is unknown, the authorization is done here
        await release(gw, payment, "failed")
        raise
    if not result.success and result.error_reason == SETTLEMENT_PENDING:
        # still pending after the client's retry: the transaction is out, unconfirmed. Not a refusal: a 402 saying
        # nothing was charged would have the client pay again for the same response (x402-v2.md, double pay)
        await release(gw, payment, "failed")
        log.error("x402 settle for %s/%s is still pending (tx %s): the money may have moved", payment.payer,
                  payment.nonce, result.transaction or "unknown")
        raise HTTPError(503, "settlement_pending", "the payment facilitator reports the settlement as pending "
                        f"(transaction {result.transaction or 'unknown'}); the outcome is unknown and this "
                        "authorization will not be presented again", headers={"cache-control": "no-store"})
    if not result.success:
        await release(gw, payment, "failed")
        log.warning("x402 settle refused for %s/%s: %s", payment.payer, payment.nonce, result.error_reason)
        raise settlement_failed(result, streamed)
    settled = reported_amount(result, amount, payment)
    receipt = build_receipt(payment, result, settled, metered, subject, gw.clock())
    try:
        await gw.ledger.resolve_payment(payment.network, payment.payer, payment.nonce, "settled", settled=settled,
                                        tx_hash=result.transaction or None, receipt=orjson.dumps(receipt).decode())
    except Exception:  # the money moved: the client must still get its PAYMENT-RESPONSE, or it would pay again
        log.exception("x402 settle for %s/%s moved %d (tx %s) but the claim could not record it", payment.payer,
                      payment.nonce, settled, result.transaction or "none")
    return result, receipt


def reported_amount(result: SettleResponse, asked: int, payment: Payment) -> int:
    """What the facilitator says moved (it moved the money, so its word is recorded); disagreements are logged.
    Never more than the payer authorized: no honest transfer can exceed it, so such a report is not recorded."""
    raw = result.amount  # digits only (the wire model checks)
    if raw is None:
        return asked
    if int(raw) != asked or (result.network and result.network != payment.network):
        log.error("x402 settle for %s/%s: asked %d on %s, the facilitator reports %s on %s", payment.payer,
                  payment.nonce, asked, payment.network, raw, result.network)
    return int(raw) if int(raw) <= payment.maximum else asked


def build_receipt(payment: Payment, result: SettleResponse, settled: int, metered: Metered, subject: str,
                  now_ms: int) -> dict[str, Any]:
    """The canonical (snake_case) receipt, the same content as receipts.build for Compose Key calls."""
    charge = metered.charge
    receipt: dict[str, Any] = {
        "id": "rct_" + receipts.call_id(payment.seed),
        "settlement_status": "settled",
        "subject": charge.subject if charge else subject,
        "final_amount_wei": str(settled),
        "network": payment.network,
        "settled_at": now_ms,
        "max_amount_wei": str(payment.maximum),
        "scheme": payment.scheme,
        "payer": payment.payer,
    }
    if charge is not None:
        receipt.update(receipts.charge_fields(charge))
    uncollected = charge.final_amount - settled if charge is not None and payment.scheme == UPTO else 0
    if uncollected > 0:
        receipt["uncollected_wei"] = str(uncollected)
    if metered.estimated:
        receipt["estimated"] = True
    if metered.reason:
        receipt["reason"] = metered.reason
    if result.transaction:
        receipt["tx_hash"] = result.transaction
    return receipt


def paid_headers(result: SettleResponse, receipt: dict[str, Any]) -> dict[str, str]:
    headers = {"payment-response": encode_header(result), "x-compose-receipt": receipts.header(receipt),
               "cache-control": "private, no-store"}
    if result.transaction:
        headers["x-transaction-hash"] = result.transaction
    return headers


def sse_receipt(result: SettleResponse, receipt: dict[str, Any]) -> bytes:
    """`compose.receipt` for streams: headers are gone by then, so the SettleResponse travels inside it."""
    return receipts.sse_event({**receipt, "payment_response": result.wire()})


def sse_error(error: HTTPError) -> bytes:
    body = error.body("compose")
    if "payment-response" in error.headers and isinstance(error.details, dict):
        body["paymentResponse"] = error.details
    return error_event(body)
