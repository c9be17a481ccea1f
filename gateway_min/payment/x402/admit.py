"""Admitting a raw x402 v2 payment, before the work: the offer (offer.py) → no PAYMENT-SIGNATURE: 402 challenge →
decode (400 when it cannot be decoded) → `accepted` must match the offer → cheap local checks → single-use claim of
(network, payer, nonce) in the ledger → facilitator /verify. Each refusal after decoding is a 402 with a fresh
PAYMENT-REQUIRED whose `error` says why. The work is bounded by the authorization's own end (validBefore /
deadline): it must leave at least MIN_WORK_SECONDS + SETTLE_RESERVE_SECONDS at admission, and the work (upstream
call, stream) is cut SETTLE_RESERVE_SECONDS before it, so a served request can always still be settled (settle.py).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Final

from gateway_min import metrics
from gateway_min.context import Gateway
from gateway_min.http import HTTPError, Request
from gateway_min.ledger import ClaimRow
from gateway_min.payment.x402.offer import Offer
from gateway_min.payment.x402.protocol import (
    SCHEMES,
    FacilitatorError,
    FacilitatorUnavailable,
    MalformedPayment,
    PaymentPayload,
    PaymentRequirements,
    decode_header,
    expires_at,
    local_checks,
    matches,
    payer_and_nonce,
)

log = logging.getLogger("gateway_min")
# The facilitator wants >= 6 s of validity left at settle, and its call may take up to 30 s (HttpFacilitator).
SETTLE_RESERVE_SECONDS: Final = 45
MIN_WORK_SECONDS: Final = 10
# How long an open claim counts as live (ledger.claims): the longest work, then its settle.
SETTLE_WINDOW_MS: Final = 120_000


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
    await _verify(gw, payment, paid, advertised)
    return payment


async def _verify(gw: Gateway, payment: Payment, paid: Offer, advertised: PaymentRequirements) -> None:
    """The facilitator's verdict on a claimed payment; the claim is given up (and the 402 or 5xx raised) when it
    is not valid or cannot be had."""
    payload = payment.payload
    assert gw.facilitator is not None
    try:
        verdict = await gw.facilitator.verify(payload, advertised)
    except FacilitatorError as exc:
        await release(gw, payment)
        metrics.x402_failures.labels("verify", "unreachable" if isinstance(exc, FacilitatorUnavailable)
                                     else "facilitator_error").inc()
        raise facilitator_error(exc, "verify") from None
    except BaseException:
        await release(gw, payment)
        raise
    if not verdict.is_valid:
        await release(gw, payment, "failed")
        reason = verdict.invalid_reason or "invalid_payment"
        metrics.x402_failures.labels("verify", reason[:64]).inc()
        raise paid.challenge(f"{reason}: {verdict.invalid_message}" if verdict.invalid_message else reason)


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


