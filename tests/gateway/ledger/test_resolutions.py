"""What each operation answers, on each backend: the row it leaves, the key's counters, and the journal row that
names the intent that moved them (I2, I3, I10). A replay answers what the first call stored, never what the second
asked for."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from gateway_min.ledger import Hold, IntentConflict, IntentNotFound, IntentRow, KeyRow, Ledger
from tests.gateway.ledger import backends
from tests.gateway.support import Clock

pytestmark = pytest.mark.anyio
START = 1_790_000_000_000
TTL = 1_000
BUDGET = 10_000


def receipt(row: IntentRow) -> dict[str, Any]:
    return {"state": row.state, "settled": row.settled, "estimated": row.estimated, "at": row.resolved_at}


@pytest.fixture
async def books(tmp_path: Path, backend: str) -> AsyncIterator[tuple[Ledger, Clock]]:
    clock = Clock(START)
    ledger = backends.make(backend, tmp_path, clock)
    await ledger.create_key(KeyRow("k", "hash", "compose-abc", "0xowner", 43113, "api", None, BUDGET, 0, 0, START,
                                   START + 100 * TTL, None, None))
    yield ledger, clock
    await ledger.aclose()


async def journal(ledger: Ledger) -> list[tuple[Any, ...]]:
    return await backends.query(ledger, "SELECT kind, intent_id, reserved, spent, at FROM journal ORDER BY seq")


async def counters(ledger: Ledger) -> tuple[int, int]:
    key = await ledger.get_key("k")
    assert key is not None
    return key.spent, key.reserved


async def test_a_settled_intent_replays_as_it_was_settled(books: tuple[Ledger, Clock]) -> None:
    ledger, clock = books
    hold = await ledger.reserve(Hold("k", 1_000, TTL))
    clock.advance(10)
    first = await ledger.settle(hold.intent.id, 600, 50, receipt, estimated=True)
    assert first.replay is False
    assert (first.intent.state, first.intent.settled, first.intent.uncollected, first.intent.estimated,
            first.intent.resolved_at) == ("settled", 600, 50, 1, START + 10)
    assert (first.key.spent, first.key.reserved) == (600, 0)
    clock.advance(10)
    again = await ledger.settle(hold.intent.id, 900, 0, receipt, estimated=False)  # a retry, with other numbers
    assert again.replay is True
    assert again.intent == first.intent  # state, amount, estimated flag, resolution time and receipt as stored
    assert again.intent.receipt is not None and '"at":' + str(START + 10) in again.intent.receipt
    assert again.key == first.key and await counters(ledger) == (600, 0)


async def test_a_late_settled_expiry_replays_as_it_was_booked(books: tuple[Ledger, Clock]) -> None:
    """A settle that arrives after the sweeper released the hold books what the budget allows, once (I7); the
    next settle of it is a replay of that booking."""
    ledger, clock = books
    hold = await ledger.reserve(Hold("k", 1_000, TTL))
    clock.advance(TTL)
    assert await ledger.expire_due() == 1
    clock.advance(5)
    late = await ledger.settle(hold.intent.id, 700, 0, receipt, estimated=True)
    assert late.replay is False
    assert (late.intent.state, late.intent.settled, late.intent.estimated, late.intent.resolved_at,
            late.intent.late_settled_at) == ("expired", 700, 1, START + TTL, START + TTL + 5)
    clock.advance(5)
    again = await ledger.settle(hold.intent.id, 100, 0, receipt)
    assert again.replay is True and again.intent == late.intent and await counters(ledger) == (700, 0)


async def test_every_journal_row_names_the_intent_that_moved_the_counters(books: tuple[Ledger, Clock]) -> None:
    ledger, clock = books
    settled = await ledger.reserve(Hold("k", 1_000, TTL))
    await ledger.settle(settled.intent.id, 400, 0, receipt)
    released = await ledger.reserve(Hold("k", 300, TTL))
    await ledger.abort(released.intent.id, "upstream failed")
    expired = await ledger.reserve(Hold("k", 200, TTL))
    booked = await ledger.reserve(Hold("k", 100, 2 * TTL), dispatched=True)
    clock.advance(TTL)
    assert await ledger.expire_due() == 1  # released: never dispatched
    await ledger.settle(expired.intent.id, 150, 0, receipt)  # late: books what it cost after all
    clock.advance(TTL)
    assert await ledger.expire_due() == 1  # booked: the upstream call was made
    await ledger.abort(booked.intent.id, "the work failed")  # the booking is refunded: an adjustment
    assert await journal(ledger) == [
        ("fund", None, 0, 0, START),
        ("reserve", settled.intent.id, 1_000, 0, START),
        ("settle", settled.intent.id, 0, 400, START),
        ("reserve", released.intent.id, 300, 400, START),
        ("release", released.intent.id, 0, 400, START),
        ("reserve", expired.intent.id, 200, 400, START),
        ("reserve", booked.intent.id, 300, 400, START),
        ("expire", expired.intent.id, 100, 400, START + TTL),
        ("adjust", expired.intent.id, 100, 550, START + TTL),
        ("expire", booked.intent.id, 0, 650, START + 2 * TTL),
        ("adjust", booked.intent.id, 0, 550, START + 2 * TTL),
    ]
    assert await counters(ledger) == (550, 0)


async def test_revoking_a_key_answers_it_revoked_at_its_first_revocation(books: tuple[Ledger, Clock]) -> None:
    ledger, clock = books
    clock.advance(7)
    revoked = await ledger.revoke_key("k")
    assert revoked is not None and (revoked.id, revoked.revoked_at, revoked.budget) == ("k", START + 7, BUDGET)
    clock.advance(7)
    again = await ledger.revoke_key("k")
    assert again == revoked  # revoked once: the first time stands
    assert await ledger.get_key("k") == revoked
    assert await ledger.revoke_key("nobody") is None
    assert [row[:2] for row in await journal(ledger)] == [("fund", None), ("revoke", None), ("revoke", None)]


async def test_an_abort_answers_the_released_intent_and_a_second_one_replays_it(books: tuple[Ledger, Clock]) -> None:
    ledger, clock = books
    hold = await ledger.reserve(Hold("k", 1_000, TTL))
    clock.advance(3)
    aborted = await ledger.abort(hold.intent.id, "upstream failed")
    assert aborted.replay is False
    assert (aborted.intent.id, aborted.intent.state, aborted.intent.reason, aborted.intent.resolved_at,
            aborted.intent.settled) == (hold.intent.id, "aborted", "upstream failed", START + 3, None)
    assert (aborted.key.id, aborted.key.spent, aborted.key.reserved) == ("k", 0, 0)
    clock.advance(3)
    again = await ledger.abort(hold.intent.id, "another reason")
    assert again.replay is True and again.intent == aborted.intent and again.key == aborted.key
    with pytest.raises(IntentNotFound):
        await ledger.abort("no-such-intent", "x")
    settled = await ledger.reserve(Hold("k", 500, TTL))
    await ledger.settle(settled.intent.id, 500, 0, receipt)
    with pytest.raises(IntentConflict, match="is settled and cannot be aborted"):
        await ledger.abort(settled.intent.id, "too late")


async def test_aborting_a_booked_expiry_refunds_it_once(books: tuple[Ledger, Clock]) -> None:
    """A dispatched hold the sweeper booked, whose work then failed: the abort gives the booking back (nothing was
    served) and records why and when; the intent stays expired."""
    ledger, clock = books
    hold = await ledger.reserve(Hold("k", 1_000, TTL), dispatched=True)
    clock.advance(TTL)
    await ledger.expire_due()
    assert await counters(ledger) == (1_000, 0)
    clock.advance(2)
    refunded = await ledger.abort(hold.intent.id, "the work failed")
    assert refunded.replay is False
    assert (refunded.intent.state, refunded.intent.settled, refunded.intent.reason, refunded.intent.resolved_at,
            refunded.intent.late_settled_at) == ("expired", 0, "the work failed", START + TTL, START + TTL + 2)
    assert (refunded.key.spent, refunded.key.reserved) == (0, 0)
    with pytest.raises(IntentConflict, match="is expired and cannot be aborted"):
        await ledger.abort(hold.intent.id, "again")
    assert await counters(ledger) == (0, 0)
