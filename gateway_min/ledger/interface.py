"""The ledger as the gateway sees it: one interface, whatever database keeps it (SQLite embedded, or a server).

Every money rule is the backend's to keep in the database itself, so that it holds across processes and
replicas: the reserve is one conditional change (S + R ≤ B, I1), every terminal transition is conditional on the
current state (I3), single use of an idempotency key and of an x402 authorization is a unique constraint (I12),
and every change of a key's counters writes its journal row in the same transaction (I2). An operation, once
called, runs to its end (committed or rolled back) even if its caller is cancelled meanwhile.
"""

from __future__ import annotations

from typing import Protocol

from gateway_min.ledger.model import (
    ClaimRow,
    FundingRow,
    Hold,
    IntentRow,
    KeyRow,
    Receipt,
    Reservation,
    Resolution,
    ServedRow,
)


class Ledger(Protocol):
    description: str
    """Where it keeps its books and how durably, for the start-up log (never a password)."""
    migrated: list[int]
    """The schema versions this process applied when it started (ledger/migrations.py)."""

    async def start(self) -> None:
        """Connect and migrate (a server backend), in the event loop that will use the ledger."""
        ...

    async def aclose(self) -> None:
        """Finish what runs behind cancelled callers, then close."""
        ...

    async def create_key(self, key: KeyRow) -> KeyRow:
        """A key the operator funds (`credit`); a session supersedes its owner's live session on its chain."""
        ...

    async def key_by_hash(self, key_hash: str) -> KeyRow | None: ...

    async def get_key(self, key_id: str) -> KeyRow | None: ...

    async def list_keys(self, owner: str) -> list[KeyRow]: ...

    async def latest_session(self, owner: str, chain_id: int) -> KeyRow | None:
        """The owner's most recent session key on the chain, live or not."""
        ...

    async def revoke_key(self, key_id: str, reason: str = "revoked") -> KeyRow | None:
        """Revoke (once: a revoked key stays revoked at its first time); a wallet key's collection becomes pending,
        `reason` saying why the key ended."""
        ...

    async def reserve(self, hold: Hold, *, dispatched: bool = False) -> Reservation:
        """Hold `hold.amount` on the key, or raise the LedgerError that refuses it (BudgetExhausted carries the
        key). `dispatched`: the caller calls upstream right after, so an abandoned hold is booked at expiry rather
        than released (I6). An idempotent replay returns the first intent with `replay` set."""
        ...

    async def settle(self, intent_id: str, final: int, uncollected: int, receipt: Receipt, *,
                     estimated: bool = False, alone: bool = False, known: IntentRow | None = None) -> Resolution:
        """Settle at most once, at most the hold (I3, I4); a late settle of an expired hold books what the budget
        allows (I7). `alone`: no other request is in flight in this process. `known`: the row as reserved."""
        ...

    async def abort(self, intent_id: str, reason: str) -> Resolution: ...

    async def dispatch(self, intent_id: str) -> None:
        """Mark that the upstream call is being made (a hold reserved without `dispatched`): an expired hold is then
        booked, not released (I6)."""
        ...

    async def get_intent(self, intent_id: str) -> IntentRow | None: ...

    async def expire_due(self) -> int:
        """Expire the holds past their TTL (the sweeper); safe with several processes sweeping at once."""
        ...

    async def totals(self, key_id: str) -> tuple[int, int]:
        """(Σ holds of authorized intents, Σ settled amounts): what the key's counters must equal (I2)."""
        ...

    async def claim_payment(self, network: str, payer: str, nonce: str, scheme: str, amount: int,
                            stream: bool = False, live_ms: int = 3_600_000) -> tuple[bool, ClaimRow]:
        """Claim an x402 authorization for one request: (True, row) for the one request that gets it."""
        ...

    async def resolve_payment(self, network: str, payer: str, nonce: str, state: str, *, settled: int | None = None,
                              tx_hash: str | None = None, receipt: str | None = None) -> bool: ...

    async def get_payment_claim(self, network: str, payer: str, nonce: str) -> ClaimRow | None: ...

    async def create_wallet_key(self, key: KeyRow, row: FundingRow) -> KeyRow:
        """A key funded by its owner's x402 authorization, which is claimed for good (single use, as any payment);
        a session supersedes the owner's live session on its chain. UnpaidCollection while the wallet owes an
        earlier collection; PaymentUsed when the authorization was presented before."""
        ...

    async def get_funding(self, key_id: str) -> FundingRow | None: ...

    async def end_funding(self, key_id: str, reason: str) -> bool:
        """The key ended (open → pending); False when its funding was not open."""
        ...

    async def end_due_fundings(self, margin_ms: int) -> int:
        """End the open fundings whose key can no longer spend (revoked, expired, exhausted, near the deadline)."""
        ...

    async def lease_collections(self, owner: str, lease_ms: int) -> list[FundingRow]:
        """The collections `owner` (a process) now carries out: pending ones whose key holds nothing more, and
        those whose lease ran out. The amount is fixed at the first lease; safe with several processes."""
        ...

    async def finish_collection(self, key_id: str, owner: str, collected: bool, *, tx_hash: str | None = None,
                                error: str | None = None) -> FundingRow | None:
        """Record a collection's outcome, while `owner` holds its lease (None otherwise)."""
        ...

    async def touch_verified(self, key_id: str, every_ms: int) -> bool:
        """Whether the caller re-verifies the funding now: at most once per `every_ms` per key, all processes."""
        ...

    async def decide_collection(self, key_id: str, action: str) -> FundingRow | None:
        """The operator's word on a failed collection: `retry` (pending again) or `forgive` (written off)."""
        ...

    async def record_served(self, row: ServedRow) -> ServedRow:
        """Record a served response or video job (the first record of its kind and id stands)."""
        ...

    async def get_served(self, kind: str, ident: str) -> ServedRow | None: ...

    async def update_served(self, kind: str, ident: str, state: str) -> ServedRow | None:
        """A video job's last known status."""
        ...

    async def refund_served(self, kind: str, ident: str) -> ServedRow | None:
        """Give back what it was charged, once: to its Compose Key (`refunded`), or recorded as owed to its raw
        x402 payer (`owed`)."""
        ...

    async def read(self, sql: str, *args: object) -> list[tuple[object, ...]]:
        """Rows of a read-only query written with PostgreSQL's `$1` placeholders (the audit's; operators' tools)."""
        ...

    def close(self) -> None:
        """Close a ledger that needs no event loop to close (SQLite); a started server backend needs `aclose`."""
        ...
