"""Sessions: a `purpose: "session"` key is its wallet's active session on its chain. Opening one supersedes (ends
and collects) the previous one; GET /api/session and its SSE variant describe it; calls under it say so."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson
import pytest

from gateway_min.routes import session as session_route
from tests.gateway.payment.compose_key.support import OPERATOR, PAYER, admin, collect, key_headers, open_key, spend
from tests.gateway.payment.x402.support import FUNDS, STRANGER, X402Harness, chat
from tests.gateway.support import serve

pytestmark = pytest.mark.anyio


def auth(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


async def test_a_new_session_supersedes_the_last_which_is_collected(x402: X402Harness) -> None:
    await x402.fund(PAYER)
    first = (await open_key(x402, 400_000, purpose="session")).json()
    async with x402.client() as client:
        assert (await spend(client, first["token"], 150_000)).status_code == 200
        second = (await open_key(x402, 300_000, purpose="session")).json()
        refused = await spend(client, first["token"], 1)
        await collect(x402)
        shown = (await client.get(f"/api/keys/{first['keyId']}", headers=admin())).json()
        current = (await client.get("/api/session", headers=key_headers())).json()
    assert refused.status_code == 401 and refused.headers["x-compose-session-invalid"] == "superseded"
    assert (shown["funding"]["collection"], shown["funding"]["endedBecause"]) == ("collected", "superseded")
    assert (x402.balance(PAYER), x402.balance(OPERATOR)) == (FUNDS - 150_000, 150_000)
    assert current["keyId"] == second["keyId"] and current["hasSession"] is True


async def test_get_session_describes_it_and_gives_its_token_only_to_the_wallet(x402: X402Harness) -> None:
    await x402.fund(PAYER)
    await x402.fund(STRANGER)
    api = (await open_key(x402, 100_000)).json()
    opened = (await open_key(x402, 500_000, purpose="session")).json()
    theirs = (await open_key(x402, 100_000, account=STRANGER)).json()
    async with x402.client() as client:
        assert (await spend(client, opened["token"], 60_000)).status_code == 200
        named = await client.get("/api/session", headers=key_headers())
        proven = await client.get("/api/session", headers={**key_headers(), **auth(api["token"])})
        by_itself = await client.get("/api/session", headers={**key_headers(), **auth(opened["token"])})
        stranger = await client.get("/api/session", headers={**key_headers(), **auth(theirs["token"])})
        forged = await client.get("/api/session", headers={**key_headers(), **auth("compose-forged")})
        none = await client.get("/api/session", headers=key_headers(STRANGER))
        bad = await client.get("/api/session", headers={"x-session-user-address": "0x12", "x-chain-id": "43113"})
    body = named.json()
    assert body == {"hasSession": True, "keyId": opened["keyId"], "kind": "wallet", "chainId": 43113,
                    "budgetLimit": "500000", "budgetUsed": "60000", "budgetLocked": "0", "budgetRemaining": "440000",
                    "expiresAt": opened["expiresAt"], "expiresIn": body["expiresIn"], "status": "active"}
    assert 3590 <= body["expiresIn"] <= 3600
    assert "token" not in named.text and named.headers["cache-control"] == "no-store"
    assert proven.json()["token"] == opened["token"] == by_itself.json()["token"]
    assert stranger.status_code == 403 and opened["token"] not in stranger.text
    assert forged.status_code == 401
    assert none.json() == {"hasSession": False, "reason": "none"}
    assert bad.status_code == 400 and "x-session-user-address" in bad.json()["error"]["message"]


@pytest.mark.parametrize(("ending", "reason"), [("expire", "expired"), ("close", "closed"), ("revoke", "revoked")])
async def test_an_ended_session_says_why(x402: X402Harness, ending: str, reason: str) -> None:
    await x402.fund(PAYER)
    opened = (await open_key(x402, 500_000, purpose="session")).json()
    async with x402.client() as client:
        if ending == "expire":
            x402.clock.advance(3_600_000)
        else:
            await client.delete(f"/api/keys/{opened['keyId']}",
                                headers=auth(opened["token"]) if ending == "close" else admin())
        state = (await client.get("/api/session", headers=key_headers())).json()
        refused = await spend(client, opened["token"], 1)
    assert state == {"hasSession": False, "reason": reason, "keyId": opened["keyId"]}
    assert refused.status_code == 401 and refused.headers["x-compose-session-invalid"] == reason


async def test_calls_under_a_session_carry_its_budget_and_status(x402: X402Harness) -> None:
    await x402.fund(PAYER)
    opened = (await open_key(x402, 10_000, purpose="session", expires_in_ms=600_000)).json()
    async with x402.client() as client:
        first = await client.post("/v1/chat/completions", json=chat("hi"), headers=auth(opened["token"]))
        low = await spend(client, opened["token"], 9_500 - int(first.headers["x-session-budget-used"]))
        x402.clock.advance(310_000)
        soon = await client.post("/v1/chat/completions", json=chat("hi", max_tokens=1), headers=auth(opened["token"]))
        depleted = await spend(client, opened["token"], 10_000)
    assert first.status_code == 200, first.text
    assert first.headers["x-payment-method"] == "session-bypass"
    used = int(first.headers["x-session-budget-used"])
    assert 0 < used == int(first.headers["x-compose-key-budget-used"])
    assert first.headers["x-session-budget-limit"] == "10000"
    assert int(first.headers["x-session-budget-remaining"]) == 10_000 - used
    assert first.headers["x-session-budget-locked"] == "0"
    assert int(first.headers["x-session-expires-in"]) in (599, 600)
    assert "x-session-status" not in first.headers
    assert low.status_code == 200
    assert soon.status_code == 200, soon.text
    assert soon.headers["x-session-status"] == "budget-low"  # both hold: the budget is the first warning
    assert depleted.status_code == 402 and depleted.headers["x-compose-session-invalid"] == "budget-depleted"


async def test_an_api_key_call_says_nothing_of_sessions(x402: X402Harness) -> None:
    await x402.fund(PAYER)
    opened = (await open_key(x402, 10_000)).json()
    async with x402.client() as client:
        response = await client.post("/v1/chat/completions", json=chat("hi"), headers=auth(opened["token"]))
    assert response.status_code == 200
    assert not [name for name in response.headers if name.startswith("x-session-")]
    assert "x-payment-method" not in response.headers


async def test_an_admin_minted_session_is_an_operator_credit_session(x402: X402Harness) -> None:
    async with x402.client() as client:
        minted = (await client.post("/api/keys", headers={**key_headers(), **admin()}, json={
            "budgetLimit": 5_000, "expiresAt": x402.clock() + 600_000, "purpose": "session"})).json()
        state = (await client.get("/api/session", headers={**key_headers(), **auth(minted["token"])})).json()
        again = (await client.post("/api/keys", headers={**key_headers(), **admin()}, json={
            "budgetLimit": 5_000, "expiresAt": x402.clock() + 600_000, "purpose": "session"})).json()
        before = (await client.get(f"/api/keys/{minted['keyId']}", headers=admin())).json()
    assert state["kind"] == "credit" and state["token"] == minted["token"]
    assert before["revokedAt"] is not None and again["keyId"] != minted["keyId"]


async def events(client: httpx.AsyncClient, url: str, received: list[tuple[str, dict[str, Any]]],
                 **kwargs: Any) -> None:
    """Read the SSE stream into `received` as (event, data) until it ends."""
    async with client.stream("GET", url, **kwargs) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        async for block in blocks(response):
            lines = dict(line.split(": ", 1) for line in block.split("\n") if not line.startswith(":"))
            if lines:
                received.append((lines["event"], orjson.loads(lines["data"])))


async def blocks(response: httpx.Response) -> AsyncIterator[str]:
    buffer = ""
    async for text in response.aiter_text():
        buffer += text
        while "\n\n" in buffer:
            block, buffer = buffer.split("\n\n", 1)
            yield block


async def until(condition: Any, seconds: float = 10) -> None:
    for _ in range(int(seconds / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("timed out")


async def test_session_events_reach_a_real_client(x402: X402Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(session_route, "POLL_SECONDS", 0.05)
    await x402.fund(PAYER)
    opened = (await open_key(x402, 500_000, purpose="session")).json()
    received: list[tuple[str, dict[str, Any]]] = []
    with serve(x402.h.app) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            url = f"/api/session/events?userAddress={PAYER.address}&chainId=43113"
            reading = asyncio.ensure_future(events(client, url, received))
            await until(lambda: len(received) == 1)
            assert (await spend(client, opened["token"], 70_000)).status_code == 200
            await until(lambda: received[-1][1]["budgetUsed"] == "70000")  # (its hold may be seen on the way)
            await client.delete(f"/api/keys/{opened['keyId']}", headers=auth(opened["token"]))
            await asyncio.wait_for(reading, 10)  # the stream ends after session-expired
    names = [name for name, _ in received]
    assert names[0] == "session-active" and set(names[1:-1]) == {"session-active"} and len(names) in (3, 4)
    assert received[0][1]["budgetUsed"] == "0" and received[-2][1]["budgetUsed"] == "70000"
    assert received[-1] == ("session-expired", {"hasSession": False, "reason": "closed", "keyId": opened["keyId"]})
    assert not any("token" in data for _, data in received)


async def test_session_events_without_a_session_end_at_once(x402: X402Harness) -> None:
    received: list[tuple[str, dict[str, Any]]] = []
    async with x402.client() as client:
        await events(client, "/api/session/events", received, headers=key_headers())
        bad = await client.get("/api/session/events?userAddress=0xnope&chainId=43113")
        no_chain = await client.get(f"/api/session/events?userAddress={PAYER.address}")
    assert received == [("session-expired", {"hasSession": False, "reason": "none"})]
    assert bad.status_code == 400 and "userAddress" in bad.json()["error"]["message"]
    assert no_chain.status_code == 400 and "chainId" in no_chain.json()["error"]["message"]


async def test_session_events_follow_a_superseding_session_and_keep_alive(
        x402: X402Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(session_route, "POLL_SECONDS", 0.02)
    monkeypatch.setattr(session_route, "KEEPALIVE_SECONDS", 0.05)
    await x402.fund(PAYER)
    await open_key(x402, 500_000, purpose="session")
    received: list[tuple[str, dict[str, Any]]] = []
    with serve(x402.h.app) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client, \
                client.stream("GET", "/api/session/events", headers=key_headers()) as response:
            seen = []
            async for block in blocks(response):
                seen.append(block)
                if len(seen) == 3:
                    second = (await open_key(x402, 200_000, purpose="session", base_url=base)).json()
                if block.startswith("event: session-active") and len(seen) > 3:
                    received.append(("session-active", orjson.loads(block.split("data: ", 1)[1])))
                    break
    assert seen[1] == ": keep-alive" or seen[2] == ": keep-alive"
    assert received[0][1]["keyId"] == second["keyId"]


async def test_session_events_end_when_the_ledger_cannot_be_read(
        x402: X402Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(session_route, "POLL_SECONDS", 0.01)
    await x402.fund(PAYER)
    await open_key(x402, 500_000, purpose="session")
    received: list[tuple[str, dict[str, Any]]] = []
    calls = []
    original = x402.h.ledger.latest_session

    async def failing(owner: str, chain_id: int) -> Any:
        calls.append(owner)
        if len(calls) > 1:
            raise RuntimeError("the database went away")
        return await original(owner, chain_id)

    monkeypatch.setattr(x402.h.ledger, "latest_session", failing)
    async with x402.client() as client:
        await asyncio.wait_for(events(client, "/api/session/events", received, headers=key_headers()), 10)
    assert [name for name, _ in received] == ["session-active"]


async def test_a_process_with_another_token_secret_never_gives_a_wrong_token(x402: X402Harness) -> None:
    await x402.fund(PAYER)
    opened = (await open_key(x402, 500_000, purpose="session")).json()
    x402.h.gw.token_secret = b"another process's secret".ljust(32, b"\0")
    async with x402.client() as client:
        state = (await client.get("/api/session", headers={**key_headers(), **auth(opened["token"])})).json()
    assert "token" not in state and "GATEWAY_TOKEN_SECRET" in state["tokenUnavailable"]
