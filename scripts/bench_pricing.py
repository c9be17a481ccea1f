#!/usr/bin/env python3
"""Pricing benchmark: pricing.price() vs genai-prices calc_price() on the same varied usages, in one run.

Needs the bench extra: .venv/bin/pip install -e '.[dev,bench]'. Targets (docs/BENCHMARKS.md): ≤ 5 µs median per
price() on a resolved model, ≥ 30× faster than genai-prices.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
import warnings
from collections.abc import Callable
from typing import Any

import pricing

# (our model id, genai-prices model ref, genai-prices provider id): one plain, one cached, one tiered, one cheap
MODELS = [
    ("gpt-4.1", "gpt-4.1", "openai"),
    ("claude-sonnet-4-5", "claude-sonnet-4-5", "anthropic"),
    ("gemini-2.5-pro", "gemini-2.5-pro", "google"),
    ("gpt-4.1-mini", "gpt-4.1-mini", "openai"),
]


def usages(count: int, seed: int) -> list[dict[str, int]]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        input_tokens = rng.choice([rng.randint(0, 4_000), rng.randint(0, 400_000)])
        cached = rng.choice([0, rng.randint(0, input_tokens)])
        write = rng.choice([0, rng.randint(0, input_tokens - cached)])
        output = rng.randint(0, 20_000)
        out.append({"input_tokens": input_tokens, "cached_input_tokens": cached, "cache_write_tokens": write,
                    "output_tokens": output})
    return out


def per_call(fn: Callable[[], Any], calls: int, repeat: int) -> list[float]:
    """Seconds per call, one figure per repeat."""
    figures = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        figures.append((time.perf_counter() - started) / calls)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--samples", type=int, default=2_000, help="usages per model")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    import genai_prices
    from genai_prices import calc_price
    from genai_prices.types import Usage as GenaiUsage

    cases = []
    for ours, theirs, provider in MODELS:
        model = pricing.get_model(ours)
        for usage in usages(args.samples, args.seed):
            genai_usage = GenaiUsage(
                input_tokens=usage["input_tokens"], cache_read_tokens=usage["cached_input_tokens"],
                cache_write_tokens=usage["cache_write_tokens"], output_tokens=usage["output_tokens"],
            )
            typed = pricing.Usage(usage["input_tokens"], usage["cached_input_tokens"], usage["cache_write_tokens"],
                                  usage["output_tokens"])
            cases.append((model, ours, usage, typed, theirs, provider, genai_usage))
    calls = len(cases)

    # cross-check before timing: ours rounds each line up, theirs is unrounded USD
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for model, _, usage, _, theirs, provider, genai_usage in cases[:: max(1, calls // 500)]:
            exact = calc_price(genai_usage, theirs, provider_id=provider).total_price * 10**6
            provider_amount = pricing.price(model, usage).provider_amount
            assert exact <= provider_amount < exact + 5, (model.id, usage, exact, provider_amount)
        model_prices = {ours: calc_price(GenaiUsage(input_tokens=1), theirs, provider_id=provider).model_price
                        for ours, theirs, provider in MODELS}

    # each timed loop walks pairs made beforehand, so that both sides pay the same loop and no more
    mapping = [(model, usage) for model, _, usage, _, _, _, _ in cases]
    typed_pairs = [(model, typed) for model, _, _, typed, _, _, _ in cases]
    by_id = [(model_id, usage) for _, model_id, usage, _, _, _, _ in cases]
    resolved = [(model_prices[model_id], genai_usage) for _, model_id, _, _, _, _, genai_usage in cases]
    lookups = [(genai_usage, theirs, provider) for _, _, _, _, theirs, provider, genai_usage in cases]
    price = pricing.price

    def ours_resolved_mapping() -> None:
        for model, usage in mapping:
            price(model, usage)

    def ours_resolved_typed() -> None:
        for model, typed in typed_pairs:
            price(model, typed)

    def ours_by_id() -> None:
        for model_id, usage in by_id:
            price(model_id, usage)

    def theirs_resolved() -> None:
        for model_price, genai_usage in resolved:
            model_price.calc_price(genai_usage)

    def theirs_lookup() -> None:
        for genai_usage, theirs, provider in lookups:
            calc_price(genai_usage, theirs, provider_id=provider)

    results: dict[str, list[float]] = {}
    runs: list[tuple[str, Callable[[], None], int]] = [
        ("ours: price(model, mapping)", ours_resolved_mapping, args.repeat),
        ("ours: price(model, Usage)", ours_resolved_typed, args.repeat),
        ("ours: price(model_id, mapping)", ours_by_id, args.repeat),
        ("genai-prices: ModelPrice.calc_price", theirs_resolved, max(2, args.repeat // 3)),
        ("genai-prices: calc_price(provider_id=)", theirs_lookup, max(2, args.repeat // 3)),
    ]
    for name, fn, repeat in runs:
        fn()  # warm up
        results[name] = per_call(fn, calls, repeat)
    median = {name: statistics.median(figures) for name, figures in results.items()}
    print(f"{calls} usages over {len(MODELS)} models; genai-prices {genai_prices.__version__}; "
          f"medians of {args.repeat} rounds (genai-prices: {max(2, args.repeat // 3)})")
    for name, value in median.items():
        print(f"  {name:<42} {value * 1e6:8.2f} µs/call")
    ratio = median["genai-prices: ModelPrice.calc_price"] / median["ours: price(model, mapping)"]
    lookup = median["genai-prices: calc_price(provider_id=)"] / median["ours: price(model_id, mapping)"]
    print(f"ratio, resolved model:  {ratio:6.1f}x faster (target ≥ 30x; price ≤ 5 µs)")
    print(f"ratio, with lookup:     {lookup:6.1f}x faster")
    print(f"sample charge: {pricing.price('gemini-2.5-pro', {'input_tokens': 1000})}")


if __name__ == "__main__":
    main()
