"""Compose Keys backed by the wallet that spends them: one x402 `upto` signature opens a budget.

`POST /api/keys` without the admin token answers 402 with PAYMENT-REQUIRED offering `upto` for the budget, paid to
the operator, valid until the key's expiry plus COLLECT_MARGIN_SECONDS (a key lives at most MAX_KEY_SECONDS). Any
x402 v2 client signs it and sends the same request again with PAYMENT-SIGNATURE: the offer matched, the signature
checked, the payer must be the key's owner (`x-session-user-address`), the authorization must outlive the key, and
the facilitator verifies it (balance ≥ budget, nonce unused). The authorization is then claimed for good (single
use, as any payment) and kept with the key; calls spend the key off-chain, and what they spent is collected once
when the key ends (collect.py). While the key spends, its funding is re-verified at most once a minute (all
processes together): a wallet that no longer covers what is used and reserved ends the key.
"""

from __future__ import annotations

import logging
import uuid
from typing import Final

import orjson

from gateway_min.context import Gateway
from gateway_min.http import HTTPError, Request
from gateway_min.ledger import FundingRow, KeyRow, LedgerError
from gateway_min.payment.compose_key.tokens import new_token, session_token, token_hash
from gateway_min.payment.x402 import offer as offers
from gateway_min.payment.x402.admit import facilitator_error
from gateway_min.payment.x402.facilitator import Facilitator
from gateway_min.payment.x402.protocol import (
    UPTO,
    FacilitatorError,
    MalformedPayment,
    PaymentPayload,
    PaymentRequirements,
    decode_header,
    expires_at,
    local_checks,
    matches,
    payer_and_nonce,
)
from generated.catalog import Network

log = logging.getLogger("gateway_min")
MAX_KEY_SECONDS: Final = 7 * 86_400  # a wallet key lives a week at most: its authorization must outlive it
COLLECT_MARGIN_SECONDS: Final = 600  # the authorization stays valid this long after the key's expiry, to collect
END_MARGIN_MS: Final = COLLECT_MARGIN_SECONDS * 1000 // 2  # a key still open this close to its deadline ends
VERIFY_EVERY_MS: Final = 60_000  # a spending key's funding is re-verified at most this often
INSUFFICIENT: Final = frozenset({"insufficient_funds", "permit2_insufficient_balance"})


def offer(request: Request, network: Network, kinds: offers.Kinds, budget: int, timeout: int) -> offers.Offer:
    return offers.offer(request, kinds, UPTO, network, budget, timeout=timeout,
                        description=f"Compose Key budget of {budget} USDC atomic units, collected once when the key "
                        "ends, for what it spent", mime_type="application/json")


