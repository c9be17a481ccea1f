"""Image edits (multipart, priced exact like generations) and video jobs (202 at submission with the receipt,
never-billed status, content and SSE status reads for the paying wallet, a failed job refunded in full once)."""

from __future__ import annotations

import asyncio
import io
from typing import Any

import httpx
import openai
import orjson
import pytest

import pricing
from gateway_min.payment import receipts
from gateway_min.payment.x402 import PaymentRequired, decode_header
from gateway_min.upstream.demo import DemoProvider
from tests.gateway.payment.x402.support import PAYER, X402Harness, payment_response
from tests.gateway.support import OTHER_WALLET, Harness, auth, serve

pytestmark = pytest.mark.anyio
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
VIDEO = {"model": "sora-2", "prompt": "waves at dusk", "seconds": 4, "size": "1280x720"}


def fast_jobs(harness: Harness, seconds: float = 0.2) -> None:
    assert isinstance(harness.provider, DemoProvider)
    harness.provider.videos.job_seconds = seconds


async def test_the_openai_sdk_edits_images_on_both_route_families(harness: Harness) -> None:
    token, key_id = await harness.create_key(10_000_000)
    price = pricing.quote_exact("gpt-image-1", {"n": 2, "size": "1024x1024", "quality": "low"}, "images")
    with serve(harness.app) as base:
        async with openai.AsyncOpenAI(base_url=f"{base}/v1", api_key=token, max_retries=0) as native, \
                openai.AsyncOpenAI(base_url=f"{base}/external/v1", api_key=token, max_retries=0) as external:
            raw = await native.images.with_raw_response.edit(
                model="gpt-image-1", image=[("a.png", io.BytesIO(PNG), "image/png"),
                                            ("b.png", io.BytesIO(PNG), "image/png")],
                mask=("m.png", io.BytesIO(PNG), "image/png"), prompt="add a moon", n=2, size="1024x1024",
                quality="low")
            edited = raw.parse()
            plain = await external.images.with_raw_response.edit(
                model="gpt-image-1", image=("a.png", io.BytesIO(PNG), "image/png"), prompt="add a moon", n=2,
                size="1024x1024", quality="low")
    assert edited.data is not None and len(edited.data) == 2
    receipt = receipts.decode_header(raw.headers["x-compose-receipt"])
    assert receipt["finalAmountWei"] == str(price.final_amount)
    assert (edited.model_extra or {})["compose_receipt"]["final_amount_wei"] == str(price.final_amount)
    assert "compose_receipt" not in plain.text and plain.headers["x-compose-key-final-amount-wei"] == str(
        price.final_amount)
    assert await harness.ledger.totals(key_id) == (0, 2 * price.final_amount)


@pytest.mark.parametrize(("files", "data", "message"), [
    ({}, {"model": "gpt-image-1", "prompt": "x"}, "an image edit needs its image(s)"),
    ({"image": ("a.png", PNG, "image/png"), "other": ("b.png", PNG, "image/png")},
     {"model": "gpt-image-1", "prompt": "x"}, "unexpected upload(s) other"),
    ({"image": ("a.png", PNG, "image/png")}, {"model": "gpt-image-1", "prompt": "x", "n": "11"}, "`n` must be"),
    ({"image": ("a.png", PNG, "image/png")}, {"model": "gpt-4.1", "prompt": "x"}, "does not serve images"),
])
async def test_image_edit_requests_that_cannot_be_priced_are_refused(harness: Harness, files: dict[str, Any],
                                                                     data: dict[str, str], message: str) -> None:
    token, key_id = await harness.create_key(10_000_000)
    async with harness.client() as client:
        response = await client.post("/v1/images/edits", files=files or None, data=data, headers=auth(token)) \
            if files else await client.post("/v1/images/edits", json=data, headers=auth(token))
    assert response.status_code == 400 and message in response.text, response.text
    assert await harness.ledger.totals(key_id) == (0, 0)


async def test_too_many_images_are_refused(harness: Harness) -> None:
    token, _ = await harness.create_key(10_000_000)
    async with harness.client() as client:
        response = await client.post("/v1/images/edits", files=[("image[]", ("a.png", PNG, "image/png"))] * 17,
                                     data={"model": "gpt-image-1", "prompt": "x"}, headers=auth(token))
    assert response.status_code == 400 and "at most 16 images" in response.json()["error"]["message"]


