"""Compiled model catalog — generated — do not edit.

Edit the YAML in catalog_src/ and run `python scripts/build_catalog.py`; CI fails when this file is stale.
Catalog version sha256:e98c638e6c3beccb7b10d4ddb68ad4f08bdac42408d16360ebd2730c7ada0897 (240 models, 14 providers).

Importing this module does no YAML or pydantic work. Each model is one row of literals below; its typed
frozen record (Model) is built the first time it is looked up, so import time does not grow with record
construction. A quantity q at a Rate costs ceil(q * num / den) USDC atomic units (10^-6 USDC), where num/den
is the exact USD price * 10^6 / the unit's scale, reduced.
"""
# ruff: noqa
# fmt: off
from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, Literal, NamedTuple, overload

CATALOG_VERSION: Final = 'sha256:e98c638e6c3beccb7b10d4ddb68ad4f08bdac42408d16360ebd2730c7ada0897'
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
    searches: Rate | None


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
    deprecated: date | None
    """When the provider deprecated it (still priced: old usage stays re-priceable)."""


class Provider(NamedTuple):
    id: str
    name: str
    base_url: str | None
    """None: priced, but not callable through an OpenAI-compatible endpoint."""
    api_key_env: str | None
    flavor: str
    rerank_url: str | None


class Network(NamedTuple):
    id: str
    chain_id: int
    name: str
    asset: str
    asset_name: str
    asset_version: str
    decimals: int
    pay_to: str


if TYPE_CHECKING:
    ModelId = Literal[
        'c4ai-aya-expanse-32b',
        'canopylabs/orpheus-arabic-saudi',
        'canopylabs/orpheus-v1-english',
        'claude-3-5-haiku-latest',
        'claude-3-7-sonnet-latest',
        'claude-3-haiku',
        'claude-fable-5',
        'claude-fable-5-1',
        'claude-fable-5-2',
        'claude-haiku-4-5',
        'claude-haiku-5-5',
        'claude-mythos-5-2',
        'claude-opus-4-0',
        'claude-opus-4-1',
        'claude-opus-4-5',
        'claude-opus-4-6',
        'claude-opus-4-7',
        'claude-opus-4-8',
        'claude-opus-5',
        'claude-opus-5-5',
        'claude-sonnet-4-0',
        'claude-sonnet-4-5',
        'claude-sonnet-4-6',
        'claude-sonnet-5',
        'claude-sonnet-5-5',
        'codestral-2508',
        'codestral-embed-2505',
        'command-a',
        'command-r',
        'command-r-plus',
        'command-r7b',
        'dall-e-2',
        'dall-e-3',
        'deepseek-flash',
        'deepseek-v4-flash',
        'deepseek-v4-pro',
        'embed-english-light-v3.0',
        'embed-english-v3.0',
        'embed-multilingual-light-v3.0',
        'embed-multilingual-v3.0',
        'embed-v4.0',
        'fireworks/deepseek-r1-0528',
        'fireworks/deepseek-v3p2',
        'fireworks/deepseek-v4-flash',
        'fireworks/deepseek-v4-pro',
        'fireworks/deepseek-v4p1-flash',
        'fireworks/gemma-3-27b-it',
        'fireworks/glm-5p2',
        'fireworks/glm-5p3',
        'fireworks/glm-5p3-flash',
        'fireworks/gpt-oss-120b',
        'fireworks/gpt-oss-20b',
        'fireworks/kimi-k2p6',
        'fireworks/kimi-k2p7-code',
        'fireworks/kimi-k3',
        'fireworks/kimi-k3p1-pro',
        'fireworks/llama-v3p1-8b-instruct',
        'fireworks/llama4-maverick-instruct-basic',
        'fireworks/minimax-m3',
        'fireworks/nemotron-3-ultra-nvfp4',
        'fireworks/qwen3-235b-a22b',
        'fireworks/qwen3p7-plus',
        'fireworks/qwen3p8-max',
        'gemini-2.0-flash-lite',
        'gemini-2.5-flash',
        'gemini-2.5-flash-lite',
        'gemini-2.5-pro',
        'gemini-3-flash-preview',
        'gemini-3-pro-preview',
        'gemini-3.1-flash-lite',
        'gemini-3.1-pro-preview',
        'gemini-3.5-flash',
        'gemini-3.5-flash-lite',
        'gemini-3.6-flash',
        'gemini-3.7-flash',
        'gemini-3.8-flash',
        'gemini-4-argon',
        'gemini-embedding-001',
        'gemini-robotics-er-2-preview',
        'gpt-3.5-turbo',
        'gpt-4',
        'gpt-4-turbo',
        'gpt-4.1',
        'gpt-4.1-mini',
        'gpt-4.1-nano',
        'gpt-4o',
        'gpt-4o-mini',
        'gpt-5',
        'gpt-5-mini',
        'gpt-5-nano',
        'gpt-5-pro',
        'gpt-5.1',
        'gpt-5.1-codex-mini',
        'gpt-5.2',
        'gpt-5.2-pro',
        'gpt-5.3',
        'gpt-5.3-codex',
        'gpt-5.4',
        'gpt-5.4-mini',
        'gpt-5.4-nano',
        'gpt-5.4-pro',
        'gpt-5.5',
        'gpt-5.5-pro',
        'gpt-5.6-luna',
        'gpt-5.6-sol',
        'gpt-5.6-terra',
        'gpt-6-astra',
        'gpt-6-luna',
        'gpt-6-sol',
        'gpt-6.1-sol',
        'gpt-6.1-terra',
        'gpt-chat-latest',
        'gpt-image-1',
        'gpt-image-1-mini',
        'gpt-oss-120b',
        'gpt-transcribe',
        'grok-3',
        'grok-3-mini',
        'grok-4-0709',
        'grok-4-1-fast-non-reasoning',
        'grok-4-1-fast-reasoning',
        'grok-4-fast-non-reasoning',
        'grok-4-fast-reasoning',
        'grok-4.20',
        'grok-4.20-multi-agent-0309',
        'grok-4.3',
        'grok-4.5',
        'grok-4.6',
        'grok-4.7',
        'grok-build-0.1',
        'grok-code-fast-1',
        'imagen-4',
        'imagen-4-fast',
        'imagen-4-ultra',
        'kimi-k2.6',
        'kimi-k2.7-code',
        'kimi-k2.7-code-highspeed',
        'kimi-k3',
        'kimi-k3.1-pro',
        'kimi-k3.1-pro-highspeed',
        'llama-3.1-8b-instant',
        'llama-3.3-70b',
        'llama-3.3-70b-versatile',
        'llama3.1-8b',
        'meta-llama/llama-4-maverick-17b-128e-instruct',
        'meta-llama/llama-4-scout-17b-16e-instruct',
        'meta-llama/llama-guard-4-12b',
        'ministral-14b-2512',
        'ministral-3b-2512',
        'ministral-8b-2512',
        'mistral-embed',
        'mistral-large-2512',
        'mistral-large-4',
        'mistral-medium-3-1',
        'mistral-medium-3-5',
        'mistral-medium-latest',
        'mistral-nemo',
        'mistral-saba',
        'mistral-small-2603',
        'mistral-small-3.2-24b-instruct',
        'mistral-small-latest',
        'moonshotai/kimi-k2-instruct',
        'o1',
        'o1-pro',
        'o3',
        'o3-deep-research',
        'o3-mini',
        'o3-pro',
        'o4-mini',
        'o4-mini-deep-research',
        'openai/gpt-oss-120b',
        'openai/gpt-oss-20b',
        'openai/gpt-oss-safeguard-20b',
        'pixtral-12b',
        'pixtral-large',
        'pplx-embed-context-v1-0.6b',
        'pplx-embed-context-v1-4b',
        'pplx-embed-v1-0.6b',
        'pplx-embed-v1-4b',
        'qwen-3.8-27b',
        'qwen/qwen3-32b',
        'qwen/qwen3.8-27b',
        'rerank-2.5',
        'rerank-2.5-lite',
        'rerank-v3.5',
        'sonar',
        'sonar-pro',
        'sonar-reasoning',
        'sonar-reasoning-pro',
        'sora-2',
        'sora-2-pro',
        'text-embedding-3-large',
        'text-embedding-3-small',
        'text-embedding-ada-002',
        'together/MiniMaxAI/MiniMax-M3',
        'together/MiniMaxAI/MiniMax-M3.1-Flash',
        'together/Qwen/Qwen3.5-9B',
        'together/Qwen/Qwen3.6-Plus',
        'together/Qwen/Qwen3.7-Max',
        'together/Qwen/Qwen3.7-Plus',
        'together/Qwen/Qwen3.8-2.4T-A95B',
        'together/Qwen/Qwen3.8-Flash',
        'together/deepseek-ai/DeepSeek-V4-Pro-0813',
        'together/deepseek-ai/DeepSeek-V4.1-Flash',
        'together/meta-llama/Llama-3.3-70B-Instruct-Turbo',
        'together/meta-llama/Llama-4-Maverick-17B-128E-Instruct-FP8',
        'together/meta-llama/Llama-4-Scout-17B-16E-Instruct',
        'together/meta-llama/Meta-Llama-3.1-405B-Instruct-Turbo',
        'together/meta-llama/Meta-Llama-3.1-8B-Instruct-Turbo',
        'together/moonshotai/Kimi-K3',
        'together/moonshotai/Kimi-K3.1-Pro',
        'together/nvidia/NVIDIA-Nemotron-3.5-Super-VL',
        'together/openai/gpt-oss-120b',
        'together/zai-org/GLM-5.3',
        'together/zai-org/GLM-5.3-Flash',
        'tts-1',
        'tts-1-hd',
        'veo-2',
        'veo-3',
        'veo-3-fast',
        'voxtral-mini-2602',
        'voxtral-mini-transcribe-3-0',
        'voxtral-small-transcribe-3-0',
        'voyage-3-large',
        'voyage-3.5',
        'voyage-3.5-lite',
        'voyage-4',
        'voyage-4-large',
        'voyage-4-lite',
        'voyage-code-3',
        'voyage-code-4',
        'voyage-context-3',
        'voyage-context-4',
        'voyage-finance-2',
        'voyage-law-2',
        'voyage-multilingual-2',
        'whisper-1',
        'whisper-large-v3',
        'whisper-large-v3-turbo',
        'zai-glm-4.7',
    ]
else:
    ModelId = str  # the Literal is for type checkers; building it at run time costs ~1 ms per 1,000 ids

NETWORKS: Final[Mapping[str, Network]] = MappingProxyType({
    'eip155:43113': Network(
        'eip155:43113', 43113, 'Avalanche Fuji', '0x5425890298aed601595a70AB815c96711a31Bc65', 'USD Coin',
        '2', 6, '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
    ),
    'eip155:43114': Network(
        'eip155:43114', 43114, 'Avalanche C-Chain', '0xB97EF9Ef8734C71904D8002F8b6Bc66Dd9c48a6E', 'USD Coin',
        '2', 6, '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
    ),
})

PROVIDERS: Final[Mapping[str, Provider]] = MappingProxyType({
    'anthropic': Provider('anthropic', 'Anthropic', 'https://api.anthropic.com/v1', 'ANTHROPIC_API_KEY', 'openai-chat', None),
    'cerebras': Provider('cerebras', 'Cerebras', 'https://api.cerebras.ai/v1', 'CEREBRAS_API_KEY', 'openai-chat', None),
    'cohere': Provider('cohere', 'Cohere', 'https://api.cohere.ai/compatibility/v1', 'CO_API_KEY', 'openai-chat', 'https://api.cohere.com/v2/rerank'),
    'deepseek': Provider('deepseek', 'DeepSeek', 'https://api.deepseek.com/v1', 'DEEPSEEK_API_KEY', 'openai-chat', None),
    'fireworks': Provider('fireworks', 'Fireworks AI', 'https://api.fireworks.ai/inference/v1', 'FIREWORKS_API_KEY', 'openai-chat', None),
    'google': Provider('google', 'Google Gemini API', 'https://generativelanguage.googleapis.com/v1beta/openai', 'GEMINI_API_KEY', 'openai-chat', None),
    'groq': Provider('groq', 'Groq', 'https://api.groq.com/openai/v1', 'GROQ_API_KEY', 'openai-chat', None),
    'mistral': Provider('mistral', 'Mistral AI', 'https://api.mistral.ai/v1', 'MISTRAL_API_KEY', 'openai-chat', None),
    'moonshot': Provider('moonshot', 'Moonshot AI', 'https://api.moonshot.ai/v1', 'MOONSHOT_API_KEY', 'openai-chat', None),
    'openai': Provider('openai', 'OpenAI', 'https://api.openai.com/v1', 'OPENAI_API_KEY', 'openai-chat', None),
    'perplexity': Provider('perplexity', 'Perplexity', 'https://api.perplexity.ai', 'PERPLEXITY_API_KEY', 'openai-chat', None),
    'together': Provider('together', 'Together AI', 'https://api.together.xyz/v1', 'TOGETHER_API_KEY', 'openai-chat', None),
    'voyage': Provider('voyage', 'Voyage AI', 'https://api.voyageai.com/v1', 'VOYAGE_API_KEY', 'openai-chat', None),
    'xai': Provider('xai', 'xAI', 'https://api.x.ai/v1', 'XAI_API_KEY', 'openai-chat', None),
})

