"""The access log: one line per request, once its answer has ended, with what paid and what it was charged; on by
default for the demo, `--no-access-log` turns it off (and `--access-log` on, elsewhere)."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import httpx
import orjson
import pytest

from gateway_min.http.access_log import AccessLog
from tests.gateway.support import ADMIN, Harness, auth, chat, gateway_server

LINE = re.compile(r'access (\S+) "(\w+) (\S+)" (\d{3}) (\d+\.\d\d) ms payment=(\S+) amount=(\S+)$', re.M)


def test_a_live_demo_logs_every_request_with_its_payment_and_amount(tmp_path: Path) -> None:
    with gateway_server(tmp_path) as (_, base):
        key = httpx.post(f"{base}/api/keys", headers={"authorization": f"Bearer {ADMIN}", "x-chain-id": "43113",
                                                      "x-session-user-address": "0x" + "12" * 20},
                         json={"budgetLimit": 1_000_000, "expiresAt": 4_000_000_000_000}).json()["token"]
        paid = httpx.post(f"{base}/v1/chat/completions", headers=auth(key), json=chat())
        with httpx.stream("POST", f"{base}/external/v1/chat/completions", headers=auth(key),
                          json=chat(stream=True)) as streamed:
            streamed.read()
        refused = httpx.post(f"{base}/v1/chat/completions", headers=auth("compose-unknown"), json=chat())
        httpx.get(f"{base}/health")
    lines = LINE.findall((tmp_path / "server.log").read_text())
    by_path = {(method, path, status): (payment, amount) for _, method, path, status, _, payment, amount in lines}
    assert by_path[("POST", "/api/keys", "201")] == ("-", "-")
    assert by_path[("POST", "/v1/chat/completions", "200")] == (paid.headers["x-payment-intent-id"],
                                                                 paid.headers["x-compose-key-final-amount-wei"])
    stream_payment, stream_amount = by_path[("POST", "/external/v1/chat/completions", "200")]
    assert stream_payment == streamed.headers["x-payment-intent-id"] and int(stream_amount) > 0  # after the stream
    assert by_path[("POST", "/v1/chat/completions", "401")] == ("-", "-") and refused.status_code == 401
    assert ("GET", "/health", "200") in by_path
    assert len([line for line in lines if line[2] != "/health"]) == 4  # (start-up polls /health too)


def test_no_access_log_when_turned_off(tmp_path: Path) -> None:
    with gateway_server(tmp_path, "--no-access-log") as (_, base):
        assert httpx.get(f"{base}/health").status_code == 200
    assert not LINE.search((tmp_path / "server.log").read_text())


@pytest.mark.anyio
async def test_an_aborted_call_is_logged_at_zero(harness: Harness, caplog: pytest.LogCaptureFixture) -> None:
    from tests.gateway.support import FaultyProvider

    harness.gw.providers.every = FaultyProvider(mode="error_before")
    token, _ = await harness.create_key(1_000_000)
    app = AccessLog(harness.app)
    caplog.set_level(logging.INFO, "gateway_min.access")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        failed = await client.post("/v1/chat/completions", headers=auth(token), json=chat())
    assert failed.status_code == 502
    [record] = [r for r in caplog.records if r.name == "gateway_min.access"]
    assert f"payment={failed.headers['x-payment-intent-id']} amount=0" in record.getMessage()
    assert '"POST /v1/chat/completions" 502' in record.getMessage()


def test_json_lines_carry_the_request_id(tmp_path: Path) -> None:
    with gateway_server(tmp_path, "--access-log-format", "json") as (_, base):
        key = httpx.post(f"{base}/api/keys", headers={"authorization": f"Bearer {ADMIN}", "x-chain-id": "43113",
                                                      "x-session-user-address": "0x" + "12" * 20},
                         json={"budgetLimit": 1_000_000, "expiresAt": 4_000_000_000_000}).json()["token"]
        paid = httpx.post(f"{base}/v1/chat/completions", headers={**auth(key), "x-request-id": "trace-42"},
                          json=chat())
    records = [orjson.loads(line) for line in (tmp_path / "server.log").read_text().splitlines()
               if line.startswith("{")]
    mine = next(record for record in records if record["request_id"] == "trace-42")
    assert (mine["method"], mine["path"], mine["status"]) == ("POST", "/v1/chat/completions", 200)
    assert (mine["payment"], str(mine["amount"])) == (paid.headers["x-payment-intent-id"],
                                                      paid.headers["x-compose-key-final-amount-wei"])
    assert mine["time"].endswith("Z") and isinstance(mine["ms"], float)
    health = next(record for record in records if record["path"] == "/health")
    assert health["payment"] is None and health["request_id"].startswith("req_")
