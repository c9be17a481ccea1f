"""Compose Keys funded by the wallet that spends them: one `upto` signature opens the budget, calls spend it
off-chain, and what they spent is collected on chain exactly once when the key ends."""

from __future__ import annotations

import pytest

from gateway_min.ledger import MAX_AMOUNT
from gateway_min.payment.compose_key.collect import LEASE_MS
from gateway_min.payment.compose_key.wallet import COLLECT_MARGIN_SECONDS, MAX_KEY_SECONDS, VERIFY_EVERY_MS
from gateway_min.payment.x402 import PaymentPayload, PaymentRequirements, decode_header, encode_header, pay
from tests.gateway.ledger import backends
from tests.gateway.payment.compose_key.support import (
    OPERATOR,
    PAYER,
    admin,
    challenge,
    collect,
    key_headers,
    open_key,
    spend,
)
from tests.gateway.payment.x402.support import FUNDS, STRANGER, X402Harness, chat
from tests.gateway.payment.x402.wallets import exact_requirements

pytestmark = pytest.mark.anyio


def auth(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


async def funding_claims(x402: X402Harness) -> list[tuple[str, int | None]]:
    rows = await backends.query(x402.h.ledger, "SELECT state, settled FROM x402_claims ORDER BY claimed_at")
    return [(str(state), settled) for state, settled in rows]


async def test_a_key_without_the_admin_token_is_offered_as_one_upto_for_its_budget(x402: X402Harness) -> None:
    expires = x402.clock() + 3_600_000
    async with x402.client() as client:
        required = await challenge(x402, client, {"budgetLimit": 2_000_000, "expiresAt": expires})
    (offer,) = required.accepts
    assert (offer.scheme, offer.network, offer.amount, offer.pay_to) == ("upto", "eip155:43113", "2000000", OPERATOR)
    # valid from this second until the key's expiry plus the margin to collect after it
    assert offer.max_timeout_seconds == -(-expires // 1000) - x402.now() + COLLECT_MARGIN_SECONDS
    assert required.resource.url == "http://gateway.test/api/keys"
    assert "collected once when the key ends" in (required.resource.description or "")


async def test_the_signed_budget_opens_a_wallet_key_and_nothing_moves_yet(x402: X402Harness) -> None:
    await x402.fund(PAYER)
    response = await open_key(x402, 2_000_000)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["token"].startswith("compose-")
    assert (body["kind"], body["purpose"], body["budgetLimit"], body["budgetUsed"]) == ("wallet", "api", "2000000", "0")
    assert body["owner"] == PAYER.address.lower()
    funding = body["funding"]
    assert (funding["payer"], funding["collection"], funding["txHash"]) == (PAYER.address, "open", None)
    assert funding["deadline"] >= body["expiresAt"] // 1000 + COLLECT_MARGIN_SECONDS
    assert (x402.balance(PAYER), x402.balance(OPERATOR)) == (FUNDS, 0)
    assert await funding_claims(x402) == [("funding", None)]


async def test_an_unfunded_wallet_is_answered_402_with_its_balance_and_the_budget(x402: X402Harness) -> None:
    await x402.fund(PAYER, 1_000)
    response = await open_key(x402, 2_000_000)
    assert response.status_code == 402
    required = response.json()
    assert required["error"].startswith("permit2_insufficient_balance")
    assert "the wallet holds 1000 of the 2000000" in required["error"]
    assert required["extensions"]["compose-key-funding"] == {"balance": "1000", "required": "2000000"}
    assert await funding_claims(x402) == []


async def test_the_payer_must_be_the_keys_owner(x402: X402Harness) -> None:
    await x402.fund(STRANGER)
    response = await open_key(x402, 1_000, account=STRANGER, owner=PAYER)
    assert response.status_code == 403
    assert "not by the key's owner" in response.json()["error"]["message"]


async def test_a_key_lives_at_most_a_week(x402: X402Harness) -> None:
    async with x402.client() as client:
        response = await client.post("/api/keys", headers=key_headers(), json={
            "budgetLimit": 10, "expiresAt": x402.clock() + MAX_KEY_SECONDS * 1000 + 1})
    assert response.status_code == 400
    assert "a wallet-backed key lives at most 7 days" in response.json()["error"]["message"]


async def test_an_authorization_that_ends_before_the_key_is_refused(x402: X402Harness) -> None:
    await x402.fund(PAYER)
    response = await open_key(x402, 1_000, valid_before=x402.now() + 3600)
    assert response.status_code == 402
    assert response.json()["error"].startswith("payment_expires_too_soon")


async def test_one_authorization_opens_one_key(x402: X402Harness) -> None:
    await x402.fund(PAYER)
    body = {"budgetLimit": 1_000, "expiresAt": x402.clock() + 3_600_000}
    async with x402.client() as client:
        (offer,) = (await challenge(x402, client, body)).accepts
        signature = encode_header(pay(PAYER, offer, x402.now()))
        headers = {**key_headers(), "payment-signature": signature}
        first = await client.post("/api/keys", json=body, headers=headers)
        again = await client.post("/api/keys", json=body, headers=headers)
    assert first.status_code == 201
    assert (again.status_code, again.json()["error"]["code"]) == (402, "payment_already_used")


async def test_the_owner_spends_closes_and_exactly_what_was_used_is_collected(x402: X402Harness) -> None:
    await x402.fund(PAYER)
    opened = (await open_key(x402, 2_000_000)).json()
    token, key_id = opened["token"], opened["keyId"]
    async with x402.client() as client:
        for amount, final in ((300_000, 250_000), (100_000, 0), (50_000, 50_000)):
            assert (await spend(client, token, amount, settle=final)).status_code == 200
        served = await client.post("/v1/chat/completions", json=chat("collect me"), headers=auth(token))
        assert served.status_code == 200, served.text
        used = int(served.headers["x-compose-key-budget-used"])
        assert used > 300_000
        listed = await client.get("/api/keys", headers={**key_headers(), **auth(token)})
        closed = await client.delete(f"/api/keys/{key_id}", headers=auth(token))
        await collect(x402)
        shown = await client.get(f"/api/keys/{key_id}", headers=admin())
    assert listed.status_code == 200 and "token" not in listed.text
    assert [key["keyId"] for key in listed.json()["keys"]] == [key_id]
    assert closed.json() == {"success": True, "keyId": key_id}
    funding = shown.json()["funding"]
    assert (funding["collection"], funding["endedBecause"], funding["collectedAmount"]) == ("collected", "closed",
                                                                                             str(used))
    assert shown.headers["x-compose-key-tx-hash"] == funding["txHash"]
    assert (x402.balance(PAYER), x402.balance(OPERATOR)) == (FUNDS - used, used)
    assert x402.settlements() == [(funding["txHash"], PAYER.address, used, "upto")]
    assert await funding_claims(x402) == [("settled", used)]
    assert await collect(x402) == 0 and len(x402.settlements()) == 1  # once


@pytest.mark.parametrize("ending", ["expired", "exhausted", "revoked", "deadline"])
async def test_every_way_a_key_ends_is_collected_by_the_sweep(x402: X402Harness, ending: str) -> None:
    await x402.fund(PAYER)
    opened = (await open_key(x402, 500_000)).json()
    token, key_id = opened["token"], opened["keyId"]
    async with x402.client() as client:
        assert (await spend(client, token, 200_000)).status_code == 200
        if ending == "exhausted":
            assert (await spend(client, token, 300_000)).status_code == 200
        elif ending == "revoked":
            assert (await client.delete(f"/api/keys/{key_id}", headers=admin())).status_code == 200
        elif ending == "expired":
            x402.clock.advance(3_600_000)
        else:  # its authorization ends within the margin (say the operator's clock jumped): it stops spending
            await backends.execute(x402.h.ledger, f"UPDATE key_funding SET deadline = {x402.now() + 60} "
                                   f"WHERE key_id = '{key_id}'")
        assert await collect(x402) == (ending != "revoked")  # a revocation starts its own collection at once
        after = await spend(client, token, 1)
        shown = (await client.get(f"/api/keys/{key_id}", headers=admin())).json()
    used = 500_000 if ending == "exhausted" else 200_000
    assert after.status_code in (401, 402)
    assert (shown["funding"]["collection"], shown["funding"]["endedBecause"]) == ("collected", ending)
    assert (x402.balance(PAYER), x402.balance(OPERATOR)) == (FUNDS - used, used)


async def test_a_key_that_spent_nothing_collects_nothing(x402: X402Harness) -> None:
    await x402.fund(PAYER)
    opened = (await open_key(x402, 500_000)).json()
    async with x402.client() as client:
        await client.delete(f"/api/keys/{opened['keyId']}", headers=auth(opened["token"]))
        await collect(x402)
        shown = (await client.get(f"/api/keys/{opened['keyId']}", headers=admin())).json()
    assert (shown["funding"]["collection"], shown["funding"]["collectedAmount"]) == ("collected", "0")
    assert x402.settlements() == [] and x402.balance(PAYER) == FUNDS


async def test_a_hold_still_open_delays_the_collection_until_it_is_settled(x402: X402Harness) -> None:
    await x402.fund(PAYER)
    opened = (await open_key(x402, 500_000)).json()
    headers = {**auth(opened["token"]), "x-chain-id": "43113"}
    async with x402.client() as client:
        prepared = (await client.post("/api/payments/prepare", headers=headers, json={
            "service": "s", "action": "a", "resource": "/r", "method": "POST", "maxAmountWei": "90000"})).json()
        await client.delete(f"/api/keys/{opened['keyId']}", headers=admin())
        assert await collect(x402) == 0  # its last call is still running
        settled = await client.post("/api/payments/settle", headers=headers, json={
            "paymentIntentId": prepared["paymentIntentId"], "finalAmountWei": "70000"})
        assert settled.status_code == 200, settled.text
        assert await collect(x402) == 1
    assert (x402.balance(PAYER), x402.balance(OPERATOR)) == (FUNDS - 70_000, 70_000)


async def test_a_late_settlement_after_the_collection_moves_nothing(x402: X402Harness) -> None:
    """A hold that expired unsettled, then was settled late after the key was collected: the ledger keeps what it
    booked, so what was collected stays what was spent."""
    await x402.fund(PAYER)
    opened = (await open_key(x402, 500_000)).json()
    headers = {**auth(opened["token"]), "x-chain-id": "43113"}
    async with x402.client() as client:
        prepared = (await client.post("/api/payments/prepare", headers=headers, json={
            "service": "s", "action": "a", "resource": "/r", "method": "POST", "maxAmountWei": "90000"})).json()
        assert (await spend(client, opened["token"], 10_000)).status_code == 200
        x402.clock.advance(x402.h.gw.intent_ttl_ms + 1)
        assert await x402.h.ledger.expire_due() == 1
        await client.delete(f"/api/keys/{opened['keyId']}", headers=admin())
        await collect(x402)
        assert (await x402.h.ledger.get_funding(opened["keyId"])).state == "collected"  # type: ignore[union-attr]
        late = await client.post("/api/payments/settle", headers=headers, json={
            "paymentIntentId": prepared["paymentIntentId"], "finalAmountWei": "70000"})
        key = await x402.h.ledger.get_key(opened["keyId"])
    assert late.status_code in (200, 401), late.text
    assert key is not None and key.spent == 10_000
    assert (x402.balance(PAYER), x402.balance(OPERATOR)) == (FUNDS - 10_000, 10_000)


async def test_the_clients_cap_lowers_a_keys_hold(x402: X402Harness) -> None:
    await x402.fund(PAYER)
    opened = (await open_key(x402, 2_000_000)).json()
    async with x402.client() as client:
        response = await client.post("/v1/chat/completions", json=chat("cap me"),
                                     headers={**auth(opened["token"]), "x-x402-max-amount-wei": "300"})
        intent = await x402.h.ledger.get_intent(response.headers["x-payment-intent-id"])
    assert response.status_code == 200, response.text
    assert intent is not None and 0 < intent.amount <= 300  # the chat fitted to the cap: its worst case
    assert int(response.headers["x-compose-output-limit"]) < 64


async def test_a_drained_wallet_is_refused_within_the_interval_and_owes_what_it_spent(x402: X402Harness) -> None:
    await x402.fund(PAYER, 1_000_000)
    opened = (await open_key(x402, 800_000)).json()
    token, key_id = opened["token"], opened["keyId"]
    async with x402.client() as client:
        assert (await spend(client, token, 100_000)).status_code == 200
        # the wallet moves its funds elsewhere (a transfer the gateway does not see)
        away = exact_requirements(950_000, pay_to=STRANGER.address)
        moved = x402.embedded.settle({"x402Version": 2, "paymentPayload": pay(PAYER, away, x402.now()).wire(),
                                      "paymentRequirements": away.wire()})
        assert moved["success"], moved
        assert (await spend(client, token, 100_000)).status_code == 200  # not re-verified yet: within the interval
        x402.clock.advance(VERIFY_EVERY_MS)
        refused = await spend(client, token, 100_000)
        assert refused.status_code == 402
        assert refused.headers["x-compose-session-invalid"] == "wallet_drained"
        assert await collect(x402) == 1
        shown = (await client.get(f"/api/keys/{key_id}", headers=admin())).json()
        again = await open_key(x402, 10_000)
    funding = shown["funding"]
    assert (funding["collection"], funding["endedBecause"], funding["uncollected"]) == ("failed", "wallet_drained",
                                                                                        "200000")
    assert "insufficient" in funding["error"]
    assert shown["budgetUsed"] == "200000"  # the loss is bounded by what it spent before the re-verification
    assert (x402.balance(PAYER), x402.balance(OPERATOR)) == (50_000, 0)
    assert again.status_code == 402 and "owes 200000" in again.json()["error"]["message"]


async def test_the_operator_retries_or_forgives_a_failed_collection(x402: X402Harness) -> None:
    await x402.fund(PAYER, 300_000)
    opened = (await open_key(x402, 300_000)).json()
    async with x402.client() as client:
        assert (await spend(client, opened["token"], 200_000)).status_code == 200
        away = exact_requirements(250_000, pay_to=STRANGER.address)
        assert x402.embedded.settle({"x402Version": 2, "paymentPayload": pay(PAYER, away, x402.now()).wire(),
                                     "paymentRequirements": away.wire()})["success"]
        await client.delete(f"/api/keys/{opened['keyId']}", headers=admin())
        await collect(x402)
        path = f"/api/keys/{opened['keyId']}/collection"
        not_admin = await client.post(path, json={"action": "retry"}, headers=auth(opened["token"]))
        bad = await client.post(path, json={"action": "ignore"}, headers=admin())
        await x402.fund(PAYER, 500_000)  # the wallet is funded again: the same authorization collects
        retried = await client.post(path, json={"action": "retry"}, headers=admin())
        await collect(x402)
        twice = await client.post(path, json={"action": "forgive"}, headers=admin())
    assert not_admin.status_code == 401 and bad.status_code == 400
    assert retried.json() == {"keyId": opened["keyId"], "collection": "pending"}
    assert twice.status_code == 409
    assert x402.balance(OPERATOR) == 200_000
    assert (await open_key(x402, 10_000)).status_code == 201  # paid: the wallet opens keys again


async def test_a_forgiven_collection_lets_the_wallet_open_keys_again(x402: X402Harness) -> None:
    await x402.fund(PAYER, 300_000)
    opened = (await open_key(x402, 300_000)).json()
    async with x402.client() as client:
        assert (await spend(client, opened["token"], 200_000)).status_code == 200
        await client.delete(f"/api/keys/{opened['keyId']}", headers=admin())
        away = exact_requirements(250_000, pay_to=STRANGER.address)
        assert x402.embedded.settle({"x402Version": 2, "paymentPayload": pay(PAYER, away, x402.now()).wire(),
                                     "paymentRequirements": away.wire()})["success"]
        await collect(x402)
        forgiven = await client.post(f"/api/keys/{opened['keyId']}/collection", json={"action": "forgive"},
                                     headers=admin())
    assert forgiven.json()["collection"] == "forgiven"
    await x402.fund(PAYER, 100_000)
    assert (await open_key(x402, 10_000)).status_code == 201


async def test_a_collection_left_by_a_crashed_process_is_taken_over_and_not_collected_twice(
        x402: X402Harness) -> None:
    await x402.fund(PAYER)
    opened = (await open_key(x402, 500_000)).json()
    async with x402.client() as client:
        assert (await spend(client, opened["token"], 123_456)).status_code == 200
        await client.delete(f"/api/keys/{opened['keyId']}", headers=auth(opened["token"]))
    ledger, gw = x402.h.ledger, x402.h.gw
    # another process leased the collection, settled it on chain, and died before recording it
    await ledger.end_due_fundings(0)
    (leased,) = await ledger.lease_collections("crashed-process", LEASE_MS)
    assert leased.amount == 123_456
    payload = PaymentPayload.model_validate_json(leased.payload)
    requirements = PaymentRequirements.model_validate_json(leased.requirements).model_copy(
        update={"amount": "123456"})
    assert gw.facilitator is not None
    first = await gw.facilitator.settle(payload, requirements)
    assert first.success
    assert await collect(x402) == 0  # still leased by the process that died
    x402.clock.advance(LEASE_MS)
    assert await collect(x402) == 1
    funding = await ledger.get_funding(opened["keyId"])
    assert funding is not None and (funding.state, funding.tx_hash) == ("collected", first.transaction)
    assert (x402.balance(PAYER), x402.balance(OPERATOR)) == (FUNDS - 123_456, 123_456)
    assert len(x402.settlements()) == 1
    # the process that died cannot record anything now: its lease is gone
    assert await ledger.finish_collection(opened["keyId"], "crashed-process", False, error="late") is None


async def test_an_unreachable_facilitator_leaves_the_collection_for_later(x402: X402Harness) -> None:
    await x402.fund(PAYER)
    opened = (await open_key(x402, 500_000)).json()
    async with x402.client() as client:
        assert (await spend(client, opened["token"], 1_000)).status_code == 200
        await client.delete(f"/api/keys/{opened['keyId']}", headers=admin())
    facilitator = x402.h.gw.facilitator

    class Down:
        async def settle(self, *args: object) -> None:
            from gateway_min.payment.x402.protocol import FacilitatorError
            raise FacilitatorError("connection refused")

    x402.h.gw.facilitator = Down()  # type: ignore[assignment]
    assert await collect(x402) == 0
    x402.h.gw.facilitator = facilitator
    assert await collect(x402) == 0  # leased by this process's first try until the lease runs out
    x402.clock.advance(LEASE_MS)
    assert await collect(x402) == 1
    assert x402.balance(OPERATOR) == 1_000


async def test_wallets_see_only_their_own_keys(x402: X402Harness) -> None:
    await x402.fund(PAYER)
    await x402.fund(STRANGER)
    mine = (await open_key(x402, 1_000)).json()
    theirs = (await open_key(x402, 1_000, account=STRANGER)).json()
    async with x402.client() as client:
        as_stranger = await client.get("/api/keys", headers={**key_headers(), **auth(theirs["token"])})
        anonymous = await client.get("/api/keys", headers=key_headers())
        peek = await client.get(f"/api/keys/{mine['keyId']}", headers=auth(theirs["token"]))
        close = await client.delete(f"/api/keys/{mine['keyId']}", headers=auth(theirs["token"]))
        as_admin = await client.get("/api/keys", headers={**key_headers(), **admin()})
    assert as_stranger.status_code == 403 and anonymous.status_code == 401
    assert peek.status_code == 404 and close.status_code == 404
    assert [key["keyId"] for key in as_admin.json()["keys"]] == [mine["keyId"]]


async def test_the_admin_still_mints_operator_funded_credit_keys(x402: X402Harness) -> None:
    token, key_id = await x402.h.create_key(5_000)
    async with x402.client() as client:
        shown = (await client.get(f"/api/keys/{key_id}", headers=auth(token))).json()
    assert shown["kind"] == "credit" and "funding" not in shown


async def test_a_gateway_without_a_facilitator_mints_only_credit_keys(x402: X402Harness) -> None:
    x402.h.gw.facilitator = None
    async with x402.client() as client:
        response = await client.post("/api/keys", headers=key_headers(),
                                     json={"budgetLimit": 10, "expiresAt": x402.clock() + 60_000})
    assert response.status_code == 401 and "no x402 facilitator" in response.json()["error"]["message"]


async def test_a_bearer_that_is_not_the_admin_token_is_refused_before_anything(x402: X402Harness) -> None:
    async with x402.client() as client:
        response = await client.post("/api/keys", headers={**key_headers(), "authorization": "Bearer nope"},
                                     json={"budgetLimit": MAX_AMOUNT})
    assert response.status_code == 401


async def test_the_retry_may_carry_the_timeout_it_was_challenged_with(x402: X402Harness) -> None:
    """Time passes between the challenge and the signed retry: the offer then shrinks by that much, and the
    retry's own (larger) maxTimeoutSeconds still matches."""
    await x402.fund(PAYER)
    body = {"budgetLimit": 1_000, "expiresAt": x402.clock() + 3_600_000}
    async with x402.client() as client:
        (offer,) = (await challenge(x402, client, body)).accepts
        x402.clock.advance(30_000)
        signed = pay(PAYER, offer, x402.now())
        response = await client.post("/api/keys", json=body,
                                     headers={**key_headers(), "payment-signature": encode_header(signed)})
    assert response.status_code == 201, response.text
    assert decode_header(encode_header(signed), PaymentPayload).accepted.max_timeout_seconds == offer.max_timeout_seconds


async def test_a_malformed_signature_is_a_400(x402: X402Harness) -> None:
    async with x402.client() as client:
        response = await client.post("/api/keys", json={"budgetLimit": 10, "expiresAt": x402.clock() + 60_000},
                                     headers={**key_headers(), "payment-signature": "not base64 json"})
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_payment"


async def test_an_exact_payment_does_not_open_a_key(x402: X402Harness) -> None:
    await x402.fund(PAYER)
    body = {"budgetLimit": 1_000, "expiresAt": x402.clock() + 3_600_000}
    async with x402.client() as client:
        (offer,) = (await challenge(x402, client, body)).accepts
        exact = offer.model_copy(update={"scheme": "exact"})
        response = await client.post("/api/keys", json=body, headers={
            **key_headers(), "payment-signature": encode_header(pay(PAYER, exact, x402.now()))})
    assert response.status_code == 402 and "invalid_scheme" in response.json()["error"]

