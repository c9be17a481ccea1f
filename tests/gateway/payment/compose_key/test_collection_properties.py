"""Property: whatever calls a wallet's keys make (storms on one session included), however they end, and wherever
a process dies between the last call and the collection, every key is collected exactly once, for exactly its
`budgetUsed`: the payer's balance on the facilitator's ledger falls by the sum, the operator's rises by it.

Each example builds the real app (the embedded facilitator in-process) on a fresh ledger of each backend and runs
a random program against it over the HTTP API; `restart` opens a second gateway on the same ledger, as a restarted
or other process would."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway_min.ledger import audit
from gateway_min.payment.compose_key.collect import LEASE_MS, collect_due
from gateway_min.payment.compose_key.tokens import token_hash
from gateway_min.payment.x402 import LocalFacilitator, PaymentPayload, PaymentRequirements
from tests.gateway.ledger.backends import BACKENDS
from tests.gateway.payment.compose_key.support import OPERATOR, PAYER, admin, open_key, spend
from tests.gateway.payment.x402.support import X402Harness, build_x402, chat
from tests.gateway.support import Clock, Harness, build

KEYS = ("api", "session")
FUNDS = 100_000_000  # more than any program spends: every collection can succeed
OP = st.one_of(
    st.tuples(st.just("spend"), st.sampled_from(KEYS), st.integers(1, 120_000), st.integers(0, 100)),
    st.tuples(st.just("storm"), st.integers(2, 12), st.integers(1, 60_000)),
    st.tuples(st.just("chat"), st.sampled_from(KEYS)),
    st.tuples(st.just("abandon"), st.sampled_from(KEYS), st.integers(1, 50_000)),
    st.tuples(st.just("advance"), st.sampled_from([1_000, 60_000, 16 * 60_000])),
    st.tuples(st.just("end"), st.sampled_from(KEYS), st.sampled_from(["close", "revoke", "supersede"])),
    st.tuples(st.just("crash"), st.booleans()),
    st.tuples(st.just("sweep")),
    st.tuples(st.just("restart")),
)


class World:
    """The app, a second process on its ledger (after a restart), the keys by role, what the test expects."""

    def __init__(self, x402: X402Harness, tmp: Path) -> None:
        self.x402 = x402
        self.tmp = tmp
        self.gateways: list[Harness] = [x402.h]
        self.tokens: dict[str, str] = {}
        self.ids: list[str] = []  # every wallet key opened

    @property
    def h(self) -> Harness:
        return self.gateways[-1]

    async def open(self, role: str, budget: int) -> None:
        response = await open_key(self.x402, budget, purpose=role, expires_in_ms=2 * 3_600_000)
        assert response.status_code == 201, response.text
        self.tokens[role] = response.json()["token"]
        self.ids.append(response.json()["keyId"])

    async def restart(self) -> None:
        other = build(self.tmp, clock=self.x402.clock, db=self.x402.h.location)
        other.gw.facilitator = LocalFacilitator(self.x402.embedded)
        self.gateways.append(other)

    async def crash_mid_collection(self, settled_first: bool) -> None:
        """A process leases what is due, maybe settles one on chain, and dies before recording anything."""
        ledger = self.h.ledger
        await ledger.end_due_fundings(0)
        for funding in await ledger.lease_collections("a-process-that-died", LEASE_MS):
            if settled_first and funding.amount:
                payload = PaymentPayload.model_validate_json(funding.payload)
                requirements = PaymentRequirements.model_validate_json(funding.requirements).model_copy(
                    update={"amount": str(funding.amount)})
                assert self.h.gw.facilitator is not None
                await self.h.gw.facilitator.settle(payload, requirements)

    async def run(self, op: tuple[Any, ...]) -> None:
        kind = op[0]
        async with self.h.client() as client:
            if kind == "spend":
                _, role, amount, percent = op
                await spend(client, self.tokens[role], amount, settle=amount * percent // 100)
            elif kind == "storm":
                _, n, amount = op
                await asyncio.gather(*(spend(client, self.tokens["session"], amount) for _ in range(n)))
            elif kind == "chat":
                await client.post("/v1/chat/completions", json=chat("property"),
                                  headers={"authorization": f"Bearer {self.tokens[op[1]]}"})
            elif kind == "abandon":
                await client.post("/api/payments/prepare", headers={
                    "authorization": f"Bearer {self.tokens[op[1]]}", "x-chain-id": "43113"}, json={
                    "service": "s", "action": "a", "resource": "/r", "method": "POST", "maxAmountWei": str(op[2])})
            elif kind == "advance":
                self.x402.clock.advance(op[1])
            elif kind == "end":
                _, role, how = op
                if how == "supersede" and role == "session":
                    await self.open("session", 400_000)
                else:
                    key = await self.h.ledger.key_by_hash(token_hash(self.tokens[role]))
                    assert key is not None
                    await client.delete(f"/api/keys/{key.id}", headers=admin() if how == "revoke" else {
                        "authorization": f"Bearer {self.tokens[role]}"})
            elif kind == "crash":
                await self.crash_mid_collection(op[1])
            elif kind == "sweep":
                await self.h.ledger.expire_due()
                await collect_due(self.h.gw)
            else:
                await self.restart()

    async def settle_everything(self) -> None:
        """Every key ends; every hold expires; the sweepers run until nothing is left (leases run out)."""
        for harness in self.gateways:
            while harness.gw.tasks:
                await asyncio.gather(*harness.gw.tasks, return_exceptions=True)
        for key_id in self.ids:
            await self.h.ledger.revoke_key(key_id)
        for _ in range(4):
            self.x402.clock.advance(max(self.h.gw.stream_ttl_ms, LEASE_MS) + 1)
            for harness in self.gateways:
                await harness.ledger.expire_due()
                await collect_due(harness.gw)


async def scenario(backend: str, budgets: tuple[int, int], program: list[tuple[Any, ...]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        x402 = build_x402(Path(tmp), clock=Clock(1_790_000_000_000), backend=backend)
        world = World(x402, Path(tmp))
        try:
            await x402.fund(PAYER, FUNDS)
            await world.open("api", budgets[0])
            await world.open("session", budgets[1])
            for op in program:
                await world.run(op)
            await world.settle_everything()
            keys = [await x402.h.ledger.get_key(key_id) for key_id in world.ids]
            fundings = [await x402.h.ledger.get_funding(key_id) for key_id in world.ids]
            used = sum(key.spent for key in keys if key is not None)
            assert all(key is not None and key.reserved == 0 for key in keys)
            assert [funding.state for funding in fundings if funding] == ["collected"] * len(world.ids)
            assert [funding.amount for funding in fundings if funding] == [key.spent for key in keys if key]
            assert (x402.balance(PAYER), x402.balance(OPERATOR)) == (FUNDS - used, used)  # 0 lost, 0 twice
            collected = sorted(amount for _, _, amount, _ in x402.settlements())
            assert collected == sorted(key.spent for key in keys if key and key.spent)
            found = await audit.audit(x402.h.ledger.read, transfers=audit.facilitator_transfers(str(x402.path)))
            assert found == [], [str(finding) for finding in found]  # and the books balance
        finally:
            for harness in world.gateways:
                await harness.aclose()
            x402.embedded.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_wallet_key_is_collected_once_for_exactly_what_it_used(backend: str) -> None:
    @settings(max_examples=60 if backend == "sqlite" else 15, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow])
    @given(budgets=st.tuples(st.integers(1, 1_500_000), st.integers(1, 1_500_000)),
           program=st.lists(OP, min_size=3, max_size=20))
    def check(budgets: tuple[int, int], program: list[tuple[Any, ...]]) -> None:
        asyncio.run(scenario(backend, budgets, program))

    check()
