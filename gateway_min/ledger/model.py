"""What the ledger holds, whatever stores it: keys, intents (holds) and their outcomes, and the errors its
operations answer. Amounts are USDC atomic units, times Unix milliseconds, both integers of at most 64 bits.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Final, NamedTuple

MAX_AMOUNT: Final = 2**63 - 1  # what a BIGINT column holds: every amount and time, and a capped `uncollected`


def wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


class LedgerError(Exception):
    status = 409
    code = "conflict"


class KeyNotFound(LedgerError):
    status, code = 401, "authentication_failed"


class KeyRevoked(LedgerError):
    status, code = 401, "authentication_failed"


class KeyExpired(LedgerError):
    status, code = 401, "authentication_failed"


class BudgetExhausted(LedgerError):
    status, code = 402, "payment_required"

    def __init__(self, message: str, key: KeyRow) -> None:
        super().__init__(message)
        self.key = key


class IntentNotFound(LedgerError):
    status, code = 404, "not_found"


class IntentConflict(LedgerError):
    status, code = 409, "conflict"


class KeyRow(NamedTuple):
    id: str
    key_hash: str
    prefix: str
    owner: str
    chain_id: int
    purpose: str
    name: str | None
    budget: int
    spent: int
    reserved: int
    created_at: int
    expires_at: int
    revoked_at: int | None
    last_used_at: int | None
    kind: str = "credit"
    """'credit' (the operator funds it) or 'wallet' (an x402 authorization of its owner funds it: key_funding)."""

    @property
    def available(self) -> int:
        return self.budget - self.spent - self.reserved


class IntentRow(NamedTuple):
    id: str
    key_id: str
    idem_key: str | None
    request_hash: str | None
    amount: int
    settled: int | None
    uncollected: int
    state: str
    estimated: int
    service: str | None
    action: str | None
    resource: str | None
    model: str | None
    run_id: str | None
    reason: str | None
    receipt: str | None
    created_at: int
    dispatched_at: int | None
    expires_at: int
    resolved_at: int | None
    late_settled_at: int | None


class Reservation(NamedTuple):
    intent: IntentRow
    key: KeyRow
    replay: bool


class Resolution(NamedTuple):
    intent: IntentRow
    key: KeyRow
    replay: bool


class Hold(NamedTuple):
    key_id: str
    amount: int
    ttl_ms: int
    idem_key: str | None = None
    request_hash: str | None = None
    service: str | None = None
    action: str | None = None
    resource: str | None = None
    model: str | None = None
    run_id: str | None = None
    intent_id: str | None = None  # the id the intent will have (Ledger.reserve picks it); a new UUID if None


CLAIM_STATES: Final = ("claimed", "settled", "released", "failed", "funding")
CLAIM_OUTCOMES: Final = ("settled", "released", "failed")  # what a claimed payment resolves to


class ClaimRow(NamedTuple):
    network: str
    payer: str
    nonce: str
    state: str
    scheme: str
    amount: int
    settled: int | None
    tx_hash: str | None
    receipt: str | None
    claimed_at: int
    resolved_at: int | None
    stream: int
    owner: str | None  # the process that took it (ledger/owner.py); None before that was recorded
    token: str | None  # names the call that took it (release_unseen); None before that was recorded


FUNDING_STATES: Final = ("open", "pending", "collecting", "collected", "failed", "forgiven")


class FundingRow(NamedTuple):
    """A wallet key's funding: the x402 `upto` authorization its owner signed for the budget, and its collection."""

    key_id: str
    network: str
    payer: str
    nonce: str
    payload: str
    """The PaymentPayload as signed (wire JSON): what the collection presents to the facilitator."""
    requirements: str
    """The PaymentRequirements it was verified against (wire JSON); the collection settles them at `amount`."""
    deadline: int
    """Unix seconds: the authorization's end. The key stops spending before it, so the collection can land."""
    state: str
    reason: str | None
    """Why the key ended: revoked, closed, expired, exhausted, superseded, wallet_drained."""
    amount: int | None
    """What is collected: the key's spent when its collection began (fixed then, so a retry presents the same)."""
    tx_hash: str | None
    error: str | None
    uncollected: int
    verified_at: int
    lease_owner: str | None
    lease_until: int | None
    created_at: int
    updated_at: int


class PaymentUsed(LedgerError):
    status, code = 402, "payment_already_used"


class UnpaidCollection(LedgerError):
    """The wallet owes the collection of an earlier key: it opens no other wallet-backed key until that is paid."""

    status, code = 402, "unpaid_collection"


Receipt = Callable[[IntentRow], dict[str, Any]]
"""Builds the receipt of an intent from its row as it will be stored (I10)."""


class ServedRow(NamedTuple):
    """A Responses API response or a video job the gateway served (ledger/*/served.py)."""

    kind: str
    """'response' or 'video'."""
    id: str
    """The provider's id for it."""
    owner: str
    """The wallet that paid (lower-case): only a live key of it reads the thing back."""
    provider: str
    model: str
    intent_id: str | None
    """The Compose Key intent that paid for it; None for raw x402."""
    amount: int
    state: str
    refund: str | None
    """'refunded' (given back to the key) or 'owed' (the operator owes it to a raw x402 payer)."""
    receipt: str | None
    created_at: int
    updated_at: int

