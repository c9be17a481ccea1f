"""The authoring format of `catalog_src/`: strict pydantic models (unknown keys are errors).

Their JSON Schema is exported to `generated/catalog_src.schema.json` for editor completion; the docstrings
under each field become its description there.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Final, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StringConstraints,
)
from pydantic.json_schema import WithJsonSchema

from catalog_build.units import GRAMMAR_HELP, UnknownUnit, scale

MAX_PLACES: Final = 12
MAX_WHOLE_DIGITS: Final = 6  # a price below 1,000,000 USD a unit
_PLAIN_DECIMAL: Final = re.compile(r"(0|[1-9][0-9]*)(\.[0-9]+)?")
_ADDRESS = r"^0x[0-9a-fA-F]{40}$"

Modality = Literal["text", "embedding", "image", "audio", "video"]
Operation = Literal["chat", "embeddings", "images", "speech", "transcription", "video", "rerank"]
Flavor = Literal["openai-chat", "openai-responses", "anthropic", "gemini"]


def _price(value: Any) -> str:
    if isinstance(value, str) and _PLAIN_DECIMAL.fullmatch(value) and len(value.partition(".")[2]) <= MAX_PLACES:
        return _bounded_price(str(value))  # the common case; a NumberText becomes a plain str
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValueError(f"a price must be a decimal string such as \"1.25\", got {type(value).__name__}")
    text = str(value).strip()
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"price {text!r} is not a decimal number") from None
    if number.is_nan() or number.is_infinite():
        raise ValueError(f"price {text!r} is not finite")
    if (number.is_signed() and number != 0) or text.startswith("-"):
        raise ValueError(f"price {text!r} is negative")
    if not _PLAIN_DECIMAL.fullmatch(text):
        raise ValueError(f"price {text!r} must be written as a plain decimal such as \"0.000125\" (no exponent, sign, "
                         "underscores or leading zeros)")
    places = len(text.partition(".")[2])
    if places > MAX_PLACES:
        raise ValueError(f"price {text!r} has {places} decimal places; at most {MAX_PLACES} are allowed")
    return _bounded_price(text)


def _bounded_price(text: str) -> str:
    if len(text.partition(".")[0]) > MAX_WHOLE_DIGITS:
        raise ValueError(f"price {text[:40]!r} is {MAX_WHOLE_DIGITS + 1} digits or more before the point: at most "
                         f"{10**MAX_WHOLE_DIGITS - 1} USD a unit")
    return text


Price = Annotated[
    str,
    BeforeValidator(_price),
    WithJsonSchema({
        "anyOf": [
            {"type": "string", "pattern": r"^(0|[1-9][0-9]{0,5})(\.[0-9]{1,12})?$"},
            {"type": "number", "minimum": 0, "exclusiveMaximum": 1000000},
        ],
        "description": "USD per unit, an exact decimal (write it quoted to be safe), at most 12 decimal places, "
                       "below 1,000,000",
    }, mode="validation"),
    WithJsonSchema({"type": "string", "pattern": r"^(0|[1-9][0-9]{0,5})(\.[0-9]{1,12})?$",
                    "description": "USD per unit, an exact decimal string"}, mode="serialization"),
]


def _unit_of(dimension: str) -> AfterValidator:
    def check(unit: str) -> str:
        try:
            found = scale(unit)
        except UnknownUnit as exc:
            raise ValueError(str(exc)) from None
        if found.dimension != dimension:
            raise ValueError(f"unit {unit!r} measures {found.dimension}, but this price needs a {dimension} unit")
        return unit

    return AfterValidator(check)


def _unit_schema(dimension: str, examples: list[str]) -> WithJsonSchema:
    return WithJsonSchema({"type": "string", "pattern": r"^usd_per_", "examples": examples,
                           "description": f"a {dimension} unit of the grammar {GRAMMAR_HELP}"})


TokenUnit = Annotated[str, _unit_of("tokens"), _unit_schema("tokens", ["usd_per_1m_tokens", "usd_per_1k_tokens"])]
ImageUnit = Annotated[str, _unit_of("images"), _unit_schema("images", ["usd_per_image"])]
CharacterUnit = Annotated[str, _unit_of("characters"),
                          _unit_schema("characters", ["usd_per_1m_characters", "usd_per_1k_characters"])]
SecondsUnit = Annotated[str, _unit_of("seconds"),
                        _unit_schema("seconds", ["usd_per_second", "usd_per_minute", "usd_per_10_seconds"])]
RequestUnit = Annotated[str, _unit_of("requests"), _unit_schema("requests", ["usd_per_request", "usd_per_1k_requests"])]
SearchUnit = Annotated[str, _unit_of("searches"), _unit_schema("searches", ["usd_per_search", "usd_per_1k_searches"])]


def _utc(value: Any) -> datetime:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        text = value.strip()
        try:
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                return datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{text!r} is not an ISO 8601 date or datetime (e.g. 2025-06-10T00:00:00Z)") from None
    else:
        raise ValueError(f"expected a UTC datetime such as 2025-06-10T00:00:00Z, got {type(value).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{value!s} has no time zone; write it in UTC, e.g. 2025-06-10T00:00:00Z")
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # 9999-12-31T23:59:59-05:00 is past the last datetime Python has
        raise ValueError(f"{value!s} is out of range once in UTC") from None


UtcDatetime = Annotated[
    datetime,
    BeforeValidator(_utc),
    WithJsonSchema({"type": "string", "description": "UTC date (midnight) or datetime with offset",
                    "examples": ["2025-06-10", "2025-06-10T00:00:00Z"]}, mode="validation"),
    WithJsonSchema({"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"}, mode="serialization"),
]


IsoDate = Annotated[date, Field(strict=False), WithJsonSchema({"type": "string", "format": "date",
                                                                "examples": ["2025-11-01"]})]
ModelId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/@+-]*$", max_length=128)]
Address = Annotated[str, StringConstraints(pattern=_ADDRESS)]
Url = Annotated[str, StringConstraints(pattern=r"^https?://[^\s]+$")]
Count = Annotated[StrictInt, Field(gt=0, le=2**63 - 1)]  # a 64-bit column anywhere it is read


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


# -- settings.yaml ---------------------------------------------------------------------------------------------


class Network(Strict):
    id: Annotated[str, StringConstraints(pattern=r"^eip155:[1-9][0-9]*$")]
    """CAIP-2 network id, e.g. eip155:43113 (Avalanche Fuji)."""
    name: str
    """Display name of the network."""
    asset: Address
    """USDC contract address on this network."""
    asset_name: str
    """EIP-712 domain name of the USDC contract (e.g. "USD Coin")."""
    asset_version: str
    """EIP-712 domain version of the USDC contract (e.g. "2")."""
    decimals: Literal[6]
    """USDC decimals; amounts are atomic units of 10^-6 USDC."""
    pay_to: Address
    """The merchant wallet that receives payments on this network."""


class SettingsFile(Strict):
    platform_fee_bps: Annotated[StrictInt, Field(ge=0, le=10_000)] = 100
    """Platform fee on top of the provider amount, in basis points (100 = 1%)."""
    default_network: str
    """Network used when a request names none; must be one of `networks`."""
    networks: Annotated[list[Network], Field(min_length=1)]
    """Settlement networks."""


# -- providers.yaml --------------------------------------------------------------------------------------------


class Provider(Strict):
    id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    """Provider id used by model files (`provider: <id>`) and in meter subjects."""
    name: str
    """Display name."""
    base_url: Url | None = None
    """OpenAI-compatible base URL, e.g. https://api.openai.com/v1. None: the provider is priced (the engine is a
    library others import) but the gateway cannot call it, and says so."""
    api_key_env: Annotated[str, StringConstraints(pattern=r"^[A-Z_][A-Z0-9_]*$")] | None = None
    """Environment variable that holds the provider API key (with base_url)."""
    flavor: Flavor = "openai-chat"
    """API flavor: how requests are sent and usage is read."""
    rerank_url: Url | None = None
    """The rerank endpoint when it is not `{base_url}/rerank` (Cohere: https://api.cohere.com/v2/rerank)."""


class ProvidersFile(Strict):
    providers: Annotated[list[Provider], Field(min_length=1)]


# -- models/*.yaml ---------------------------------------------------------------------------------------------


class TokenPrices(Strict):
    unit: TokenUnit = "usd_per_1m_tokens"
    """Token unit; the default usd_per_1m_tokens is the providers' own convention."""
    input: Price | None = None
    """Prompt tokens that are neither cache reads nor cache writes."""
    cached_input: Price | None = None
    """Prompt tokens read from the provider's cache (when absent, cache reads are billed as input)."""
    cache_write: Price | None = None
    """Prompt tokens written to the provider's cache (when absent, cache writes are billed as input)."""
    output: Price | None = None
    """Completion tokens, reasoning included unless `reasoning` is priced."""
    reasoning: Price | None = None
    """Reasoning tokens, when the provider prices them apart from output."""


class Tier(Strict):
    """Cliff tier: when the prompt has more than `above_input_tokens` tokens, every token is priced here."""

    above_input_tokens: Count
    """Threshold on input_tokens (strictly above)."""
    input: Price | None = None
    cached_input: Price | None = None
    cache_write: Price | None = None
    output: Price | None = None
    reasoning: Price | None = None


class ImageOption(Strict):
    size: Annotated[str, StringConstraints(pattern=r"^[1-9][0-9]*x[1-9][0-9]*$")] | None = None
    """Image size as WIDTHxHEIGHT, e.g. 1024x1024."""
    quality: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]*$")] | None = None
    """Quality as the provider names it: standard, hd, low, medium, high…"""
    price: Price
    default: StrictBool = False
    """The option used when the request names no size/quality; exactly one per group."""


