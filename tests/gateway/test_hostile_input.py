"""Input built to break the gateway rather than to use it: each case is a 4xx that reserves nothing."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway_min import server
from gateway_min.http import MAX_DEPTH, nested_within
from tests.gateway.support import KEY_HEADERS, Harness, auth, chat, gateway_process

pytestmark = pytest.mark.anyio


def nested(depth: int) -> Any:
    """`depth` levels of arrays and objects, alternating, around an empty array."""
    value: Any = []
    for level in range(depth - 1):
        value = [value] if level % 2 else {"k": value}
    return value


def deep_text(depth: int) -> bytes:
    return b'{"model":"gpt-4.1-mini","x":' + b"[" * depth + b"]" * depth + b"}"


def test_nesting_is_measured_level_by_level() -> None:
    assert nested_within(nested(MAX_DEPTH), MAX_DEPTH)
    assert not nested_within(nested(MAX_DEPTH + 1), MAX_DEPTH)
    assert nested_within("text", 1) and nested_within({}, 1) and not nested_within({"a": {}}, 1)
    assert nested_within([[1, 2], {"a": [3]}, "b"], 3) and not nested_within([[1, 2], {"a": [3]}, "b"], 2)


@pytest.mark.parametrize("path", ["/v1/chat/completions", "/external/v1/chat/completions"])
async def test_json_nested_past_the_limit_is_a_400_that_reserves_nothing(harness: Harness, path: str) -> None:
    token, key_id = await harness.create_key(1_000_000)
    async with harness.client() as client:
        for depth, extra in ((MAX_DEPTH + 1, {}), (600, {"x-idempotency-key": "deep"})):
            body = {**chat("hi"), "metadata": nested(depth)}
            response = await client.post(path, headers={**auth(token), **extra}, json=body)
            assert response.status_code == 400, response.text
            assert f"nested more than {MAX_DEPTH} levels" in response.text
        within = await client.post(path, headers=auth(token), json={**chat("hi"), "metadata": nested(MAX_DEPTH - 1)})
        assert within.status_code == 200, within.text
    assert harness.provider.calls == 1  # only the request within the limit reached the provider
    key = await harness.ledger.get_key(key_id)
    assert key is not None and key.reserved == 0
    assert key.spent == int(within.headers["x-compose-key-budget-used"])


async def test_intent_routes_refuse_deep_json_before_reading_its_numbers(harness: Harness) -> None:
    token, key_id = await harness.create_key(1_000_000)
    headers = {**auth(token), "x-chain-id": "43113", "content-type": "application/json"}
    async with harness.client() as client:
        for path in ("/api/payments/prepare", "/api/payments/settle", "/api/payments/abort",
                     "/api/payments/meter/model"):
            response = await client.post(path, headers=headers, content=deep_text(300))
            assert response.status_code == 400, (path, response.text)
            assert response.json()["code"] == "invalid_json"
    assert await harness.ledger.totals(key_id) == (0, 0)


def test_json_nested_100_000_deep_does_not_kill_the_serving_process(tmp_path: Path) -> None:
    """Before: the intent routes parsed with the standard library's recursive parser, and the serving process
    runs with py_ecc's recursion limit of 100,000, so this body overflowed the C stack: a segfault."""
    with gateway_process(tmp_path) as base:
        created = httpx.post(f"{base}/api/keys", headers=KEY_HEADERS, json={
            "budgetLimit": 1_000_000, "expiresAt": 4_000_000_000_000, "chainId": 43113})
        token = created.json()["token"]
        headers = {**auth(token), "x-chain-id": "43113", "content-type": "application/json"}
        for path in ("/api/payments/meter/model", "/api/payments/prepare", "/v1/chat/completions"):
            response = httpx.post(f"{base}{path}", headers=headers, content=deep_text(100_000), timeout=30)
            assert response.status_code == 400, (path, response.text)
        assert httpx.get(f"{base}/health").status_code == 200


def test_the_serving_process_runs_at_the_default_recursion_limit(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATEWAY_DB", str(tmp_path / "gateway.sqlite3"))
    monkeypatch.setenv("GATEWAY_DEMO", "1")
    before = sys.getrecursionlimit()
    sys.setrecursionlimit(100_000)  # what importing eth_account leaves (py_ecc)
    try:
        app = server.create_app()
        assert sys.getrecursionlimit() == server.RECURSION_LIMIT
        stop = app.on_shutdown
        assert stop is not None

        async def shutdown() -> None:
            await stop()

        asyncio.run(shutdown())
    finally:
        sys.setrecursionlimit(before)
