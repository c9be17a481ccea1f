"""x402 claims left open by a process that is gone (a crash) stop blocking their payer at once: the claim records
its process (ledger/owner.py), and a claim in the way whose process is known to have ended is failed instead of
waited for. A process that cannot be judged (another pid namespace, no /proc, an older ledger) still blocks."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway_min.ledger import owner
from gateway_min.ledger.sqlite import SqliteLedger as Ledger
from gateway_min.ledger.sqlite import claims, ops

NETWORK, PAYER, NOW = "eip155:43113", "0xpayer", 1_790_000_000_000
linux_only = pytest.mark.skipif(owner.this_process() is None, reason="process identities need Linux's /proc")


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(tmp_path / "ledger.sqlite3", isolation_level=None)
    ops.migrate(conn, 0)
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
def test_what_cannot_be_judged_counts_as_running(monkeypatch: pytest.MonkeyPatch) -> None:
    me = owner.this_process()
    assert me is not None
    boot, pid_ns, time_ns, pid, start = me.split(":")
    assert not owner.is_gone(None) and not owner.is_gone("") and not owner.is_gone("garbage")
    assert not owner.is_gone(f"{boot}:{pid_ns}:{time_ns}:{2**40}:{start}")  # no such pid can exist: not judged
    assert not owner.is_gone(f"{boot}:{int(pid_ns) + 1}:{time_ns}:{pid}:{start}")  # another container's pids
    assert not owner.is_gone(f"{boot}:{pid_ns}:other:{pid}:{start}")  # another time namespace: start times shift
    assert owner.is_gone(f"{'0' * 8}-0000-0000-0000-{'0' * 12}:{pid_ns}:{time_ns}:{pid}:{start}")  # a boot ago
    assert owner.is_gone(f"{boot}:{pid_ns}:{time_ns}:{pid}:{int(start) + 1}")  # the pid was reused since
    monkeypatch.setattr(owner, "_start_time", lambda pid: None)  # /proc hides it (hidepid), but it exists
    assert not owner.is_gone(f"{boot}:{pid_ns}:{time_ns}:{pid}:{int(start) + 1}")


def test_the_start_time_is_read_after_the_last_parenthesis(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The command name may hold spaces, parentheses and bytes that are not UTF-8."""
    fields = " ".join(["S", *map(str, range(4, 22)), "987654", "4096"])  # fields 3..21, then 22: the start time
    (tmp_path / "42").mkdir()
    (tmp_path / "42" / "stat").write_bytes(b"42 (a) b (c \xff\xfe) " + fields.encode())
    monkeypatch.setattr(owner, "PROC", tmp_path)
    assert owner._start_time(42) == "987654"
    assert owner._start_time(43) is None


def test_a_proc_of_another_pid_namespace_records_no_owner(monkeypatch: pytest.MonkeyPatch) -> None:
    """`unshare --pid` without a new /proc: /proc/self is not us, so nothing from it can name us."""
    owner._here.cache_clear()
    monkeypatch.setattr(owner.os, "readlink", lambda path: "1")
    monkeypatch.setattr(owner.os, "getpid", lambda: 23707)
    try:
        assert owner.this_process() is None and not owner.is_gone("a:b:c:1:2")
    finally:
        monkeypatch.undo()
        owner._here.cache_clear()


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


@pytest.mark.parametrize("who", [pytest.param("running", marks=linux_only), None],
                         ids=["a running process", "an older ledger's claim"])
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
    ops.migrate(old, 0)
    row = claims.get(old, "n", "p", "0x1")
    assert row is not None and (row.stream, row.owner, row.token) == (0, None, None)
    old.close()


def test_the_gateways_claims_record_their_process(tmp_path: Path) -> None:
    ledger = Ledger(str(tmp_path / "gateway.sqlite3"))
    try:
        taken, row = asyncio.run(ledger.claim_payment(NETWORK, PAYER, "0x01", "upto", 500, stream=True))
        assert taken and row.owner == ledger.owner == owner.this_process()
    finally:
        ledger.close()


def test_a_cancelled_call_releases_only_its_own_claim(conn: sqlite3.Connection) -> None:
    """The cancelled call's claim never committed (its batch failed), and a retry of the same payment took it:
    the release names the call by its token, so the retry's claim stands."""
    conn.execute("BEGIN")
    assert claims.claim(conn, NETWORK, PAYER, "0x01", "upto", 500, NOW, stream=True, token="first")[0]
    conn.execute("ROLLBACK")  # the first call's batch could not commit
    assert claims.claim(conn, NETWORK, PAYER, "0x01", "upto", 500, NOW, stream=True, token="retry")[0]
    assert not claims.release_unseen(conn, NETWORK, PAYER, "0x01", "first", NOW)
    row = claims.get(conn, NETWORK, PAYER, "0x01")
    assert row is not None and (row.state, row.token) == ("claimed", "retry")
    assert claims.release_unseen(conn, NETWORK, PAYER, "0x01", "retry", NOW)


def test_a_released_payment_claimed_again_records_its_new_owner(conn: sqlite3.Connection) -> None:
    assert claims.claim(conn, NETWORK, PAYER, "0x01", "upto", 500, NOW, owner="first", token="a")[0]
    assert claims.resolve(conn, NETWORK, PAYER, "0x01", "released", NOW)
    assert claims.claim(conn, NETWORK, PAYER, "0x01", "upto", 500, NOW + 1, owner="second", token="b")[0]
    row = claims.get(conn, NETWORK, PAYER, "0x01")
    assert row is not None and (row.owner, row.token, row.claimed_at) == ("second", "b", NOW + 1)
