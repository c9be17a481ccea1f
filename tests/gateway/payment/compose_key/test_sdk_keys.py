"""The proof with the official clients, unmodified: the x402 SDK opens an `api` key and a session with one
signature each; the openai SDK spends them on /external/v1 and /v1 over a real socket; once they end, the payer's
balance on the facilitator's ledger fell by exactly what they used and the operator's rose by it. The same against
the embedded facilitator and through another one over HTTP (what `--facilitator-url` does)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import openai
import pytest
from x402 import x402Client
from x402.http.clients.httpx import x402AsyncTransport
from x402.mechanisms.evm.upto import UptoEvmScheme

from gateway_min.payment.x402 import HttpFacilitator
from gateway_min.server import facilitator_headers
from tests.gateway.payment.compose_key.support import OPERATOR, collect, key_headers
from tests.gateway.payment.x402.support import ADMIN, FUNDS, PAYER, X402Harness, build_x402
from tests.gateway.support import serve

pytestmark = pytest.mark.anyio


def sdk(base_url: str) -> httpx.AsyncClient:
    payer = x402Client()
    # Fuji USDC is not among the SDK's default assets: its spend controls must be told to allow it.
    payer.set_spend_controls({"allowed_assets": True, "max_amount_per_payment": False})  # type: ignore[arg-type]
    payer.register("eip155:43113", UptoEvmScheme(signer=PAYER))
    return httpx.AsyncClient(transport=x402AsyncTransport(payer, httpx.AsyncHTTPTransport()), base_url=base_url,
                             timeout=30)


@contextmanager
def facilitated(x402: X402Harness, mode: str, tmp: Path) -> Iterator[str]:
    """The gateway's base URL: settling with its embedded facilitator, or with another gateway's over HTTP."""
    if mode == "embedded":
        with serve(x402.h.app) as base:
            yield base
        return
    with serve(x402.h.app) as facilitator_base:
        (tmp / "other").mkdir()
        other = build_x402(tmp / "other", clock=x402.clock)
        other.embedded.close()
        other.h.gw.embedded_facilitator = None
        other.h.gw.facilitator = HttpFacilitator(f"{facilitator_base}/api/x402/facilitator",
                                                 # no connection outlives its request: the client is
                                                 # used from the serving thread's event loop, which ends first
                                                 httpx.AsyncClient(timeout=10, limits=httpx.Limits(
                                                     max_keepalive_connections=0)), timeout=10,
                                                 headers=facilitator_headers(ADMIN))
        try:
            with serve(other.h.app) as base:
                yield base
        finally:
            other.h.ledger.close()


@pytest.mark.parametrize("mode", ["embedded", "http"])
async def test_the_official_clients_open_spend_and_settle_wallet_keys(x402: X402Harness, mode: str,
                                                                       tmp_path: Path) -> None:
    await x402.fund(PAYER)
    expires = x402.clock() + 3_600_000
    with facilitated(x402, mode, tmp_path) as base:
        async with sdk(base) as wallet:
            api = await wallet.post("/api/keys", headers=key_headers(),
                                    json={"budgetLimit": "1500000", "expiresAt": expires, "name": "OpenCode"})
            assert api.status_code == 201, api.text
            session = await wallet.post("/api/keys", headers=key_headers(),
                                        json={"budgetLimit": 900_000, "expiresAt": expires, "purpose": "session"})
            assert session.status_code == 201, session.text
        used = {}
        for opened in (api.json(), session.json()):
            async with openai.AsyncOpenAI(base_url=f"{base}/external/v1", api_key=opened["token"],
                                          max_retries=0) as external, \
                    openai.AsyncOpenAI(base_url=f"{base}/v1", api_key=opened["token"], max_retries=0) as native:
                for client in (external, native):
                    reply = await client.chat.completions.with_raw_response.create(
                        model="gpt-4.1", messages=[{"role": "user", "content": "spend a little"}], max_tokens=32)
                    assert reply.http_response.status_code == 200
                    assert reply.parse().choices[0].message.content
                stream = await native.chat.completions.create(
                    model="gpt-4.1", messages=[{"role": "user", "content": "and stream"}], max_tokens=16,
                    stream=True, stream_options={"include_usage": True})
                async for _ in stream:
                    pass
            async with httpx.AsyncClient(base_url=base, timeout=30) as plain:
                shown = (await plain.get(f"/api/keys/{opened['keyId']}",
                                         headers={"authorization": f"Bearer {opened['token']}"})).json()
                used[opened["purpose"]] = int(shown["budgetUsed"])
                assert shown["budgetReserved"] == "0"
                closed = await plain.delete(f"/api/keys/{opened['keyId']}",
                                            headers={"authorization": f"Bearer {opened['token']}"})
                assert closed.status_code == 200
    await collect(x402)  # started when they were closed; done once the servers stopped (nothing left here)
    assert used["api"] > 0 and used["session"] > 0
    spent = used["api"] + used["session"]
    assert (x402.balance(PAYER), x402.balance(OPERATOR)) == (FUNDS - spent, spent)
    assert sorted(amount for _, _, amount, _ in x402.settlements()) == sorted(used.values())
