"""One LiteLLM price-map entry at a time: its key read as provider / options / model, its price in catalog terms.

An entry either becomes an `Entry` (a model name plus the price it gives) or a `Skip` with a reason. The decision
depends on the entry alone, so that the vendored subset (every entry that maps) imports to the same files as the
whole map.

Prices: LiteLLM's JSON numbers are floats; `Decimal(repr(value))` is the decimal the author wrote (the shortest
repr round-trips), scaled exactly to the catalog's unit. A price that needs more than 12 decimal places, or is
1,000,000 USD or more a unit, is skipped. Zero prices are LiteLLM's "unpriced", never "free": an entry priced only
by zeros is skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Final

from catalog_build.importers.litellm_source import MODES, key_prefixes, provider_info

MAX_PLACES: Final = 12
MAX_WHOLE_DIGITS: Final = 6
QUALITIES: Final = ("low", "standard", "medium", "high", "hd", "xhigh", "max", "auto")  # also the option order
_SIZE: Final = re.compile(r"([1-9][0-9]*)-x-([1-9][0-9]*)")
_ANY_SIZE: Final = re.compile(r"[0-9a-z]+-x-[0-9a-z]+")
_STEPS: Final = re.compile(r"([0-9]+|max)-steps")
_ID: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/@+-]*")
_VIDEO_RATE: Final = re.compile(r"output_cost_per_second_(.+)")
_TIER: Final = re.compile(r"([1-9][0-9]*)p")
VIDEO_NAMES: Final = {"4k": "2160p", "2k": "1440p"}  # the catalog names resolutions <N>p or WIDTHxHEIGHT
SEARCHES_UNIT: Final = "usd_per_1k_searches"


class Skip(Exception):
    """An entry the importer leaves out, and why."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Entry:
    key: str
    operation: str  # images | speech | transcription | video | rerank
    litellm_provider: str
    provider_ids: tuple[str, ...]
    upstream: str  # the model name without provider prefix and options: what the provider is sent
    prefixed: bool  # the key names its provider (fal_ai/…): LiteLLM has no bare name for this model
    size: str | None = None  # images: WIDTHxHEIGHT
    quality: str | None = None
    price: str | None = None  # images: USD per image
    prices: tuple[tuple[str, Any], ...] = ()  # other operations: the catalog price set, as (group, value) pairs
    note: str | None = None  # what a reader of the YAML should know about how the price was read
    source: str | None = None
    deprecated: date | None = None
    max_input_tokens: int | None = None

    @property
    def flat(self) -> bool:
        return self.size is None and self.quality is None


def exact(entry: dict[str, Any], field: str) -> Decimal | None:
    """A price field as the decimal LiteLLM's author wrote; None when absent, zero or not a number."""
    value = entry.get(field)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if not number.is_finite() or number < 0:
        raise Skip("bad number", f"{field} = {value!r}")
    return number if number else None


def plain(number: Decimal, what: str) -> str:
    """`number` as the catalog writes a price: a plain decimal, at most 12 places, below 1,000,000."""
    text = format(number.normalize(), "f")
    whole, _, places = text.partition(".")
    if len(places) > MAX_PLACES:
        raise Skip("more than 12 decimal places", f"{what} = {text}")
    if len(whole) > MAX_WHOLE_DIGITS:
        raise Skip("price of 1,000,000 USD or more", f"{what} = {text}")
    return text


def _split_key(key: str, litellm_provider: str, media: bool) -> tuple[str, bool, str | None, str | None]:
    """(model name, whether a provider prefix was present, size, quality) of a key such as
    `fal_ai/high/1024-x-1536/openai/gpt-image-2` or `1024-x-1024/50-steps/bedrock/amazon.nova-canvas-v1:0`."""
    prefixes = key_prefixes(litellm_provider)
    parts = key.split("/")
    prefixed, size, quality = False, None, None
    while len(parts) > 1:
        head = parts[0]
        if head in prefixes and not prefixed:
            prefixed = True
        elif media and head in QUALITIES and quality is None:
            quality = head
        elif media and size is None and (match := _SIZE.fullmatch(head)):
            size = f"{match[1]}x{match[2]}"
        elif media and _ANY_SIZE.fullmatch(head):
            raise Skip("size is not WIDTHxHEIGHT", f"size segment {head!r}")
        elif media and _STEPS.fullmatch(head):
            raise Skip("priced by diffusion steps", f"{head!r}: image options are size x quality")
        else:
            break
        parts = parts[1:]
    return "/".join(parts), prefixed, size, quality


