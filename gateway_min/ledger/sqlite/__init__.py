"""The ledger on SQLite, the embedded default: one file, shared by every worker process on the machine.

One writer thread per process with group commit (writer.py), inline operations when that is cheaper, the bounded
flush of `durable_sync="NORMAL"` (flusher.py), the operations as functions of a connection (ops.py, claims.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import secrets
import sqlite3
import uuid
from collections.abc import Callable
from typing import Final

from gateway_min.ledger import owner
from gateway_min.ledger.model import (
    MAX_AMOUNT,
    ClaimRow,
    FundingRow,
    Hold,
    IntentNotFound,
    IntentRow,
    KeyRow,
    LedgerError,
    Receipt,
    Reservation,
    Resolution,
    ServedRow,
    wall_clock_ms,
)
from gateway_min.ledger.sqlite import claims, funding, ops, served
from gateway_min.ledger.sqlite.writer import Writer

DURABILITY: Final = {"FULL": "full (each settlement fsynced before its response)",
                     "NORMAL": "normal (settlements flushed within 20 ms of their response)"}


def _release_unseen(conn: sqlite3.Connection, intent_id: str, now: int) -> None:
    """Abort a hold whose caller was cancelled before it saw it; nothing if the reserve made none (refused, or
    an idempotent replay of another intent)."""
    with contextlib.suppress(IntentNotFound):
        ops.abort(conn, intent_id, "cancelled before the upstream call", now)
_PLACEHOLDER: Final = re.compile(r"\$[0-9]+")  # PostgreSQL's $1 … in a query both backends read


class SqliteLedger:
    """The Ledger interface (ledger/interface.py) on a SQLite file. `clock` returns Unix milliseconds."""

    def __init__(self, path: str, *, clock: Callable[[], int] = wall_clock_ms, durable_sync: str = "FULL") -> None:
        self.path = path
        self.description = f"{path}, durability {DURABILITY.get(durable_sync, durable_sync)}"
        self.clock = clock
        if path != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        self.writer = Writer(path, durable_sync=durable_sync)
        self.owner = owner.this_process()  # recorded on the x402 claims this process takes
        self.migrated = self.writer.run_sync(lambda c: ops.migrate(c, clock()))

    async def start(self) -> None:
        """Nothing to do: the file was opened and migrated when the ledger was made."""

    async def aclose(self) -> None:
        self.close()

    def close(self) -> None:
        self.writer.close()

    async def create_key(self, key: KeyRow) -> KeyRow:
        return await self.writer.run(lambda c: funding.create_key(c, key), durable=True)

    async def key_by_hash(self, key_hash: str) -> KeyRow | None:
        return await self.writer.run_fast(lambda c: ops.key_by_hash(c, key_hash))

    async def get_key(self, key_id: str) -> KeyRow | None:
        return await self.writer.run_fast(lambda c: ops.get_key(c, key_id))

    async def list_keys(self, owner: str) -> list[KeyRow]:
        return await self.writer.run_fast(lambda c: ops.list_keys(c, owner))

    async def latest_session(self, owner: str, chain_id: int) -> KeyRow | None:
        return await self.writer.run_fast(lambda c: ops.latest_session(c, owner, chain_id))

    async def revoke_key(self, key_id: str, reason: str = "revoked") -> KeyRow | None:
        now = self.clock()

        def revoke(conn: sqlite3.Connection) -> KeyRow | None:
            key = ops.revoke_key(conn, key_id, now)
            if key is not None:
                funding.end(conn, key_id, reason, now)
            return key

        return await self.writer.run(revoke, durable=True)

    async def reserve(self, hold: Hold, *, dispatched: bool = False) -> Reservation:
        """`dispatched`: the caller calls upstream right after (the paid gateway path), so an abandoned hold is
        booked at expiry rather than released (I6).

        A caller cancelled while its hold waits on the writer thread never learns the hold was made, so never
        calls upstream nor aborts it: the hold is released right behind it (the intent id is chosen here, so
        the release can name it), rather than left to be booked at expiry as if the work had been sent."""
        now = self.clock()
        intent_id = hold.intent_id or str(uuid.uuid4())
        hold = hold._replace(intent_id=intent_id)
        try:
            outcome = await self.writer.run_fast(lambda c: ops.reserve(c, hold, now, dispatched=dispatched))
        except asyncio.CancelledError:
            self.writer.submit(lambda c: _release_unseen(c, intent_id, now), durable=True)
            raise
        if isinstance(outcome, LedgerError):
            raise outcome
        return outcome

    async def dispatch(self, intent_id: str) -> None:
        now = self.clock()
        await self.writer.run(lambda c: ops.dispatch(c, intent_id, now))

    async def settle(self, intent_id: str, final: int, uncollected: int, receipt: Receipt, *,
                     estimated: bool = False, alone: bool = False, known: IntentRow | None = None) -> Resolution:
        """`uncollected`: what the usage came to above the hold, recorded (I7), at most what a column holds: absurd
        usage (10^18 tokens) must still settle, not overflow the row and leave the hold to be booked at expiry."""
        now = self.clock()
        uncollected = min(uncollected, MAX_AMOUNT)
        return await self.writer.run_fast(
            lambda c: ops.settle(c, intent_id, final, uncollected, estimated, receipt, now, known), durable=True,
            alone=alone)

    async def abort(self, intent_id: str, reason: str) -> Resolution:
        now = self.clock()
        return await self.writer.run_fast(lambda c: ops.abort(c, intent_id, reason, now), durable=True)

    async def get_intent(self, intent_id: str) -> IntentRow | None:
        return await self.writer.run_fast(lambda c: ops.get_intent(c, intent_id))

    async def expire_due(self) -> int:
        now = self.clock()
        return await self.writer.run(lambda c: ops.expire_due(c, now), durable=True)

    async def totals(self, key_id: str) -> tuple[int, int]:
        return await self.writer.run_fast(lambda c: ops.totals(c, key_id))

    async def claim_payment(self, network: str, payer: str, nonce: str, scheme: str, amount: int,
                            stream: bool = False, live_ms: int = 3_600_000) -> tuple[bool, ClaimRow]:
        """Claim an x402 payment as single-use: (True, row) for the one request that gets it (claims.claim).

        As with a hold (reserve), a caller cancelled while its claim waits on the writer thread never learns it
        took the claim, so never does the work nor releases it: the claim is released right behind it, if it is
        this call's (a token names the call on the row: a claim this call did not take, or did not commit, is
        another's and is left alone).

        Committed without an fsync, as a hold is: it becomes durable with the next durable commit (the outcome's).
        A power cut before that can lose it, and the same payment may then be presented again: the facilitator,
        which keeps the authorization's nonce (on chain), refuses it if it was settled, so nothing is paid twice."""
        now = self.clock()
        token = secrets.token_hex(8)
        try:
            return await self.writer.run_fast(lambda c: claims.claim(
                c, network, payer, nonce, scheme, amount, now, stream, live_ms, self.owner, token=token))
        except asyncio.CancelledError:
            self.writer.submit(lambda c: claims.release_unseen(c, network, payer, nonce, token, now), durable=True)
            raise

    async def resolve_payment(self, network: str, payer: str, nonce: str, state: str, *, settled: int | None = None,
                              tx_hash: str | None = None, receipt: str | None = None) -> bool:
        now = self.clock()
        return await self.writer.run_fast(
            lambda c: claims.resolve(c, network, payer, nonce, state, now, settled=settled, tx_hash=tx_hash,
                                     receipt=receipt), durable=True)

    async def create_wallet_key(self, key: KeyRow, row: FundingRow) -> KeyRow:
        now = self.clock()
        outcome = await self.writer.run(lambda c: funding.create_wallet_key(c, key, row, now, claim_owner=self.owner),
                                        durable=True)
        if isinstance(outcome, LedgerError):
            raise outcome
        return outcome

    async def get_funding(self, key_id: str) -> FundingRow | None:
        return await self.writer.run_fast(lambda c: funding.get(c, key_id))

    async def end_funding(self, key_id: str, reason: str) -> bool:
        now = self.clock()
        return await self.writer.run(lambda c: funding.end(c, key_id, reason, now), durable=True)

    async def end_due_fundings(self, margin_ms: int) -> int:
        now = self.clock()
        return await self.writer.run(lambda c: funding.end_due(c, now, margin_ms), durable=True)

    async def lease_collections(self, owner: str, lease_ms: int) -> list[FundingRow]:
        now = self.clock()
        return await self.writer.run(lambda c: funding.lease(c, now, owner, lease_ms), durable=True)

    async def finish_collection(self, key_id: str, owner: str, collected: bool, *, tx_hash: str | None = None,
                                error: str | None = None) -> FundingRow | None:
        now = self.clock()
        return await self.writer.run(lambda c: funding.finish(c, key_id, owner, collected, now, tx_hash=tx_hash,
                                                              error=error), durable=True)

    async def touch_verified(self, key_id: str, every_ms: int) -> bool:
        now = self.clock()
        return await self.writer.run_fast(lambda c: funding.touch_verified(c, key_id, now, every_ms))

    async def decide_collection(self, key_id: str, action: str) -> FundingRow | None:
        now = self.clock()
        return await self.writer.run(lambda c: funding.operator_decides(c, key_id, action, now), durable=True)

    async def read(self, sql: str, *args: object) -> list[tuple[object, ...]]:
        text = _PLACEHOLDER.sub("?", sql)
        return await self.writer.run(lambda c: [tuple(row) for row in c.execute(text, args).fetchall()])

    async def record_served(self, row: ServedRow) -> ServedRow:
        return await self.writer.run(lambda c: served.record(c, row), durable=True)

    async def get_served(self, kind: str, ident: str) -> ServedRow | None:
        return await self.writer.run_fast(lambda c: served.get(c, kind, ident))

    async def update_served(self, kind: str, ident: str, state: str) -> ServedRow | None:
        now = self.clock()
        return await self.writer.run(lambda c: served.update_state(c, kind, ident, state, now))

    async def refund_served(self, kind: str, ident: str) -> ServedRow | None:
        now = self.clock()
        return await self.writer.run(lambda c: served.refund(c, kind, ident, now), durable=True)

    async def get_payment_claim(self, network: str, payer: str, nonce: str) -> ClaimRow | None:
        return await self.writer.run_fast(lambda c: claims.get(c, network, payer, nonce))