# Every distinct (price, unit) of the catalog with its exact atomic rate num/den.
_RATES: Final[tuple[tuple[str, str, int, int], ...]] = (
    ('0.0028', 'usd_per_1m_tokens', 7, 2500),
    ('0.003', 'usd_per_1m_tokens', 3, 1000),
    ('0.003625', 'usd_per_1m_tokens', 29, 8000),
    ('0.004', 'usd_per_1m_tokens', 1, 250),
    ('0.005', 'usd_per_1m_tokens', 1, 200),
    ('0.005', 'usd_per_image', 5000, 1),
    ('0.006', 'usd_per_1m_tokens', 3, 500),
    ('0.006', 'usd_per_image', 6000, 1),
    ('0.006', 'usd_per_minute', 100, 1),
    ('0.007', 'usd_per_1m_tokens', 7, 1000),
    ('0.008', 'usd_per_1m_tokens', 1, 125),
    ('0.01', 'usd_per_1m_tokens', 1, 100),
    ('0.011', 'usd_per_image', 11000, 1),
    ('0.014', 'usd_per_1m_tokens', 7, 500),
    ('0.015', 'usd_per_1m_tokens', 3, 200),
    ('0.015', 'usd_per_image', 15000, 1),
    ('0.016', 'usd_per_image', 16000, 1),
    ('0.018', 'usd_per_image', 18000, 1),
    ('0.02', 'usd_per_1m_tokens', 1, 50),
    ('0.02', 'usd_per_image', 20000, 1),
    ('0.022', 'usd_per_1m_tokens', 11, 500),
    ('0.025', 'usd_per_1m_tokens', 1, 40),
    ('0.028', 'usd_per_1m_tokens', 7, 250),
    ('0.03', 'usd_per_1m_tokens', 3, 100),
    ('0.035', 'usd_per_1m_tokens', 7, 200),
    ('0.036', 'usd_per_image', 36000, 1),
    ('0.0375', 'usd_per_1m_tokens', 3, 80),
    ('0.04', 'usd_per_1m_tokens', 1, 25),
    ('0.04', 'usd_per_3600_seconds', 100, 9),
    ('0.04', 'usd_per_image', 40000, 1),
    ('0.042', 'usd_per_image', 42000, 1),
    ('0.05', 'usd_per_1m_tokens', 1, 20),
    ('0.052', 'usd_per_image', 52000, 1),
    ('0.06', 'usd_per_1m_tokens', 3, 50),
    ('0.06', 'usd_per_image', 60000, 1),
    ('0.063', 'usd_per_image', 63000, 1),
    ('0.07', 'usd_per_1m_tokens', 7, 100),
    ('0.075', 'usd_per_1m_tokens', 3, 40),
    ('0.08', 'usd_per_1m_tokens', 2, 25),
    ('0.08', 'usd_per_image', 80000, 1),
    ('0.1', 'usd_per_1m_tokens', 1, 10),
    ('0.1', 'usd_per_second', 100000, 1),
    ('0.11', 'usd_per_1m_tokens', 11, 100),
    ('0.111', 'usd_per_3600_seconds', 185, 6),
    ('0.12', 'usd_per_1m_tokens', 3, 25),
    ('0.12', 'usd_per_image', 120000, 1),
    ('0.125', 'usd_per_1m_tokens', 1, 8),
    ('0.13', 'usd_per_1m_tokens', 13, 100),
    ('0.14', 'usd_per_1m_tokens', 7, 50),
    ('0.145', 'usd_per_1m_tokens', 29, 200),
    ('0.15', 'usd_per_1m_tokens', 3, 20),
    ('0.15', 'usd_per_second', 150000, 1),
    ('0.16', 'usd_per_1m_tokens', 4, 25),
    ('0.167', 'usd_per_image', 167000, 1),
    ('0.17', 'usd_per_1m_tokens', 17, 100),
    ('0.175', 'usd_per_1m_tokens', 7, 40),
    ('0.18', 'usd_per_1m_tokens', 9, 50),
    ('0.18', 'usd_per_3600_seconds', 50, 1),
    ('0.19', 'usd_per_1m_tokens', 19, 100),
    ('0.2', 'usd_per_1m_tokens', 1, 5),
    ('0.21', 'usd_per_3600_seconds', 175, 3),
    ('0.22', 'usd_per_1m_tokens', 11, 50),
    ('0.24', 'usd_per_3600_seconds', 200, 3),
    ('0.25', 'usd_per_1m_tokens', 1, 4),
    ('0.25', 'usd_per_image', 250000, 1),
    ('0.26', 'usd_per_1m_tokens', 13, 50),
    ('0.27', 'usd_per_1m_tokens', 27, 100),
    ('0.27', 'usd_per_3600_seconds', 75, 1),
    ('0.275', 'usd_per_1m_tokens', 11, 40),
    ('0.28', 'usd_per_1m_tokens', 7, 25),
    ('0.29', 'usd_per_1m_tokens', 29, 100),
    ('0.3', 'usd_per_1m_tokens', 3, 10),
    ('0.3', 'usd_per_second', 300000, 1),
    ('0.32', 'usd_per_1m_tokens', 8, 25),
    ('0.34', 'usd_per_1m_tokens', 17, 50),
    ('0.35', 'usd_per_1m_tokens', 7, 20),
    ('0.35', 'usd_per_second', 350000, 1),
    ('0.38', 'usd_per_1m_tokens', 19, 50),
    ('0.4', 'usd_per_1m_tokens', 2, 5),
    ('0.4', 'usd_per_second', 400000, 1),
    ('0.435', 'usd_per_1m_tokens', 87, 200),
    ('0.47', 'usd_per_1m_tokens', 47, 100),
    ('0.5', 'usd_per_1m_tokens', 1, 2),
    ('0.5', 'usd_per_second', 500000, 1),
    ('0.55', 'usd_per_1m_tokens', 11, 20),
    ('0.56', 'usd_per_1m_tokens', 14, 25),
    ('0.59', 'usd_per_1m_tokens', 59, 100),
    ('0.6', 'usd_per_1m_tokens', 3, 5),
    ('0.625', 'usd_per_1m_tokens', 5, 8),
    ('0.66', 'usd_per_1m_tokens', 33, 50),
    ('0.68', 'usd_per_1m_tokens', 17, 25),
    ('0.7', 'usd_per_1m_tokens', 7, 10),
    ('0.75', 'usd_per_1m_tokens', 3, 4),
    ('0.79', 'usd_per_1m_tokens', 79, 100),
    ('0.8', 'usd_per_1m_tokens', 4, 5),
    ('0.85', 'usd_per_1m_tokens', 17, 20),
    ('0.87', 'usd_per_1m_tokens', 87, 100),
    ('0.88', 'usd_per_1m_tokens', 22, 25),
    ('0.9', 'usd_per_1m_tokens', 9, 10),
    ('0.95', 'usd_per_1m_tokens', 19, 20),
    ('0.99', 'usd_per_1m_tokens', 99, 100),
    ('1', 'usd_per_1m_tokens', 1, 1),
    ('1.1', 'usd_per_1m_tokens', 11, 10),
    ('1.2', 'usd_per_1m_tokens', 6, 5),
    ('1.25', 'usd_per_1m_tokens', 5, 4),
    ('1.28', 'usd_per_1m_tokens', 32, 25),
    ('1.32', 'usd_per_1m_tokens', 33, 25),
    ('1.36', 'usd_per_1m_tokens', 34, 25),
    ('1.4', 'usd_per_1m_tokens', 7, 5),
    ('1.49', 'usd_per_1m_tokens', 149, 100),
    ('1.5', 'usd_per_1m_tokens', 3, 2),
    ('1.6', 'usd_per_1m_tokens', 8, 5),
    ('1.68', 'usd_per_1m_tokens', 42, 25),
    ('1.74', 'usd_per_1m_tokens', 87, 50),
    ('1.75', 'usd_per_1m_tokens', 7, 4),
    ('1.8', 'usd_per_1m_tokens', 9, 5),
    ('1.9', 'usd_per_1m_tokens', 19, 10),
    ('1.98', 'usd_per_1m_tokens', 99, 50),
    ('10', 'usd_per_1m_tokens', 10, 1),
    ('12', 'usd_per_1k_requests', 12000, 1),
    ('12', 'usd_per_1m_tokens', 12, 1),
    ('12.5', 'usd_per_1m_tokens', 25, 2),
    ('120', 'usd_per_1m_tokens', 120, 1),
    ('14', 'usd_per_1k_requests', 14000, 1),
    ('14', 'usd_per_1m_tokens', 14, 1),
    ('15', 'usd_per_1m_characters', 15, 1),
    ('15', 'usd_per_1m_tokens', 15, 1),
    ('150', 'usd_per_1m_tokens', 150, 1),
    ('168', 'usd_per_1m_tokens', 168, 1),
    ('18', 'usd_per_1m_tokens', 18, 1),
    ('18.75', 'usd_per_1m_tokens', 75, 4),
    ('180', 'usd_per_1m_tokens', 180, 1),
    ('2', 'usd_per_1k_searches', 2000, 1),
    ('2', 'usd_per_1m_tokens', 2, 1),
    ('2.09', 'usd_per_1m_tokens', 209, 100),
    ('2.1', 'usd_per_1m_tokens', 21, 10),
    ('2.25', 'usd_per_1m_tokens', 9, 4),
    ('2.4', 'usd_per_1m_tokens', 12, 5),
    ('2.5', 'usd_per_1m_tokens', 5, 2),
    ('2.75', 'usd_per_1m_tokens', 11, 4),
    ('20', 'usd_per_1m_tokens', 20, 1),
    ('21', 'usd_per_1m_tokens', 21, 1),
    ('22', 'usd_per_1m_characters', 22, 1),
    ('22.5', 'usd_per_1m_tokens', 45, 2),
    ('25', 'usd_per_1m_tokens', 25, 1),
    ('270', 'usd_per_1m_tokens', 270, 1),
    ('3', 'usd_per_1m_tokens', 3, 1),
    ('3.125', 'usd_per_1m_tokens', 25, 8),
    ('3.48', 'usd_per_1m_tokens', 87, 25),
    ('3.5', 'usd_per_1m_tokens', 7, 2),
    ('3.75', 'usd_per_1m_tokens', 15, 4),
    ('3.96', 'usd_per_1m_tokens', 99, 25),
    ('30', 'usd_per_1m_characters', 30, 1),
    ('30', 'usd_per_1m_tokens', 30, 1),
    ('37.5', 'usd_per_1m_tokens', 75, 2),
    ('4', 'usd_per_1m_tokens', 4, 1),
    ('4.18', 'usd_per_1m_tokens', 209, 50),
    ('4.4', 'usd_per_1m_tokens', 22, 5),
    ('4.5', 'usd_per_1m_tokens', 9, 2),
    ('40', 'usd_per_1m_characters', 40, 1),
    ('40', 'usd_per_1m_tokens', 40, 1),
    ('45', 'usd_per_1m_tokens', 45, 1),
    ('5', 'usd_per_1m_tokens', 5, 1),
    ('50', 'usd_per_1m_tokens', 50, 1),
    ('6', 'usd_per_1m_tokens', 6, 1),
    ('6.25', 'usd_per_1m_tokens', 25, 4),
    ('60', 'usd_per_1m_tokens', 60, 1),
    ('600', 'usd_per_1m_tokens', 600, 1),
    ('7.5', 'usd_per_1m_tokens', 15, 2),
    ('75', 'usd_per_1m_tokens', 75, 1),
    ('8', 'usd_per_1m_tokens', 8, 1),
    ('80', 'usd_per_1m_tokens', 80, 1),
    ('9', 'usd_per_1m_tokens', 9, 1),
)
RATES: Final[Mapping[tuple[str, str], Rate]] = MappingProxyType(
    {(usd, unit): Rate(Decimal(usd), unit, num, den) for usd, unit, num, den in _RATES}
)