class ImagePrices(Strict):
    unit: ImageUnit
    options: Annotated[list[ImageOption], Field(min_length=1)]


class VideoOption(Strict):
    resolution: Annotated[str, StringConstraints(pattern=r"^([1-9][0-9]*p|[1-9][0-9]*x[1-9][0-9]*)$")]
    """Resolution as the provider names it: 720p, 1080p or WIDTHxHEIGHT."""
    price: Price
    default: StrictBool = False


class VideoPrices(Strict):
    unit: SecondsUnit
    options: Annotated[list[VideoOption], Field(min_length=1)]


class CharacterPrice(Strict):
    unit: CharacterUnit
    price: Price


class AudioPrice(Strict):
    unit: SecondsUnit
    price: Price


class RequestPrice(Strict):
    unit: RequestUnit
    price: Price


class SearchPrice(Strict):
    unit: SearchUnit
    price: Price


class PriceSet(Strict):
    effective_from: UtcDatetime | None = None
    """When this price set takes effect (UTC). Only the first set of a model may omit it."""
    free: StrictBool = False
    """The model costs nothing in this period. Must be said explicitly: an unpriced model is an error."""
    tokens: TokenPrices | None = None
    tiers: list[Tier] = Field(default_factory=list)
    """Context-length tiers, ascending by threshold."""
    images: ImagePrices | None = None
    """Per generated image, by size × quality."""
    video: VideoPrices | None = None
    """Per generated second of video, by resolution."""
    characters: CharacterPrice | None = None
    """Per input character (speech synthesis)."""
    audio: AudioPrice | None = None
    """Per second of input audio (transcription)."""
    requests: RequestPrice | None = None
    """A fixed fee per request."""
    searches: SearchPrice | None = None
    """Per rerank search unit (one query over up to 100 documents)."""


