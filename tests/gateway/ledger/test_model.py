"""The ledger against a pure in-memory model (hypothesis stateful), with invariants I1–I10 after every step, on
each backend through the Ledger interface; and the schema's own guard of I1 against a buggy writer."""

from __future__ import annotations

import asyncio
import sqlite3
import tempfile
import uuid
from collections.abc import Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, precondition, rule

from gateway_min.ledger import (
    BudgetExhausted,
    Hold,
    IntentConflict,
    IntentRow,
    KeyExpired,
    KeyRevoked,
    KeyRow,
    Ledger,
    open_ledger,
)
from gateway_min.ledger.migrations import load
from gateway_min.ledger.sqlite import SqliteLedger
from tests.gateway.ledger import backends

T = TypeVar("T")

BUDGET = 10_000
TTL = 1_000


@dataclass
class ModelIntent:
    key: str
    amount: int
    state: str = "authorized"
    settled: int | None = None
    dispatched: bool = False
    expires_at: int = 0
    late: bool = False


@dataclass
class ModelKey:
    budget: int
    spent: int = 0
    reserved: int = 0
    revoked: bool = False
    expires_at: int = 10**15


@dataclass
class Model:
    keys: dict[str, ModelKey] = field(default_factory=dict)
    intents: dict[str, ModelIntent] = field(default_factory=dict)


def receipt(row: IntentRow) -> dict[str, Any]:
    return {"final_amount_wei": str(row.settled), "state": row.state}


