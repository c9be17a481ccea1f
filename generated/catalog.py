"""Compiled model catalog — generated — do not edit.

Edit the YAML in catalog_src/ and run `python scripts/build_catalog.py`; CI fails when this file is stale.
Catalog version sha256:dcd9e8e93c4fde2b1aa3cc32aceccbedd257a08b9562155337f7ad3d2ac30b81 (3 models, 14 providers).

Importing this module does no YAML or pydantic work: records are plain frozen tuples built from literals.
A quantity q at a Rate costs ceil(q * num / den) USDC atomic units (10^-6 USDC); num/den is the exact
USD price * 10^6 / the unit's scale, reduced.
"""
# ruff: noqa
# fmt: off
from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from types import MappingProxyType
from typing import Final, Literal, NamedTuple

CATALOG_VERSION: Final = 'sha256:dcd9e8e93c4fde2b1aa3cc32aceccbedd257a08b9562155337f7ad3d2ac30b81'
PLATFORM_FEE_BPS: Final = 100
DEFAULT_NETWORK: Final = 'eip155:43113'


class Rate(NamedTuple):
    """A unit price: `usd` per `unit`; q units cost ceil(q * num / den) atomic units."""

    usd: Decimal
    unit: str
    num: int
    den: int


class TokenRates(NamedTuple):
    input: Rate | None
    cached_input: Rate | None
    cache_write: Rate | None
    output: Rate | None
    reasoning: Rate | None


class Tier(NamedTuple):
    """Cliff tier: a prompt of more than `above_input_tokens` prices every token at `rates`."""

    above_input_tokens: int
    rates: TokenRates


class MediaOption(NamedTuple):
    values: tuple[str, ...]
    """Parameter values, aligned with MediaGroup.params."""
    rate: Rate
    default: bool


class MediaGroup(NamedTuple):
    """Media prices chosen by request parameters (images: size, quality; video: resolution)."""

    params: tuple[str, ...]
    options: tuple[MediaOption, ...]
    default: MediaOption


class PriceSet(NamedTuple):
    effective_from: datetime | None
    free: bool
    tokens: TokenRates | None
    tiers: tuple[Tier, ...]
    images: MediaGroup | None
    video: MediaGroup | None
    characters: Rate | None
    audio: Rate | None
    requests: Rate | None


class Model(NamedTuple):
    id: str
    name: str
    provider: str
    upstream_id: str
    aliases: tuple[str, ...]
    modality: str
    operations: tuple[str, ...]
    context_window: int | None
    max_output_tokens: int | None
    source: str
    as_of: date
    prices: tuple[PriceSet, ...]
    """Price history, oldest first."""


class Provider(NamedTuple):
    id: str
    name: str
    base_url: str
    api_key_env: str
    flavor: str


class Network(NamedTuple):
    id: str
    chain_id: int
    name: str
    asset: str
    asset_name: str
    asset_version: str
    decimals: int
    pay_to: str


def _r(usd: str, unit: str, num: int, den: int) -> Rate:
    return Rate(Decimal(usd), unit, num, den)


def _media(params: tuple[str, ...], options: tuple[MediaOption, ...]) -> MediaGroup:
    return MediaGroup(params, options, next(option for option in options if option.default))


ModelId = Literal[
    'dall-e-3',
    'gpt-4.1',
    'o3',
]

NETWORKS: Final[Mapping[str, Network]] = MappingProxyType({
    'eip155:43113': Network('eip155:43113', 43113, 'Avalanche Fuji', '0x5425890298aed601595a70AB815c96711a31Bc65', 'USD Coin', '2', 6, '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'),
    'eip155:43114': Network('eip155:43114', 43114, 'Avalanche C-Chain', '0xB97EF9Ef8734C71904D8002F8b6Bc66Dd9c48a6E', 'USD Coin', '2', 6, '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'),
})

