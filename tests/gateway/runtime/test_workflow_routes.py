"""The workflow routes beside /workflow/execute (contract §1.4): the streamed chat / stream / run routes, paid and
settled from the `usageRecords` of their `event: result`, and the unmetered run routes (state, stop, approval) for
the run's wallet only, `GET /workflow/prices` for anyone."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from gateway_min.runtime.meter import workflow_charge
from tests.gateway.payment.x402.support import FUNDS, PAYER, X402Harness
from tests.gateway.support import ADMIN, OTHER_WALLET, WALLET, auth

pytestmark = pytest.mark.anyio
ASK = {"message": "plan a trip"}


def events(text: str) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.split("\n"))
        out.append((lines["event"], orjson.loads(lines["data"])))
    return out


@pytest.mark.parametrize("route", ["chat", "stream", "run"])
async def test_a_streamed_workflow_is_settled_from_its_result(x402: X402Harness, route: str) -> None:
    token, key_id = await x402.h.create_key(10_000_000)
    async with x402.client() as client:
        response = await client.post(f"/workflow/{WALLET}/{route}", json=ASK,
                                     headers={**auth(token), "x-compose-run-id": f"run-{route}"})
    assert response.status_code == 200, response.text
    got = events(response.text)
    assert [name for name, _ in got] == ["start", "step", "step", "result", "done", "compose.receipt"]
    result, receipt = got[3][1], got[-1][1]
    expected = workflow_charge(result, f"workflow:{WALLET.lower()}").final_amount
    assert receipt["finalAmountWei"] == str(expected) and receipt["subject"] == f"workflow:{WALLET.lower()}"
    intent = await x402.h.ledger.get_intent(response.headers["x-payment-intent-id"])
    assert intent is not None and intent.settled == expected and orjson.loads(intent.receipt or "")["id"] == \
        receipt["id"]
    assert await x402.h.ledger.totals(key_id) == (0, expected)


async def test_a_streamed_workflow_paid_with_raw_x402(x402: X402Harness) -> None:
    await x402.fund(PAYER)
    async with x402.client() as client:
        headers = {"x-x402-max-amount-wei": "100000"}
        required = await x402.challenge(client, f"/workflow/{WALLET}/chat", ASK, headers)
        assert required.accepts[0].scheme == "upto" and required.accepts[0].amount == "100000"
        response = await client.post(f"/workflow/{WALLET}/chat", json=ASK, headers={
            **headers, "payment-signature": x402.sign(required.accepts[0])})
    receipt = events(response.text)[-1][1]
    assert receipt["paymentResponse"]["success"] is True
    assert x402.balance(PAYER) == FUNDS - int(receipt["finalAmountWei"])
    assert "payment-response" not in response.headers  # a stream's amount is known at its end
    assert response.headers["x-compose-response-id"] == "resp_" + receipt["id"].removeprefix("rct_")


async def test_a_workflow_needs_its_message_and_a_wallet(x402: X402Harness) -> None:
    token, key_id = await x402.h.create_key(10_000_000)
    async with x402.client() as client:
        no_message = await client.post(f"/workflow/{WALLET}/chat", json={}, headers=auth(token))
        bad_wallet = await client.post("/workflow/not-a-wallet/chat", json=ASK, headers=auth(token))
    assert no_message.status_code == 400 and "`message` is required" in no_message.json()["error"]["message"]
    assert bad_wallet.status_code == 400 and "workflow wallet" in bad_wallet.json()["error"]["message"]
    assert await x402.h.ledger.totals(key_id) == (0, 0)


async def test_the_runs_routes_belong_to_their_wallet(x402: X402Harness) -> None:
    token, _ = await x402.h.create_key(10_000_000)
    stranger, _ = await x402.h.create_key(1_000, wallet=OTHER_WALLET)
    async with x402.client() as client:
        await client.post(f"/workflow/{WALLET}/chat", json=ASK, headers={**auth(token), "x-compose-run-id": "r1"})
        state = await client.get(f"/workflow/{WALLET}/runs/r1/state", headers=auth(token))
        theirs = await client.get(f"/workflow/{WALLET}/runs/r1/state", headers=auth(stranger))
        anonymous = await client.get(f"/workflow/{WALLET}/runs/r1/state")
        by_admin = await client.get(f"/workflow/{WALLET}/runs/r1/state", headers={"authorization": f"Bearer {ADMIN}"})
        approval = await client.post(f"/workflow/{WALLET}/runs/r1/approval", headers=auth(token),
                                     json={"stepKey": "pay", "status": "approved"})
        bad_approval = await client.post(f"/workflow/{WALLET}/runs/r1/approval", headers=auth(token),
                                         json={"status": "maybe"})
        stop = await client.post(f"/workflow/{WALLET}/stop", headers=auth(token), json={"runId": "r1"})
        unknown = await client.post(f"/workflow/{WALLET}/stop", headers=auth(token), json={"runId": "nope"})
        bad_run = await client.get(f"/workflow/{WALLET}/runs/{'x' * 200}/state", headers=auth(token))
        prices = await client.get("/workflow/prices")
    assert state.status_code == 200 and state.json()["status"] == "success" and state.json()["runId"] == "r1"
    assert theirs.status_code == 403 and anonymous.status_code == 401 and by_admin.status_code == 200
    assert approval.json() == {"success": True} and bad_approval.status_code == 400
    assert stop.json() == {"success": True, "runId": "r1"} and unknown.status_code == 404
    assert bad_run.status_code == 400
    assert prices.json() == {"ORCHESTRATION": "10000", "AGENT_STEP": "5000", "INFERENCE": "5000", "MCP_TOOL": "1000"}


async def test_the_unmetered_routes_say_when_there_is_no_runtime(x402: X402Harness) -> None:
    x402.h.gw.runtime = None
    async with x402.client() as client:
        response = await client.get("/workflow/prices")
    assert response.status_code == 503


async def test_a_runtime_that_answers_garbage_on_a_run_route_is_a_502(x402: X402Harness) -> None:
    from gateway_min.upstream import UpstreamReply

    class Garbage:
        async def control(self, *args: object) -> UpstreamReply:
            return UpstreamReply(200, "text/plain", b"not json")

    x402.h.gw.runtime = Garbage()  # type: ignore[assignment]
    async with x402.client() as client:
        response = await client.get("/workflow/prices")
    assert response.status_code == 502 and "not JSON" in response.json()["error"]["message"]