class Model(Strict):
    id: ModelId
    """Public model id clients send."""
    name: str | None = None
    """Display name (defaults to the id)."""
    upstream_id: ModelId | None = None
    """Model id sent to the provider (defaults to the id)."""
    aliases: list[ModelId] = Field(default_factory=list)
    """Other ids that resolve to this model, e.g. openai/gpt-4.1."""
    modality: Modality
    operations: Annotated[list[Operation], Field(min_length=1)]
    context_window: Count | None = None
    """Maximum prompt + completion tokens."""
    max_output_tokens: Count | None = None
    """Maximum completion tokens per request."""
    source: Url
    """Where the prices come from."""
    as_of: IsoDate
    """When the prices were last checked against the source."""
    deprecated: IsoDate | None = None
    """When the provider deprecated the model: it stays priced, so that old usage can be priced again."""
    prices: Annotated[list[PriceSet], Field(min_length=1)]
    """Price history, oldest first; the last set whose effective_from has passed is in force."""


class Origin(Strict):
    """Where an imported file comes from: a package and its pinned version (a re-run of the importer makes it)."""

    package: str
    version: Annotated[str, StringConstraints(pattern=r"^[0-9][0-9A-Za-z.+-]*$")]
    url: Url
    license: str


class ModelsFile(Strict):
    provider: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    """The provider (from providers.yaml) serving every model of this file."""
    origin: Origin | None = None
    """For a file an importer wrote (catalog_src/imported/<source>/): the package it comes from."""
    models: Annotated[list[Model], Field(min_length=1)]
