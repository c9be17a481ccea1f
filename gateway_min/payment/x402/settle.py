"""Settling a raw x402 payment after the work: `exact` at its amount, `upto` at min(measured, max) (clamped here
whatever the caller passes), through the facilitator; then the receipt, and the outcome recorded on the claim. A
settlement that did not move money, or may have, is never answered as "nothing was charged" unless it was not."""

from __future__ import annotations

import logging
from typing import Any

import orjson

from gateway_min import metrics
from gateway_min.context import Gateway
from gateway_min.http import HTTPError
from gateway_min.payment import receipts
from gateway_min.payment.x402.admit import Payment, release
from gateway_min.payment.x402.protocol import (
    EXACT,
    SETTLEMENT_PENDING,
    UPTO,
    FacilitatorError,
    FacilitatorUnavailable,
    SettleResponse,
    encode_header,
)
from gateway_min.pipeline.plugs import Metered

log = logging.getLogger("gateway_min")


def settlement_failed(result: SettleResponse, streamed: bool = False) -> HTTPError:
    withheld = "the content already streamed is not charged" if streamed else "the content is withheld"
    return HTTPError(402, "settlement_failed", f"the payment could not be settled: {result.error_reason}; "
                     f"nothing was charged and {withheld}", details=result.wire(),
                     headers={"payment-response": encode_header(result), "cache-control": "no-store"})


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
        metrics.x402_failures.labels("settle", code).inc()
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
        metrics.x402_failures.labels("settle", "settlement_pending").inc()
        log.error("x402 settle for %s/%s is still pending (tx %s): the money may have moved", payment.payer,
                  payment.nonce, result.transaction or "unknown")
        raise HTTPError(503, "settlement_pending", "the payment facilitator reports the settlement as pending "
                        f"(transaction {result.transaction or 'unknown'}); the outcome is unknown and this "
                        "authorization will not be presented again", headers={"cache-control": "no-store"})
    if not result.success:
        await release(gw, payment, "failed")
        metrics.x402_failures.labels("settle", (result.error_reason or "refused")[:64]).inc()
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


def streamed_receipt(result: SettleResponse, receipt: dict[str, Any]) -> dict[str, Any]:
    """The receipt of `compose.receipt` for streams: headers are gone by then, so the SettleResponse travels in it."""
    return {**receipt, "payment_response": result.wire()}
