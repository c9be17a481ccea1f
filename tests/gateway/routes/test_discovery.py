"""The OpenCode well-known document: the credential command and variable, and a provider on this gateway's
/external/v1 with every chat model it serves, their limits and exact token prices in force."""

from __future__ import annotations

from decimal import Decimal

import orjson
import pytest

import pricing
from gateway_min.upstream import Providers
from generated.catalog import MODELS
from tests.gateway.support import FaultyProvider, Harness

pytestmark = pytest.mark.anyio


async def test_the_document_opencode_reads(harness: Harness) -> None:
    async with harness.client() as client:
        native = await client.get("/.well-known/opencode")
        external = await client.get("/external/opencode")
    document = native.json()
    assert set(document) == {"config"}  # no command for OpenCode to run on the user's machine
    provider = document["config"]["provider"]["compose-market"]
    pasted = external.json()["provider"]["compose-market"]
    assert provider["npm"] == pasted["npm"] == "@ai-sdk/openai-compatible"
    assert provider["options"] == {"baseURL": "http://gateway.test/external/v1", "includeUsage": True}
    assert pasted["options"] == {**provider["options"], "apiKey": "{env:COMPOSE_MARKET_API_KEY}"}
    assert pasted["models"] == provider["models"]
    gpt = provider["models"]["gpt-4.1"]
    assert gpt == {"name": "GPT-4.1", "limit": {"context": 1047576, "output": 32768},
                   "cost": {"input": 2, "output": 8, "cache_read": 0.5}}
    assert "text-embedding-3-small" not in provider["models"] and "dall-e-3" not in provider["models"]
    assert set(provider["models"]) == {model.id for model in MODELS if "chat" in model.operations}


async def test_costs_are_exact_decimals_not_floats(harness: Harness) -> None:
    async with harness.client() as client:
        raw = (await client.get("/.well-known/opencode")).content
    models = orjson.loads(raw)["config"]["provider"]["compose-market"]["models"]
    for model_id, entry in models.items():
        rates = pricing.price_set_at(pricing.get_model(model_id), harness.gw.moment()).tokens
        if rates is None or "cost" not in entry:
            continue
        assert rates.input is not None
        per_million = Decimal(rates.input.num) / Decimal(rates.input.den)
        assert f'"{model_id}":' in raw.decode()
        assert Decimal(str(entry["cost"]["input"])) == per_million


async def test_the_url_is_the_configured_one_or_the_requests_host(harness: Harness) -> None:
    async with harness.client() as client:
        bad = await client.get("/.well-known/opencode", headers={"host": "evil.example/<script>"})
        harness.gw.public_url = "https://gateway.example.com"
        configured = await client.get("/.well-known/opencode", headers={"host": "evil.example"})
    assert bad.status_code == 400 and "GATEWAY_PUBLIC_URL" in bad.json()["error"]["message"]
    options = configured.json()["config"]["provider"]["compose-market"]["options"]
    assert options["baseURL"] == "https://gateway.example.com/external/v1"


async def test_only_models_the_gateway_can_call_are_offered(harness: Harness) -> None:
    harness.gw.providers = Providers(by_provider={"anthropic": FaultyProvider()})
    async with harness.client() as client:
        models = (await client.get("/.well-known/opencode")).json()["config"]["provider"]["compose-market"]["models"]
    assert models and all(pricing.get_model(model).provider == "anthropic" for model in models)