class LedgerMachine(RuleBasedStateMachine):
    intents = Bundle("intents")
    backend = "sqlite"

    @initialize()
    def setup(self) -> None:
        self.dir = tempfile.TemporaryDirectory()
        self.loop = asyncio.new_event_loop()
        self.now = 1_000_000
        self.location = backends.location(self.backend, Path(self.dir.name))
        self.ledger: Ledger = open_ledger(self.location, clock=lambda: self.now)
        self.model = Model()
        self.key_ids = []
        for owner in range(2):
            key = KeyRow(str(uuid.uuid4()), uuid.uuid4().hex, "compose-x", f"0x{owner:040x}", 43113, "api", None,
                         BUDGET, 0, 0, self.now, 10**15, None, None)
            self.run(self.ledger.create_key(key))
            self.model.keys[key.id] = ModelKey(BUDGET)
            self.key_ids.append(key.id)

    def run(self, work: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(work)

    def teardown(self) -> None:
        self.run(self.ledger.aclose())
        self.loop.close()
        backends.drop_schema(self.location)
        self.dir.cleanup()

    def _expire_model(self, key_id: str | None = None) -> None:
        for intent in self.model.intents.values():
            if intent.state == "authorized" and intent.expires_at <= self.now and key_id in (None, intent.key):
                key = self.model.keys[intent.key]
                key.reserved -= intent.amount
                intent.state = "expired"
                if intent.dispatched:
                    intent.settled = intent.amount
                    key.spent += intent.amount

    @rule(target=intents, which=st.integers(0, 1), amount=st.integers(0, 4_000), dispatched=st.booleans())
    def reserve(self, which: int, amount: int, dispatched: bool) -> str:
        key_id = self.key_ids[which]
        key = self.model.keys[key_id]
        hold = Hold(key_id, amount, TTL)

        def fits() -> bool:
            return not key.revoked and key.budget - key.spent - key.reserved >= amount

        if not fits():  # the ledger reclaims this key's abandoned holds, then tries once more
            self._expire_model(key_id)
        try:
            reservation = self.run(self.ledger.reserve(hold))
        except (BudgetExhausted, KeyRevoked, KeyExpired) as refused:
            assert not fits()
            assert isinstance(refused, KeyRevoked) == key.revoked
            return "none"
        assert fits()
        key.reserved += amount
        intent_id = reservation.intent.id
        self.model.intents[intent_id] = ModelIntent(key_id, amount, expires_at=self.now + TTL)
        if dispatched:
            self.run(self.ledger.dispatch(intent_id))
            self.model.intents[intent_id].dispatched = True
        return intent_id

    @rule(intent_id=intents, fraction=st.integers(0, 150))
    def settle(self, intent_id: str, fraction: int) -> None:
        if intent_id == "none":
            return
        intent = self.model.intents[intent_id]
        measured = intent.amount * fraction // 100
        final, uncollected = min(measured, intent.amount), max(0, measured - intent.amount)
        try:
            resolution = self.run(self.ledger.settle(intent_id, final, uncollected, receipt))
        except IntentConflict:
            assert intent.state == "aborted"
            return
        key = self.model.keys[intent.key]
        if intent.state == "authorized":
            assert not resolution.replay
            key.reserved -= intent.amount
            key.spent += final
            intent.state, intent.settled = "settled", final
        elif intent.state == "expired" and not intent.late:
            booked = intent.settled or 0
            available = key.budget - key.spent - key.reserved
            target = min(measured, intent.amount) if booked else min(measured, intent.amount, available)
            key.spent += target - booked
            intent.settled, intent.late = target, True
        else:
            assert resolution.replay
        assert resolution.intent.settled == intent.settled  # the receipt is the row (I10)

    @rule(intent_id=intents)
    def abort(self, intent_id: str) -> None:
        if intent_id == "none":
            return
        intent = self.model.intents[intent_id]
        try:
            resolution = self.run(self.ledger.abort(intent_id, "test"))
        except IntentConflict:
            assert intent.state == "settled" or (intent.state == "expired" and (intent.late or not intent.settled))
            return
        if intent.state == "authorized":
            self.model.keys[intent.key].reserved -= intent.amount
            intent.state = "aborted"
        elif intent.state == "expired":  # the work failed after the sweeper booked the hold: refunded, once
            assert intent.settled and not intent.late and not resolution.replay
            self.model.keys[intent.key].spent -= intent.settled
            intent.settled, intent.late = 0, True
        else:
            assert resolution.replay and intent.state == "aborted"

    @rule(ms=st.integers(1, 1_500))
    def advance(self, ms: int) -> None:
        self.now += ms

    @rule()
    def sweep(self) -> None:
        self.run(self.ledger.expire_due())
        self._expire_model()

    @precondition(lambda self: not self.model.keys[self.key_ids[1]].revoked)
    @rule()
    def revoke(self) -> None:
        self.run(self.ledger.revoke_key(self.key_ids[1]))
        self.model.keys[self.key_ids[1]].revoked = True

    @invariant()
    def counters_match_the_model_and_the_intents(self) -> None:
        for key_id, expected in self.model.keys.items():
            key = self.run(self.ledger.get_key(key_id))
            assert key is not None
            assert (key.spent, key.reserved) == (expected.spent, expected.reserved)  # model equality
            assert key.spent >= 0 and key.reserved >= 0 and key.spent + key.reserved <= key.budget  # I1
            assert self.run(self.ledger.totals(key_id)) == (key.reserved, key.spent)  # I2
            last = self.run(backends.query(self.ledger, "SELECT reserved, spent FROM journal WHERE key_id = $1 "
                                           "ORDER BY seq DESC LIMIT 1", key_id))
            assert last == [(key.reserved, key.spent)]  # the journal's last word is the counters
        for intent_id, expected_intent in self.model.intents.items():
            row = self.run(self.ledger.get_intent(intent_id))
            assert row is not None
            assert row.state == expected_intent.state  # I3: terminal states absorb
            assert row.settled == expected_intent.settled
            assert row.settled is None or row.settled <= row.amount  # I4


class SqliteMachine(LedgerMachine):
    backend = "sqlite"


class PostgresMachine(LedgerMachine):
    backend = "postgres"


MODEL_SETTINGS = settings(max_examples=60, stateful_step_count=40, deadline=None)
TestSqliteLedgerModel = SqliteMachine.TestCase
TestSqliteLedgerModel.settings = MODEL_SETTINGS
TestPostgresLedgerModel = pytest.mark.postgres(PostgresMachine.TestCase)
TestPostgresLedgerModel.settings = MODEL_SETTINGS


@pytest.mark.parametrize("backend", backends.BACKENDS)
def test_the_schema_enforces_i1_even_against_a_buggy_writer(tmp_path: Path, backend: str) -> None:
    async def check() -> None:
        ledger = backends.make(backend, tmp_path, clock=lambda: 0)
        key = KeyRow("k", "h", "p", "0x" + "0" * 40, 1, "api", None, 100, 0, 0, 0, 10**15, None, None)
        await ledger.create_key(key)
        try:
            for statement in ("UPDATE compose_keys SET spent = 101", "UPDATE compose_keys SET reserved = -1",
                              "UPDATE compose_keys SET spent = 60, reserved = 41"):
                with pytest.raises((sqlite3.IntegrityError, asyncpg.CheckViolationError)):
                    await backends.execute(ledger, statement)
        finally:
            await ledger.aclose()

    asyncio.run(check())


def test_a_ledger_from_before_the_stream_column_is_migrated_on_open() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "old.sqlite3")
        old = sqlite3.connect(path)
        old.execute("CREATE TABLE x402_claims (network TEXT NOT NULL, payer TEXT NOT NULL, nonce TEXT NOT NULL, "
                    "state TEXT NOT NULL, scheme TEXT NOT NULL, amount BIGINT NOT NULL, settled BIGINT, tx_hash TEXT, "
                    "receipt TEXT, claimed_at BIGINT NOT NULL, resolved_at BIGINT, PRIMARY KEY (network, payer, nonce))")
        old.execute("INSERT INTO x402_claims VALUES ('n', 'p', '0x01', 'settled', 'upto', 5, 5, NULL, NULL, 1, 2)")
        old.commit()
        old.close()
        ledger = SqliteLedger(path)
        row = ledger.writer.run_sync(lambda c: c.execute("SELECT nonce, stream FROM x402_claims").fetchall())
        assert row == [("0x01", 0)]
        assert ledger.migrated == [m.version for m in load("sqlite")]
        ledger.close()
