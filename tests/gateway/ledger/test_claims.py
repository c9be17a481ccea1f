"""x402 claims on each backend, through the Ledger interface (I12): an authorization serves one request, a released
one may be presented again, an `upto` stream is its payer's only open payment; and under concurrency, from two
ledgers on one database (two replicas, on PostgreSQL), exactly one request wins each race."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from gateway_min.ledger import Ledger, open_ledger
from tests.gateway.ledger import backends
from tests.gateway.support import Clock

pytestmark = pytest.mark.anyio
NETWORK, PAYER, OTHER = "eip155:43113", "0xpayer", "0xother"
LIVE = 3_600_000


@pytest.fixture
async def replicas(tmp_path: Path, backend: str) -> AsyncIterator[tuple[Ledger, Ledger]]:
    """Two ledgers on one database: two processes (replicas) on PostgreSQL, two writers on one SQLite file."""
    clock = Clock()
    location = backends.location(backend, tmp_path)
    first, second = open_ledger(location, clock=clock), open_ledger(location, clock=clock)
    yield first, second
    await first.aclose()
    await second.aclose()
    backends.drop_schema(location)


async def test_an_authorization_serves_one_request(replicas: tuple[Ledger, Ledger]) -> None:
    one, two = replicas
    taken, row = await one.claim_payment(NETWORK, PAYER, "0x01", "exact", 100)
    assert taken and row.state == "claimed"
    again, mine = await two.claim_payment(NETWORK, PAYER, "0x01", "exact", 100)
    assert not again and mine.nonce == "0x01"
    assert await two.resolve_payment(NETWORK, PAYER, "0x01", "released")  # nothing reached settle
    assert not await one.resolve_payment(NETWORK, PAYER, "0x01", "failed")  # conditional: no longer claimed
    retaken, _ = await one.claim_payment(NETWORK, PAYER, "0x01", "exact", 100)
    assert retaken  # a released authorization may be presented again
    assert await two.resolve_payment(NETWORK, PAYER, "0x01", "settled", settled=100, tx_hash="0xabc", receipt="{}")
    final, row = await one.claim_payment(NETWORK, PAYER, "0x01", "exact", 100)
    assert not final and (row.state, row.settled, row.tx_hash) == ("settled", 100, "0xabc")
    stored = await two.get_payment_claim(NETWORK, PAYER, "0x01")
    assert stored == row


async def test_an_upto_stream_is_its_payers_only_open_payment(replicas: tuple[Ledger, Ledger]) -> None:
    one, two = replicas
    assert (await one.claim_payment(NETWORK, PAYER, "0x01", "upto", 100, stream=True, live_ms=LIVE))[0]
    blocked, row = await two.claim_payment(NETWORK, PAYER, "0x02", "exact", 5, live_ms=LIVE)
    assert not blocked and row.nonce == "0x01"  # nothing of that payer may settle ahead of the stream
    assert (await two.claim_payment(NETWORK, OTHER, "0x02", "exact", 5, live_ms=LIVE))[0]  # another payer may
    assert await one.resolve_payment(NETWORK, PAYER, "0x01", "settled", settled=60)
    assert (await two.claim_payment(NETWORK, PAYER, "0x02", "exact", 5, live_ms=LIVE))[0]
    stream, row = await one.claim_payment(NETWORK, PAYER, "0x03", "upto", 100, stream=True, live_ms=LIVE)
    assert not stream and row.nonce == "0x02"  # and a stream waits for the payer's open payments


async def test_fifty_concurrent_presentations_of_one_authorization_make_one_claim(
        replicas: tuple[Ledger, Ledger]) -> None:
    one, two = replicas
    outcomes = await asyncio.gather(*((one if i % 2 else two).claim_payment(NETWORK, PAYER, "0x01", "upto", 100)
                                      for i in range(50)))
    assert sorted(taken for taken, _ in outcomes) == [False] * 49 + [True]


async def test_concurrent_upto_streams_of_one_payer_open_one(replicas: tuple[Ledger, Ledger]) -> None:
    """The check that the payer has no other open payment and the claim are one step, across replicas too (on
    PostgreSQL an advisory lock per payer makes them one: READ COMMITTED alone would let several pass)."""
    one, two = replicas
    outcomes = await asyncio.gather(*((one if i % 2 else two).claim_payment(
        NETWORK, PAYER, f"0x{i:02x}", "upto", 100, stream=True, live_ms=LIVE) for i in range(30)))
    assert sum(taken for taken, _ in outcomes) == 1


async def test_a_claim_left_by_another_boot_blocks_on_a_shared_ledger_and_not_on_a_file(
        replicas: tuple[Ledger, Ledger], backend: str) -> None:
    """On a SQLite file another boot id means this machine rebooted: the process is gone. On PostgreSQL it may be
    another machine's running replica: it cannot be judged, so its claim still blocks."""
    one, two = replicas
    me = one.owner
    if me is None:
        pytest.skip("process identities need Linux's /proc")
    boot, rest = me.split(":", 1)
    one.owner = "0" * len(boot) + ":" + rest  # type: ignore[misc]  # a claim taken on another boot
    assert (await one.claim_payment(NETWORK, PAYER, "0x01", "upto", 100, stream=True, live_ms=LIVE))[0]
    taken, row = await two.claim_payment(NETWORK, PAYER, "0x02", "upto", 100, stream=True, live_ms=LIVE)
    if backend == "sqlite":
        assert taken
        earlier = await two.get_payment_claim(NETWORK, PAYER, "0x01")
        assert earlier is not None and earlier.state == "failed"
    else:
        assert not taken and row.nonce == "0x01" and row.state == "claimed"