async def open_key(gw: Gateway, request: Request, *, owner: str, network: Network, budget: int, expires: int,
                   purpose: str, name: str | None) -> tuple[KeyRow, str]:
    """(the new wallet key, its token), or the 402 / 4xx that says what is missing."""
    if gw.facilitator is None:
        raise HTTPError(401, "authentication_failed", "creating keys needs the admin token (COMPOSE_ADMIN_TOKEN): "
                        "this gateway has no x402 facilitator for wallet-backed keys")
    now = gw.clock()
    if expires - now > MAX_KEY_SECONDS * 1000:
        raise HTTPError(400, "validation_error", f"a wallet-backed key lives at most {MAX_KEY_SECONDS // 86_400} days "
                        f"(its authorization must outlive it): expiresAt may be at most {now + MAX_KEY_SECONDS * 1000}")
    kinds = await offers.kinds(gw)
    if (UPTO, network.id) not in kinds:
        raise HTTPError(400, "validation_error", f"the facilitator takes no x402 upto payments on {network.id}")
    # a signer signs validBefore = its Unix second + maxTimeoutSeconds: from this second, past the key's expiry
    needed = -(-expires // 1000) - now // 1000 + COLLECT_MARGIN_SECONDS
    header = request.headers.get("payment-signature")
    if header is None:
        raise offer(request, network, kinds, budget, needed).challenge("PAYMENT-SIGNATURE header is required: sign "
                                                                       "the budget once, it is collected at the end")
    try:
        payload = decode_header(header, PaymentPayload)
    except MalformedPayment as exc:
        raise HTTPError(400, "invalid_payment", str(exc)) from None
    # the offer's maxTimeoutSeconds shrinks as time passes: the retry may carry the one it was challenged with
    carried = payload.accepted.max_timeout_seconds
    timeout = carried if needed <= carried <= MAX_KEY_SECONDS + COLLECT_MARGIN_SECONDS + 3600 else needed
    paid = offer(request, network, kinds, budget, timeout)
    requirements = paid.requirements
    reason = matches(payload.accepted, requirements) if payload.accepted.scheme == UPTO else \
        f"invalid_scheme: a key's budget is paid with 'upto', not {payload.accepted.scheme!r}"
    reason = reason or local_checks(payload, requirements, now // 1000)
    if reason:
        raise paid.challenge(reason)
    payer, nonce = payer_and_nonce(payload)
    if payer.lower() != owner:
        raise HTTPError(403, "forbidden", f"the payment is signed by {payer}, not by the key's owner {owner} "
                        "(x-session-user-address)")
    deadline = expires_at(payload)
    if deadline < -(-expires // 1000) + COLLECT_MARGIN_SECONDS:
        raise paid.challenge(f"payment_expires_too_soon: the authorization ends at {deadline}, before the key's "
                             f"expiry plus {COLLECT_MARGIN_SECONDS} s to collect: sign it for the advertised "
                             f"maxTimeoutSeconds ({requirements.max_timeout_seconds})")
    await _verify_funds(gw.facilitator, paid, payload, requirements, payer, budget)
    key_id = str(uuid.uuid4())
    token = session_token(gw.token_secret, key_id) if purpose == "session" else new_token()
    key = KeyRow(key_id, token_hash(token), token[:12], owner, network.chain_id, purpose, name, budget, 0, 0, now,
                 expires, None, None, "wallet")
    funding = FundingRow(key_id, network.id, payer, nonce, orjson.dumps(payload.wire()).decode(),
                         orjson.dumps(requirements.wire()).decode(), deadline, "open", None, None, None, None, 0, now,
                         None, None, now, now)
    try:
        await gw.ledger.create_wallet_key(key, funding)
    except LedgerError as exc:
        raise HTTPError(exc.status, exc.code, str(exc)) from None
    return key, token


async def _verify_funds(facilitator: Facilitator, paid: offers.Offer, payload: PaymentPayload,
                        requirements: PaymentRequirements, payer: str, budget: int) -> None:
    try:
        verdict = await facilitator.verify(payload, requirements)
    except FacilitatorError as exc:
        raise facilitator_error(exc, "verify") from None
    if verdict.is_valid:
        return
    reason = verdict.invalid_reason or "invalid_payment"
    if reason in INSUFFICIENT:
        balance = await facilitator.balance(requirements.network, payer)
        held = "an unknown amount" if balance is None else str(balance)
        challenge = paid.challenge(f"{reason}: the wallet holds {held} of the {budget} USDC atomic units the "
                                   "budget needs (balance, or its Permit2 allowance)")
        challenge.required.extensions = {**(challenge.required.extensions or {}), "compose-key-funding": {
            "balance": None if balance is None else str(balance), "required": str(budget)}}
        raise challenge
    raise paid.challenge(f"{reason}: {verdict.invalid_message}" if verdict.invalid_message else reason)


async def still_funded(gw: Gateway, key: KeyRow, hold: int) -> str | None:
    """None while the wallet covers what the key used, holds and is about to hold; else why not (the key is then
    ended). Asked of the facilitator at most once per VERIFY_EVERY_MS per key, across processes."""
    if key.kind != "wallet" or gw.facilitator is None or not await gw.ledger.touch_verified(key.id, VERIFY_EVERY_MS):
        return None
    funding = await gw.ledger.get_funding(key.id)
    if funding is None:
        return None
    payload = PaymentPayload.model_validate_json(funding.payload)
    requirements = PaymentRequirements.model_validate_json(funding.requirements)
    try:
        verdict = await gw.facilitator.verify(payload, requirements)
    except FacilitatorError:  # it cannot say now: spend on, and ask again at the next interval
        log.warning("the funding of key %s could not be re-verified now", key.id)
        return None
    if verdict.is_valid:
        return None
    reason = verdict.invalid_reason or "invalid_payment"
    if reason in INSUFFICIENT:  # it covers less than the budget: enough for what is owed and held?
        current = await gw.ledger.get_key(key.id)
        owed = (current.spent + current.reserved if current else key.budget) + hold
        balance = await gw.facilitator.balance(requirements.network, funding.payer)
        if balance is not None and balance >= owed:
            return None
    log.warning("key %s ends: its funding no longer verifies (%s)", key.id, reason)
    await gw.ledger.revoke_key(key.id, "wallet_drained")
    gw.keys.pop(key.key_hash, None)
    return "wallet_drained"