# One row per model, sorted by id:
#   (id, name, provider, upstream_id, aliases, modality, operations, context_window, max_output_tokens, source, as_of,
#    price sets: (effective_from, free, token unit, tokens, tiers, images, video, characters, audio, requests,
#    searches), deprecated)
# tokens: (input, cached_input, cache_write, output, reasoning) prices; tiers: ((above_input_tokens, tokens), ...);
# images / video: (unit, params, ((values, price, default), ...)); characters / audio / requests / searches:
# (unit, price).
_ROWS: Final[tuple[Any, ...]] = (
    ('c4ai-aya-expanse-32b', 'Aya Expanse 32B', 'cohere', 'c4ai-aya-expanse-32b', ('cohere/c4ai-aya-expanse-32b',), 'text', ('chat',), 128000, None, 'https://cohere.com/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.5', None, None, '1.5', None), (), None, None, None, None, None, None),), None),
    ('canopylabs/orpheus-arabic-saudi', 'Orpheus Arabic Saudi (Canopy Labs)', 'groq', 'canopylabs/orpheus-arabic-saudi', ('groq/canopylabs/orpheus-arabic-saudi',), 'audio', ('speech',), 4000, None, 'https://console.groq.com/docs/models', '2026-11-04', ((None, False, 'usd_per_1m_tokens', None, (), None, None, ('usd_per_1m_characters', '40'), None, None, None),), None),
    ('canopylabs/orpheus-v1-english', 'Orpheus V1 English (Canopy Labs)', 'groq', 'canopylabs/orpheus-v1-english', ('groq/canopylabs/orpheus-v1-english',), 'audio', ('speech',), 4000, None, 'https://console.groq.com/docs/models', '2026-11-04', ((None, False, 'usd_per_1m_tokens', None, (), None, None, ('usd_per_1m_characters', '22'), None, None, None),), None),
    ('claude-3-5-haiku-latest', 'Claude Haiku 3.5', 'anthropic', 'claude-3-5-haiku-latest', ('anthropic/claude-3-5-haiku-latest', 'claude-3-5-haiku-20241022'), 'text', ('chat',), 200000, 8192, 'https://www.anthropic.com/pricing#api', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.8', '0.08', '1', '4', None), (), None, None, None, None, None, None),), None),
    ('claude-3-7-sonnet-latest', 'Claude Sonnet 3.7', 'anthropic', 'claude-3-7-sonnet-latest', ('anthropic/claude-3-7-sonnet-latest', 'claude-3-7-sonnet-20250219'), 'text', ('chat',), 200000, 64000, 'https://www.anthropic.com/pricing#api', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('3', '0.3', '3.75', '15', None), (), None, None, None, None, None, None),), None),
    ('claude-3-haiku', 'Claude Haiku 3', 'anthropic', 'claude-3-haiku-20240307', ('anthropic/claude-3-haiku',), 'text', ('chat',), 200000, 4096, 'https://www.anthropic.com/pricing#api', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.25', '0.03', '0.3', '1.25', None), (), None, None, None, None, None, None),), None),
    ('claude-fable-5', 'Claude Fable 5', 'anthropic', 'claude-fable-5', ('anthropic/claude-fable-5',), 'text', ('chat',), 1000000, None, 'https://www.anthropic.com/pricing#api', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('10', '1', '12.5', '50', None), (), None, None, None, None, None, None),), None),
    ('claude-fable-5-1', 'Claude Fable 5.1', 'anthropic', 'claude-fable-5-1', ('anthropic/claude-fable-5-1',), 'text', ('chat',), 1000000, None, 'https://www.anthropic.com/pricing#api', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('10', '0.25', '12.5', '50', None), (), None, None, None, None, None, None),), None),
    ('claude-fable-5-2', 'Claude Fable 5.2', 'anthropic', 'claude-fable-5-2', ('anthropic/claude-fable-5-2',), 'text', ('chat',), 1000000, None, 'https://www.anthropic.com/pricing#api', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('8', '0.2', '10', '40', None), (), None, None, None, None, None, None),), None),
    ('claude-haiku-4-5', 'Claude Haiku 4.5', 'anthropic', 'claude-haiku-4-5', ('anthropic/claude-haiku-4-5', 'claude-haiku-4-5-20251001'), 'text', ('chat',), 200000, 64000, 'https://www.anthropic.com/pricing#api', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('1', '0.1', '1.25', '5', None), (), None, None, None, None, None, None),), None),
    ('claude-haiku-5-5', 'Claude Haiku 5.5', 'anthropic', 'claude-haiku-5-5', ('anthropic/claude-haiku-5-5',), 'text', ('chat',), 1000000, None, 'https://www.anthropic.com/pricing#api', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.1', '0.01', '0.125', '0.5', None), ((100000, ('0.5', '0.05', '0.625', '2.5', None)),), None, None, None, None, None, None),), None),
    ('claude-mythos-5-2', 'Claude Mythos 5.2', 'anthropic', 'claude-mythos-5-2', ('anthropic/claude-mythos-5-2',), 'text', ('chat',), 1000000, None, 'https://www.anthropic.com/pricing#api', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('8', '0.2', '10', '40', None), (), None, None, None, None, None, None),), None),
    ('claude-opus-4-0', 'Claude Opus 4', 'anthropic', 'claude-opus-4-0', ('anthropic/claude-opus-4-0', 'claude-opus-4', 'claude-opus-4-20250514'), 'text', ('chat',), 200000, 32000, 'https://www.anthropic.com/pricing#api', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('15', '1.5', '18.75', '75', None), (), None, None, None, None, None, None),), None),
    ('claude-opus-4-1', 'Claude Opus 4.1', 'anthropic', 'claude-opus-4-1', ('anthropic/claude-opus-4-1', 'claude-opus-4-1-20250805'), 'text', ('chat',), 200000, 32000, 'https://www.anthropic.com/pricing#api', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('15', '1.5', '18.75', '75', None), (), None, None, None, None, None, None),), None),
    ('claude-opus-4-5', 'Claude Opus 4.5', 'anthropic', 'claude-opus-4-5', ('anthropic/claude-opus-4-5', 'claude-opus-4-5-20251101'), 'text', ('chat',), 200000, 64000, 'https://www.anthropic.com/pricing#api', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('5', '0.5', '6.25', '25', None), (), None, None, None, None, None, None),), None),
    ('claude-opus-4-6', 'Claude Opus 4.6', 'anthropic', 'claude-opus-4-6', ('anthropic/claude-opus-4-6',), 'text', ('chat',), 1000000, None, 'https://www.anthropic.com/pricing#api', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('5', '0.5', '6.25', '25', None), ((200000, ('10', '1', '12.5', '37.5', None)),), None, None, None, None, None, None), ('2026-03-13T00:00:00', False, 'usd_per_1m_tokens', ('5', '0.5', '6.25', '25', None), (), None, None, None, None, None, None)), None),
    ('claude-opus-4-7', 'Claude Opus 4.7', 'anthropic', 'claude-opus-4-7', ('anthropic/claude-opus-4-7',), 'text', ('chat',), 1000000, None, 'https://www.anthropic.com/pricing#api', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('5', '0.5', '6.25', '25', None), (), None, None, None, None, None, None),), None),
    ('claude-opus-4-8', 'Claude Opus 4.8', 'anthropic', 'claude-opus-4-8', ('anthropic/claude-opus-4-8',), 'text', ('chat',), 1000000, None, 'https://www.anthropic.com/pricing#api', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('5', '0.5', '6.25', '25', None), (), None, None, None, None, None, None),), None),
    ('claude-opus-5', 'Claude Opus 5', 'anthropic', 'claude-opus-5', ('anthropic/claude-opus-5', 'claude-opus-5-latest'), 'text', ('chat',), 1000000, None, 'https://www.anthropic.com/pricing#api', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('5', '0.5', '6.25', '25', None), (), None, None, None, None, None, None),), None),
    ('claude-opus-5-5', 'Claude Opus 5.5', 'anthropic', 'claude-opus-5-5', ('anthropic/claude-opus-5-5',), 'text', ('chat',), 1000000, None, 'https://www.anthropic.com/pricing#api', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('4', '0.2', '5', '20', None), (), None, None, None, None, None, None),), None),
    ('claude-sonnet-4-0', 'Claude Sonnet 4', 'anthropic', 'claude-sonnet-4-0', ('anthropic/claude-sonnet-4-0', 'claude-sonnet-4', 'claude-sonnet-4-20250514'), 'text', ('chat',), 200000, 64000, 'https://www.anthropic.com/pricing#api', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('3', '0.3', '3.75', '15', None), (), None, None, None, None, None, None),), None),
    ('claude-sonnet-4-5', 'Claude Sonnet 4.5', 'anthropic', 'claude-sonnet-4-5', ('anthropic/claude-sonnet-4-5', 'claude-sonnet-4-5-20250929'), 'text', ('chat',), 200000, 64000, 'https://www.anthropic.com/pricing#api', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('3', '0.3', '3.75', '15', None), ((200000, ('6', '0.6', '7.5', '22.5', None)),), None, None, None, None, None, None),), None),
    ('claude-sonnet-4-6', 'Claude Sonnet 4.6', 'anthropic', 'claude-sonnet-4-6', ('anthropic/claude-sonnet-4-6',), 'text', ('chat',), 1000000, None, 'https://www.anthropic.com/pricing#api', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('3', '0.3', '3.75', '15', None), ((200000, ('6', '0.6', '7.5', '22.5', None)),), None, None, None, None, None, None), ('2026-03-13T00:00:00', False, 'usd_per_1m_tokens', ('3', '0.3', '3.75', '15', None), (), None, None, None, None, None, None)), None),
    ('claude-sonnet-5', 'Claude Sonnet 5', 'anthropic', 'claude-sonnet-5', ('anthropic/claude-sonnet-5',), 'text', ('chat',), 1000000, None, 'https://www.anthropic.com/pricing#api', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('2', '0.2', '2.5', '10', None), (), None, None, None, None, None, None),), None),
    ('claude-sonnet-5-5', 'Claude Sonnet 5.5', 'anthropic', 'claude-sonnet-5-5', ('anthropic/claude-sonnet-5-5',), 'text', ('chat',), 1000000, None, 'https://www.anthropic.com/pricing#api', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('2', '0.1', '2.5', '10', None), (), None, None, None, None, None, None),), None),
    ('codestral-2508', 'Codestral 2508', 'mistral', 'codestral-2508', ('mistral/codestral-2508',), 'text', ('chat',), 256000, None, 'https://mistral.ai/pricing/api', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.3', '0.03', None, '0.9', None), (), None, None, None, None, None, None),), None),
    ('codestral-embed-2505', 'Codestral Embed 2505', 'mistral', 'codestral-embed-2505', ('codestral-embed', 'mistral/codestral-embed-2505'), 'embedding', ('embeddings',), 8000, None, 'https://mistral.ai/pricing/api', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.15', '0.015', None, None, None), (), None, None, None, None, None, None),), None),
    ('command-a', 'Command A', 'cohere', 'command-a-03-2025', ('cohere/command-a',), 'text', ('chat',), None, None, 'https://cohere.com/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('2.5', None, None, '10', None), (), None, None, None, None, None, None),), None),
    ('command-r', 'Command R', 'cohere', 'command-r-08-2024', ('cohere/command-r',), 'text', ('chat',), None, None, 'https://cohere.com/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.15', None, None, '0.6', None), (), None, None, None, None, None, None),), None),
    ('command-r-plus', 'Command R+', 'cohere', 'command-r-plus-08-2024', ('cohere/command-r-plus',), 'text', ('chat',), None, None, 'https://cohere.com/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('2.5', None, None, '10', None), (), None, None, None, None, None, None),), None),
    ('command-r7b', 'Command R7B', 'cohere', 'command-r7b-12-2024', ('cohere/command-r7b',), 'text', ('chat',), None, None, 'https://cohere.com/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.0375', None, None, '0.15', None), (), None, None, None, None, None, None),), None),
    ('dall-e-2', 'DALL·E 2', 'openai', 'dall-e-2', ('openai/dall-e-2',), 'image', ('images',), None, None, 'https://platform.openai.com/docs/pricing', '2025-11-01', ((None, False, 'usd_per_1m_tokens', None, (), ('usd_per_image', ('size',), ((('256x256',), '0.016', False), (('512x512',), '0.018', False), (('1024x1024',), '0.02', True))), None, None, None, None, None),), None),
    ('dall-e-3', 'DALL·E 3', 'openai', 'dall-e-3', ('openai/dall-e-3',), 'image', ('images',), None, None, 'https://platform.openai.com/docs/pricing', '2025-11-01', ((None, False, 'usd_per_1m_tokens', None, (), ('usd_per_image', ('size', 'quality'), ((('1024x1024', 'standard'), '0.04', True), (('1024x1792', 'standard'), '0.08', False), (('1792x1024', 'standard'), '0.08', False), (('1024x1024', 'hd'), '0.08', False), (('1024x1792', 'hd'), '0.12', False), (('1792x1024', 'hd'), '0.12', False))), None, None, None, None, None),), None),
    ('deepseek-flash', 'DeepSeek V4.1 Flash', 'deepseek', 'deepseek-flash', ('deepseek/deepseek-flash',), 'text', ('chat',), 1000000, None, 'https://api-docs.deepseek.com/quick_start/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.15', '0.003', None, '0.6', None), (), None, None, None, None, None, None),), None),
    ('deepseek-v4-flash', 'DeepSeek V4 Flash', 'deepseek', 'deepseek-v4-flash', ('deepseek/deepseek-v4-flash',), 'text', ('chat',), 1000000, None, 'https://api-docs.deepseek.com/quick_start/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.14', '0.0028', None, '0.28', None), (), None, None, None, None, None, None), ('2026-08-17T00:00:00', False, 'usd_per_1m_tokens', ('0.22', '0.007', None, '0.66', None), (), None, None, None, None, None, None), ('2026-09-10T00:00:00', False, 'usd_per_1m_tokens', ('0.15', '0.003', None, '0.6', None), (), None, None, None, None, None, None)), None),
    ('deepseek-v4-pro', 'DeepSeek V4 Pro', 'deepseek', 'deepseek-v4-pro', ('deepseek/deepseek-v4-pro',), 'text', ('chat',), 1000000, None, 'https://api-docs.deepseek.com/quick_start/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.435', '0.003625', None, '0.87', None), (), None, None, None, None, None, None), ('2026-08-17T00:00:00', False, 'usd_per_1m_tokens', ('0.66', '0.022', None, '1.98', None), (), None, None, None, None, None, None)), None),
    ('embed-english-light-v3.0', 'Embed English Light 3', 'cohere', 'embed-english-light-v3.0', ('cohere/embed-english-light-v3.0',), 'embedding', ('embeddings',), 512, None, 'https://cohere.com/pricing', '2025-11-01', ((None, False, 'usd_per_1m_tokens', ('0.1', None, None, None, None), (), None, None, None, None, None, None),), None),
    ('embed-english-v3.0', 'Embed English 3', 'cohere', 'embed-english-v3.0', ('cohere/embed-english-v3.0',), 'embedding', ('embeddings',), 512, None, 'https://cohere.com/pricing', '2025-11-01', ((None, False, 'usd_per_1m_tokens', ('0.1', None, None, None, None), (), None, None, None, None, None, None),), None),
    ('embed-multilingual-light-v3.0', 'Embed Multilingual Light 3', 'cohere', 'embed-multilingual-light-v3.0', ('cohere/embed-multilingual-light-v3.0',), 'embedding', ('embeddings',), 512, None, 'https://cohere.com/pricing', '2025-11-01', ((None, False, 'usd_per_1m_tokens', ('0.1', None, None, None, None), (), None, None, None, None, None, None),), None),
    ('embed-multilingual-v3.0', 'Embed Multilingual 3', 'cohere', 'embed-multilingual-v3.0', ('cohere/embed-multilingual-v3.0',), 'embedding', ('embeddings',), 512, None, 'https://cohere.com/pricing', '2025-11-01', ((None, False, 'usd_per_1m_tokens', ('0.1', None, None, None, None), (), None, None, None, None, None, None),), None),
    ('embed-v4.0', 'Embed 4', 'cohere', 'embed-v4.0', ('cohere/embed-v4.0',), 'embedding', ('embeddings',), 128000, None, 'https://cohere.com/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.12', None, None, None, None), (), None, None, None, None, None, None),), None),
    ('fireworks/deepseek-r1-0528', 'DeepSeek R1 0528', 'fireworks', 'accounts/fireworks/models/deepseek-r1-0528', ('accounts/fireworks/models/deepseek-r1-0528',), 'text', ('chat',), 160000, None, 'https://fireworks.ai/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('3', None, None, '8', None), (), None, None, None, None, None, None),), None),
    ('fireworks/deepseek-v3p2', 'Deepseek V3.2', 'fireworks', 'accounts/fireworks/models/deepseek-v3p2', ('accounts/fireworks/models/deepseek-v3p2',), 'text', ('chat',), 163840, None, 'https://fireworks.ai/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.56', '0.28', None, '1.68', None), (), None, None, None, None, None, None),), None),
    ('fireworks/deepseek-v4-flash', 'DeepSeek-V4-Flash', 'fireworks', 'accounts/fireworks/models/deepseek-v4-flash', ('accounts/fireworks/models/deepseek-v4-flash', 'accounts/fireworks/models/deepseek-v4-flash-0731'), 'text', ('chat',), 1040000, None, 'https://fireworks.ai/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.14', '0.028', None, '0.28', None), (), None, None, None, None, None, None),), None),
    ('fireworks/deepseek-v4-pro', 'DeepSeek-V4-Pro', 'fireworks', 'accounts/fireworks/models/deepseek-v4-pro', ('accounts/fireworks/models/deepseek-v4-pro',), 'text', ('chat',), 1048576, None, 'https://fireworks.ai/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('1.74', '0.145', None, '3.48', None), (), None, None, None, None, None, None),), None),
    ('fireworks/deepseek-v4p1-flash', 'DeepSeek V4.1 Flash', 'fireworks', 'accounts/fireworks/models/deepseek-v4p1-flash', ('accounts/fireworks/models/deepseek-v4p1-flash',), 'text', ('chat',), None, None, 'https://fireworks.ai/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.3', '0.006', None, '1.2', None), (), None, None, None, None, None, None),), None),
    ('fireworks/gemma-3-27b-it', 'Gemma 3 27B Instruct', 'fireworks', 'accounts/fireworks/models/gemma-3-27b-it', ('accounts/fireworks/models/gemma-3-27b-it',), 'text', ('chat',), 131000, None, 'https://fireworks.ai/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.1', None, None, '0.1', None), (), None, None, None, None, None, None),), None),
    ('fireworks/glm-5p2', 'GLM-5.2', 'fireworks', 'accounts/fireworks/models/glm-5p2', ('accounts/fireworks/models/glm-5p2',), 'text', ('chat',), 1040000, None, 'https://fireworks.ai/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('1.4', '0.14', None, '4.4', None), (), None, None, None, None, None, None),), None),
    ('fireworks/glm-5p3', 'GLM 5.3', 'fireworks', 'accounts/fireworks/models/glm-5p3', ('accounts/fireworks/models/glm-5p3',), 'text', ('chat',), None, None, 'https://fireworks.ai/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('1.4', '0.26', None, '4.4', None), (), None, None, None, None, None, None),), None),
    ('fireworks/glm-5p3-flash', 'GLM 5.3 Flash', 'fireworks', 'accounts/fireworks/models/glm-5p3-flash', ('accounts/fireworks/models/glm-5p3-flash',), 'text', ('chat',), None, None, 'https://fireworks.ai/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.15', '0.03', None, '0.5', None), (), None, None, None, None, None, None),), None),
    ('fireworks/gpt-oss-120b', 'OpenAI gpt-oss-120b', 'fireworks', 'accounts/fireworks/models/gpt-oss-120b', ('accounts/fireworks/models/gpt-oss-120b',), 'text', ('chat',), 131072, None, 'https://fireworks.ai/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.15', '0.014', None, '0.6', None), (), None, None, None, None, None, None), ('2026-10-19T00:00:00', False, 'usd_per_1m_tokens', ('0.15', '0.015', None, '0.6', None), (), None, None, None, None, None, None)), None),
    ('fireworks/gpt-oss-20b', 'OpenAI gpt-oss-20b', 'fireworks', 'accounts/fireworks/models/gpt-oss-20b', ('accounts/fireworks/models/gpt-oss-20b',), 'text', ('chat',), 131072, None, 'https://fireworks.ai/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.07', '0.035', None, '0.3', None), (), None, None, None, None, None, None),), None),
    ('fireworks/kimi-k2p6', 'Kimi K2.6', 'fireworks', 'accounts/fireworks/models/kimi-k2p6', ('accounts/fireworks/models/kimi-k2p6',), 'text', ('chat',), None, None, 'https://fireworks.ai/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.95', '0.16', None, '4', None), (), None, None, None, None, None, None),), None),
    ('fireworks/kimi-k2p7-code', 'Kimi K2.7 Code', 'fireworks', 'accounts/fireworks/models/kimi-k2p7-code', ('accounts/fireworks/models/kimi-k2p7-code',), 'text', ('chat',), 262144, None, 'https://fireworks.ai/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.95', '0.19', None, '4', None), (), None, None, None, None, None, None),), None),
    ('fireworks/kimi-k3', 'Kimi K3', 'fireworks', 'accounts/fireworks/models/kimi-k3', ('accounts/fireworks/models/kimi-k3',), 'text', ('chat',), 1040000, None, 'https://fireworks.ai/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('3', '0.3', None, '15', None), (), None, None, None, None, None, None),), None),
    ('fireworks/kimi-k3p1-pro', 'Kimi K3.1 Pro', 'fireworks', 'accounts/fireworks/models/kimi-k3p1-pro', ('accounts/fireworks/models/kimi-k3p1-pro',), 'text', ('chat',), None, None, 'https://fireworks.ai/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('2', '0.2', None, '10', None), (), None, None, None, None, None, None),), None),
    ('fireworks/llama-v3p1-8b-instruct', 'Llama 3.1 8B Instruct', 'fireworks', 'accounts/fireworks/models/llama-v3p1-8b-instruct', ('accounts/fireworks/models/llama-v3p1-8b-instruct',), 'text', ('chat',), 131000, None, 'https://fireworks.ai/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.2', None, None, '0.2', None), (), None, None, None, None, None, None),), None),
    ('fireworks/llama4-maverick-instruct-basic', 'Llama 4 Maverick Instruct (Basic)', 'fireworks', 'accounts/fireworks/models/llama4-maverick-instruct-basic', ('accounts/fireworks/models/llama4-maverick-instruct-basic',), 'text', ('chat',), 1000000, None, 'https://fireworks.ai/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.22', None, None, '0.88', None), (), None, None, None, None, None, None),), None),
    ('fireworks/minimax-m3', 'MiniMax M3', 'fireworks', 'accounts/fireworks/models/minimax-m3', ('accounts/fireworks/models/minimax-m3',), 'text', ('chat',), 524288, None, 'https://fireworks.ai/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.3', '0.06', None, '1.2', None), (), None, None, None, None, None, None),), None),
    ('fireworks/nemotron-3-ultra-nvfp4', 'NVIDIA Nemotron 3 Ultra NVFP4', 'fireworks', 'accounts/fireworks/models/nemotron-3-ultra-nvfp4', ('accounts/fireworks/models/nemotron-3-ultra-nvfp4',), 'text', ('chat',), 262000, None, 'https://fireworks.ai/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.6', '0.12', None, '2.4', None), (), None, None, None, None, None, None),), None),
    ('fireworks/qwen3-235b-a22b', 'Qwen3 235B-A22B', 'fireworks', 'accounts/fireworks/models/qwen3-235b-a22b', ('accounts/fireworks/models/qwen3-235b-a22b',), 'text', ('chat',), 128000, None, 'https://fireworks.ai/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.22', None, None, '0.88', None), (), None, None, None, None, None, None),), None),
    ('fireworks/qwen3p7-plus', 'Qwen3.7 Plus', 'fireworks', 'accounts/fireworks/models/qwen3p7-plus', ('accounts/fireworks/models/qwen3p7-plus',), 'text', ('chat',), 262144, None, 'https://fireworks.ai/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.4', '0.08', None, '1.6', None), (), None, None, None, None, None, None),), None),
    ('fireworks/qwen3p8-max', 'Qwen 3.8 Max', 'fireworks', 'accounts/fireworks/models/qwen3p8-max', ('accounts/fireworks/models/qwen3p8-max',), 'text', ('chat',), None, None, 'https://fireworks.ai/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('2', '0.25', None, '6', None), (), None, None, None, None, None, None),), None),
    ('gemini-2.0-flash-lite', 'gemini 2.0 flash lite', 'google', 'gemini-2.0-flash-lite', ('google/gemini-2.0-flash-lite',), 'text', ('chat',), 1000000, None, 'https://ai.google.dev/gemini-api/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.075', None, None, '0.3', None), (), None, None, None, None, None, None),), None),
    ('gemini-2.5-flash', 'Gemini 2.5 Flash', 'google', 'gemini-2.5-flash', ('google/gemini-2.5-flash',), 'text', ('chat',), 1048576, 65536, 'https://ai.google.dev/gemini-api/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.3', '0.03', None, '2.5', None), (), None, None, None, None, None, None),), None),
    ('gemini-2.5-flash-lite', 'Gemini 2.5 Flash Lite', 'google', 'gemini-2.5-flash-lite', ('google/gemini-2.5-flash-lite',), 'text', ('chat',), 1048576, 65536, 'https://ai.google.dev/gemini-api/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.1', '0.01', None, '0.4', None), (), None, None, None, None, None, None),), None),
    ('gemini-2.5-pro', 'Gemini 2.5 Pro', 'google', 'gemini-2.5-pro', ('google/gemini-2.5-pro',), 'text', ('chat',), 1048576, 65536, 'https://ai.google.dev/gemini-api/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('1.25', '0.125', None, '10', None), ((200000, ('2.5', '0.25', None, '15', None)),), None, None, None, None, None, None),), None),
    ('gemini-3-flash-preview', 'Gemini 3 Flash Preview', 'google', 'gemini-3-flash-preview', ('google/gemini-3-flash-preview',), 'text', ('chat',), 1000000, None, 'https://ai.google.dev/gemini-api/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.5', '0.05', None, '3', None), (), None, None, None, None, None, None),), None),
    ('gemini-3-pro-preview', 'Gemini 3 Pro Preview', 'google', 'gemini-3-pro-preview', ('gemini-3-pro-text-preview', 'google/gemini-3-pro-preview'), 'text', ('chat',), None, None, 'https://ai.google.dev/gemini-api/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('2', '0.2', None, '12', None), ((200000, ('4', '0.4', None, '18', None)),), None, None, None, None, None, None),), None),
    ('gemini-3.1-flash-lite', 'Gemini 3.1 Flash Lite', 'google', 'gemini-3.1-flash-lite', ('gemini-3.1-flash-lite-preview', 'google/gemini-3.1-flash-lite'), 'text', ('chat',), 1000000, None, 'https://ai.google.dev/gemini-api/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.25', '0.025', None, '1.5', None), (), None, None, None, None, None, None),), None),
    ('gemini-3.1-pro-preview', 'Gemini 3.1 Pro Preview', 'google', 'gemini-3.1-pro-preview', ('gemini-pro-latest', 'google/gemini-3.1-pro-preview'), 'text', ('chat',), None, None, 'https://ai.google.dev/gemini-api/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('2', '0.2', None, '12', None), ((200000, ('4', '0.4', None, '18', None)),), None, None, None, None, None, None),), None),
    ('gemini-3.5-flash', 'Gemini 3.5 Flash', 'google', 'gemini-3.5-flash', ('google/gemini-3.5-flash',), 'text', ('chat',), 1000000, None, 'https://ai.google.dev/gemini-api/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('1.5', '0.15', None, '9', None), (), None, None, None, None, None, None),), None),
    ('gemini-3.5-flash-lite', 'Gemini 3.5 Flash Lite', 'google', 'gemini-3.5-flash-lite', ('gemini-flash-lite-latest', 'google/gemini-3.5-flash-lite'), 'text', ('chat',), 1000000, None, 'https://ai.google.dev/gemini-api/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.3', '0.03', None, '2.5', None), (), None, None, None, None, None, None),), None),
    ('gemini-3.6-flash', 'Gemini 3.6 Flash', 'google', 'gemini-3.6-flash', ('google/gemini-3.6-flash',), 'text', ('chat',), 1000000, None, 'https://ai.google.dev/gemini-api/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.75', '0.075', None, '3.75', None), (), None, None, None, None, None, None), ('2027-01-01T00:00:00', False, 'usd_per_1m_tokens', ('1.5', '0.15', None, '7.5', None), (), None, None, None, None, None, None)), None),
    ('gemini-3.7-flash', 'Gemini 3.7 Flash', 'google', 'gemini-3.7-flash', ('google/gemini-3.7-flash',), 'text', ('chat',), 1000000, None, 'https://ai.google.dev/gemini-api/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.75', '0.075', None, '3.75', None), (), None, None, None, None, None, None), ('2027-01-01T00:00:00', False, 'usd_per_1m_tokens', ('1.5', '0.15', None, '7.5', None), (), None, None, None, None, None, None)), None),
    ('gemini-3.8-flash', 'Gemini 3.8 Flash', 'google', 'gemini-3.8-flash', ('gemini-flash-latest', 'google/gemini-3.8-flash'), 'text', ('chat',), 1000000, None, 'https://ai.google.dev/gemini-api/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.75', '0.075', None, '3.75', None), (), None, None, None, None, None, None), ('2027-01-01T00:00:00', False, 'usd_per_1m_tokens', ('1.5', '0.15', None, '7.5', None), (), None, None, None, None, None, None)), None),
    ('gemini-4-argon', 'Gemini 4 Argon', 'google', 'gemini-4-argon', ('google/gemini-4-argon',), 'text', ('chat',), 1048576, None, 'https://ai.google.dev/gemini-api/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('2', '0.1', None, '10', None), (), None, None, None, None, None, None), ('2026-12-01T00:00:00', False, 'usd_per_1m_tokens', ('4', '0.2', None, '20', None), (), None, None, None, None, None, None)), None),
    ('gemini-embedding-001', 'Gemini Embedding', 'google', 'gemini-embedding-001', ('google/gemini-embedding-001',), 'embedding', ('embeddings',), None, None, 'https://ai.google.dev/gemini-api/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.15', None, None, None, None), (), None, None, None, None, None, None),), None),
    ('gemini-robotics-er-2-preview', 'gemini-robotics-er-2-preview', 'google', 'gemini-robotics-er-2-preview', ('google/gemini-robotics-er-2-preview',), 'text', ('chat',), None, None, 'https://ai.google.dev/gemini-api/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('1', '0.1', None, '5', None), (), None, None, None, None, None, None), ('2027-01-01T00:00:00', False, 'usd_per_1m_tokens', ('2', '0.2', None, '10', None), (), None, None, None, None, None, None)), None),
    ('gpt-3.5-turbo', 'GPT-3.5 Turbo', 'openai', 'gpt-3.5-turbo', ('gpt-3.5-turbo-0125', 'openai/gpt-3.5-turbo'), 'text', ('chat',), 16385, 4096, 'https://developers.openai.com/api/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.5', None, None, '1.5', None), (), None, None, None, None, None, None),), None),
    ('gpt-4', 'GPT-4', 'openai', 'gpt-4', ('gpt-4-0314', 'gpt-4-0613', 'openai/gpt-4'), 'text', ('chat',), 8192, 8192, 'https://developers.openai.com/api/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('30', None, None, '60', None), (), None, None, None, None, None, None),), None),
    ('gpt-4-turbo', 'GPT-4 Turbo', 'openai', 'gpt-4-turbo', ('gpt-4-0125-preview', 'gpt-4-1106-preview', 'gpt-4-turbo-0125-preview', 'gpt-4-turbo-2024-04-09', 'gpt-4-turbo-preview', 'openai/gpt-4-turbo'), 'text', ('chat',), 128000, 4096, 'https://developers.openai.com/api/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('10', None, None, '30', None), (), None, None, None, None, None, None),), None),
    ('gpt-4.1', 'GPT-4.1', 'openai', 'gpt-4.1', ('gpt-4.1-2025-04-14', 'openai/gpt-4.1'), 'text', ('chat',), 1047576, 32768, 'https://platform.openai.com/docs/pricing', '2025-11-01', ((None, False, 'usd_per_1m_tokens', ('2', '0.5', None, '8', None), (), None, None, None, None, None, None),), None),
    ('gpt-4.1-mini', 'GPT-4.1 mini', 'openai', 'gpt-4.1-mini', ('gpt-4.1-mini-2025-04-14', 'openai/gpt-4.1-mini'), 'text', ('chat',), 1047576, 32768, 'https://developers.openai.com/api/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.4', '0.1', None, '1.6', None), (), None, None, None, None, None, None),), None),
    ('gpt-4.1-nano', 'GPT-4.1 nano', 'openai', 'gpt-4.1-nano', ('gpt-4.1-nano-2025-04-14', 'openai/gpt-4.1-nano'), 'text', ('chat',), 1047576, 32768, 'https://developers.openai.com/api/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.1', '0.025', None, '0.4', None), (), None, None, None, None, None, None),), None),
    ('gpt-4o', 'GPT-4o', 'openai', 'gpt-4o', ('gpt-4o-2024-08-06', 'gpt-4o-2024-11-20', 'openai/gpt-4o'), 'text', ('chat',), 128000, 16384, 'https://developers.openai.com/api/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('2.5', '1.25', None, '10', None), (), None, None, None, None, None, None),), None),
    ('gpt-4o-mini', 'GPT-4o mini', 'openai', 'gpt-4o-mini', ('gpt-4o-mini-2024-07-18', 'openai/gpt-4o-mini'), 'text', ('chat',), 128000, 16384, 'https://developers.openai.com/api/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.15', '0.075', None, '0.6', None), (), None, None, None, None, None, None),), None),
    ('gpt-5', 'GPT-5', 'openai', 'gpt-5', ('gpt-5-2025-08-07', 'openai/gpt-5'), 'text', ('chat',), 400000, 128000, 'https://developers.openai.com/api/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('1.25', '0.125', None, '10', None), (), None, None, None, None, None, None),), None),
    ('gpt-5-mini', 'GPT-5 mini', 'openai', 'gpt-5-mini', ('gpt-5-mini-2025-08-07', 'openai/gpt-5-mini'), 'text', ('chat',), 400000, 128000, 'https://developers.openai.com/api/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.25', '0.025', None, '2', None), (), None, None, None, None, None, None),), None),
    ('gpt-5-nano', 'GPT-5 nano', 'openai', 'gpt-5-nano', ('openai/gpt-5-nano',), 'text', ('chat',), 400000, 128000, 'https://developers.openai.com/api/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.05', '0.005', None, '0.4', None), (), None, None, None, None, None, None),), None),
    ('gpt-5-pro', 'GPT-5 pro', 'openai', 'gpt-5-pro', ('gpt-5-pro-2025-10-06', 'openai/gpt-5-pro'), 'text', ('chat',), 400000, None, 'https://developers.openai.com/api/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('15', None, None, '120', None), (), None, None, None, None, None, None),), None),
    ('gpt-5.1', 'GPT-5.1', 'openai', 'gpt-5.1', ('gpt-5-1', 'gpt-5-1-2025-11-13', 'gpt-5.1-2025-11-13', 'openai/gpt-5.1'), 'text', ('chat',), 400000, 128000, 'https://developers.openai.com/api/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('1.25', '0.125', None, '10', None), (), None, None, None, None, None, None),), None),
    ('gpt-5.1-codex-mini', 'GPT-5.1 Codex Mini', 'openai', 'gpt-5.1-codex-mini', ('gpt-5-1-codex-mini', 'openai/gpt-5.1-codex-mini'), 'text', ('chat',), 400000, None, 'https://developers.openai.com/api/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.25', '0.025', None, '2', None), (), None, None, None, None, None, None),), None),
    ('gpt-5.2', 'GPT-5.2', 'openai', 'gpt-5.2', ('gpt-5-2', 'gpt-5-2-2025-12-11', 'gpt-5.2-2025-12-11', 'openai/gpt-5.2'), 'text', ('chat',), 400000, None, 'https://developers.openai.com/api/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('1.75', '0.175', None, '14', None), (), None, None, None, None, None, None),), None),
    ('gpt-5.2-pro', 'GPT-5.2 pro', 'openai', 'gpt-5.2-pro', ('gpt-5-2-pro-2025-12-11', 'gpt-5.2-pro-2025-12-11', 'openai/gpt-5.2-pro'), 'text', ('chat',), 400000, None, 'https://developers.openai.com/api/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('21', None, None, '168', None), (), None, None, None, None, None, None),), None),
    ('gpt-5.3', 'GPT-5.3 Chat', 'openai', 'gpt-5.3', ('gpt-5-3', 'openai/gpt-5.3'), 'text', ('chat',), 128000, None, 'https://developers.openai.com/api/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('1.75', '0.175', None, '14', None), (), None, None, None, None, None, None),), None),
    ('gpt-5.3-codex', 'GPT-5.3-Codex', 'openai', 'gpt-5.3-codex', ('gpt-5-3-codex', 'openai/gpt-5.3-codex'), 'text', ('chat',), 400000, None, 'https://developers.openai.com/api/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('1.75', '0.175', None, '14', None), (), None, None, None, None, None, None),), None),
    ('gpt-5.4', 'GPT-5.4', 'openai', 'gpt-5.4', ('gpt-5-4', 'gpt-5-4-2026-03-05', 'gpt-5.4-2026-03-05', 'openai/gpt-5.4'), 'text', ('chat',), 1050000, None, 'https://developers.openai.com/api/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('2.5', '0.25', None, '15', None), ((272000, ('5', '0.5', None, '22.5', None)),), None, None, None, None, None, None),), None),
    ('gpt-5.4-mini', 'GPT-5.4 mini', 'openai', 'gpt-5.4-mini', ('gpt-5-4-mini', 'gpt-5-4-mini-2026-03-17', 'gpt-5.4-mini-2026-03-17', 'openai/gpt-5.4-mini'), 'text', ('chat',), 400000, None, 'https://developers.openai.com/api/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.75', '0.075', None, '4.5', None), (), None, None, None, None, None, None),), None),
    ('gpt-5.4-nano', 'GPT-5.4 nano', 'openai', 'gpt-5.4-nano', ('gpt-5-4-nano', 'gpt-5-4-nano-2026-03-17', 'gpt-5.4-nano-2026-03-17', 'openai/gpt-5.4-nano'), 'text', ('chat',), 400000, None, 'https://developers.openai.com/api/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.2', '0.02', None, '1.25', None), (), None, None, None, None, None, None),), None),
    ('gpt-5.4-pro', 'GPT-5.4 Pro', 'openai', 'gpt-5.4-pro', ('gpt-5-4-pro', 'gpt-5-4-pro-2026-03-05', 'gpt-5.4-pro-2026-03-05', 'openai/gpt-5.4-pro'), 'text', ('chat',), 1050000, None, 'https://developers.openai.com/api/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('30', None, None, '180', None), ((272000, ('60', None, None, '270', None)),), None, None, None, None, None, None),), None),
    ('gpt-5.5', 'GPT-5.5', 'openai', 'gpt-5.5', ('gpt-5-5', 'gpt-5-5-2026-04-23', 'gpt-5-5-2026-04-24', 'gpt-5.5-2026-04-23', 'gpt-5.5-2026-04-24', 'openai/gpt-5.5'), 'text', ('chat',), 1000000, None, 'https://developers.openai.com/api/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('5', '0.5', None, '30', None), ((272000, ('10', '1', None, '45', None)),), None, None, None, None, None, None),), None),
    ('gpt-5.5-pro', 'GPT-5.5 Pro', 'openai', 'gpt-5.5-pro', ('gpt-5-5-pro', 'gpt-5-5-pro-2026-04-23', 'gpt-5.5-pro-2026-04-23', 'openai/gpt-5.5-pro'), 'text', ('chat',), 1000000, None, 'https://developers.openai.com/api/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('30', None, None, '180', None), ((272000, ('60', None, None, '270', None)),), None, None, None, None, None, None),), None),
    ('gpt-5.6-luna', 'GPT-5.6 Luna', 'openai', 'gpt-5.6-luna', ('gpt-5-6-luna', 'openai/gpt-5.6-luna'), 'text', ('chat',), 1050000, None, 'https://developers.openai.com/api/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('1', '0.1', '1.25', '6', None), ((272000, ('2', '0.2', '2.5', '9', None)),), None, None, None, None, None, None), ('2026-07-30T00:00:00', False, 'usd_per_1m_tokens', ('0.2', '0.02', '0.25', '1.2', None), ((272000, ('0.4', '0.04', '0.5', '1.8', None)),), None, None, None, None, None, None)), None),
    ('gpt-5.6-sol', 'GPT-5.6 Sol', 'openai', 'gpt-5.6-sol', ('gpt-5-6', 'gpt-5-6-sol', 'gpt-5.6', 'openai/gpt-5.6-sol'), 'text', ('chat',), 1050000, None, 'https://developers.openai.com/api/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('5', '0.5', '6.25', '30', None), ((272000, ('10', '1', '12.5', '45', None)),), None, None, None, None, None, None), ('2026-08-21T00:00:00', False, 'usd_per_1m_tokens', ('4', '0.4', '5', '20', None), ((272000, ('8', '0.8', '10', '30', None)),), None, None, None, None, None, None)), None),
    ('gpt-5.6-terra', 'GPT-5.6 Terra', 'openai', 'gpt-5.6-terra', ('gpt-5-6-terra', 'openai/gpt-5.6-terra'), 'text', ('chat',), 1050000, None, 'https://developers.openai.com/api/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('2.5', '0.25', '3.125', '15', None), ((272000, ('5', '0.5', '6.25', '22.5', None)),), None, None, None, None, None, None), ('2026-07-30T00:00:00', False, 'usd_per_1m_tokens', ('2', '0.2', '2.5', '12', None), ((272000, ('4', '0.4', '5', '18', None)),), None, None, None, None, None, None)), None),
    ('gpt-6-astra', 'GPT-6 Astra', 'openai', 'gpt-6-astra', ('openai/gpt-6-astra',), 'text', ('chat',), 1050000, None, 'https://developers.openai.com/api/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('10', '1', '12.5', '50', None), ((272000, ('20', '2', '25', '75', None)),), None, None, None, None, None, None),), None),
    ('gpt-6-luna', 'GPT-6 Luna', 'openai', 'gpt-6-luna', ('openai/gpt-6-luna',), 'text', ('chat',), 1050000, None, 'https://developers.openai.com/api/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.1', '0.01', '0.125', '0.5', None), ((272000, ('0.2', '0.02', '0.25', '0.75', None)),), None, None, None, None, None, None),), None),
    ('gpt-6-sol', 'GPT-6 Sol', 'openai', 'gpt-6-sol', ('openai/gpt-6-sol',), 'text', ('chat',), 1050000, None, 'https://developers.openai.com/api/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('2', '0.2', '2.5', '10', None), ((272000, ('4', '0.4', '5', '15', None)),), None, None, None, None, None, None),), None),
    ('gpt-6.1-sol', 'GPT-6.1 Sol', 'openai', 'gpt-6.1-sol', ('openai/gpt-6.1-sol',), 'text', ('chat',), 1050000, None, 'https://developers.openai.com/api/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('2', '0.1', '2.5', '10', None), ((272000, ('4', '0.2', '5', '15', None)),), None, None, None, None, None, None),), None),
    ('gpt-6.1-terra', 'GPT-6.1 Terra', 'openai', 'gpt-6.1-terra', ('openai/gpt-6.1-terra',), 'text', ('chat',), 1050000, None, 'https://developers.openai.com/api/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('1', '0.05', '1.25', '5', None), ((272000, ('2', '0.1', '2.5', '7.5', None)),), None, None, None, None, None, None),), None),
    ('gpt-chat-latest', 'GPT Chat Latest', 'openai', 'gpt-chat-latest', ('chat-latest', 'openai/gpt-chat-latest'), 'text', ('chat',), None, None, 'https://developers.openai.com/api/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('5', '0.5', None, '30', None), (), None, None, None, None, None, None),), None),
    ('gpt-image-1', 'GPT Image 1', 'openai', 'gpt-image-1', ('openai/gpt-image-1',), 'image', ('images',), None, None, 'https://platform.openai.com/docs/pricing', '2025-11-01', ((None, False, 'usd_per_1m_tokens', None, (), ('usd_per_image', ('size', 'quality'), ((('1024x1024', 'low'), '0.011', False), (('1024x1536', 'low'), '0.016', False), (('1536x1024', 'low'), '0.016', False), (('1024x1024', 'medium'), '0.042', False), (('1024x1536', 'medium'), '0.063', False), (('1536x1024', 'medium'), '0.063', False), (('1024x1024', 'high'), '0.167', True), (('1024x1536', 'high'), '0.25', False), (('1536x1024', 'high'), '0.25', False))), None, None, None, None, None),), None),
    ('gpt-image-1-mini', 'GPT Image 1 Mini', 'openai', 'gpt-image-1-mini', ('openai/gpt-image-1-mini',), 'image', ('images',), None, None, 'https://platform.openai.com/docs/pricing', '2025-11-01', ((None, False, 'usd_per_1m_tokens', None, (), ('usd_per_image', ('size', 'quality'), ((('1024x1024', 'low'), '0.005', False), (('1024x1536', 'low'), '0.006', False), (('1536x1024', 'low'), '0.006', False), (('1024x1024', 'medium'), '0.011', False), (('1024x1536', 'medium'), '0.015', False), (('1536x1024', 'medium'), '0.015', False), (('1024x1024', 'high'), '0.036', True), (('1024x1536', 'high'), '0.052', False), (('1536x1024', 'high'), '0.052', False))), None, None, None, None, None),), None),
    ('gpt-oss-120b', 'GPT-OSS 120B', 'cerebras', 'gpt-oss-120b', ('cerebras/gpt-oss-120b',), 'text', ('chat',), 131072, None, 'https://www.cerebras.ai/pricing#pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.35', None, None, '0.75', None), (), None, None, None, None, None, None),), None),
    ('gpt-transcribe', 'GPT Transcribe', 'openai', 'gpt-transcribe', ('openai/gpt-transcribe',), 'audio', ('transcription',), None, None, 'https://developers.openai.com/api/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', None, (), None, None, None, ('usd_per_3600_seconds', '0.27'), None, None),), None),
    ('grok-3', 'Grok 3', 'xai', 'grok-3', ('grok-3-beta', 'grok-3-latest', 'xai/grok-3'), 'text', ('chat',), 131072, None, 'https://docs.x.ai/docs/models', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('3', '0.75', None, '15', None), (), None, None, None, None, None, None),), None),
    ('grok-3-mini', 'Grok 3 Mini', 'xai', 'grok-3-mini', ('grok-3-mini-beta', 'grok-3-mini-latest', 'xai/grok-3-mini'), 'text', ('chat',), 131072, None, 'https://docs.x.ai/docs/models', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.3', '0.075', None, '0.5', None), (), None, None, None, None, None, None),), None),
    ('grok-4-0709', 'Grok 4', 'xai', 'grok-4-0709', ('grok-4', 'grok-4-latest', 'xai/grok-4-0709'), 'text', ('chat',), 256000, None, 'https://docs.x.ai/docs/models', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('3', '0.75', None, '15', None), (), None, None, None, None, None, None),), None),
    ('grok-4-1-fast-non-reasoning', 'Grok 4.1 Fast Non-Reasoning', 'xai', 'grok-4-1-fast-non-reasoning', ('grok-4-1-fast-non-reasoning-latest', 'xai/grok-4-1-fast-non-reasoning'), 'text', ('chat',), 2000000, None, 'https://docs.x.ai/docs/models', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.2', '0.05', None, '0.5', None), (), None, None, None, None, None, None),), None),
    ('grok-4-1-fast-reasoning', 'Grok 4.1 Fast Reasoning', 'xai', 'grok-4-1-fast-reasoning', ('grok-4-1-fast', 'grok-4-1-fast-reasoning-latest', 'xai/grok-4-1-fast-reasoning'), 'text', ('chat',), 2000000, None, 'https://docs.x.ai/docs/models', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.2', '0.05', None, '0.5', None), (), None, None, None, None, None, None),), None),
    ('grok-4-fast-non-reasoning', 'Grok 4 Fast Non-Reasoning', 'xai', 'grok-4-fast-non-reasoning', ('grok-4-fast-non-reasoning-latest', 'xai/grok-4-fast-non-reasoning'), 'text', ('chat',), 2000000, None, 'https://docs.x.ai/docs/models', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.2', '0.05', None, '0.5', None), (), None, None, None, None, None, None),), None),
    ('grok-4-fast-reasoning', 'Grok 4 Fast Reasoning', 'xai', 'grok-4-fast-reasoning', ('grok-4-fast', 'grok-4-fast-reasoning-latest', 'xai/grok-4-fast-reasoning'), 'text', ('chat',), 2000000, None, 'https://docs.x.ai/docs/models', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.2', '0.05', None, '0.5', None), (), None, None, None, None, None, None),), None),
    ('grok-4.20', 'Grok 4.20', 'xai', 'grok-4.20', ('grok-4.20-0309-non-reasoning', 'grok-4.20-0309-reasoning', 'xai/grok-4.20'), 'text', ('chat',), 1000000, None, 'https://docs.x.ai/docs/models', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('2', '0.2', None, '6', None), ((199999, ('4', '0.4', None, '12', None)),), None, None, None, None, None, None), ('2026-04-30T00:00:00', False, 'usd_per_1m_tokens', ('1.25', '0.2', None, '2.5', None), ((199999, ('2.5', '0.4', None, '5', None)),), None, None, None, None, None, None)), None),
    ('grok-4.20-multi-agent-0309', 'Grok 4.20 Multi-Agent 0309', 'xai', 'grok-4.20-multi-agent-0309', ('grok-4.20-multi-agent', 'grok-4.20-multi-agent-beta-0309', 'grok-4.20-multi-agent-beta-latest', 'grok-4.20-multi-agent-latest', 'xai/grok-4.20-multi-agent-0309'), 'text', ('chat',), 1000000, None, 'https://docs.x.ai/docs/models', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('2', '0.2', None, '6', None), ((199999, ('4', '0.4', None, '12', None)),), None, None, None, None, None, None), ('2026-04-30T00:00:00', False, 'usd_per_1m_tokens', ('1.25', '0.2', None, '2.5', None), ((199999, ('2.5', '0.4', None, '5', None)),), None, None, None, None, None, None)), None),
    ('grok-4.3', 'Grok 4.3', 'xai', 'grok-4.3', ('grok-4.3-latest', 'x-ai/grok-4.3', 'xai/grok-4.3'), 'text', ('chat',), 1000000, None, 'https://docs.x.ai/docs/models', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('1.25', '0.2', None, '2.5', None), ((199999, ('2.5', '0.4', None, '5', None)),), None, None, None, None, None, None),), None),
    ('grok-4.5', 'Grok 4.5', 'xai', 'grok-4.5', ('grok-4.5-latest', 'grok-latest', 'x-ai/grok-4.5', 'xai/grok-4.5'), 'text', ('chat',), 500000, None, 'https://docs.x.ai/docs/models', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('2', '0.3', None, '6', None), ((199999, ('4', '0.6', None, '12', None)),), None, None, None, None, None, None),), None),
    ('grok-4.6', 'Grok 4.6', 'xai', 'grok-4.6', ('grok-4.6-latest', 'x-ai/grok-4.6', 'xai/grok-4.6'), 'text', ('chat',), 500000, None, 'https://docs.x.ai/docs/models', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('2', '0.5', None, '6', None), ((199999, ('4', '1', None, '12', None)),), None, None, None, None, None, None),), None),
    ('grok-4.7', 'Grok 4.7', 'xai', 'grok-4.7', ('grok-4.7-latest', 'x-ai/grok-4.7', 'xai/grok-4.7'), 'text', ('chat',), 500000, None, 'https://docs.x.ai/docs/models', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('2', '0.5', None, '6', None), ((199999, ('4', '1', None, '12', None)),), None, None, None, None, None, None),), None),
    ('grok-build-0.1', 'Grok Build 0.1', 'xai', 'grok-build-0.1', ('xai/grok-build-0.1',), 'text', ('chat',), 256000, None, 'https://docs.x.ai/docs/models', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('1', '0.2', None, '2', None), ((199999, ('2', '0.4', None, '4', None)),), None, None, None, None, None, None),), None),
    ('grok-code-fast-1', 'Grok Code Fast 1', 'xai', 'grok-code-fast-1', ('grok-code-fast', 'grok-code-fast-1-0825', 'xai/grok-code-fast-1'), 'text', ('chat',), 256000, None, 'https://docs.x.ai/docs/models', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.2', '0.02', None, '1.5', None), (), None, None, None, None, None, None),), None),
    ('imagen-4', 'Imagen 4', 'google', 'imagen-4.0-generate-001', ('google/imagen-4', 'imagen-4.0-generate-001'), 'image', ('images',), None, None, 'https://ai.google.dev/gemini-api/docs/pricing', '2025-11-01', ((None, False, 'usd_per_1m_tokens', None, (), ('usd_per_image', ('size',), ((('1024x1024',), '0.04', True),)), None, None, None, None, None),), None),
    ('imagen-4-fast', 'Imagen 4 Fast', 'google', 'imagen-4.0-fast-generate-001', ('google/imagen-4-fast', 'imagen-4.0-fast-generate-001'), 'image', ('images',), None, None, 'https://ai.google.dev/gemini-api/docs/pricing', '2025-11-01', ((None, False, 'usd_per_1m_tokens', None, (), ('usd_per_image', ('size',), ((('1024x1024',), '0.02', True),)), None, None, None, None, None),), None),
    ('imagen-4-ultra', 'Imagen 4 Ultra', 'google', 'imagen-4.0-ultra-generate-001', ('google/imagen-4-ultra', 'imagen-4.0-ultra-generate-001'), 'image', ('images',), None, None, 'https://ai.google.dev/gemini-api/docs/pricing', '2025-11-01', ((None, False, 'usd_per_1m_tokens', None, (), ('usd_per_image', ('size',), ((('1024x1024',), '0.06', True),)), None, None, None, None, None),), None),
    ('kimi-k2.6', 'Kimi K2.6', 'moonshot', 'kimi-k2.6', ('moonshot/kimi-k2.6',), 'text', ('chat',), 262144, None, 'https://platform.kimi.ai/docs/models.md', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.95', '0.16', None, '4', None), (), None, None, None, None, None, None),), None),
    ('kimi-k2.7-code', 'Kimi K2.7 Code', 'moonshot', 'kimi-k2.7-code', ('moonshot/kimi-k2.7-code',), 'text', ('chat',), 262144, None, 'https://platform.kimi.ai/docs/models.md', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.95', '0.19', None, '4', None), (), None, None, None, None, None, None),), None),
    ('kimi-k2.7-code-highspeed', 'Kimi K2.7 Code HighSpeed', 'moonshot', 'kimi-k2.7-code-highspeed', ('moonshot/kimi-k2.7-code-highspeed',), 'text', ('chat',), 262144, None, 'https://platform.kimi.ai/docs/models.md', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('1.9', '0.38', None, '8', None), (), None, None, None, None, None, None),), None),
    ('kimi-k3', 'Kimi K3', 'moonshot', 'kimi-k3', ('moonshot/kimi-k3',), 'text', ('chat',), 1048576, None, 'https://platform.kimi.ai/docs/models.md', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('3', '0.3', '3', '15', None), (), None, None, None, None, None, None),), None),
    ('kimi-k3.1-pro', 'kimi-k3.1-pro', 'moonshot', 'kimi-k3.1-pro', ('moonshot/kimi-k3.1-pro',), 'text', ('chat',), 1048576, None, 'https://platform.kimi.ai/docs/models.md', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('2', '0.2', '2', '10', None), (), None, None, None, None, None, None),), None),
    ('kimi-k3.1-pro-highspeed', 'kimi-k3.1-pro-highspeed', 'moonshot', 'kimi-k3.1-pro-highspeed', ('moonshot/kimi-k3.1-pro-highspeed',), 'text', ('chat',), 1048576, None, 'https://platform.kimi.ai/docs/models.md', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('4', '0.2', '4', '20', None), (), None, None, None, None, None, None),), None),
    ('llama-3.1-8b-instant', 'Llama 3.1 8B Instant 128k', 'groq', 'llama-3.1-8b-instant', ('groq/llama-3.1-8b-instant',), 'text', ('chat',), None, None, 'https://console.groq.com/docs/models', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.05', None, None, '0.08', None), (), None, None, None, None, None, None),), None),
    ('llama-3.3-70b', 'Llama 3.3 70B', 'cerebras', 'llama-3.3-70b', ('cerebras/llama-3.3-70b',), 'text', ('chat',), 128000, None, 'https://www.cerebras.ai/pricing#pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.85', None, None, '1.2', None), (), None, None, None, None, None, None),), None),
    ('llama-3.3-70b-versatile', 'Llama 3.3 70B Versatile 128k', 'groq', 'llama-3.3-70b-versatile', ('groq/llama-3.3-70b-versatile',), 'text', ('chat',), None, None, 'https://console.groq.com/docs/models', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.59', None, None, '0.79', None), (), None, None, None, None, None, None),), None),
    ('llama3.1-8b', 'Llama 3.1 8B', 'cerebras', 'llama3.1-8b', ('cerebras/llama3.1-8b',), 'text', ('chat',), 32768, None, 'https://www.cerebras.ai/pricing#pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.1', None, None, '0.1', None), (), None, None, None, None, None, None),), None),
    ('meta-llama/llama-4-maverick-17b-128e-instruct', 'Llama 4 Maverick 17B 128E', 'groq', 'meta-llama/llama-4-maverick-17b-128e-instruct', ('groq/meta-llama/llama-4-maverick-17b-128e-instruct',), 'text', ('chat',), 131072, None, 'https://console.groq.com/docs/models', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.2', None, None, '0.6', None), (), None, None, None, None, None, None),), None),
    ('meta-llama/llama-4-scout-17b-16e-instruct', 'Llama 4 Scout (17Bx16E) 128k', 'groq', 'meta-llama/llama-4-scout-17b-16e-instruct', ('groq/meta-llama/llama-4-scout-17b-16e-instruct',), 'text', ('chat',), None, None, 'https://console.groq.com/docs/models', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.11', None, None, '0.34', None), (), None, None, None, None, None, None),), None),
    ('meta-llama/llama-guard-4-12b', 'Llama Guard 4 12B', 'groq', 'meta-llama/llama-guard-4-12b', ('groq/meta-llama/llama-guard-4-12b',), 'text', ('chat',), 131072, None, 'https://console.groq.com/docs/models', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.2', None, None, '0.2', None), (), None, None, None, None, None, None),), None),
    ('ministral-14b-2512', 'Ministral 3 14B 2512', 'mistral', 'ministral-14b-2512', ('mistral/ministral-14b-2512',), 'text', ('chat',), 262144, None, 'https://mistral.ai/pricing/api', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.2', '0.02', None, '0.2', None), (), None, None, None, None, None, None),), None),
    ('ministral-3b-2512', 'Ministral 3 3B 2512', 'mistral', 'ministral-3b-2512', ('mistral/ministral-3b-2512',), 'text', ('chat',), 131072, None, 'https://mistral.ai/pricing/api', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.1', '0.01', None, '0.1', None), (), None, None, None, None, None, None),), None),
    ('ministral-8b-2512', 'Ministral 3 8B 2512', 'mistral', 'ministral-8b-2512', ('mistral/ministral-8b-2512',), 'text', ('chat',), 262144, None, 'https://mistral.ai/pricing/api', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.15', '0.015', None, '0.15', None), (), None, None, None, None, None, None),), None),
    ('mistral-embed', 'Mistral Embed', 'mistral', 'mistral-embed', ('mistral-embed-2312', 'mistral/mistral-embed'), 'embedding', ('embeddings',), 8192, None, 'https://mistral.ai/pricing/api', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.1', None, None, '0.1', None), (), None, None, None, None, None, None),), None),
    ('mistral-large-2512', 'Mistral Large 3 2512', 'mistral', 'mistral-large-2512', ('mistral/mistral-large-2512',), 'text', ('chat',), 262144, None, 'https://mistral.ai/pricing/api', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.5', '0.05', None, '1.5', None), (), None, None, None, None, None, None),), None),
    ('mistral-large-4', 'Mistral Large 4', 'mistral', 'mistral-large-4', ('mistral-large-4-0', 'mistral/mistral-large-4'), 'text', ('chat',), 1048576, None, 'https://mistral.ai/pricing/api', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.68', '0.07', None, '2.09', None), (), None, None, None, None, None, None), ('2026-10-20T00:00:00', False, 'usd_per_1m_tokens', ('1.36', '0.14', None, '4.18', None), (), None, None, None, None, None, None), ('2026-10-29T00:00:00', False, 'usd_per_1m_tokens', ('0.7', '0.07', None, '2.1', None), (), None, None, None, None, None, None)), None),
    ('mistral-medium-3-1', 'Mistral Medium 3 and 3.1', 'mistral', 'mistral-medium-2508', ('mistral-medium', 'mistral-medium-2505', 'mistral-medium-2508', 'mistral/mistral-medium-3-1'), 'text', ('chat',), None, None, 'https://mistral.ai/pricing/api', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.4', '0.04', None, '2', None), (), None, None, None, None, None, None),), None),
    ('mistral-medium-3-5', 'Mistral Medium 3.5', 'mistral', 'mistral-medium-2604', ('mistral-medium-2604', 'mistral-medium-3', 'mistral-medium-3.5', 'mistral/mistral-medium-3-5'), 'text', ('chat',), 262144, None, 'https://mistral.ai/pricing/api', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('1.5', '0.15', None, '7.5', None), (), None, None, None, None, None, None),), None),
    ('mistral-medium-latest', 'Mistral Medium Latest', 'mistral', 'mistral-medium-latest', ('mistral/mistral-medium-latest',), 'text', ('chat',), None, None, 'https://mistral.ai/pricing/api', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.4', '0.04', None, '2', None), (), None, None, None, None, None, None), ('2026-06-16T00:00:00', False, 'usd_per_1m_tokens', ('1.5', '0.15', None, '7.5', None), (), None, None, None, None, None, None)), None),
    ('mistral-nemo', 'Mistral NeMo', 'mistral', 'open-mistral-nemo', ('mistral/mistral-nemo', 'open-mistral-nemo'), 'text', ('chat',), None, None, 'https://mistral.ai/pricing/api', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.15', None, None, '0.15', None), (), None, None, None, None, None, None),), None),
    ('mistral-saba', 'Mistral Saba', 'mistral', 'mistral-saba-latest', ('mistral-saba-latest', 'mistral/mistral-saba'), 'text', ('chat',), None, None, 'https://mistral.ai/pricing/api', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.2', None, None, '0.6', None), (), None, None, None, None, None, None),), None),
    ('mistral-small-2603', 'Mistral Small 4', 'mistral', 'mistral-small-2603', ('mistral/mistral-small-2603',), 'text', ('chat',), 262144, None, 'https://mistral.ai/pricing/api', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.15', '0.015', None, '0.6', None), (), None, None, None, None, None, None),), None),
    ('mistral-small-3.2-24b-instruct', 'Mistral Small 3.2 24B', 'mistral', 'mistral-small-2506', ('mistral-small-2506', 'mistral/mistral-small-3.2-24b-instruct'), 'text', ('chat',), None, None, 'https://mistral.ai/pricing/api', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.1', None, None, '0.3', None), (), None, None, None, None, None, None),), None),
    ('mistral-small-latest', 'Mistral Small Latest', 'mistral', 'mistral-small-latest', ('mistral/mistral-small-latest',), 'text', ('chat',), None, None, 'https://mistral.ai/pricing/api', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.1', None, None, '0.3', None), (), None, None, None, None, None, None), ('2026-03-16T00:00:00', False, 'usd_per_1m_tokens', ('0.15', '0.015', None, '0.6', None), (), None, None, None, None, None, None)), None),
    ('moonshotai/kimi-k2-instruct', 'Kimi K2 1T 128k', 'groq', 'moonshotai/kimi-k2-instruct', ('groq/moonshotai/kimi-k2-instruct', 'moonshotai/kimi-k2-instruct-0905'), 'text', ('chat',), 131072, None, 'https://console.groq.com/docs/models', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('1', '0.5', None, '3', None), (), None, None, None, None, None, None),), None),
    ('o1', 'o1', 'openai', 'o1', ('o1-2024-12-17', 'openai/o1'), 'text', ('chat',), 200000, 100000, 'https://developers.openai.com/api/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('15', '7.5', None, '60', None), (), None, None, None, None, None, None),), None),
    ('o1-pro', 'o1-pro', 'openai', 'o1-pro', ('o1-pro-2025-03-19', 'openai/o1-pro'), 'text', ('chat',), 200000, 100000, 'https://developers.openai.com/api/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('150', None, None, '600', None), (), None, None, None, None, None, None),), None),
    ('o3', 'o3', 'openai', 'o3', ('o3-2025-04-16', 'openai/o3'), 'text', ('chat',), 200000, 100000, 'https://platform.openai.com/docs/pricing', '2025-11-01', ((None, False, 'usd_per_1m_tokens', ('10', '2.5', None, '40', None), (), None, None, None, None, None, None), ('2025-06-10T00:00:00', False, 'usd_per_1m_tokens', ('2', '0.5', None, '8', None), (), None, None, None, None, None, None)), None),
    ('o3-deep-research', 'o3-deep-research', 'openai', 'o3-deep-research', ('o3-deep-research-2025-06-26', 'openai/o3-deep-research'), 'text', ('chat',), 200000, 100000, 'https://developers.openai.com/api/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('10', '2.5', None, '40', None), (), None, None, None, None, None, None),), None),
    ('o3-mini', 'o3-mini', 'openai', 'o3-mini', ('o3-mini-2025-01-31', 'openai/o3-mini'), 'text', ('chat',), 200000, 100000, 'https://developers.openai.com/api/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('1.1', '0.55', None, '4.4', None), (), None, None, None, None, None, None),), None),
    ('o3-pro', 'o3-pro', 'openai', 'o3-pro', ('o3-pro-2025-06-10', 'openai/o3-pro'), 'text', ('chat',), 200000, 100000, 'https://developers.openai.com/api/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('20', None, None, '80', None), (), None, None, None, None, None, None),), None),
    ('o4-mini', 'o4-mini', 'openai', 'o4-mini', ('o4-mini-2025-04-16', 'openai/o4-mini'), 'text', ('chat',), 200000, 100000, 'https://developers.openai.com/api/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('1.1', '0.275', None, '4.4', None), (), None, None, None, None, None, None),), None),
    ('o4-mini-deep-research', 'o4-mini-deep-research', 'openai', 'o4-mini-deep-research', ('o4-mini-deep-research-2025-06-26', 'openai/o4-mini-deep-research'), 'text', ('chat',), 200000, 100000, 'https://developers.openai.com/api/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('2', '0.5', None, '8', None), (), None, None, None, None, None, None),), None),
    ('openai/gpt-oss-120b', 'GPT OSS 120B', 'groq', 'openai/gpt-oss-120b', ('groq/openai/gpt-oss-120b',), 'text', ('chat',), 131072, None, 'https://console.groq.com/docs/models', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.15', '0.075', None, '0.6', None), (), None, None, None, None, None, None),), None),
    ('openai/gpt-oss-20b', 'GPT OSS 20B', 'groq', 'openai/gpt-oss-20b', ('groq/openai/gpt-oss-20b',), 'text', ('chat',), 131072, None, 'https://console.groq.com/docs/models', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.075', '0.0375', None, '0.3', None), (), None, None, None, None, None, None),), None),
    ('openai/gpt-oss-safeguard-20b', 'GPT-OSS Safeguard 20B', 'groq', 'openai/gpt-oss-safeguard-20b', ('groq/openai/gpt-oss-safeguard-20b',), 'text', ('chat',), 131072, None, 'https://console.groq.com/docs/models', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.075', '0.0375', None, '0.3', None), (), None, None, None, None, None, None),), None),
    ('pixtral-12b', 'Pixtral 12B', 'mistral', 'pixtral-12b-latest', ('mistral/pixtral-12b', 'pixtral-12b-latest'), 'text', ('chat',), None, None, 'https://mistral.ai/pricing/api', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.15', None, None, '0.15', None), (), None, None, None, None, None, None),), None),
    ('pixtral-large', 'Pixtral Large 2411', 'mistral', 'pixtral-large-2411', ('mistral/pixtral-large', 'pixtral-large-2411', 'pixtral-large-latest'), 'text', ('chat',), None, None, 'https://mistral.ai/pricing/api', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('2', None, None, '6', None), (), None, None, None, None, None, None),), None),
    ('pplx-embed-context-v1-0.6b', 'Embed Context V1 0.6B', 'perplexity', 'pplx-embed-context-v1-0.6b', ('perplexity/pplx-embed-context-v1-0.6b',), 'embedding', ('embeddings',), None, None, 'https://docs.perplexity.ai/docs/getting-started/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.008', None, None, None, None), (), None, None, None, None, None, None),), None),
    ('pplx-embed-context-v1-4b', 'Embed Context V1 4B', 'perplexity', 'pplx-embed-context-v1-4b', ('perplexity/pplx-embed-context-v1-4b',), 'embedding', ('embeddings',), None, None, 'https://docs.perplexity.ai/docs/getting-started/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.05', None, None, None, None), (), None, None, None, None, None, None),), None),
    ('pplx-embed-v1-0.6b', 'Embed V1 0.6B', 'perplexity', 'pplx-embed-v1-0.6b', ('perplexity/pplx-embed-v1-0.6b',), 'embedding', ('embeddings',), None, None, 'https://docs.perplexity.ai/docs/getting-started/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.004', None, None, None, None), (), None, None, None, None, None, None),), None),
    ('pplx-embed-v1-4b', 'Embed V1 4B', 'perplexity', 'pplx-embed-v1-4b', ('perplexity/pplx-embed-v1-4b',), 'embedding', ('embeddings',), None, None, 'https://docs.perplexity.ai/docs/getting-started/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.03', None, None, None, None), (), None, None, None, None, None, None),), None),
    ('qwen-3.8-27b', 'Qwen 3.8 27B', 'cerebras', 'qwen-3.8-27b', ('cerebras/qwen-3.8-27b',), 'text', ('chat',), 65536, None, 'https://www.cerebras.ai/pricing#pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.99', None, None, '1.49', None), (), None, None, None, None, None, None),), None),
    ('qwen/qwen3-32b', 'Qwen3 32B 131k', 'groq', 'qwen/qwen3-32b', ('groq/qwen/qwen3-32b',), 'text', ('chat',), 131072, None, 'https://console.groq.com/docs/models', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.29', None, None, '0.59', None), (), None, None, None, None, None, None),), None),
    ('qwen/qwen3.8-27b', 'Qwen 3.8 27B', 'groq', 'qwen/qwen3.8-27b', ('groq/qwen/qwen3.8-27b',), 'text', ('chat',), 131072, None, 'https://console.groq.com/docs/models', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.8', None, None, '4', None), (), None, None, None, None, None, None),), None),
    ('rerank-2.5', 'Voyage Rerank 2.5', 'voyage', 'rerank-2.5', ('voyage/rerank-2.5',), 'text', ('rerank',), 32000, None, 'https://docs.voyageai.com/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.05', None, None, None, None), (), None, None, None, None, None, None),), None),
    ('rerank-2.5-lite', 'Voyage Rerank 2.5 lite', 'voyage', 'rerank-2.5-lite', ('voyage/rerank-2.5-lite',), 'text', ('rerank',), 32000, None, 'https://docs.voyageai.com/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.02', None, None, None, None), (), None, None, None, None, None, None),), None),
    ('rerank-v3.5', 'Rerank 3.5', 'cohere', 'rerank-v3.5', ('cohere/rerank-v3.5',), 'text', ('rerank',), 4096, None, 'https://cohere.com/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', None, (), None, None, None, None, None, ('usd_per_1k_searches', '2')),), None),
    ('sonar', 'Sonar', 'perplexity', 'sonar', ('perplexity/sonar',), 'text', ('chat',), 128000, None, 'https://docs.perplexity.ai/docs/getting-started/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('1', None, None, '1', None), (), None, None, None, None, ('usd_per_1k_requests', '12'), None),), None),
    ('sonar-pro', 'Sonar Pro', 'perplexity', 'sonar-pro', ('perplexity/sonar-pro',), 'text', ('chat',), 200000, None, 'https://docs.perplexity.ai/docs/getting-started/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('3', None, None, '15', None), (), None, None, None, None, ('usd_per_1k_requests', '14'), None),), None),
    ('sonar-reasoning', 'Sonar Reasoning', 'perplexity', 'sonar-reasoning', ('perplexity/sonar-reasoning',), 'text', ('chat',), None, None, 'https://docs.perplexity.ai/docs/getting-started/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('1', None, None, '5', None), (), None, None, None, None, ('usd_per_1k_requests', '12'), None),), None),
    ('sonar-reasoning-pro', 'Sonar Reasoning Pro', 'perplexity', 'sonar-reasoning-pro', ('perplexity/sonar-reasoning-pro',), 'text', ('chat',), 128000, None, 'https://docs.perplexity.ai/docs/getting-started/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('2', None, None, '8', None), (), None, None, None, None, ('usd_per_1k_requests', '14'), None),), None),
    ('sora-2', 'Sora 2', 'openai', 'sora-2', ('openai/sora-2',), 'video', ('video',), None, None, 'https://platform.openai.com/docs/pricing', '2025-11-01', ((None, False, 'usd_per_1m_tokens', None, (), None, ('usd_per_second', ('resolution',), ((('720x1280',), '0.1', True), (('1280x720',), '0.1', False))), None, None, None, None),), None),
    ('sora-2-pro', 'Sora 2 Pro', 'openai', 'sora-2-pro', ('openai/sora-2-pro',), 'video', ('video',), None, None, 'https://platform.openai.com/docs/pricing', '2025-11-01', ((None, False, 'usd_per_1m_tokens', None, (), None, ('usd_per_second', ('resolution',), ((('720x1280',), '0.3', True), (('1280x720',), '0.3', False), (('1024x1792',), '0.5', False), (('1792x1024',), '0.5', False))), None, None, None, None),), None),
    ('text-embedding-3-large', 'text-embedding-3-large', 'openai', 'text-embedding-3-large', ('openai/text-embedding-3-large',), 'embedding', ('embeddings',), 8192, None, 'https://developers.openai.com/api/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.13', None, None, None, None), (), None, None, None, None, None, None),), None),
    ('text-embedding-3-small', 'text-embedding-3-small', 'openai', 'text-embedding-3-small', ('openai/text-embedding-3-small',), 'embedding', ('embeddings',), 8192, None, 'https://developers.openai.com/api/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.02', None, None, None, None), (), None, None, None, None, None, None),), None),
    ('text-embedding-ada-002', 'text-embedding-ada-002', 'openai', 'text-embedding-ada-002', ('openai/text-embedding-ada-002', 'text-embedding-ada', 'text-embedding-ada-002-v2'), 'embedding', ('embeddings',), 8192, None, 'https://developers.openai.com/api/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.1', None, None, None, None), (), None, None, None, None, None, None),), None),
    ('together/MiniMaxAI/MiniMax-M3', 'Minimax M3', 'together', 'MiniMaxAI/MiniMax-M3', ('MiniMaxAI/MiniMax-M3',), 'text', ('chat',), 524288, None, 'https://www.together.ai/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.3', '0.06', None, '1.2', None), (), None, None, None, None, None, None),), None),
    ('together/MiniMaxAI/MiniMax-M3.1-Flash', 'Minimax M3.1 Flash', 'together', 'MiniMaxAI/MiniMax-M3.1-Flash', ('MiniMaxAI/MiniMax-M3.1-Flash',), 'text', ('chat',), 1048576, None, 'https://www.together.ai/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.15', '0.015', None, '0.6', None), (), None, None, None, None, None, None),), None),
    ('together/Qwen/Qwen3.5-9B', 'Qwen3.5 9B', 'together', 'Qwen/Qwen3.5-9B', ('Qwen/Qwen3.5-9B',), 'text', ('chat',), 262144, None, 'https://www.together.ai/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.17', None, None, '0.25', None), (), None, None, None, None, None, None),), None),
    ('together/Qwen/Qwen3.6-Plus', 'Qwen3.6 Plus', 'together', 'Qwen/Qwen3.6-Plus', ('Qwen/Qwen3.6-Plus',), 'text', ('chat',), 1000000, None, 'https://www.together.ai/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.5', None, None, '3', None), (), None, None, None, None, None, None),), None),
    ('together/Qwen/Qwen3.7-Max', 'Qwen3.7 Max', 'together', 'Qwen/Qwen3.7-Max', ('Qwen/Qwen3.7-Max',), 'text', ('chat',), None, None, 'https://www.together.ai/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('2.5', '0.5', None, '7.5', None), (), None, None, None, None, None, None),), None),
    ('together/Qwen/Qwen3.7-Plus', 'Qwen3.7 Plus', 'together', 'Qwen/Qwen3.7-Plus', ('Qwen/Qwen3.7-Plus',), 'text', ('chat',), 1000000, None, 'https://www.together.ai/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.32', None, None, '1.28', None), (), None, None, None, None, None, None),), None),
    ('together/Qwen/Qwen3.8-2.4T-A95B', 'Qwen3.8-2.4T-A95B', 'together', 'Qwen/Qwen3.8-2.4T-A95B', ('Qwen/Qwen3.8-2.4T-A95B',), 'text', ('chat',), None, None, 'https://www.together.ai/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('2', '0.5', None, '6', None), (), None, None, None, None, None, None),), None),
    ('together/Qwen/Qwen3.8-Flash', 'Qwen3.8 Flash', 'together', 'Qwen/Qwen3.8-Flash', ('Qwen/Qwen3.8-Flash',), 'text', ('chat',), 1000000, None, 'https://www.together.ai/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.15', None, None, '0.47', None), (), None, None, None, None, None, None),), None),
    ('together/deepseek-ai/DeepSeek-V4-Pro-0813', 'DeepSeek V4 Pro 0813', 'together', 'deepseek-ai/DeepSeek-V4-Pro-0813', ('deepseek-ai/DeepSeek-V4-Pro-0813',), 'text', ('chat',), 1048576, None, 'https://www.together.ai/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('1.32', '0.13', None, '3.96', None), (), None, None, None, None, None, None),), None),
    ('together/deepseek-ai/DeepSeek-V4.1-Flash', 'DeepSeek V4.1 Flash', 'together', 'deepseek-ai/DeepSeek-V4.1-Flash', ('deepseek-ai/DeepSeek-V4.1-Flash', 'deepseek-ai/DeepSeek-V4.1-Flash-1017'), 'text', ('chat',), 1000000, None, 'https://www.together.ai/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.3', '0.006', None, '1.2', None), (), None, None, None, None, None, None),), None),
    ('together/meta-llama/Llama-3.3-70B-Instruct-Turbo', 'together/meta-llama/Llama-3.3-70B-Instruct-Turbo', 'together', 'meta-llama/Llama-3.3-70B-Instruct-Turbo', ('meta-llama/Llama-3.3-70B-Instruct-Turbo',), 'text', ('chat',), None, None, 'https://www.together.ai/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.88', None, None, '0.88', None), (), None, None, None, None, None, None),), None),
    ('together/meta-llama/Llama-4-Maverick-17B-128E-Instruct-FP8', 'together/meta-llama/Llama-4-Maverick-17B-128E-Instruct-FP8', 'together', 'meta-llama/Llama-4-Maverick-17B-128E-Instruct-FP8', ('meta-llama/Llama-4-Maverick-17B-128E-Instruct-FP8',), 'text', ('chat',), None, None, 'https://www.together.ai/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.27', None, None, '0.85', None), (), None, None, None, None, None, None),), None),
    ('together/meta-llama/Llama-4-Scout-17B-16E-Instruct', 'together/meta-llama/Llama-4-Scout-17B-16E-Instruct', 'together', 'meta-llama/Llama-4-Scout-17B-16E-Instruct', ('meta-llama/Llama-4-Scout-17B-16E-Instruct',), 'text', ('chat',), None, None, 'https://www.together.ai/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.18', None, None, '0.59', None), (), None, None, None, None, None, None),), None),
    ('together/meta-llama/Meta-Llama-3.1-405B-Instruct-Turbo', 'together/meta-llama/Meta-Llama-3.1-405B-Instruct-Turbo', 'together', 'meta-llama/Meta-Llama-3.1-405B-Instruct-Turbo', ('meta-llama/Meta-Llama-3.1-405B-Instruct-Turbo',), 'text', ('chat',), None, None, 'https://www.together.ai/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('3.5', None, None, '3.5', None), (), None, None, None, None, None, None),), None),
    ('together/meta-llama/Meta-Llama-3.1-8B-Instruct-Turbo', 'together/meta-llama/Meta-Llama-3.1-8B-Instruct-Turbo', 'together', 'meta-llama/Meta-Llama-3.1-8B-Instruct-Turbo', ('meta-llama/Meta-Llama-3.1-8B-Instruct-Turbo',), 'text', ('chat',), None, None, 'https://www.together.ai/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.18', None, None, '0.18', None), (), None, None, None, None, None, None),), None),
    ('together/moonshotai/Kimi-K3', 'Kimi K3', 'together', 'moonshotai/Kimi-K3', ('moonshotai/Kimi-K3',), 'text', ('chat',), 1048576, None, 'https://www.together.ai/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('3', '0.3', None, '15', None), (), None, None, None, None, None, None),), None),
    ('together/moonshotai/Kimi-K3.1-Pro', 'Kimi K3.1 Pro', 'together', 'moonshotai/Kimi-K3.1-Pro', ('moonshotai/Kimi-K3.1-Pro',), 'text', ('chat',), 1048576, None, 'https://www.together.ai/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('2', '0.2', None, '10', None), (), None, None, None, None, None, None),), None),
    ('together/nvidia/NVIDIA-Nemotron-3.5-Super-VL', 'NVIDIA Nemotron 3.5 Super VL', 'together', 'nvidia/NVIDIA-Nemotron-3.5-Super-VL', ('nvidia/NVIDIA-Nemotron-3.5-Super-VL',), 'text', ('chat',), 262144, None, 'https://www.together.ai/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.15', '0.02', None, '0.5', None), (), None, None, None, None, None, None),), None),
    ('together/openai/gpt-oss-120b', 'GPT-OSS 120B', 'together', 'openai/gpt-oss-120b', (), 'text', ('chat',), 131072, None, 'https://www.together.ai/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.15', None, None, '0.6', None), (), None, None, None, None, None, None),), None),
    ('together/zai-org/GLM-5.3', 'GLM-5.3', 'together', 'zai-org/GLM-5.3', ('zai-org/GLM-5.3',), 'text', ('chat',), 1048575, None, 'https://www.together.ai/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('1.4', '0.26', None, '4.4', None), (), None, None, None, None, None, None),), None),
    ('together/zai-org/GLM-5.3-Flash', 'GLM-5.3 Flash', 'together', 'zai-org/GLM-5.3-Flash', ('zai-org/GLM-5.3-Flash',), 'text', ('chat',), 1048575, None, 'https://www.together.ai/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.15', '0.03', None, '0.5', None), (), None, None, None, None, None, None),), None),
    ('tts-1', 'TTS-1', 'openai', 'tts-1', ('openai/tts-1',), 'audio', ('speech',), None, None, 'https://developers.openai.com/api/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', None, (), None, None, ('usd_per_1m_characters', '15'), None, None, None),), None),
    ('tts-1-hd', 'TTS-1 HD', 'openai', 'tts-1-hd', ('openai/tts-1-hd',), 'audio', ('speech',), None, None, 'https://developers.openai.com/api/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', None, (), None, None, ('usd_per_1m_characters', '30'), None, None, None),), None),
    ('veo-2', 'Veo 2', 'google', 'veo-2.0-generate-001', ('google/veo-2', 'veo-2.0-generate-001'), 'video', ('video',), None, None, 'https://ai.google.dev/gemini-api/docs/pricing', '2025-11-01', ((None, False, 'usd_per_1m_tokens', None, (), None, ('usd_per_second', ('resolution',), ((('720p',), '0.35', True),)), None, None, None, None),), None),
    ('veo-3', 'Veo 3', 'google', 'veo-3.0-generate-001', ('google/veo-3', 'veo-3.0-generate-001'), 'video', ('video',), None, None, 'https://ai.google.dev/gemini-api/docs/pricing', '2025-11-01', ((None, False, 'usd_per_1m_tokens', None, (), None, ('usd_per_second', ('resolution',), ((('720p',), '0.4', True), (('1080p',), '0.4', False))), None, None, None, None),), None),
    ('veo-3-fast', 'Veo 3 Fast', 'google', 'veo-3.0-fast-generate-001', ('google/veo-3-fast', 'veo-3.0-fast-generate-001'), 'video', ('video',), None, None, 'https://ai.google.dev/gemini-api/docs/pricing', '2025-11-01', ((None, False, 'usd_per_1m_tokens', None, (), None, ('usd_per_second', ('resolution',), ((('720p',), '0.15', True), (('1080p',), '0.15', False))), None, None, None, None),), None),
    ('voxtral-mini-2602', 'Voxtral Mini Transcribe 2', 'mistral', 'voxtral-mini-2602', ('mistral/voxtral-mini-2602', 'voxtral-mini-latest'), 'audio', ('transcription',), 16384, None, 'https://mistral.ai/pricing/api', '2026-11-04', ((None, False, 'usd_per_1m_tokens', None, (), None, None, None, ('usd_per_3600_seconds', '0.18'), None, None),), None),
    ('voxtral-mini-transcribe-3-0', 'Voxtral Mini Transcribe 3', 'mistral', 'voxtral-mini-transcribe-3-0', ('mistral/voxtral-mini-transcribe-3-0',), 'audio', ('transcription',), None, None, 'https://mistral.ai/pricing/api', '2026-11-04', ((None, False, 'usd_per_1m_tokens', None, (), None, None, None, ('usd_per_3600_seconds', '0.21'), None, None),), None),
    ('voxtral-small-transcribe-3-0', 'Voxtral Small Transcribe 3', 'mistral', 'voxtral-small-transcribe-3-0', ('mistral/voxtral-small-transcribe-3-0',), 'audio', ('transcription',), None, None, 'https://mistral.ai/pricing/api', '2026-11-04', ((None, False, 'usd_per_1m_tokens', None, (), None, None, None, ('usd_per_3600_seconds', '0.24'), None, None),), None),
    ('voyage-3-large', 'Voyage 3 Large', 'voyage', 'voyage-3-large', ('voyage/voyage-3-large',), 'embedding', ('embeddings',), None, None, 'https://docs.voyageai.com/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.18', None, None, None, None), (), None, None, None, None, None, None),), None),
    ('voyage-3.5', 'Voyage 3.5', 'voyage', 'voyage-3.5', ('voyage/voyage-3.5',), 'embedding', ('embeddings',), None, None, 'https://docs.voyageai.com/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.06', None, None, None, None), (), None, None, None, None, None, None),), None),
    ('voyage-3.5-lite', 'Voyage 3.5 Lite', 'voyage', 'voyage-3.5-lite', ('voyage/voyage-3.5-lite',), 'embedding', ('embeddings',), None, None, 'https://docs.voyageai.com/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.02', None, None, None, None), (), None, None, None, None, None, None),), None),
    ('voyage-4', 'Voyage 4', 'voyage', 'voyage-4', ('voyage/voyage-4',), 'embedding', ('embeddings',), None, None, 'https://docs.voyageai.com/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.06', None, None, None, None), (), None, None, None, None, None, None),), None),
    ('voyage-4-large', 'Voyage 4 Large', 'voyage', 'voyage-4-large', ('voyage/voyage-4-large',), 'embedding', ('embeddings',), None, None, 'https://docs.voyageai.com/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.12', None, None, None, None), (), None, None, None, None, None, None),), None),
    ('voyage-4-lite', 'Voyage 4 Lite', 'voyage', 'voyage-4-lite', ('voyage/voyage-4-lite',), 'embedding', ('embeddings',), None, None, 'https://docs.voyageai.com/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.02', None, None, None, None), (), None, None, None, None, None, None),), None),
    ('voyage-code-3', 'Voyage Code 3', 'voyage', 'voyage-code-3', ('voyage/voyage-code-3',), 'embedding', ('embeddings',), None, None, 'https://docs.voyageai.com/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.18', None, None, None, None), (), None, None, None, None, None, None),), None),
    ('voyage-code-4', 'Voyage Code 4', 'voyage', 'voyage-code-4', ('voyage/voyage-code-4',), 'embedding', ('embeddings',), None, None, 'https://docs.voyageai.com/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.12', None, None, None, None), (), None, None, None, None, None, None),), None),
    ('voyage-context-3', 'Voyage Context 3', 'voyage', 'voyage-context-3', ('voyage/voyage-context-3',), 'embedding', ('embeddings',), None, None, 'https://docs.voyageai.com/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.18', None, None, None, None), (), None, None, None, None, None, None),), None),
    ('voyage-context-4', 'Voyage Context 4', 'voyage', 'voyage-context-4', ('voyage/voyage-context-4',), 'embedding', ('embeddings',), None, None, 'https://docs.voyageai.com/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.12', None, None, None, None), (), None, None, None, None, None, None),), None),
    ('voyage-finance-2', 'Voyage Finance 2', 'voyage', 'voyage-finance-2', ('voyage/voyage-finance-2',), 'embedding', ('embeddings',), None, None, 'https://docs.voyageai.com/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.12', None, None, None, None), (), None, None, None, None, None, None),), None),
    ('voyage-law-2', 'Voyage Law 2', 'voyage', 'voyage-law-2', ('voyage/voyage-law-2',), 'embedding', ('embeddings',), None, None, 'https://docs.voyageai.com/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.12', None, None, None, None), (), None, None, None, None, None, None),), None),
    ('voyage-multilingual-2', 'Voyage Multilingual 2', 'voyage', 'voyage-multilingual-2', ('voyage/voyage-multilingual-2',), 'embedding', ('embeddings',), None, None, 'https://docs.voyageai.com/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('0.12', None, None, None, None), (), None, None, None, None, None, None),), None),
    ('whisper-1', 'Whisper', 'openai', 'whisper-1', ('openai/whisper-1',), 'audio', ('transcription',), None, None, 'https://developers.openai.com/api/docs/pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', None, (), None, None, None, ('usd_per_minute', '0.006'), None, None),), None),
    ('whisper-large-v3', 'Whisper Large V3', 'groq', 'whisper-large-v3', ('groq/whisper-large-v3',), 'audio', ('transcription',), None, None, 'https://console.groq.com/docs/models', '2026-11-04', ((None, False, 'usd_per_1m_tokens', None, (), None, None, None, ('usd_per_3600_seconds', '0.111'), None, None),), None),
    ('whisper-large-v3-turbo', 'Whisper Large V3 Turbo', 'groq', 'whisper-large-v3-turbo', ('groq/whisper-large-v3-turbo',), 'audio', ('transcription',), None, None, 'https://console.groq.com/docs/models', '2026-11-04', ((None, False, 'usd_per_1m_tokens', None, (), None, None, None, ('usd_per_3600_seconds', '0.04'), None, None),), None),
    ('zai-glm-4.7', 'Z.ai GLM 4.7', 'cerebras', 'zai-glm-4.7', ('cerebras/zai-glm-4.7',), 'text', ('chat',), 131072, None, 'https://www.cerebras.ai/pricing#pricing', '2026-11-04', ((None, False, 'usd_per_1m_tokens', ('2.25', None, None, '2.75', None), (), None, None, None, None, None, None),), None),
)


