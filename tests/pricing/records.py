"""Hand-built catalog records for engine tests that need prices the real catalog does not have."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from catalog_build.artifacts import atomic_rate
from generated.catalog import MediaGroup, MediaOption, Model, PriceSet, Rate, Tier, TokenRates


def rate(usd: str, unit: str = "usd_per_1m_tokens") -> Rate:
    return Rate(Decimal(usd), unit, *atomic_rate(usd, unit))


def tokens(input: str | None = None, cached_input: str | None = None, cache_write: str | None = None,
           output: str | None = None, reasoning: str | None = None, unit: str = "usd_per_1m_tokens") -> TokenRates:
    def r(value: str | None) -> Rate | None:
        return None if value is None else rate(value, unit)

    return TokenRates(r(input), r(cached_input), r(cache_write), r(output), r(reasoning))


def media(params: tuple[str, ...], unit: str, *options: tuple[tuple[str, ...], str]) -> MediaGroup:
    built = tuple(MediaOption(values, rate(usd, unit), i == 0) for i, (values, usd) in enumerate(options))
    return MediaGroup(params, built, built[0])


def price_set(*, effective_from: datetime | None = None, free: bool = False, tokens: TokenRates | None = None,
              tiers: tuple[Tier, ...] = (), images: MediaGroup | None = None, video: MediaGroup | None = None,
              characters: Rate | None = None, audio: Rate | None = None, requests: Rate | None = None,
              searches: Rate | None = None) -> PriceSet:
    return PriceSet(effective_from, free, tokens, tiers, images, video, characters, audio, requests, searches)


def model(model_id: str, *prices: PriceSet, operations: tuple[str, ...] = ("chat",), modality: str = "text",
          max_output_tokens: int | None = 4096, context_window: int | None = 128_000) -> Model:
    return Model(model_id, model_id, "test", model_id, (), modality, operations, context_window, max_output_tokens,
                 "https://example.test", date(2025, 1, 1), prices, None)
