"""Paying with a Compose Key: the hold is a reserve on the key's budget, the settlement books the measured amount.

The hold is one conditional reserve in the ledger (I1). When the key cannot afford the work's worst case and the
work can be made smaller (a chat's output limit, a runtime's cap), it is fitted to what the key has and reserved
once more; the answer then says what limit was applied. `x-idempotency-key` serves a request once: a repeat is a
409 with `x-idempotent-replay` (and the stored receipt once the first has completed).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Final

import orjson

import pricing
from gateway_min import metrics
from gateway_min.context import Gateway
from gateway_min.http import HTTPError, Request
from gateway_min.http.auth import bearer
from gateway_min.ledger import BudgetExhausted, Hold, IntentRow, KeyRow, LedgerError, Reservation
from gateway_min.payment import receipts
from gateway_min.payment.cap import capped
from gateway_min.payment.compose_key import session, wallet
from gateway_min.payment.compose_key.tokens import budget_headers, check_chain, key_for_token
from gateway_min.pipeline.plugs import Metered, Payer, Settled, Work

log = logging.getLogger("gateway_min")
MAX_IDEMPOTENCY_KEY: Final = 200


def idempotency_key(request: Request) -> str | None:
    value = request.headers.get("x-idempotency-key")
    if value is None:
        return None
    if not 1 <= len(value) <= MAX_IDEMPOTENCY_KEY:
        raise HTTPError(400, "validation_error", f"x-idempotency-key must be 1 to {MAX_IDEMPOTENCY_KEY} characters")
    return value


def payment_required(exhausted: BudgetExhausted) -> HTTPError:
    depleted = {session.INVALID: "budget-depleted"} if exhausted.key.purpose == "session" else {}
    return HTTPError(402, "payment_required", str(exhausted), headers={**budget_headers(exhausted.key), **depleted})


def ledger_http_error(error: LedgerError) -> HTTPError:
    if isinstance(error, BudgetExhausted):
        return payment_required(error)
    return HTTPError(error.status, error.code, str(error))


class ComposeKeyPayment:
    """A request paid with a Compose Key (payment/plugs.Payment). `start` authenticates the key (401) and checks the
    request's chain (409) before anything else of the request is read."""

    def __init__(self, gw: Gateway, request: Request, key: KeyRow) -> None:
        self.gw = gw
        self.request = request
        self.key = key

    @classmethod
    async def start(cls, gw: Gateway, request: Request) -> ComposeKeyPayment:
        key = await key_for_token(gw, bearer(request), fresh=False)
        check_chain(request, key)
        return cls(gw, request, key)

    async def hold(self, work: Work) -> tuple[Work, Payer]:
        """Reserve the work's worst case (or the client's lower cap: `x-x402-max-amount-wei`); when the key cannot
        afford it, fit the work (if it can be fitted) to what is available and reserve once more. A wallet key whose
        wallet no longer covers it is refused (and ends)."""
        request, gw = self.request, self.gw
        work, _ = capped(work)
        drained = await wallet.still_funded(gw, self.key, work.hold)
        if drained is not None:
            raise HTTPError(402, "payment_required", "the wallet behind this key no longer covers what it used and "
                            "holds: the key has ended, and what it spent is collected",
                            headers={session.INVALID: drained})
        ttl = gw.stream_ttl_ms if work.stream else gw.intent_ttl_ms
        idem = idempotency_key(request)
        digest = work.fingerprint() if idem else None
        run_id = request.headers.get("x-compose-run-id") or request.headers.get("x-run-id")

        def hold(current: Work) -> Hold:
            return Hold(self.key.id, current.hold, ttl, idem, digest, current.service, current.action, request.path,
                        current.ident, run_id)

        try:
            reservation = await gw.ledger.reserve(hold(work), dispatched=True)
        except BudgetExhausted as exhausted:
            work = self._fitted(work, exhausted)
            try:
                reservation = await gw.ledger.reserve(hold(work), dispatched=True)
            except LedgerError as again:
                raise ledger_http_error(again) from None
        except LedgerError as exc:
            raise ledger_http_error(exc) from None
        headers = {"x-payment-intent-id": reservation.intent.id, **budget_headers(reservation.key),
                   **session.headers(reservation.key, gw.clock())}
        if reservation.replay:
            stored = reservation.intent.receipt
            raise HTTPError(409, "idempotent_replay" if stored else "idempotency_in_progress",
                            "this x-idempotency-key was already used for this request"
                            + (": it completed and was charged once" if stored else " and it is still running"),
                            headers={**work.headers, **headers, "x-idempotent-replay": "true"},
                            details=orjson.loads(stored) if stored else None)
        return work, KeyPayer(gw, reservation, work.subject, headers)

    @staticmethod
    def _fitted(work: Work, exhausted: BudgetExhausted) -> Work:
        key = exhausted.key
        if not work.adjustable:
            raise payment_required(exhausted)
        try:
            return work.fit(key.available)
        except pricing.InsufficientBudget as short:  # not even with a one-token output limit: say what would fit
            raise HTTPError(402, "payment_required", f"Compose key budget exhausted: this request needs a hold of at "
                            f"least {short.required} (with a one-token output limit), {key.available} of "
                            f"{key.budget} is available", headers=budget_headers(key)) from None
        except HTTPError:
            raise payment_required(exhausted) from None


