#!/usr/bin/env python3
"""Print what the compiled catalog holds (models per provider and modality, catalog version) and price examples."""

from collections import Counter
from decimal import Decimal

import pricing
from generated import catalog


def summary() -> None:
    print(f"catalog {catalog.CATALOG_VERSION}")
    print(f"{len(catalog.MODELS)} models from {len({m.provider for m in catalog.MODELS})} providers; "
          f"platform fee {catalog.PLATFORM_FEE_BPS} bps; default network {catalog.DEFAULT_NETWORK}")
    by_provider = Counter(m.provider for m in catalog.MODELS)
    modalities = sorted({m.modality for m in catalog.MODELS})
    print(f"  {'provider':<12} {'total':>5}  " + "  ".join(f"{m:>9}" for m in modalities))
    for provider, total in sorted(by_provider.items()):
        counts = Counter(m.modality for m in catalog.MODELS if m.provider == provider)
        print(f"  {provider:<12} {total:>5}  " + "  ".join(f"{counts.get(m, 0):>9}" for m in modalities))


def examples() -> None:
    usage = {"input_tokens": 1000, "cached_input_tokens": 200, "output_tokens": 50}
    charge = pricing.price("gpt-4.1", usage)
    print(f"\nprice('gpt-4.1', {usage}):")
    for item in charge.line_items:
        print(f"  {item.key:<20} {item.quantity:>6} × ${item.unit_price_usd} ({item.unit}) → {item.amount:>6}")
    print(f"  provider {charge.provider_amount} + fee {charge.platform_fee} = {charge.final_amount} atomic USDC "
          f"(${Decimal(charge.final_amount).scaleb(-6)}); subject {charge.subject}")
    body = {"messages": [{"role": "user", "content": "Say hello"}], "max_tokens": 256}
    quote = pricing.quote_max("gpt-4.1", body, "chat")
    print(f"quote_max(chat, max_tokens=256): hold {quote.amount} for ≤ {quote.prompt_tokens} prompt tokens and "
          f"{quote.output_tokens} output tokens")
    image = pricing.quote_exact("dall-e-3", {"prompt": "a lighthouse", "n": 2, "quality": "hd"}, "images")
    print(f"quote_exact(dall-e-3, n=2, quality=hd): {image.final_amount}")


if __name__ == "__main__":
    summary()
    examples()
