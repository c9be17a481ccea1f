"""Idempotency keys on holds, on each backend: a live intent replays, another request under the same key is a
conflict, and an intent that expired or was aborted frees its key for a new hold. And the key gate inside the
reserve (I8): an unknown, revoked or expired key is refused there, whatever the caller checked before."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from gateway_min.ledger import (
    Hold,
    IntentConflict,
    KeyExpired,
    KeyNotFound,
    KeyRevoked,
    KeyRow,
    Ledger,
    LedgerError,
    Reservation,
)
from tests.gateway.ledger import backends
from tests.gateway.support import Clock

pytestmark = pytest.mark.anyio
START = 1_790_000_000_000
TTL = 1_000


@pytest.fixture
async def ledger(tmp_path: Path, backend: str) -> AsyncIterator[tuple[Ledger, Clock]]:
    clock = Clock(START)
    built = backends.make(backend, tmp_path, clock)
    await built.create_key(KeyRow("k", "hash", "compose-abc", "0xowner", 43113, "api", None, 10_000, 0, 0, START,
                                  START + 10 * TTL, None, None))
    yield built, clock
    await built.aclose()


def hold(request_hash: str = "h1", amount: int = 1_000) -> Hold:
    return Hold("k", amount, TTL, idem_key="idem-1", request_hash=request_hash)


async def counters(ledger: Ledger) -> tuple[int, int]:
    key = await ledger.get_key("k")
    assert key is not None
    return key.spent, key.reserved


async def test_a_live_intent_replays_and_another_request_under_its_key_conflicts(
        ledger: tuple[Ledger, Clock]) -> None:
    books, clock = ledger
    first = await books.reserve(hold())
    clock.now = START + TTL - 1
    again = await books.reserve(hold())
    assert again.replay and again.intent.id == first.intent.id and await counters(books) == (0, 1_000)
    with pytest.raises(IntentConflict, match="different request"):
        await books.reserve(hold("h2"))


async def test_an_expired_intent_frees_its_key_releasing_or_booking_its_hold(ledger: tuple[Ledger, Clock]) -> None:
    books, clock = ledger
    first = await books.reserve(hold())
    clock.now = START + TTL
    second = await books.reserve(hold("h2"))  # expired: released (never dispatched), key reused
    assert not second.replay and second.intent.id != first.intent.id
    assert await counters(books) == (0, 1_000)
    old = await books.get_intent(first.intent.id)
    assert old is not None and (old.state, old.settled, old.idem_key) == ("expired", None, None)
    clock.now = START + 2 * TTL
    third = await books.reserve(hold("h3"), dispatched=True)
    assert await counters(books) == (0, 1_000)  # the second expired too (released)
    clock.now = START + 3 * TTL
    fourth = await books.reserve(hold("h4"))  # the third was dispatched: booked at expiry
    booked = await books.get_intent(third.intent.id)
    assert booked is not None and (booked.state, booked.settled) == ("expired", 1_000)
    assert await counters(books) == (1_000, 1_000) and not fourth.replay


async def test_an_aborted_intent_frees_its_key_and_a_settled_one_keeps_it(ledger: tuple[Ledger, Clock]) -> None:
    books, _ = ledger
    first = await books.reserve(hold())
    await books.abort(first.intent.id, "failed")
    second = await books.reserve(hold("h2"))
    assert not second.replay and await counters(books) == (0, 1_000)
    await books.settle(second.intent.id, 400, 0, lambda row: {"id": row.id})
    replay = await books.reserve(hold("h2"))  # completed: the same request replays, with its receipt
    assert replay.replay and replay.intent.state == "settled" and replay.intent.receipt
    assert await counters(books) == (400, 0)


@pytest.mark.parametrize(("change", "refused"), [
    ("UPDATE compose_keys SET revoked_at = 1", KeyRevoked),
    (f"UPDATE compose_keys SET expires_at = {START}", KeyExpired),
    ("DELETE FROM compose_keys", KeyNotFound),
])
async def test_the_key_gate_is_inside_the_reserve(ledger: tuple[Ledger, Clock], change: str,
                                                  refused: type[LedgerError]) -> None:
    books, _ = ledger
    await backends.execute(books, "DELETE FROM journal")  # the journal's rows name the key (no foreign key, but tidy)
    await backends.execute(books, change)
    with pytest.raises(refused):
        await books.reserve(Hold("k", 1, TTL))


async def test_concurrent_first_uses_of_one_key_make_one_hold(ledger: tuple[Ledger, Clock]) -> None:
    """Twenty requests with the same new idempotency key at once: one hold, nineteen replays of it (on PostgreSQL
    the unique index turns the race into a retried transaction)."""
    books, _ = ledger
    outcomes = await asyncio.gather(*(books.reserve(hold()) for _ in range(20)))
    assert all(isinstance(outcome, Reservation) for outcome in outcomes)
    assert len({outcome.intent.id for outcome in outcomes}) == 1
    assert sorted(outcome.replay for outcome in outcomes) == [False] + [True] * 19
    assert await counters(books) == (0, 1_000) and await books.totals("k") == (1_000, 0)
