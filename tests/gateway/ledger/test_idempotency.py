"""Idempotency keys on holds (ledger/ops.py reserve): a live intent replays, another request under the same key
is a conflict, and an intent that expired or was aborted frees its key for a new hold. And the key gate inside the
reserve (I8): an unknown, revoked or expired key is refused there, whatever the caller checked before."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway_min.ledger import Hold, KeyRow, Reservation
from gateway_min.ledger.sqlite import ops

START = 1_790_000_000_000
TTL = 1_000


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(tmp_path / "ledger.sqlite3", isolation_level=None)
    ops.migrate(conn, 0)
    ops.create_key(conn, KeyRow("k", "hash", "compose-abc", "0xowner", 43113, "api", None, 10_000, 0, 0, START,
                                START + 10 * TTL, None, None))
    yield conn
    conn.close()


def hold(request_hash: str = "h1", amount: int = 1_000) -> Hold:
    return Hold("k", amount, TTL, idem_key="idem-1", request_hash=request_hash)


def reserve(conn: sqlite3.Connection, request: Hold, now: int, *, dispatched: bool = False) -> Reservation:
    outcome = ops.reserve(conn, request, now, dispatched=dispatched)
    assert isinstance(outcome, Reservation), outcome
    return outcome


def counters(conn: sqlite3.Connection) -> tuple[int, int]:
    key = ops.get_key(conn, "k")
    assert key is not None
    return key.spent, key.reserved


def test_a_live_intent_replays_and_another_request_under_its_key_conflicts(conn: sqlite3.Connection) -> None:
    first = reserve(conn, hold(), START)
    again = reserve(conn, hold(), START + TTL - 1)
    assert again.replay and again.intent.id == first.intent.id and counters(conn) == (0, 1_000)
    with pytest.raises(ops.IntentConflict, match="different request"):
        ops.reserve(conn, hold("h2"), START + 1)


def test_an_expired_intent_frees_its_key_releasing_or_booking_its_hold(conn: sqlite3.Connection) -> None:
    first = reserve(conn, hold(), START)
    second = reserve(conn, hold("h2"), START + TTL)  # expired: released (never dispatched), key reused
    assert not second.replay and second.intent.id != first.intent.id
    assert counters(conn) == (0, 1_000)
    old = ops.get_intent(conn, first.intent.id)
    assert old is not None and (old.state, old.settled, old.idem_key) == ("expired", None, None)
    third = reserve(conn, hold("h3"), START + 2 * TTL, dispatched=True)
    assert counters(conn) == (0, 1_000)  # the second expired too (released)
    fourth = reserve(conn, hold("h4"), START + 3 * TTL)  # the third was dispatched: booked at expiry
    booked = ops.get_intent(conn, third.intent.id)
    assert booked is not None and (booked.state, booked.settled) == ("expired", 1_000)
    assert counters(conn) == (1_000, 1_000) and not fourth.replay


def test_an_aborted_intent_frees_its_key_and_a_settled_one_keeps_it(conn: sqlite3.Connection) -> None:
    first = reserve(conn, hold(), START)
    ops.abort(conn, first.intent.id, "failed", START + 1)
    second = reserve(conn, hold("h2"), START + 2)
    assert not second.replay and counters(conn) == (0, 1_000)
    ops.settle(conn, second.intent.id, 400, 0, False, lambda row: {"id": row.id}, START + 3)
    replay = reserve(conn, hold("h2"), START + 4)  # completed: the same request replays, with its receipt
    assert replay.replay and replay.intent.state == "settled" and replay.intent.receipt
    assert counters(conn) == (400, 0)


@pytest.mark.parametrize(("change", "refused"), [
    ("UPDATE compose_keys SET revoked_at = 1", ops.KeyRevoked),
    (f"UPDATE compose_keys SET expires_at = {START}", ops.KeyExpired),
    ("DELETE FROM compose_keys", ops.KeyNotFound),
])
def test_the_key_gate_is_inside_the_reserve(conn: sqlite3.Connection, change: str,
                                            refused: type[ops.LedgerError]) -> None:
    conn.execute(change)
    outcome = ops.reserve(conn, Hold("k", 1, TTL), START)
    assert isinstance(outcome, refused)
