"""Every model the gateway can serve (its provider has an endpoint) has a price it can hold and settle, for every
operation it lists: a typical request is quoted (the hold) and a typical measured usage priced (the settlement)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

import pricing
from gateway_min.work.quote import quote
from generated.catalog import MODELS, PROVIDERS, Model

NOW = datetime.now(UTC)
SERVED = [model for model in MODELS if PROVIDERS[model.provider].base_url is not None]


def request(operation: str) -> dict[str, Any]:
    return {
        "chat": {"messages": [{"role": "user", "content": "hello"}], "max_tokens": 64},
        "embeddings": {"input": "hello"},
        "images": {"prompt": "a cat", "n": 1},
        "speech": {"input": "hello there", "voice": "alloy"},
        "transcription": {},
        "video": {"prompt": "waves", "seconds": 4},
        "rerank": {"query": "q", "documents": ["a", "b"]},
    }[operation]


def usage(model: Model, operation: str, held: pricing.Usage | None) -> pricing.Usage:
    if held is not None:  # request-priced: the settlement is the request's own usage
        return held
    prices = pricing.price_set_at(model, NOW)
    if operation == "transcription" and prices.audio is not None:
        return pricing.Usage(audio_seconds=30)
    if operation == "rerank" and prices.searches is not None:
        return pricing.Usage(searches=1)
    return pricing.Usage(input_tokens=20, output_tokens=10 if operation == "chat" else 0)


@pytest.mark.parametrize("model", SERVED, ids=lambda model: model.id)
def test_a_served_model_can_be_held_and_settled(model: Model) -> None:
    prices = pricing.price_set_at(model, NOW)
    for operation in model.operations:
        body = request(operation)
        held = pricing.usage_from_request(model, body, operation, at=NOW) \
            if operation in ("images", "speech", "video") else None
        hold = quote(model, body, operation, NOW, 60 if operation == "transcription" else None)
        assert hold.hold >= 0
        charge = pricing.price(model, usage(model, operation, held), at=NOW)
        assert charge.final_amount >= 0
        if not prices.free:
            assert charge.final_amount > 0 or prices.requests is not None
