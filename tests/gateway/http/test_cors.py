"""CORS for browser wallets: configured origins only (none by default), preflights answered, the Compose and x402
headers exposed on every answer (a 402 challenge included), and nothing for an origin that is not allowed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from gateway_min.http.cors import ALLOWED_HEADERS, Cors, parse_origins
from tests.gateway.payment.x402.support import X402Harness, chat
from tests.gateway.support import Harness, auth, gateway_process

pytestmark = pytest.mark.anyio
APP = "https://wallet.example"


def client(app: object) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway.test")  # type: ignore[arg-type]


async def test_an_allowed_origin_reads_answers_and_the_challenge(x402: X402Harness) -> None:
    async with client(Cors(x402.h.app, parse_origins(f"{APP}, https://other.example/"))) as http:
        models = await http.get("/v1/models", headers={"origin": APP})
        challenge = await http.post("/v1/chat/completions", json=chat(), headers={"origin": APP})
        stranger = await http.get("/v1/models", headers={"origin": "https://evil.example"})
        plain = await http.get("/v1/models")
    assert models.headers["access-control-allow-origin"] == APP and models.headers["vary"] == "Origin"
    assert challenge.status_code == 402 and challenge.headers["access-control-allow-origin"] == APP
    exposed = challenge.headers["access-control-expose-headers"]
    assert "payment-required" in exposed and "x-compose-receipt" in exposed and "payment-response" in exposed
    assert challenge.headers.get_list("access-control-expose-headers") == [exposed]  # said once
    assert "access-control-allow-origin" not in stranger.headers
    assert "access-control-allow-origin" not in plain.headers


async def test_a_preflight_is_answered_for_allowed_origins_only(harness: Harness) -> None:
    ask = {"access-control-request-method": "POST",
           "access-control-request-headers": "Authorization, Content-Type, PAYMENT-SIGNATURE, X-Evil"}
    async with client(Cors(harness.app, parse_origins(APP))) as http:
        allowed = await http.options("/v1/chat/completions", headers={"origin": APP, **ask})
        refused = await http.options("/v1/chat/completions", headers={"origin": "https://evil.example", **ask})
        not_preflight = await http.options("/v1/chat/completions", headers={"origin": APP})
    assert allowed.status_code == 204 and allowed.headers["access-control-allow-origin"] == APP
    assert allowed.headers["access-control-allow-headers"] == "authorization, content-type, payment-signature"
    assert "POST" in allowed.headers["access-control-allow-methods"]
    assert refused.status_code == 403 and "not allowed" in refused.json()["error"]["message"]
    assert not_preflight.status_code == 405  # an OPTIONS that asks nothing is the route's to answer


async def test_any_origin_when_configured_so(harness: Harness) -> None:
    token, _ = await harness.create_key(1_000_000)
    async with client(Cors(harness.app, parse_origins("*"))) as http:
        response = await http.post("/v1/chat/completions", json=chat(), headers={"origin": "https://a.example",
                                                                                **auth(token)})
    assert response.status_code == 200 and response.headers["access-control-allow-origin"] == "*"
    assert "vary" not in response.headers


def test_origins_are_checked_when_configured() -> None:
    assert parse_origins(None) == frozenset() and parse_origins(" , ") == frozenset()
    for bad in ("wallet.example", "https://wallet.example/path", "ftp://x.example"):
        with pytest.raises(ValueError, match="not an origin"):
            parse_origins(bad)
    assert "authorization" in ALLOWED_HEADERS and "payment-signature" in ALLOWED_HEADERS


def test_serve_refuses_a_malformed_origin_at_once(tmp_path: Path) -> None:
    ran = subprocess.run([sys.executable, "-m", "gateway_min", "serve", "--demo", "--check", "--db",
                          str(tmp_path / "x.sqlite3"), "--port", "0", "--cors-origin", "wallet.example"],
                         capture_output=True, text=True, timeout=60, check=False)
    assert ran.returncode == 2 and "--cors-origin: not an origin" in ran.stderr


def test_a_served_gateway_answers_browsers_of_its_configured_origin(tmp_path: Path) -> None:
    with gateway_process(tmp_path, "--cors-origin", APP) as base:
        response = httpx.options(f"{base}/v1/models", headers={"origin": APP,
                                                                "access-control-request-method": "GET"})
        other = httpx.get(f"{base}/v1/models", headers={"origin": "https://evil.example"})
    assert response.status_code == 204 and response.headers["access-control-allow-origin"] == APP
    assert "access-control-allow-origin" not in other.headers
