"""The ledger audit: a ledger that went through every kind of payment balances, and each deliberately broken row
is named, with its rows, on both backends; `ledger check` exits 0 only when the books balance."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from gateway_min.ledger import audit, open_ledger
from tests.gateway.ledger import backends
from tests.gateway.payment.compose_key.support import collect, open_key, spend
from tests.gateway.payment.x402.support import PAYER, X402Harness, chat
from tests.gateway.support import auth, build

pytestmark = pytest.mark.anyio


async def busy_ledger(x402: X402Harness) -> dict[str, str]:
    """Credit key calls, a refunded video, a raw x402 payment, a collected wallet key: ids of what was made."""
    x402.h.provider.videos.job_seconds = 0
    await x402.fund(PAYER)
    token, key_id = await x402.h.create_key(10_000_000)
    async with x402.client() as client:
        served = await client.post("/v1/chat/completions", json=chat("audit me"), headers=auth(token))
        video = await client.post("/v1/videos/generations", headers=auth(token), json={
            "model": "sora-2", "prompt": "please fail", "seconds": 4, "size": "1280x720"})
        await client.get(f"/v1/videos/{video.json()['id']}", headers=auth(token))  # failed: refunded
        required = await x402.challenge(client, "/v1/images/generations", {"model": "dall-e-3", "prompt": "a cat"})
        paid = await client.post("/v1/images/generations", json={"model": "dall-e-3", "prompt": "a cat"},
                                 headers={"payment-signature": x402.sign(required.accepts[0])})
        wallet = (await open_key(x402, 300_000)).json()
        assert (await spend(client, wallet["token"], 70_000)).status_code == 200
        await client.delete(f"/api/keys/{wallet['keyId']}", headers=auth(wallet["token"]))
    await collect(x402)
    assert served.status_code == 200 and paid.status_code == 200
    return {"key": key_id, "intent": served.headers["x-payment-intent-id"], "wallet": wallet["keyId"]}


async def findings(x402: X402Harness) -> list[audit.Finding]:
    return await audit.audit(x402.h.ledger.read, transfers=audit.facilitator_transfers(str(x402.path)))


async def test_the_books_of_every_kind_of_payment_balance(x402: X402Harness) -> None:
    await busy_ledger(x402)
    assert await findings(x402) == []


@pytest.mark.parametrize(("breakage", "check"), [
    ("UPDATE compose_keys SET spent = spent + 1 WHERE id = '{key}'", "key.spent"),
    ("UPDATE compose_keys SET reserved = reserved + 5 WHERE id = '{key}'", "key.reserved"),
    ("DELETE FROM journal WHERE key_id = '{key}'", "journal"),
    ("UPDATE intents SET settled = settled - 1 WHERE id = '{intent}'", "receipt"),
    ("UPDATE intents SET receipt = 'garbage' WHERE id = '{intent}'", "receipt"),
    ("UPDATE x402_claims SET settled = settled + 1 WHERE scheme = 'exact'", "claim"),
    ("UPDATE x402_claims SET tx_hash = '0xfeed' WHERE scheme = 'exact'", "transfer"),
    ("UPDATE key_funding SET amount = amount + 1 WHERE key_id = '{wallet}'", "funding"),
    ("UPDATE intents SET refunded = 0 WHERE refunded > 0", "refund"),
])
async def test_each_broken_row_is_named(x402: X402Harness, breakage: str, check: str) -> None:
    made = await busy_ledger(x402)
    await backends.execute(x402.h.ledger, breakage.format(**made))
    found = await findings(x402)
    assert found and check in {finding.check for finding in found}, [str(f) for f in found]
    assert all(finding.rows for finding in found)  # every finding shows the rows it is about
    named = next(finding for finding in found if finding.check == check)
    assert str(named).startswith(f"{check}: ")


def test_ledger_check_exits_zero_only_when_the_books_balance(tmp_path: Path) -> None:
    harness = build(tmp_path)

    async def run() -> str:
        token, key_id = await harness.create_key(1_000_000)
        async with harness.client() as client:
            await client.post("/v1/chat/completions", json=chat("x"), headers=auth(token))
        await harness.aclose()
        return key_id

    key_id = asyncio.run(run())
    db = harness.location
    command = [sys.executable, "-m", "gateway_min", "ledger", "check", "--db", db]
    clean = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert (clean.returncode, clean.stdout.strip()) == (0, "the books balance"), clean.stderr

    async def tamper() -> None:
        ledger = open_ledger(db)
        await ledger.start()
        await backends.execute(ledger, f"UPDATE compose_keys SET spent = spent + 7 WHERE id = '{key_id}'")
        await ledger.aclose()
        ledger.close()

    asyncio.run(tamper())
    broken = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert broken.returncode == 1 and f"key.spent: key {key_id}: spent is" in broken.stdout
    as_json = subprocess.run([*command, "--json"], capture_output=True, text=True, timeout=60, check=False)
    assert orjson.loads(as_json.stdout)[0]["check"] == "key.spent"
    missing = subprocess.run([*command[:-1], str(tmp_path / "nope.sqlite3")], capture_output=True, text=True,
                             timeout=60, check=False)
    assert missing.returncode == 2 and "no ledger at" in missing.stderr
