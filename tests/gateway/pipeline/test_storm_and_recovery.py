"""Concurrency storm (I1 under load, in one process and across uvicorn workers), restart, and the sweeper."""

from __future__ import annotations

import asyncio
import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from gateway_min.ledger import audit
from tests.gateway.support import KEY_HEADERS, Harness, auth, build, chat, gateway_process, gateway_server

pytestmark = pytest.mark.anyio
IMAGE = {"model": "dall-e-3", "prompt": "a lighthouse"}  # exactly 40,400 per call (0.04 + 1%)
COST = 40_400



def ledger_check(db: Path) -> str:
    """`ledger check` on a ledger file: "" when the books balance, else what it found."""
    ran = subprocess.run([sys.executable, "-m", "gateway_min", "ledger", "check", "--db", str(db)],
                         capture_output=True, text=True, timeout=120, check=False)
    return "" if ran.returncode == 0 else ran.stdout + ran.stderr

async def test_storm_of_200_on_a_budget_for_10(harness: Harness) -> None:
    token, key_id = await harness.create_key(10 * COST)
    async with harness.client() as client:
        responses = await asyncio.gather(*[
            client.post("/v1/images/generations", headers=auth(token), json=IMAGE) for _ in range(200)])
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] * 10 + [402] * 190
    assert harness.provider.calls == 10  # refused requests never reached the upstream
    key = await harness.ledger.get_key(key_id)
    assert key is not None and (key.spent, key.reserved) == (10 * COST, 0)
    assert sum(int(r.json()["compose_receipt"]["final_amount_wei"]) for r in responses if r.status_code == 200) \
        == key.spent  # Σ receipts = S (I10)
    remaining = [int(r.headers["x-compose-key-budget-remaining"]) for r in responses]
    assert min(remaining) >= 0
    assert await audit.audit(harness.ledger.read) == []  # the books balance after the storm


async def test_chat_storm_never_overspends(harness: Harness) -> None:
    budget = 30_000
    token, key_id = await harness.create_key(budget)
    async with harness.client() as client:
        responses = await asyncio.gather(*[
            client.post("/v1/chat/completions", headers=auth(token), json=chat(f"word {i}", max_tokens=2000))
            for i in range(200)])
    ok = [r for r in responses if r.status_code == 200]
    assert ok and all(r.status_code in (200, 402) for r in responses)
    key = await harness.ledger.get_key(key_id)
    assert key is not None and key.reserved == 0 and key.spent <= budget
    assert sum(int(r.json()["compose_receipt"]["final_amount_wei"]) for r in ok) == key.spent
    assert harness.provider.calls == len(ok)
    assert await audit.audit(harness.ledger.read) == []


@pytest.mark.parametrize("sync", ["full", "normal"])
def test_storm_across_four_uvicorn_workers_on_one_sqlite_file(tmp_path: Path, sync: str) -> None:
    with gateway_process(tmp_path, "--workers", "4", "--sync", sync) as base:
        created = httpx.post(f"{base}/api/keys", headers=KEY_HEADERS, json={
            "budgetLimit": 10 * COST, "expiresAt": int(time.time() * 1000) + 600_000, "chainId": 43113})
        token, key_id = created.json()["token"], created.json()["keyId"]

        async def storm() -> list[httpx.Response]:
            limits = httpx.Limits(max_connections=200)
            async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:
                return await asyncio.gather(*[client.post("/v1/images/generations", headers=auth(token), json=IMAGE)
                                              for _ in range(200)])

        responses = asyncio.run(storm())
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [200] * 10 + [402] * 190, statuses
        pids = {r.headers.get("x-payment-intent-id") for r in responses if r.status_code == 200}
        assert len(pids) == 10
    db = tmp_path / "gateway.sqlite3"
    with sqlite3.connect(db) as conn:
        spent, reserved = conn.execute("SELECT spent, reserved FROM compose_keys WHERE id = ?", (key_id,)).fetchone()
        states = dict(conn.execute("SELECT state, COUNT(*) FROM intents WHERE key_id = ? GROUP BY state", (key_id,)))
    assert (spent, reserved) == (10 * COST, 0)
    assert states == {"settled": 10}  # one intent per served request, none for the refused ones
    assert ledger_check(db) == ""


@pytest.mark.parametrize("sync", ["full", "normal"])
def test_a_gateway_killed_outright_keeps_every_settlement_it_answered(tmp_path: Path, sync: str) -> None:
    """kill -9 mid-traffic: every settlement a client got a receipt for is in the ledger after the restart, in both
    durability modes (`normal` only risks a power cut's last ~20 ms: a dead process's commits are in the OS's
    hands), and the key's counters are exactly what the receipts add up to."""
    with gateway_server(tmp_path, "--sync", sync) as (server, base):
        created = httpx.post(f"{base}/api/keys", headers=KEY_HEADERS, json={
            "budgetLimit": 100 * COST, "expiresAt": int(time.time() * 1000) + 600_000, "chainId": 43113})
        token, key_id = created.json()["token"], created.json()["keyId"]
        answered = {}
        with httpx.Client(base_url=base, timeout=30) as client:
            for _ in range(12):
                response = client.post("/v1/images/generations", headers=auth(token), json=IMAGE)
                assert response.status_code == 200
                answered[response.headers["x-payment-intent-id"]] = response.json()["compose_receipt"]
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=30)
    with gateway_process(tmp_path, "--sync", sync) as base:  # the same ledger file, after the kill
        key = httpx.get(f"{base}/api/keys/{key_id}", headers=KEY_HEADERS).json()
    assert (key["budgetUsed"], key.get("budgetReserved", "0")) == (str(12 * COST), "0")
    with sqlite3.connect(tmp_path / "gateway.sqlite3") as conn:
        rows = dict(conn.execute("SELECT id, receipt FROM intents WHERE key_id = ? AND state = 'settled'", (key_id,)))
    assert {intent: json.loads(receipt) for intent, receipt in rows.items()} == answered
    assert ledger_check(tmp_path / "gateway.sqlite3") == ""  # the crash left the books balanced