async def test_an_idempotent_edit_is_the_same_only_with_the_same_images(harness: Harness) -> None:
    token, _ = await harness.create_key(10_000_000)
    headers = {**auth(token), "x-idempotency-key": "edit-1"}
    form = {"model": "gpt-image-1", "prompt": "x"}
    async with harness.client() as client:
        first = await client.post("/v1/images/edits", files={"image": ("a.png", PNG, "image/png")}, data=form,
                                  headers=headers)
        other = await client.post("/v1/images/edits", files={"image": ("a.png", PNG + b"!", "image/png")},
                                  data=form, headers=headers)
    assert first.status_code == 200
    assert other.status_code == 409 and "x-idempotent-replay" not in other.headers  # another request, same key


async def test_a_video_job_is_charged_at_submission_and_read_back_for_free(harness: Harness) -> None:
    fast_jobs(harness)
    token, key_id = await harness.create_key(10_000_000)
    sibling, _ = await harness.create_key(1_000)
    stranger, _ = await harness.create_key(1_000, wallet=OTHER_WALLET)
    price = pricing.quote_exact("sora-2", VIDEO, "video").final_amount
    async with harness.client() as client:
        created = await client.post("/v1/videos/generations", json=VIDEO, headers=auth(token))
        job = created.json()
        charged = await harness.ledger.totals(key_id)
        running = await client.get(f"/v1/videos/{job['id']}", headers=auth(sibling))
        refused = await client.get(f"/v1/videos/{job['id']}", headers=auth(stranger))
        early = await client.get(f"/v1/videos/{job['id']}/content", headers=auth(token))
        await asyncio.sleep(0.25)
        done = await client.get(f"/external/v1/videos/{job['id']}", headers=auth(token))
        content = await client.get(f"/v1/videos/{job['id']}/content", headers=auth(token))
    assert created.status_code == 202 and job["status"] == "queued"
    assert job["compose_receipt"]["final_amount_wei"] == str(price)
    assert receipts.decode_header(created.headers["x-compose-receipt"])["finalAmountWei"] == str(price)
    assert charged == (0, price)
    assert running.json()["status"] == "in_progress" and running.json()["compose_receipt"]["id"] == \
        job["compose_receipt"]["id"]
    assert refused.status_code == 404
    assert early.status_code == 400 and "not ready" in early.json()["error"]["message"]
    assert done.json()["status"] == "completed" and "compose_receipt" not in done.json()
    assert content.status_code == 200 and content.headers["content-type"] == "video/mp4"
    assert await harness.ledger.totals(key_id) == (0, price)  # reads are never billed


async def test_a_failed_job_is_refunded_to_its_key_once(harness: Harness) -> None:
    fast_jobs(harness, 0.05)
    token, key_id = await harness.create_key(10_000_000)
    async with harness.client() as client:
        created = (await client.post("/v1/videos/generations", json={**VIDEO, "prompt": "please fail"},
                                     headers=auth(token))).json()
        await asyncio.sleep(0.1)
        first, second = await asyncio.gather(*(client.get(f"/v1/videos/{created['id']}", headers=auth(token))
                                               for _ in range(2)))
    assert first.json()["status"] == "failed"
    refund = first.json()["compose_receipt"]["refund"]
    assert refund == {"status": "refunded", "amount_wei": created["compose_receipt"]["final_amount_wei"],
                      "reason": "the provider failed the job: what it was charged is given back"}
    assert second.json()["compose_receipt"]["refund"] == refund
    assert await harness.ledger.totals(key_id) == (0, 0)
    key = await harness.ledger.get_key(key_id)
    assert key is not None and key.spent == 0


async def test_the_status_stream_reaches_a_real_client_and_ends_with_the_job(harness: Harness) -> None:
    fast_jobs(harness, 1.2)
    token, _ = await harness.create_key(10_000_000)
    with serve(harness.app) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            created = (await client.post("/v1/videos/generations", json=VIDEO, headers=auth(token))).json()
            streamed = await client.get(f"/v1/videos/{created['id']}/stream?pollIntervalMs=500",
                                        headers={"x-compose-read-token": "wrong"})
            response = await client.get(f"/v1/videos/{created['id']}/stream?pollIntervalMs=500",
                                        headers=auth(token))
    assert streamed.status_code == 404
    events = [block for block in response.text.strip().split("\n\n")]
    assert all(block.startswith("event: compose.video.status\ndata: ") for block in events)
    jobs = [orjson.loads(block.split("data: ", 1)[1]) for block in events]
    assert jobs[0]["status"] == "in_progress" and jobs[-1]["status"] == "completed" and len(jobs) >= 2
    assert all(job["compose_receipt"]["id"] == created["compose_receipt"]["id"] for job in jobs)


