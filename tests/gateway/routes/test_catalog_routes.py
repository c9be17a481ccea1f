"""The native catalog routes of contract §7.1: the contract's Model fields on every native row (the external list
stays OpenAI's), paging, search with every filter, a model's request parameters, and the modality index."""

from __future__ import annotations

from decimal import Decimal

import pytest

import pricing
from gateway_min.upstream import Providers
from generated.catalog import MODELS
from tests.gateway.support import FaultyProvider, Harness

pytestmark = pytest.mark.anyio


async def test_native_rows_carry_the_contracts_model_fields(harness: Harness) -> None:
    async with harness.client() as client:
        native = (await client.get("/v1/models")).json()
        external = (await client.get("/external/v1/models")).json()
        one = (await client.get("/v1/models/openai/gpt-4.1")).json()
    assert len(native["data"]) == len(MODELS) == native["total"] and native["next_cursor"] is None
    gpt = next(row for row in native["data"] if row["id"] == "gpt-4.1")
    assert gpt == one
    assert (gpt["modelId"], gpt["provider"], gpt["upstreamModelId"], gpt["type"]) == ("gpt-4.1", "openai", "gpt-4.1",
                                                                                     "chat-completions")
    assert (gpt["input"], gpt["output"], gpt["maxOutputTokens"]) == (["text"], ["text"], 32768)
    assert gpt["contextWindow"] == {"inputTokens": 1047576, "outputTokens": 32768}
    assert gpt["capabilities"] == ["streaming"] and gpt["served"] is True
    assert gpt["pricing"]["tokens"]["input"] == "2"  # the set in force, exact decimal strings
    assert set(external["data"][0]) == {"id", "object", "created", "owned_by"}


async def test_listing_pages_and_filters(harness: Harness) -> None:
    async with harness.client() as client:
        first = (await client.get("/v1/models?limit=2")).json()
        second = (await client.get(f"/v1/models?limit=2&cursor={first['next_cursor']}")).json()
        openai = (await client.get("/v1/models?provider=openai&modality=image")).json()
        everything = (await client.get("/v1/models/all")).json()
        unknown = await client.get("/v1/models?provider=nobody")
        too_many = await client.get("/v1/models?limit=201")
    assert [len(first["data"]), first["next_cursor"], len(second["data"])] == [2, "2", 2]
    assert first["data"][1]["id"] != second["data"][0]["id"]
    assert openai["data"] and all(row["provider"] == "openai" and "image" in row["output"] for row in openai["data"])
    assert len(everything["data"]) == len(MODELS)
    assert unknown.status_code == 400 and "unknown provider 'nobody'" in unknown.json()["error"]["message"]
    assert too_many.status_code == 400 and "`limit` must be an integer from 1 to 200" in too_many.text


async def test_search(harness: Harness) -> None:
    async with harness.client() as client:
        cheap = (await client.post("/v1/models/search", json={"modality": "text", "priceMaxPerMTok": "0.5",
                                                               "limit": 200})).json()
        named = (await client.post("/v1/models/search?q=gpt 4.1")).json()
        wide = (await client.post("/v1/models/search", json={"contextWindowMin": 1_000_000,
                                                               "operation": "chat-completions"})).json()
        paged = (await client.post("/v1/models/search", json={"limit": 3, "cursor": "3"})).json()
        streaming = (await client.post("/v1/models/search", json={"streaming": True, "limit": 200})).json()
        bad = await client.post("/v1/models/search", json={"priceMaxPerMTok": "cheap"})
        bad_operation = await client.post("/v1/models/search", json={"operation": "dance"})
    assert cheap["total"] > 0
    for row in cheap["data"]:
        rate = pricing.price_set_at(pricing.get_model(row["id"]), harness.gw.moment()).tokens
        assert rate is not None and rate.input is not None
        assert Decimal(rate.input.num) / Decimal(rate.input.den) <= Decimal("0.5")
    assert {row["id"] for row in named["data"]} >= {"gpt-4.1"} and all("4.1" in row["id"] for row in named["data"])
    assert wide["data"] and all(row["contextWindow"]["inputTokens"] >= 1_000_000 for row in wide["data"])
    assert len(paged["data"]) == 3 and paged["next_cursor"] == "6" and paged["total"] == len(MODELS)
    assert all("chat" in [op["operation"] for op in row["operations"]] for row in streaming["data"])
    assert bad.status_code == 400 and "priceMaxPerMTok" in bad.json()["error"]["message"]
    assert bad_operation.status_code == 400


async def test_a_models_parameters_come_from_its_prices(harness: Harness) -> None:
    async with harness.client() as client:
        image = (await client.get("/v1/models/dall-e-3/params")).json()
        chat = (await client.get("/v1/models/openai/gpt-4.1/params")).json()
        video = (await client.get("/v1/models/sora-2/params")).json()
        unknown = await client.get("/v1/models/gpt-9/params")
    assert image["type"] == "text-to-image" and image["params"]["prompt"]["required"] is True
    assert "1024x1024" in image["params"]["size"]["options"] and image["params"]["quality"]["options"]
    assert image["defaults"]["n"] == 1
    assert chat["params"]["max_tokens"]["maximum"] == 32768 and chat["modelId"] == "gpt-4.1"
    assert video["params"]["seconds"]["required"] is True and video["params"]["size"]["options"]
    assert unknown.status_code == 404


async def test_the_modality_index(harness: Harness) -> None:
    async with harness.client() as client:
        index = (await client.get("/v1/modalities")).json()
        image = (await client.get("/v1/modalities/image")).json()
        operations = (await client.get("/v1/modalities/audio/operations")).json()
        models = (await client.get("/v1/modalities/audio/operations/speech/models?limit=2")).json()
        unknown = await client.get("/v1/modalities/smell")
    assert [entry["modality"] for entry in index["data"]] == ["text", "image", "audio", "video", "embedding"]
    assert image["modelCount"] == sum("images" in m.operations for m in MODELS)
    assert {op["operation"] for op in operations["data"]} == {"speech", "transcription"}
    assert len(models["data"]) == 2 and all("audio" in row["output"] for row in models["data"])
    assert unknown.status_code == 400


async def test_rows_say_which_models_this_gateway_serves(harness: Harness) -> None:
    harness.gw.providers = Providers(by_provider={"anthropic": FaultyProvider()})
    async with harness.client() as client:
        rows = (await client.get("/v1/models")).json()["data"]
    assert {row["provider"] for row in rows if row["served"]} == {"anthropic"}
    assert any(not row["served"] for row in rows)
