"""Three gateway processes on one PostgreSQL ledger, on separate ports as separate hosts would be: the money rules
hold across them because they are held by the database, not by any one process.

- 300 concurrent paid requests on a key with budget for 10, spread over the replicas, overspend nothing;
- 50 concurrent presentations of one PAYMENT-SIGNATURE, spread over the replicas, are served once, settled once;
- a replica killed with SIGKILL mid-traffic loses no settlement it answered, the others keep serving, and its
  abandoned holds expire through another replica's sweeper;
- replicas started together migrate the schema once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway_min.ledger import open_ledger
from gateway_min.ledger.migrations import load
from gateway_min.payment.x402 import PaymentRequired, decode_header, encode_header, pay
from tests.gateway.ledger import backends
from tests.gateway.payment.x402.wallets import PAYER
from tests.gateway.support import ADMIN, KEY_HEADERS, auth, chat, gateway_server

pytestmark = pytest.mark.postgres
IMAGE = {"model": "dall-e-3", "prompt": "a lighthouse"}  # exactly 40,400 per call (0.04 + 1%)
COST = 40_400
Replica = tuple[subprocess.Popen[bytes], str]


@contextlib.contextmanager
def replicas(tmp: Path, *args: str, count: int = 3) -> Iterator[tuple[str, list[Replica]]]:
    """(the ledger's URL, the replicas). The first serves the embedded facilitator; the others settle through it
    (`--facilitator-url`, its admin token), as GATEWAY.md's "several replicas" says."""
    location = backends.fresh_schema()
    try:
        with contextlib.ExitStack() as stack:
            (tmp / "r0").mkdir()
            first = stack.enter_context(gateway_server(tmp / "r0", *args, db=location))
            started = [first]
            for index in range(1, count):
                (tmp / f"r{index}").mkdir()
                started.append(stack.enter_context(gateway_server(
                    tmp / f"r{index}", "--facilitator-url", f"{first[1]}/api/x402/facilitator", *args, db=location,
                    env={"GATEWAY_FACILITATOR_TOKEN": ADMIN})))
            yield location, started
    finally:
        backends.drop_schema(location)


def create_key(base: str, budget: int) -> tuple[str, str]:
    created = httpx.post(f"{base}/api/keys", headers=KEY_HEADERS, json={
        "budgetLimit": budget, "expiresAt": int(time.time() * 1000) + 600_000, "chainId": 43113})
    assert created.status_code == 201, created.text
    return created.json()["token"], created.json()["keyId"]


def ledger_check(location: str) -> str:
    """`ledger check` on the ledger: "" when the books balance, else what it found."""
    ran = subprocess.run([sys.executable, "-m", "gateway_min", "ledger", "check", "--db", location],
                         capture_output=True, text=True, timeout=120, check=False)
    return "" if ran.returncode == 0 else ran.stdout + ran.stderr


def ledger_rows(location: str, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    async def read() -> list[tuple[Any, ...]]:
        ledger = open_ledger(location)
        try:
            return await backends.query(ledger, sql, *args)
        finally:
            await ledger.aclose()

    return asyncio.run(read())


def test_300_concurrent_requests_across_three_replicas_on_a_budget_for_10(tmp_path: Path) -> None:
    with replicas(tmp_path) as (location, started):
        bases = [base for _, base in started]
        token, key_id = create_key(bases[0], 10 * COST)

        async def storm() -> list[httpx.Response]:
            async with httpx.AsyncClient(limits=httpx.Limits(max_connections=300), timeout=60) as client:
                return await asyncio.gather(*[
                    client.post(f"{bases[i % 3]}/v1/images/generations", headers=auth(token), json=IMAGE)
                    for i in range(300)])

        responses = asyncio.run(storm())
        statuses = sorted(response.status_code for response in responses)
        assert statuses == [200] * 10 + [402] * 290, statuses
        [(spent, reserved)] = ledger_rows(location, "SELECT spent, reserved FROM compose_keys WHERE id = $1", key_id)
        states = ledger_rows(location, "SELECT state, COUNT(*) FROM intents WHERE key_id = $1 GROUP BY state", key_id)
        checked = ledger_check(location)
    assert checked == ""  # the books of three replicas balance
    assert (spent, reserved) == (10 * COST, 0)
    assert states == [("settled", 10)]  # one intent per served request, none for the refused ones
    assert {response.headers["x-payment-intent-id"] for response in responses if response.status_code == 200} \
        and sum(int(r.json()["compose_receipt"]["final_amount_wei"]) for r in responses if r.status_code == 200) \
        == spent  # Σ receipts = S (I10)


def test_one_payment_presented_fifty_times_across_replicas_is_served_and_settled_once(tmp_path: Path) -> None:
    with replicas(tmp_path) as (location, started):
        bases = [base for _, base in started]
        funded = httpx.post(f"{bases[0]}/api/x402/facilitator/fund", headers={"authorization": f"Bearer {ADMIN}"},
                            json={"address": PAYER.address, "amount": 5_000_000})
        assert funded.status_code == 200, funded.text
        challenge = httpx.post(f"{bases[1]}/v1/images/generations", json=IMAGE)
        assert challenge.status_code == 402
        required = decode_header(challenge.headers["payment-required"], PaymentRequired)
        signature = encode_header(pay(PAYER, required.accepts[0], int(time.time())))

        async def replays() -> list[httpx.Response]:
            async with httpx.AsyncClient(timeout=60) as client:
                return await asyncio.gather(*[
                    client.post(f"{bases[i % 3]}/v1/images/generations", json=IMAGE,
                                headers={"payment-signature": signature}) for i in range(50)])

        responses = asyncio.run(replays())
        claims = ledger_rows(location, "SELECT state, settled FROM x402_claims")
    served = [response for response in responses if response.status_code == 200]
    assert len(served) == 1, sorted(response.status_code for response in responses)
    assert all(response.status_code == 402 for response in responses if response.status_code != 200)
    assert claims == [("settled", COST)]
    with sqlite3.connect(tmp_path / "r0" / "var" / "gateway.facilitator.sqlite3") as chain:
        transfers = chain.execute("SELECT payer, amount FROM settlements").fetchall()
    assert transfers == [(PAYER.address, COST)]  # the money moved once


def test_a_replica_killed_mid_traffic_loses_nothing_and_its_holds_expire_elsewhere(tmp_path: Path) -> None:
    fast = ("--hold-ttl", "3", "--stream-hold-ttl", "3", "--sweep-interval", "0.5", "--demo-chunk-delay", "0.05")
    with replicas(tmp_path, *fast) as (location, started):
        (_, first), (victim, doomed), (_, third) = started
        token, key_id = create_key(first, 100 * COST)
        answered: dict[str, dict[str, Any]] = {}
        for _ in range(6):  # settled by the replica that will die, before it dies
            response = httpx.post(f"{doomed}/v1/images/generations", headers=auth(token), json=IMAGE, timeout=30)
            assert response.status_code == 200, response.text
            answered[response.headers["x-payment-intent-id"]] = response.json()["compose_receipt"]
        streaming = threading.Barrier(5)
        held: list[str] = []

        def stream() -> None:  # a long stream on the replica that dies: its hold is abandoned mid-way
            words = " ".join(f"w{i}" for i in range(48))
            with contextlib.suppress(httpx.HTTPError), httpx.stream(
                    "POST", f"{doomed}/v1/chat/completions", headers=auth(token),
                    json=chat(words, stream=True), timeout=30) as response:
                held.append(response.headers["x-payment-intent-id"])
                chunks = response.iter_bytes()
                next(chunks)
                streaming.wait(timeout=30)
                for _ in chunks:
                    pass

        threads = [threading.Thread(target=stream) for _ in range(4)]
        for thread in threads:
            thread.start()
        streaming.wait(timeout=30)  # four streams are under way on the doomed replica
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=30)
        for thread in threads:
            thread.join(timeout=30)
        for base in (first, third):  # the others keep serving
            response = httpx.post(f"{base}/v1/images/generations", headers=auth(token), json=IMAGE, timeout=30)
            assert response.status_code == 200, response.text
            answered[response.headers["x-payment-intent-id"]] = response.json()["compose_receipt"]
        deadline = time.monotonic() + 30
        while ledger_rows(location, "SELECT reserved FROM compose_keys WHERE id = $1", key_id) != [(0,)]:
            assert time.monotonic() < deadline, "the abandoned holds did not expire"
            time.sleep(0.2)
        rows = ledger_rows(location, "SELECT id, state, settled, receipt, amount FROM intents WHERE key_id = $1",
                           key_id)
        [(spent, reserved)] = ledger_rows(location, "SELECT spent, reserved FROM compose_keys WHERE id = $1", key_id)
        checked = ledger_check(location)
    assert checked == ""  # a replica killed mid-traffic left the books balanced
    by_id = {row[0]: row for row in rows}
    for intent_id, receipt in answered.items():  # every settlement a client got a receipt for is in the ledger
        assert by_id[intent_id][1] == "settled" and json.loads(by_id[intent_id][3]) == receipt
    assert len(held) == 4
    for intent_id in held:  # expired by a surviving replica's sweeper, booked (the upstream call was made)
        _, state, settled, _, amount = by_id[intent_id]
        assert state == "expired" and settled == amount
    assert reserved == 0
    assert spent == sum(int(r["final_amount_wei"]) for r in answered.values()) + sum(by_id[i][4] for i in held)


def test_replicas_starting_together_migrate_the_schema_once(tmp_path: Path) -> None:
    location = backends.fresh_schema()
    try:
        migrations = [subprocess.Popen([sys.executable, "-m", "gateway_min", "ledger", "migrate", "--db", location],
                                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=tmp_path)
                      for _ in range(3)]
        outputs = [process.communicate(timeout=60)[0].decode() for process in migrations]
        assert [process.returncode for process in migrations] == [0, 0, 0], outputs
        versions = [m.version for m in load("postgres")]
        assert sorted(outputs) == [f"applied migration(s) {', '.join(map(str, versions))}\n",
                                   "the schema is up to date\n", "the schema is up to date\n"]
        assert ledger_rows(location, "SELECT version FROM schema_migrations ORDER BY version") == [
            (version,) for version in versions]
    finally:
        backends.drop_schema(location)