@dataclass
class KeyPayer:
    """A hold on a Compose Key, settled in the ledger (pipeline/plugs.Payer)."""

    gw: Gateway
    reservation: Reservation
    subject: str
    headers: dict[str, str] = field(default_factory=dict)
    deadline: float | None = None  # the hold's TTL bounds it: an expired hold settles as a late settle (I7)

    @property
    def ident(self) -> str:
        return self.reservation.intent.id

    @property
    def maximum(self) -> int:
        return self.reservation.intent.amount

    @property
    def owner(self) -> str:
        return self.reservation.key.owner

    @property
    def intent_id(self) -> str | None:
        return self.reservation.intent.id

    def stream_headers(self, external: bool) -> dict[str, str]:
        named = {} if external else {"x-compose-response-id": receipts.response_id(self.reservation.intent.id)}
        return {**named, "x-compose-budget-remaining-kind": "reserved"}

    async def abort(self, reason: str) -> dict[str, str]:
        metrics.aborts.labels(reason[:64]).inc()
        try:
            resolution = await self.gw.ledger.abort(self.reservation.intent.id, reason)  # runs to its end
        except LedgerError as exc:  # already resolved by someone else (the sweeper): nothing more to release
            log.warning("abort of %s: %s", self.reservation.intent.id, exc)
            return budget_headers(self.reservation.key)
        return budget_headers(resolution.key)

    async def settle(self, metered: Metered, *, streamed: bool = False) -> Settled:
        intent = self.reservation.intent
        network = f"eip155:{self.reservation.key.chain_id}"

        built: list[dict[str, Any]] = []

        def receipt(row: IntentRow) -> dict[str, Any]:
            built.append(receipts.build(row, metered.charge, network, estimated=metered.estimated,
                                        reason=metered.reason, subject=self.subject))
            return built[-1]

        resolution = await self.gw.ledger.settle(intent.id, min(metered.amount, intent.amount), metered.uncollected,
                                                 receipt, estimated=metered.estimated, alone=self.gw.in_flight <= 1,
                                                 known=intent)  # runs to its end even if cancelled
        # the receipt stored is the one built, unless the settlement was a replay (then it is the stored one)
        stored: dict[str, Any] = built[-1] if built and not resolution.replay else \
            orjson.loads(resolution.intent.receipt or "{}")
        headers = {**budget_headers(resolution.key), **session.headers(resolution.key, self.gw.clock()),
                   "x-compose-key-final-amount-wei": str(resolution.intent.settled or 0),
                   "x-compose-receipt": receipts.header(stored)}
        return Settled(stored, headers, lambda: stored)

    async def settle_first(self) -> Settled | None:
        return None