async def test_restart_on_the_same_database_keeps_every_balance(tmp_path: Path) -> None:
    first = build(tmp_path)
    token, key_id = await first.create_key(1_000_000)
    async with first.client() as client:
        for _ in range(3):
            assert (await client.post("/v1/images/generations", headers=auth(token), json=IMAGE)).status_code == 200
    before = await first.ledger.get_key(key_id)
    first.ledger.close()
    second = build(tmp_path, clock=first.clock)
    try:
        after = await second.ledger.get_key(key_id)
        assert after == before and after is not None and after.spent == 3 * COST
        async with second.client() as client:
            response = await client.post("/v1/images/generations", headers=auth(token), json=IMAGE)
        assert response.headers["x-compose-key-budget-used"] == str(4 * COST)
    finally:
        second.ledger.close()


async def test_sweeper_releases_abandoned_holds_and_books_dispatched_ones(harness: Harness) -> None:
    token, key_id = await harness.create_key(100_000)
    headers = {**auth(token), "x-chain-id": "43113"}
    prepare = {"service": "agent", "action": "run", "resource": "r", "method": "POST", "maxAmountWei": 30_000}
    async with harness.client() as client:
        assert (await client.post("/api/payments/prepare", headers=headers, json=prepare)).status_code == 200
        dispatched = (await client.post("/api/payments/prepare", headers=headers, json=prepare)).json()
    await harness.ledger.dispatch(dispatched["paymentIntentId"])
    assert await harness.ledger.expire_due() == 0  # not yet due
    harness.clock.advance(harness.gw.intent_ttl_ms + 1)
    assert await harness.ledger.expire_due() == 2
    key = await harness.ledger.get_key(key_id)
    assert key is not None and (key.reserved, key.spent) == (0, 30_000)  # released one, booked the dispatched one
    late = await harness.ledger.settle(dispatched["paymentIntentId"], 12_000, 0, lambda row: {"late": True})
    assert late.intent.state == "expired" and late.intent.settled == 12_000  # late settle still books, once (I7)
    key = await harness.ledger.get_key(key_id)
    assert key is not None and key.spent == 12_000


async def test_reserve_reclaims_expired_holds_of_its_key(harness: Harness) -> None:
    token, key_id = await harness.create_key(50_000)
    headers = {**auth(token), "x-chain-id": "43113"}
    prepare = {"service": "s", "action": "a", "resource": "r", "method": "POST", "maxAmountWei": 40_000}
    async with harness.client() as client:
        assert (await client.post("/api/payments/prepare", headers=headers, json=prepare)).status_code == 200
        assert (await client.post("/api/payments/prepare", headers=headers, json=prepare)).status_code == 402
        harness.clock.advance(harness.gw.intent_ttl_ms + 1)
        assert (await client.post("/api/payments/prepare", headers=headers, json=prepare)).status_code == 200
    assert await harness.ledger.totals(key_id) == (40_000, 0)


async def test_a_failed_request_whose_hold_the_sweeper_booked_is_refunded(harness: Harness) -> None:
    token, key_id = await harness.create_key(100_000)
    headers = {**auth(token), "x-chain-id": "43113"}
    prepare = {"service": "s", "action": "a", "resource": "r", "method": "POST", "maxAmountWei": 30_000}
    async with harness.client() as client:
        intent = (await client.post("/api/payments/prepare", headers=headers, json=prepare)).json()["paymentIntentId"]
    await harness.ledger.dispatch(intent)
    harness.clock.advance(harness.gw.intent_ttl_ms + 1)
    await harness.ledger.expire_due()
    assert (await harness.ledger.totals(key_id)) == (0, 30_000)
    refunded = await harness.ledger.abort(intent, "upstream_502")
    assert refunded.intent.settled == 0 and refunded.key.spent == 0
    with pytest.raises(Exception, match="cannot be aborted"):
        await harness.ledger.abort(intent, "again")
    assert (await harness.ledger.settle(intent, 5, 0, lambda row: {})).replay  # resolved once: replays


async def test_a_late_settle_above_the_hold_is_a_conflict(harness: Harness) -> None:
    token, _ = await harness.create_key(100_000)
    headers = {**auth(token), "x-chain-id": "43113"}
    prepare = {"service": "s", "action": "a", "resource": "r", "method": "POST", "maxAmountWei": 30_000}
    async with harness.client() as client:
        intent = (await client.post("/api/payments/prepare", headers=headers, json=prepare)).json()["paymentIntentId"]
    harness.clock.advance(harness.gw.intent_ttl_ms + 1)
    await harness.ledger.expire_due()
    with pytest.raises(Exception, match="cannot exceed the reserved amount"):
        await harness.ledger.settle(intent, 30_001, 0, lambda row: {})