PROVIDERS: Final[Mapping[str, Provider]] = MappingProxyType({
    'anthropic': Provider('anthropic', 'Anthropic', 'https://api.anthropic.com/v1', 'ANTHROPIC_API_KEY', 'openai-chat'),
    'cerebras': Provider('cerebras', 'Cerebras', 'https://api.cerebras.ai/v1', 'CEREBRAS_API_KEY', 'openai-chat'),
    'cohere': Provider('cohere', 'Cohere', 'https://api.cohere.ai/compatibility/v1', 'CO_API_KEY', 'openai-chat'),
    'deepseek': Provider('deepseek', 'DeepSeek', 'https://api.deepseek.com/v1', 'DEEPSEEK_API_KEY', 'openai-chat'),
    'fireworks': Provider('fireworks', 'Fireworks AI', 'https://api.fireworks.ai/inference/v1', 'FIREWORKS_API_KEY', 'openai-chat'),
    'google': Provider('google', 'Google Gemini API', 'https://generativelanguage.googleapis.com/v1beta/openai', 'GEMINI_API_KEY', 'openai-chat'),
    'groq': Provider('groq', 'Groq', 'https://api.groq.com/openai/v1', 'GROQ_API_KEY', 'openai-chat'),
    'mistral': Provider('mistral', 'Mistral AI', 'https://api.mistral.ai/v1', 'MISTRAL_API_KEY', 'openai-chat'),
    'moonshot': Provider('moonshot', 'Moonshot AI', 'https://api.moonshot.ai/v1', 'MOONSHOT_API_KEY', 'openai-chat'),
    'openai': Provider('openai', 'OpenAI', 'https://api.openai.com/v1', 'OPENAI_API_KEY', 'openai-chat'),
    'perplexity': Provider('perplexity', 'Perplexity', 'https://api.perplexity.ai', 'PERPLEXITY_API_KEY', 'openai-chat'),
    'together': Provider('together', 'Together AI', 'https://api.together.xyz/v1', 'TOGETHER_API_KEY', 'openai-chat'),
    'voyage': Provider('voyage', 'Voyage AI', 'https://api.voyageai.com/v1', 'VOYAGE_API_KEY', 'openai-chat'),
    'xai': Provider('xai', 'xAI', 'https://api.x.ai/v1', 'XAI_API_KEY', 'openai-chat'),
})

MODELS: Final[tuple[Model, ...]] = (
    Model(
        'dall-e-3', 'dall-e-3', 'openai', 'dall-e-3', (),
        'image', ('images',), None, None,
        'https://platform.openai.com/docs/pricing', date(2025, 11, 1),
        (
            PriceSet(
                None, False,
                None,
                (),
                _media(('size', 'quality'), (MediaOption(('1024x1024', 'standard'), _r('0.04', 'usd_per_image', 40000, 1), True), MediaOption(('1024x1792', 'standard'), _r('0.08', 'usd_per_image', 80000, 1), False), MediaOption(('1792x1024', 'standard'), _r('0.08', 'usd_per_image', 80000, 1), False), MediaOption(('1024x1024', 'hd'), _r('0.08', 'usd_per_image', 80000, 1), False), MediaOption(('1024x1792', 'hd'), _r('0.12', 'usd_per_image', 120000, 1), False), MediaOption(('1792x1024', 'hd'), _r('0.12', 'usd_per_image', 120000, 1), False),)),
                None,
                None, None, None,
            ),
        ),
    ),
    Model(
        'gpt-4.1', 'GPT-4.1', 'openai', 'gpt-4.1', ('gpt-4.1-2025-04-14', 'openai/gpt-4.1'),
        'text', ('chat',), 1047576, 32768,
        'https://platform.openai.com/docs/pricing', date(2025, 11, 1),
        (
            PriceSet(
                None, False,
                TokenRates(_r('2', 'usd_per_1m_tokens', 2, 1), _r('0.5', 'usd_per_1m_tokens', 1, 2), None, _r('8', 'usd_per_1m_tokens', 8, 1), None),
                (),
                None,
                None,
                None, None, None,
            ),
        ),
    ),
    Model(
        'o3', 'o3', 'openai', 'o3', (),
        'text', ('chat',), 200000, 100000,
        'https://platform.openai.com/docs/pricing', date(2025, 11, 1),
        (
            PriceSet(
                None, False,
                TokenRates(_r('10', 'usd_per_1m_tokens', 10, 1), _r('2.5', 'usd_per_1m_tokens', 5, 2), None, _r('40', 'usd_per_1m_tokens', 40, 1), None),
                (),
                None,
                None,
                None, None, None,
            ),
            PriceSet(
                datetime(2025, 6, 10, 0, 0, 0, tzinfo=UTC), False,
                TokenRates(_r('2', 'usd_per_1m_tokens', 2, 1), _r('0.5', 'usd_per_1m_tokens', 1, 2), None, _r('8', 'usd_per_1m_tokens', 8, 1), None),
                (),
                None,
                None,
                None, None, None,
            ),
        ),
    ),
)

MODEL_INDEX: Final[Mapping[str, Model]] = MappingProxyType(
    {name: model for model in MODELS for name in (model.id, *model.aliases)}
)
"""Every model by id and by alias."""