def _tokens(prices: tuple[str | None, ...], unit: str) -> TokenRates:
    return TokenRates(*[None if usd is None else RATES[usd, unit] for usd in prices])


def _media(group: Any) -> MediaGroup | None:
    if group is None:
        return None
    unit, params, rows = group
    options = tuple(MediaOption(values, RATES[usd, unit], default) for values, usd, default in rows)
    return MediaGroup(params, options, next(option for option in options if option.default))


def _unit_price(entry: Any) -> Rate | None:
    return None if entry is None else RATES[entry[1], entry[0]]


def _price_set(row: Any) -> PriceSet:
    effective_from, free, unit, tokens, tiers, images, video, characters, audio, requests, searches = row
    return PriceSet(
        None if effective_from is None else datetime.fromisoformat(effective_from).replace(tzinfo=UTC),
        free,
        None if tokens is None else _tokens(tokens, unit),
        tuple(Tier(above, _tokens(prices, unit)) for above, prices in tiers),
        _media(images),
        _media(video),
        _unit_price(characters),
        _unit_price(audio),
        _unit_price(requests),
        _unit_price(searches),
    )


def _model(row: Any) -> Model:
    (model_id, name, provider, upstream, aliases, modality, operations, context, max_output, source, as_of, sets,
     deprecated) = row
    return Model(model_id, name, provider, upstream, aliases, modality, operations, context, max_output, source,
                 date.fromisoformat(as_of), tuple(_price_set(price_set) for price_set in sets),
                 None if deprecated is None else date.fromisoformat(deprecated))


