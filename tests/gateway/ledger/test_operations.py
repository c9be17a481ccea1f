"""The ledger's operations one rule at a time, on each backend: what a hold stores, how a refused hold says why, how
abandoned holds are reclaimed (the key's own, no other's), what a late settlement books, the caller's known row
as a shortcut that never changes the outcome, and the keys an owner lists."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from gateway_min.ledger import (
    BudgetExhausted,
    FundingRow,
    Hold,
    IntentConflict,
    IntentNotFound,
    IntentRow,
    KeyExpired,
    KeyNotFound,
    KeyRevoked,
    KeyRow,
    Ledger,
)
from gateway_min.ledger.migrations import load
from gateway_min.ledger.postgres import PostgresLedger
from gateway_min.ledger.postgres import ops as postgres_ops
from tests.gateway.ledger import backends
from tests.gateway.support import Clock

pytestmark = pytest.mark.anyio
START = 1_790_000_000_000
TTL = 1_000


def key_row(key_id: str, budget: int = 10_000, owner: str = "0xowner", created: int = START, purpose: str = "api",
            expires: int = START + 100 * TTL, kind: str = "credit") -> KeyRow:
    return KeyRow(key_id, f"hash-{key_id}", "compose-abc", owner, 43113, purpose, None, budget, 0, 0, created,
                  expires, None, None, kind)


def receipt(row: IntentRow) -> dict[str, Any]:
    return {"id": row.id, "settled": row.settled}


@pytest.fixture
async def books(tmp_path: Path, backend: str) -> AsyncIterator[tuple[Ledger, Clock]]:
    clock = Clock(START)
    ledger = backends.make(backend, tmp_path, clock)
    await ledger.create_key(key_row("k"))
    await ledger.create_key(key_row("other"))
    yield ledger, clock
    await ledger.aclose()


async def counters(ledger: Ledger, key_id: str = "k") -> tuple[int, int]:
    key = await ledger.get_key(key_id)
    assert key is not None
    return key.spent, key.reserved


async def test_a_hold_stores_the_request_it_pays_for(books: tuple[Ledger, Clock]) -> None:
    ledger, _ = books
    hold = Hold("k", 700, TTL, idem_key="idem", request_hash="h", service="inference", action="chat",
                resource="/v1/chat/completions", model="gpt-4.1", run_id="run-1", intent_id="intent-1")
    reservation = await ledger.reserve(hold, dispatched=True)
    expected = IntentRow("intent-1", "k", "idem", "h", 700, None, 0, "authorized", 0, "inference", "chat",
                         "/v1/chat/completions", "gpt-4.1", "run-1", None, None, START, START, START + TTL, None, None)
    assert reservation.intent == expected and await ledger.get_intent("intent-1") == expected
    assert reservation.replay is False and (reservation.key.id, reservation.key.reserved) == ("k", 700)
    undispatched = await ledger.reserve(Hold("k", 1, TTL))
    assert undispatched.intent.dispatched_at is None and len(undispatched.intent.id) == 36  # a new UUID
    replay = await ledger.reserve(hold)
    assert replay.replay is True and replay.intent == expected
    assert replay.key == await ledger.get_key("k")
    with pytest.raises(IntentConflict, match=r"^this idempotency key was already used for a different request$"):
        await ledger.reserve(hold._replace(request_hash="another"))


async def test_a_refused_hold_says_why(books: tuple[Ledger, Clock]) -> None:
    ledger, clock = books
    await ledger.reserve(Hold("k", 9_000, TTL))
    with pytest.raises(BudgetExhausted) as raised:
        await ledger.reserve(Hold("k", 1_500, TTL))
    assert str(raised.value) == "Compose key budget exhausted: this request needs a hold of 1500, 1000 of 10000 is available"
    assert raised.value.key == await ledger.get_key("k")
    with pytest.raises(KeyNotFound, match=r"^Key not found$"):
        await ledger.reserve(Hold("nobody", 1, TTL))
    await ledger.revoke_key("other")
    with pytest.raises(KeyRevoked, match=r"^Key has been revoked$"):
        await ledger.reserve(Hold("other", 1, TTL))
    await ledger.create_key(key_row("short", expires=START + 5))
    clock.advance(5)
    with pytest.raises(KeyExpired, match=r"^Key has expired$"):
        await ledger.reserve(Hold("short", 1, TTL))


async def test_a_full_key_reclaims_its_own_abandoned_holds_and_no_other(books: tuple[Ledger, Clock]) -> None:
    ledger, clock = books
    mine = await ledger.reserve(Hold("k", 10_000, TTL))
    theirs = await ledger.reserve(Hold("other", 10_000, TTL))
    clock.advance(TTL)  # both abandoned, neither swept yet
    fresh = await ledger.reserve(Hold("k", 4_000, TTL))  # k is full: its own due hold is released, then it fits
    assert not fresh.replay and await counters(ledger) == (0, 4_000)
    assert (await ledger.get_intent(mine.intent.id)).state == "expired"  # type: ignore[union-attr]
    assert (await ledger.get_intent(theirs.intent.id)).state == "authorized"  # type: ignore[union-attr]
    assert await counters(ledger, "other") == (0, 10_000)


async def test_a_stale_idempotent_hold_expires_alone(books: tuple[Ledger, Clock]) -> None:
    ledger, clock = books
    first = await ledger.reserve(Hold("k", 100, TTL, idem_key="i", request_hash="h"))
    theirs = await ledger.reserve(Hold("other", 100, TTL))
    clock.advance(TTL)
    again = await ledger.reserve(Hold("k", 100, TTL, idem_key="i", request_hash="h"))
    assert not again.replay and again.intent.id != first.intent.id
    assert (await ledger.get_intent(first.intent.id)).state == "expired"  # type: ignore[union-attr]
    assert (await ledger.get_intent(theirs.intent.id)).state == "authorized"  # type: ignore[union-attr]


async def test_the_sweep_counts_what_it_expired_and_marks_a_booked_hold_estimated(books: tuple[Ledger, Clock]) -> None:
    ledger, clock = books
    released = [await ledger.reserve(Hold("k", 100, TTL)) for _ in range(2)]
    booked = await ledger.reserve(Hold("other", 300, TTL), dispatched=True)
    clock.advance(TTL)
    assert await ledger.expire_due() == 3
    assert await ledger.expire_due() == 0
    for reservation in released:
        row = await ledger.get_intent(reservation.intent.id)
        assert row is not None and (row.state, row.settled, row.estimated, row.resolved_at) == (
            "expired", None, 0, START + TTL)
    row = await ledger.get_intent(booked.intent.id)
    assert row is not None and (row.state, row.settled, row.estimated) == ("expired", 300, 1)
    assert await counters(ledger) == (0, 0) and await counters(ledger, "other") == (300, 0)


@pytest.mark.parametrize(("dispatched", "reserved_after", "final", "uncollected", "settled", "left", "spent"), [
    # released at expiry: the late settlement books what it owes, up to the hold and what the key has left
    (False, 300, 500, 200, 600, 100, 600),
    (False, 9_750, 500, 200, 250, 450, 250),
    (False, 300, 600, 0, 600, 0, 600),  # exactly the hold
    # booked at expiry: the late settlement corrects the booking to what was owed (never above the hold), whatever
    # the key has left
    (True, 9_400, 400, 0, 400, 0, 400),
    (True, 9_400, 500, 300, 600, 200, 600),
])
async def test_a_late_settlement_books_what_the_budget_allows(
        books: tuple[Ledger, Clock], dispatched: bool, reserved_after: int, final: int, uncollected: int, settled: int,
        left: int, spent: int) -> None:
    ledger, clock = books
    hold = await ledger.reserve(Hold("k", 600, TTL), dispatched=dispatched)
    clock.advance(TTL)
    await ledger.expire_due()
    await ledger.reserve(Hold("k", reserved_after, 10 * TTL))  # what other requests hold meanwhile
    late = await ledger.settle(hold.intent.id, final, uncollected, receipt, estimated=True)
    assert late.replay is False
    assert (late.intent.state, late.intent.settled, late.intent.uncollected, late.intent.estimated,
            late.intent.late_settled_at) == ("expired", settled, left, 1, START + TTL)
    assert late.intent == await ledger.get_intent(hold.intent.id)
    assert await counters(ledger) == (spent, reserved_after) and (late.key.spent, late.key.reserved) == (
        spent, reserved_after)


async def test_a_settlement_above_the_hold_is_refused(books: tuple[Ledger, Clock]) -> None:
    ledger, clock = books
    live = await ledger.reserve(Hold("k", 600, TTL))
    expired = await ledger.reserve(Hold("k", 600, TTL // 2))
    for intent_id in (live.intent.id, expired.intent.id):
        with pytest.raises(IntentConflict, match=r"^finalAmountWei 601 cannot exceed the reserved amount 600$"):
            if intent_id == expired.intent.id:
                clock.advance(TTL // 2)
                await ledger.expire_due()
            await ledger.settle(intent_id, 601, 0, receipt)
    assert (await ledger.settle(expired.intent.id, 600, 0, receipt)).intent.settled == 600  # the whole hold: allowed
    with pytest.raises(IntentNotFound, match=r"^payment intent nothing not found$"):
        await ledger.settle("nothing", 1, 0, receipt)
    aborted = await ledger.reserve(Hold("k", 10, TTL))
    await ledger.abort(aborted.intent.id, "x")
    with pytest.raises(IntentConflict, match=rf"^payment intent {aborted.intent.id} is aborted and cannot be settled$"):
        await ledger.settle(aborted.intent.id, 1, 0, receipt)
    with pytest.raises(IntentNotFound, match=r"^payment intent nothing not found$"):
        await ledger.abort("nothing", "x")


@pytest.mark.parametrize("final", [0, 599, 600])
async def test_the_known_row_is_a_shortcut_to_the_same_settlement(books: tuple[Ledger, Clock], final: int) -> None:
    """The caller passes the row it reserved: the settlement, the counters and the journal are what they would be
    without it, up to and including the whole hold."""
    ledger, clock = books
    shortcut = await ledger.reserve(Hold("k", 600, TTL))
    plain = await ledger.reserve(Hold("other", 600, TTL))
    clock.advance(3)
    fast = await ledger.settle(shortcut.intent.id, final, 7, receipt, estimated=True, known=shortcut.intent)
    slow = await ledger.settle(plain.intent.id, final, 7, receipt, estimated=True)
    assert fast.replay is False and slow.replay is False
    assert fast.intent == shortcut.intent._replace(state="settled", settled=final, uncollected=7, estimated=1,
                                                   resolved_at=START + 3, receipt=fast.intent.receipt)
    assert fast.intent.receipt == f'{{"id":"{shortcut.intent.id}","settled":{final}}}'
    assert fast.intent == await ledger.get_intent(shortcut.intent.id)
    assert slow.intent == plain.intent._replace(state="settled", settled=final, uncollected=7, estimated=1,
                                                resolved_at=START + 3, receipt=slow.intent.receipt)
    assert (fast.key.spent, fast.key.reserved) == (slow.key.spent, slow.key.reserved) == (final, 0)
    rows = await backends.query(ledger, "SELECT key_id, intent_id, kind FROM journal WHERE kind = 'settle' "
                                        "ORDER BY seq")
    assert rows == [("k", shortcut.intent.id, "settle"), ("other", plain.intent.id, "settle")]


async def test_a_known_row_that_is_not_the_intent_is_ignored(books: tuple[Ledger, Clock]) -> None:
    ledger, _ = books
    one = await ledger.reserve(Hold("k", 600, TTL))
    two = await ledger.reserve(Hold("other", 900, TTL))
    settled = await ledger.settle(one.intent.id, 100, 0, receipt, known=two.intent)  # another intent's row
    assert (settled.intent.id, settled.intent.settled) == (one.intent.id, 100)
    assert await counters(ledger) == (100, 0) and await counters(ledger, "other") == (0, 900)
    stale = await ledger.reserve(Hold("k", 600, TTL))
    await ledger.abort(stale.intent.id, "gone")
    with pytest.raises(IntentConflict, match="is aborted and cannot be settled"):
        await ledger.settle(stale.intent.id, 100, 0, receipt, known=stale.intent)  # the row as it was reserved
    over = await ledger.reserve(Hold("k", 50, TTL))
    with pytest.raises(IntentConflict, match="cannot exceed the reserved amount 50"):
        await ledger.settle(over.intent.id, 51, 0, receipt, known=over.intent)
    assert (await ledger.settle(over.intent.id, 50, 0, receipt, known=over.intent)).intent.state == "settled"


async def test_an_owner_lists_its_keys_in_creation_order_and_finds_its_latest_session(
        books: tuple[Ledger, Clock]) -> None:
    ledger, _ = books

    async def latest() -> str | None:
        key = await ledger.latest_session("0xalice", 43113)
        return None if key is None else key.id

    await ledger.create_key(key_row("a1", owner="0xalice", created=START + 1))
    assert await latest() is None  # an API key is not a session
    await ledger.create_key(key_row("s3", owner="0xalice", created=START + 3, purpose="session"))
    assert await latest() == "s3"
    await ledger.revoke_key("s3")
    assert await latest() == "s3"  # the most recent, live or not
    await ledger.create_key(key_row("s1", owner="0xalice", created=START + 1, purpose="session"))
    assert await latest() == "s1"  # a live session before a newer revoked one
    await ledger.create_key(key_row("s2", owner="0xalice", created=START + 2, purpose="session"))
    assert await latest() == "s2"  # it superseded s1
    assert [key.id for key in await ledger.list_keys("0xalice")] == ["a1", "s1", "s2", "s3"]
    assert await ledger.list_keys("0xnobody") == []
    assert await ledger.latest_session("0xalice", 1) is None
    assert await ledger.key_by_hash("hash-s2") == await ledger.get_key("s2")
    assert await ledger.key_by_hash("no-such-hash") is None


@pytest.mark.postgres
async def test_postgres_migrates_a_fresh_schema_once_and_says_which_versions(tmp_path: Path) -> None:
    first = PostgresLedger(backends.fresh_schema(), clock=lambda: START)
    await first.start()
    try:
        assert first.migrated == [migration.version for migration in load("postgres")]
        again = PostgresLedger(first.url, clock=lambda: START)
        await again.start()
        assert again.migrated == []
        await again.aclose()
    finally:
        await first.aclose()
        backends.drop_schema(first.url)


@pytest.mark.postgres
async def test_postgres_releases_a_hold_whose_caller_never_saw_it(tmp_path: Path) -> None:
    ledger = backends.make("postgres", tmp_path, lambda: START)
    assert isinstance(ledger, PostgresLedger)
    try:
        await ledger.create_key(key_row("k"))
        hold = await ledger.reserve(Hold("k", 500, TTL))
        await ledger._run(lambda c: postgres_ops.release_unseen(c, hold.intent.id, START + 1), durable=True)
        row = await ledger.get_intent(hold.intent.id)
        assert row is not None and (row.state, row.reason, row.resolved_at) == (
            "aborted", "cancelled before the upstream call", START + 1)
        assert await counters(ledger) == (0, 0)
        await ledger._run(lambda c: postgres_ops.release_unseen(c, "never-made", START + 1), durable=True)
    finally:
        await ledger.aclose()


@pytest.mark.parametrize("collecting", [False, True])
async def test_a_late_settlement_on_a_wallet_key_being_collected_books_nothing_more(
        books: tuple[Ledger, Clock], collecting: bool) -> None:
    """A wallet key's collection fixes the amount it collects: a settlement that arrives after it began cannot
    change what the key spent (what it owed is recorded as uncollected); before that, it books as on any key."""
    ledger, clock = books
    funding = FundingRow("w", "eip155:43113", "0xpayer", "0x01", "{}", "{}", START // 1000 + 86_400, "open", None,
                         None, None, None, 0, START, None, None, START, START)
    await ledger.create_wallet_key(key_row("w", kind="wallet"), funding)
    hold = await ledger.reserve(Hold("w", 600, TTL))
    clock.advance(TTL)
    await ledger.expire_due()  # released: nothing booked
    if collecting:
        assert await ledger.end_funding("w", "revoked")
        (leased,) = await ledger.lease_collections("this-process", 60_000)
        assert (leased.state, leased.amount) == ("collecting", 0)
    late = await ledger.settle(hold.intent.id, 500, 0, receipt)
    assert (late.intent.settled, late.intent.uncollected) == ((0, 500) if collecting else (500, 0))
    assert await counters(ledger, "w") == ((0, 0) if collecting else (500, 0))
