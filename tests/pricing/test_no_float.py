"""No float ever reaches a money value: amounts are int, unit prices Decimal, for every model of the catalog."""

from __future__ import annotations

import ast
from decimal import Decimal
from pathlib import Path

import pricing
from generated.catalog import MODELS

PRICING = Path(pricing.__file__).parent


def _usage_for(model_id: str) -> dict[str, object]:
    model = pricing.get_model(model_id)
    price_set = model.prices[-1]
    usage: dict[str, object] = {}
    if price_set.tokens is not None:
        tokens = price_set.tokens
        usage["input_tokens"] = 123_457 if tokens.input else 0
        usage["cached_input_tokens"] = 1_001 if tokens.input and tokens.cached_input else 0
        usage["output_tokens"] = 7_777 if tokens.output else 0
        usage["reasoning_tokens"] = 77 if tokens.output else 0
    if price_set.images is not None:
        usage["images"] = 3
    if price_set.characters is not None:
        usage["characters"] = 999
    if price_set.audio is not None:
        usage["audio_seconds"] = Decimal("61.5")
    if price_set.video is not None:
        usage["video_seconds"] = 7
    return usage


def test_every_amount_of_every_model_is_an_int_and_every_price_a_decimal() -> None:
    for model in MODELS:
        for result in (pricing.price(model, _usage_for(model.id)), pricing.settle(model, _usage_for(model.id), 10**12).charge):
            for value in (result.provider_amount, result.platform_fee, result.final_amount):
                assert type(value) is int
            for item in result.line_items:
                assert type(item.amount) is int and type(item.unit_price_usd) is Decimal
                assert type(item.quantity) in (int, Decimal)
        for price_set in model.prices:
            rates = [price_set.characters, price_set.audio, price_set.requests]
            if price_set.tokens:
                rates += list(price_set.tokens)
            for rate in rates:
                if rate is not None:
                    assert type(rate.usd) is Decimal and type(rate.num) is int and type(rate.den) is int


def test_the_pricing_package_has_no_float_literal_or_float_call() -> None:
    for path in PRICING.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            assert not (isinstance(node, ast.Constant) and type(node.value) is float), f"{path.name}:{node.lineno}"
            assert not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "float"), (
                f"{path.name}:{node.lineno}")
            assert not isinstance(node, ast.Div) or path.name == "bounds.py", f"true division in {path.name}"