def _date(value: Any) -> date | None:
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def read(key: str, entry: dict[str, Any]) -> Entry | None:
    """The entry as an `Entry`; None for a mode this importer does not read; raises Skip with the reason."""
    operation = MODES.get(str(entry.get("mode")))
    if operation is None:
        return None
    litellm_provider = entry.get("litellm_provider")
    if not isinstance(litellm_provider, str) or not litellm_provider:
        raise Skip("no litellm_provider")
    upstream, prefixed, size, quality = _split_key(key, litellm_provider, operation == "images")
    if not _ID.fullmatch(upstream) or len(upstream) > 128:
        raise Skip("model name is not a catalog id", f"{upstream!r} (ids start with a letter or digit)")
    if upstream.startswith("streaming/"):
        raise Skip("a streaming or add-on rate, not a model", "LiteLLM's streaming/ names are not sent upstream")
    source = entry.get("source")
    max_input = entry.get("max_input_tokens")
    common: dict[str, Any] = {
        "key": key, "operation": operation, "litellm_provider": litellm_provider,
        "provider_ids": provider_info(litellm_provider).ids, "upstream": upstream, "prefixed": prefixed,
        "source": source if isinstance(source, str) and re.fullmatch(r"https?://[^\s]+", source) else None,
        "deprecated": _date(entry.get("deprecation_date")),
        "max_input_tokens": max_input if type(max_input) is int and max_input > 0 else None,
    }
    if operation == "images":
        return Entry(**common, size=size, quality=quality, price=_image_price(entry, size))
    if operation == "video":
        prices, note = _video(entry)
        return Entry(**common, prices=prices, note=note)
    readers = {"speech": _speech, "transcription": _transcription, "rerank": _rerank}
    return Entry(**common, prices=readers[operation](entry))


def _image_price(entry: dict[str, Any], size: str | None) -> str:
    """USD per image, as LiteLLM's default image cost code reads the entry: a per-image price, else the size's
    pixels at the per-pixel price. `output_cost_per_image` (the generated image) comes first when it is set:
    where `input_cost_per_image` is also set it prices input images (Gemini) or repeats the output price (Runway);
    OpenAI's and xAI's per-image entries set only `input_cost_per_image`, which LiteLLM's
    `default_image_cost_calculator` reads first."""
    notes = entry.get("metadata")
    if isinstance(notes, dict) and "3D" in " ".join(str(value) for value in notes.values()):
        raise Skip("not an image", "returns a 3D mesh")
    if exact(entry, "output_cost_per_image_token") or exact(entry, "input_cost_per_image_token"):
        raise Skip("priced by image tokens", "the catalog prices images per image")
    tiers = sorted(name for name in entry if name.startswith("output_cost_per_image_")
                   and not name.startswith("output_cost_per_image_token"))
    if tiers:
        raise Skip("per-image prices by a resolution the catalog cannot name", ", ".join(tiers))
    per_image = exact(entry, "output_cost_per_image") or exact(entry, "input_cost_per_image")
    if per_image is not None:
        return plain(per_image, "USD per image")
    per_pixel = exact(entry, "output_cost_per_pixel") or exact(entry, "input_cost_per_pixel")
    if per_pixel is not None:
        if size is None:
            raise Skip("priced per pixel without a size", "the price of an image depends on a size LiteLLM "
                       "does not list")
        width, _, height = size.partition("x")
        return plain(per_pixel * int(width) * int(height), f"{per_pixel} per pixel x {size}")
    if exact(entry, "input_cost_per_token") or exact(entry, "output_cost_per_token"):
        raise Skip("priced per token", "the catalog prices images per image")
    raise _no_price(entry)


def _no_price(entry: dict[str, Any]) -> Skip:
    if any("cost" in name and value == 0 for name, value in entry.items()):
        return Skip("every price is zero", "LiteLLM's zero is 'not priced', not 'free'")
    return Skip("no price")


def _per_million(number: Decimal, what: str) -> str:
    return plain(number * 1_000_000, f"{what} x 10^6")