class _Models(Sequence[Model]):
    """All models, sorted by id; each record is built on first access and then kept."""

    __slots__ = ("_built",)

    def __init__(self) -> None:
        self._built: list[Model | None] = [None] * len(_ROWS)

    @overload
    def __getitem__(self, index: int) -> Model: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Model]: ...
    def __getitem__(self, index: int | slice) -> Model | Sequence[Model]:
        if isinstance(index, slice):
            return tuple(self[i] for i in range(*index.indices(len(_ROWS))))
        model = self._built[index]
        if model is None:
            model = self._built[index] = _model(_ROWS[index])  # racing threads build equal records
        return model

    def __len__(self) -> int:
        return len(_ROWS)


class _Index(Mapping[str, Model]):
    """Every model by id and by alias: one dict lookup plus, the first time, building the record."""

    __slots__ = ("_rows",)

    def __init__(self) -> None:
        self._rows = {name: i for i, row in enumerate(_ROWS) for name in (row[0], *row[4])}

    def __getitem__(self, name: str) -> Model:
        return MODELS[self._rows[name]]

    def get(self, name: str, default: Any = None) -> Any:  # faster than Mapping.get's try/except
        index = self._rows.get(name)
        return default if index is None else MODELS[index]

    def __contains__(self, name: object) -> bool:
        return name in self._rows

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)


MODELS: Final[Sequence[Model]] = _Models()
"""Every model, sorted by id."""
MODEL_INDEX: Final[Mapping[str, Model]] = _Index()
"""Every model by id and by alias."""
