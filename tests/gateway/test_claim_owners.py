"""x402 claims left open by a process that is gone (a crash) stop blocking their payer at once: the claim records
its process (ledger/owner.py), and a claim in the way whose process is known to have ended is failed instead of
waited for. A process that cannot be judged (another pid namespace, no /proc, an older ledger) still blocks."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway_min.ledger import claims, ops, owner

NETWORK, PAYER, NOW = "eip155:43113", "0xpayer", 1_790_000_000_000
linux_only = pytest.mark.skipif(owner.this_process() is None, reason="process identities need Linux's /proc")


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(tmp_path / "ledger.sqlite3", isolation_level=None)
    ops.migrate(conn)
    yield conn
    conn.close()


def ended_process() -> str:
    """The owner string of a child process that has since exited."""
    code = "from gateway_min.ledger import owner; print(owner.this_process())"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          cwd=Path(__file__).resolve().parents[2])
    return done.stdout.strip()


@linux_only
def test_this_process_runs_and_an_ended_one_is_gone() -> None:
    me = owner.this_process()
    assert me is not None and not owner.is_gone(me)
    ended = ended_process()
    assert ended.rsplit(":", 2)[1] != str(os.getpid()) and owner.is_gone(ended)


@linux_only
def test_what_cannot_be_judged_counts_as_running() -> None:
    me = owner.this_process()
    assert me is not None
    boot, namespace, pid, start = me.split(":")
    assert not owner.is_gone(None) and not owner.is_gone("") and not owner.is_gone("garbage")
    assert not owner.is_gone(f"{boot}:{int(namespace) + 1}:{pid}:{start}")  # another container's pids
    assert owner.is_gone(f"{'0' * 8}-0000-0000-0000-{'0' * 12}:{namespace}:{pid}:{start}")  # a boot ago
    assert owner.is_gone(f"{boot}:{namespace}:{pid}:{int(start) + 1}")  # the pid was reused since


def stream_claim(conn: sqlite3.Connection, nonce: str, who: str | None) -> tuple[bool, claims.ClaimRow]:
    return claims.claim(conn, NETWORK, PAYER, nonce, "upto", 500, NOW, stream=True, owner=who)


@linux_only
def test_a_stream_left_open_by_a_process_that_is_gone_no_longer_blocks_its_payer(conn: sqlite3.Connection) -> None:
    assert stream_claim(conn, "0x01", ended_process())[0]
    taken, row = stream_claim(conn, "0x02", owner.this_process())
    assert taken and row.state == "claimed"
    crashed = claims.get(conn, NETWORK, PAYER, "0x01")
    assert crashed is not None and (crashed.state, crashed.resolved_at) == ("failed", NOW)  # never presented again
    again, _ = stream_claim(conn, "0x01", owner.this_process())
    assert not again  # a failed payment stays refused


@pytest.mark.parametrize("who", ["running", None], ids=["a running process", "an older ledger's claim"])
def test_a_claim_whose_process_runs_or_cannot_be_judged_still_blocks(conn: sqlite3.Connection,
                                                                     who: str | None) -> None:
    me = owner.this_process() if who else None
    assert stream_claim(conn, "0x01", me)[0]
    taken, row = stream_claim(conn, "0x02", me)
    assert not taken and (row.nonce, row.state) == ("0x01", "claimed")


def test_only_the_process_that_is_gone_is_judged(conn: sqlite3.Connection) -> None:
    """Two claims in the way, the older one's process gone: it is failed, the running one still blocks."""
    gone_ones = {"dead"}
    assert claims.claim(conn, NETWORK, PAYER, "0x01", "exact", 1, NOW - 2, owner="dead")[0]
    assert claims.claim(conn, NETWORK, PAYER, "0x02", "exact", 1, NOW - 1, owner="alive")[0]
    taken, row = claims.claim(conn, NETWORK, PAYER, "0x03", "upto", 1, NOW, stream=True, owner="alive",
                              gone=lambda who: who in gone_ones)
    assert not taken and row.nonce == "0x02"
    states = dict(conn.execute("SELECT nonce, state FROM x402_claims").fetchall())
    assert states == {"0x01": "failed", "0x02": "claimed"}


def test_an_older_ledger_gains_the_owner_column(tmp_path: Path) -> None:
    old = sqlite3.connect(tmp_path / "old.sqlite3", isolation_level=None)
    old.execute("CREATE TABLE x402_claims (network TEXT NOT NULL, payer TEXT NOT NULL, nonce TEXT NOT NULL, "
                "state TEXT NOT NULL, scheme TEXT NOT NULL, amount BIGINT NOT NULL, settled BIGINT, tx_hash TEXT, "
                "receipt TEXT, claimed_at BIGINT NOT NULL, resolved_at BIGINT, PRIMARY KEY (network, payer, nonce))")
    old.execute("INSERT INTO x402_claims VALUES ('n', 'p', '0x1', 'claimed', 'upto', 5, NULL, NULL, NULL, 1, NULL)")
    ops.migrate(old)
    row = claims.get(old, "n", "p", "0x1")
    assert row is not None and (row.stream, row.owner) == (0, None)
    old.close()


def test_the_gateways_claims_record_their_process(tmp_path: Path) -> None:
    import asyncio

    from gateway_min.ledger import Ledger

    ledger = Ledger(str(tmp_path / "gateway.sqlite3"))
    try:
        taken, row = asyncio.run(ledger.claim_payment(NETWORK, PAYER, "0x01", "upto", 500, stream=True))
        assert taken and row.owner == ledger.owner == owner.this_process()
    finally:
        ledger.close()