def _speech(entry: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    per_character = exact(entry, "input_cost_per_character")
    if per_character is not None:
        price = _per_million(per_character, "input_cost_per_character")
        return (("characters", (("unit", "usd_per_1m_characters"), ("price", price))),)
    if exact(entry, "output_cost_per_image"):
        raise Skip("speech priced per generated clip", "the catalog prices speech per character")
    if any(exact(entry, name) for name in ("input_cost_per_token", "output_cost_per_token",
                                           "output_cost_per_audio_token", "output_cost_per_second")):
        raise Skip("speech priced per token or second", "the catalog prices speech per character")
    raise _no_price(entry)


def _tokens(input_price: Decimal | None, output_price: Decimal | None) -> tuple[tuple[str, str], ...]:
    pairs = []
    if input_price is not None:
        pairs.append(("input", _per_million(input_price, "input cost per token")))
    if output_price is not None:
        pairs.append(("output", _per_million(output_price, "output_cost_per_token")))
    return tuple(pairs)


def _transcription(entry: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    """LiteLLM's transcription cost (cost_calculator.py, call type transcription): by tokens when the response
    reports them (audio tokens at input_cost_per_audio_token), otherwise `cost_per_second` of
    llms/openai/cost_calculation.py: output_cost_per_second x duration when that rate is above zero, else
    input_cost_per_second x duration. One rate, never the sum: whisper-1's 0.0001 input and 0.0001 output per
    second cost 0.0001 a second. Token prices: the catalog has one input rate, and a transcription's input is
    audio, so tokens.input is input_cost_per_audio_token when LiteLLM sets it (else input_cost_per_token); where
    LiteLLM prices the prompt's text tokens lower (Azure's gpt-4o-transcribe), they are charged at the audio rate,
    never below."""
    prices: list[tuple[str, Any]] = []
    per_second = exact(entry, "output_cost_per_second") or exact(entry, "input_cost_per_second")
    if per_second is not None:
        prices.append(("audio", (("unit", "usd_per_second"), ("price", plain(per_second, "USD per second")))))
    audio_token = exact(entry, "input_cost_per_audio_token") or exact(entry, "input_cost_per_token")
    if audio_token is not None:
        prices.append(("tokens", _tokens(audio_token, exact(entry, "output_cost_per_token"))))
    if not prices:
        raise _no_price(entry)
    return tuple(prices)


def _video(entry: dict[str, Any]) -> tuple[tuple[tuple[str, Any], ...], str | None]:
    """LiteLLM's video cost (llms/openai/cost_calculation.py video_generation_cost): output_cost_per_video_per_second
    when set, whatever the resolution; else output_cost_per_second_<resolution>, falling back to
    output_cost_per_second. The options: one per resolution rate, plus the fallback rate when no resolution rate
    equals it (named after the first of 720p, 1080p, 480p that LiteLLM does not list); the default option is the
    one priced at the fallback rate (the lowest such resolution when several are)."""
    flat = exact(entry, "output_cost_per_video_per_second")
    rates: dict[str, Decimal] = {}
    if flat is None:
        for name in sorted(entry):
            match = _VIDEO_RATE.fullmatch(name)
            if match is None:
                continue
            tier = VIDEO_NAMES.get(match[1], match[1])
            if not _TIER.fullmatch(tier):
                raise Skip("video resolution the catalog cannot name", name)
            rate = exact(entry, name)
            if rate is not None:
                rates[tier] = rate
    fallback = flat if flat is not None else exact(entry, "output_cost_per_second")
    if fallback is None and not rates:
        raise _no_price(entry)
    options = sorted(rates.items(), key=lambda item: int(item[0][:-1]))
    note = None
    if fallback is None:
        default = max(options, key=lambda item: item[1])[0]  # LiteLLM has no price without a resolution: dearest
    elif any(rate == fallback for _, rate in options):
        default = next(tier for tier, rate in options if rate == fallback)
    else:
        default = next(tier for tier in ("720p", "1080p", "480p", "2160p", "1440p") if tier not in rates)
        options = sorted([*options, (default, fallback)], key=lambda item: int(item[0][:-1]))
        where = "" if not rates else f" other than {', '.join(sorted(rates, key=lambda tier: int(tier[:-1])))}"
        note = (f"{default} names LiteLLM's rate without a resolution ({plain(fallback, 'rate')} a second), which it "
                f"charges for every resolution{where}; the catalog refuses a resolution it does not list")
    rendered = tuple((("resolution", tier), ("price", plain(rate, f"USD per second at {tier}")),
                      *((("default", True),) if tier == default else ())) for tier, rate in options)
    return (("video", (("unit", "usd_per_second"), ("options", rendered))),), note


def _rerank(entry: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    """LiteLLM's rerank cost (llms/base_llm/rerank/transformation.py): input_cost_per_query x the search units the
    provider bills (Cohere's search unit: one query over up to 100 documents); token-priced rerankers (Voyage,
    Jina) cost input_cost_per_token x total tokens."""
    per_query = exact(entry, "input_cost_per_query")
    if per_query is not None:
        return (("searches", (("unit", SEARCHES_UNIT), ("price", plain(per_query * 1000, "per query x 1000")))),)
    per_token = exact(entry, "input_cost_per_token")
    if per_token is not None:
        return (("tokens", _tokens(per_token, exact(entry, "output_cost_per_token"))),)
    raise _no_price(entry)
