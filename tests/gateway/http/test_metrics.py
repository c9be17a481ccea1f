"""/metrics in Prometheus' text format, read with Prometheus' own parser before and after paid calls: the counters
move by exactly what was served and settled; the admin token only; all workers counted by any of them."""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.gateway.payment.x402.support import PAYER, X402Harness
from tests.gateway.support import ADMIN, FaultyProvider, Harness, auth, build, chat, gateway_process

pytestmark = pytest.mark.anyio
ADMIN_AUTH = {"authorization": f"Bearer {ADMIN}"}


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def value(found: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    """The sum of the samples of `name` whose labels include `labels`."""
    return sum(v for (n, ls), v in found.items() if n == name and set(labels.items()) <= set(ls))


async def scrape(client: httpx.AsyncClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = await client.get("/metrics", headers=ADMIN_AUTH)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    return samples(response.text)


async def test_counters_move_by_what_was_served_and_settled(harness: Harness) -> None:
    token, _ = await harness.create_key(10_000_000)
    async with harness.client() as client:
        before = await scrape(client)
        responses = [await client.post("/v1/chat/completions", json=chat(f"count {i}"), headers=auth(token))
                     for i in range(3)]
        refused = await client.post("/v1/chat/completions", json=chat(), headers=auth("compose-nope"))
        after = await scrape(client)
    charged = sum(int(r.json()["compose_receipt"]["final_amount_wei"]) for r in responses)
    route = {"route": "/v1/chat/completions", "family": "model"}
    assert value(after, "compose_requests_total", **route, status="200", payment="compose_key") - \
        value(before, "compose_requests_total", **route, status="200", payment="compose_key") == 3
    assert value(after, "compose_requests_total", **route, status="401") - \
        value(before, "compose_requests_total", **route, status="401") == 1 and refused.status_code == 401
    assert value(after, "compose_settled_atomic_total", provider="openai", model="gpt-4.1") - \
        value(before, "compose_settled_atomic_total", provider="openai", model="gpt-4.1") == charged
    assert value(after, "compose_settlements_total", model="gpt-4.1", estimated="false") - \
        value(before, "compose_settlements_total", model="gpt-4.1", estimated="false") == 3
    assert value(after, "compose_added_latency_seconds_count", family="inference") - \
        value(before, "compose_added_latency_seconds_count", family="inference") == 3
    assert value(after, "compose_ledger_commit_seconds_count") > value(before, "compose_ledger_commit_seconds_count")
    assert value(after, "compose_open_holds") == 0 and value(after, "compose_reserved_atomic") == 0


async def test_aborts_estimates_and_open_holds(tmp_path: Path) -> None:
    harness = build(tmp_path, FaultyProvider(mode="error_before"))
    token, _ = await harness.create_key(10_000_000)
    async with harness.client() as client:
        before = await scrape(client)
        failed = await client.post("/v1/chat/completions", json=chat(), headers=auth(token))
        harness.provider.mode = "no_usage"
        estimated = await client.post("/v1/chat/completions", json=chat(stream=True), headers=auth(token))
        held = await client.post("/api/payments/prepare", headers={**auth(token), "x-chain-id": "43113"}, json={
            "service": "s", "action": "a", "resource": "/r", "method": "POST", "maxAmountWei": "777"})
        after = await scrape(client)
    assert failed.status_code == 502 and estimated.status_code == 200 and held.status_code == 200
    assert value(after, "compose_aborts_total", reason="upstream_503") - \
        value(before, "compose_aborts_total", reason="upstream_503") == 1
    assert value(after, "compose_settlements_total", estimated="true") - \
        value(before, "compose_settlements_total", estimated="true") == 1
    assert (value(after, "compose_open_holds"), value(after, "compose_reserved_atomic")) == (1, 777)
    await harness.aclose()


async def test_x402_refusals_are_counted(x402: X402Harness) -> None:
    await x402.fund(PAYER, 1)  # far too little for the payment
    body = {"model": "dall-e-3", "prompt": "a cat"}
    async with x402.client() as client:
        before = await scrape(client)
        required = await x402.challenge(client, "/v1/images/generations", body)
        refused = await client.post("/v1/images/generations", json=body,
                                    headers={"payment-signature": x402.sign(required.accepts[0])})
        after = await scrape(client)
    assert refused.status_code == 402
    assert value(after, "compose_x402_failures_total", stage="verify") - \
        value(before, "compose_x402_failures_total", stage="verify") == 1
    assert value(after, "compose_requests_total", status="402", payment="x402") - \
        value(before, "compose_requests_total", status="402", payment="x402") == 2


async def test_only_the_admin_reads_the_metrics(harness: Harness) -> None:
    token, _ = await harness.create_key(1_000)
    async with harness.client() as client:
        anonymous = await client.get("/metrics")
        with_key = await client.get("/metrics", headers=auth(token))
    assert anonymous.status_code == 401 and with_key.status_code == 401


def test_any_worker_answers_for_all_of_them(tmp_path: Path) -> None:
    """Two uvicorn workers: the requests of both are counted by whichever answers the scrape."""
    with gateway_process(tmp_path, "--workers", "2") as base:
        async def traffic() -> list[dict[Any, float]]:
            async with httpx.AsyncClient(base_url=base, timeout=30) as client:
                await asyncio.gather(*(client.get("/health") for _ in range(40)))
                return [await scrape(client) for _ in range(6)]

        scrapes = asyncio.run(traffic())
    counted = [value(found, "compose_requests_total", route="/health", status="200") for found in scrapes]
    assert min(counted) >= 40, counted  # not one worker's share: every scrape sees all 40


def test_a_served_gateway_keeps_no_metrics_folder_of_a_single_worker(tmp_path: Path) -> None:
    before = set(os.listdir(tempfile.gettempdir()))
    with gateway_process(tmp_path) as base:
        assert httpx.get(f"{base}/metrics", headers=ADMIN_AUTH).status_code == 200
    made = {name for name in set(os.listdir(tempfile.gettempdir())) - before if name.startswith("compose-metrics-")}
    assert made == set()