@pytest.mark.parametrize(("query", "message"), [("pollIntervalMs=100", "pollIntervalMs must be an integer from 500"),
                                               ("timeoutMs=9999999", "timeoutMs must be an integer from 5000"),
                                               ("pollIntervalMs=abc", "pollIntervalMs must be")])
async def test_the_status_stream_bounds_its_polling(harness: Harness, query: str, message: str) -> None:
    token, _ = await harness.create_key(10_000_000)
    async with harness.client() as client:
        created = (await client.post("/v1/videos/generations", json=VIDEO, headers=auth(token))).json()
        response = await client.get(f"/v1/videos/{created['id']}/stream?{query}", headers=auth(token))
    assert response.status_code == 400 and message in response.json()["error"]["message"]


async def test_the_status_stream_says_when_it_timed_out(harness: Harness) -> None:
    fast_jobs(harness, 60)
    token, _ = await harness.create_key(10_000_000)
    async with harness.client() as client:
        created = (await client.post("/v1/videos/generations", json=VIDEO, headers=auth(token))).json()
        response = await client.get(f"/v1/videos/{created['id']}/stream?pollIntervalMs=30000&timeoutMs=5000",
                                    headers=auth(token))
    last = orjson.loads(response.text.strip().split("\n\n")[-1].split("data: ", 1)[1])
    assert last == {"id": created["id"], "status": "in_progress", "timed_out": True}


async def test_a_raw_x402_job_is_paid_exact_read_with_its_token_and_a_failure_is_owed(x402: X402Harness) -> None:
    fast_jobs(x402.h, 0.05)
    await x402.fund(PAYER)
    body = {**VIDEO, "prompt": "this one will fail"}
    price = pricing.quote_exact("sora-2", body, "video").final_amount
    async with x402.client() as client:
        required = await x402.challenge(client, "/v1/videos/generations", body)
        assert (required.accepts[0].scheme, required.accepts[0].amount) == ("exact", str(price))
        created = await client.post("/v1/videos/generations", json=body,
                                    headers={"payment-signature": x402.sign(required.accepts[0])})
        assert created.status_code == 202, created.text
        assert payment_response(created).amount == str(price)
        token = created.headers["x-compose-read-token"]
        await asyncio.sleep(0.1)
        failed = await client.get(f"/v1/videos/{created.json()['id']}", headers={"x-compose-read-token": token})
        forged = await client.get(f"/v1/videos/{created.json()['id']}", headers={"x-compose-read-token": "cr_x"})
    assert failed.json()["status"] == "failed"
    assert failed.json()["compose_receipt"]["refund"]["status"] == "owed"  # the money moved on chain
    assert forged.status_code == 404
    row = await x402.h.ledger.get_served("video", created.json()["id"])
    assert row is not None and (row.refund, row.amount, row.owner) == ("owed", price, PAYER.address.lower())


async def test_raw_x402_pays_an_image_edit_exact_and_the_receipt_is_the_claim(x402: X402Harness) -> None:
    await x402.fund(PAYER)
    form = {"model": "gpt-image-1", "prompt": "add a moon", "n": "2", "size": "1024x1024", "quality": "low"}
    price = pricing.quote_exact("gpt-image-1", form, "images").final_amount
    upload = {"image": ("a.png", PNG, "image/png")}
    async with x402.client() as client:
        challenged = await client.post("/v1/images/edits", files=upload, data=form)
        required = decode_header(challenged.headers["payment-required"], PaymentRequired)
        assert (required.accepts[0].scheme, required.accepts[0].amount) == ("exact", str(price))
        paid = await client.post("/v1/images/edits", files=upload, data=form,
                                 headers={"payment-signature": x402.sign(required.accepts[0])})
    assert paid.status_code == 200, paid.text
    settled = payment_response(paid)
    assert settled.amount == str(price) and paid.json()["compose_receipt"]["tx_hash"] == settled.transaction
    assert x402.balance(PAYER) == 5_000_000 - price
    assert await x402.claims() == [("settled", "exact", price, settled.transaction)]
