"""Charges known before the call (`exact`), worst cases for usage-priced work (`upto`), and settlement.

- `quote_exact`: request-priced work (images, speech, video, per-request fees) is priced from the request itself.
- `quote_max`: usage-priced work (chat, embeddings, transcription) gets a provable maximum: a prompt-token bound
  (pricing/bounds.py), an output-token limit the gateway must enforce upstream, every token at the dearest rate
  it could be billed at, plus the rounding slack of the lines it could be split into. For any usage within those
  bounds, price(usage) ≤ quote_max(...).amount.
- `settle`: the measured charge, capped at what was authorised; what the cap cut off is recorded, never dropped.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any, Final, NamedTuple

from generated.catalog import MediaGroup, Model, PriceSet, Rate, TokenRates
from pricing.bounds import (
    UnboundedPrompt,
    chat_prompt_bound,
    embeddings_input_bound,
    rerank_search_bound,
    rerank_token_bound,
)
from pricing.charge import Charge, ceil_div, line_amount, platform_fee
from pricing.engine import fee_of, get_model, price, price_set_at
from pricing.errors import NotQuotable, PricingError, UnpricedUsage, amount_argument, shown
from pricing.usage import Usage, checked

OPERATIONS: Final = ("chat", "embeddings", "images", "speech", "transcription", "video", "rerank")
MAX_CHOICES: Final = 128  # OpenAI's own limit on `n` for chat completions
_DIGITS: Final = re.compile(r"[0-9]+")
REQUEST_PRICED: Final = frozenset({"images", "speech", "video"})
TOKEN_LINES: Final = 5  # cached_input, cache_write, input, reasoning, output


class InsufficientBudget(PricingError):
    """Even the smallest useful request (one output token) costs more than the budget allows."""

    def __init__(self, message: str, required: int) -> None:
        super().__init__(message)
        self.required = required


class MaxQuote(NamedTuple):
    model: str
    operation: str
    amount: int
    """Worst-case final amount (provider + fee), USDC atomic units."""
    provider_amount: int
    platform_fee: int
    prompt_tokens: int
    """Upper bound on the prompt tokens of the request."""
    output_tokens: int
    """Output-token limit to enforce upstream (max_completion_tokens); 0 when the work has no output tokens."""


class Settlement(NamedTuple):
    charge: Charge
    """The measured charge, uncapped."""
    authorized_max: int
    amount: int
    """What to collect: min(charge.final_amount, authorized_max)."""
    uncollected: int
    """charge.final_amount − amount: what the cap cut off (0 when the charge fits)."""

    @property
    def capped(self) -> bool:
        return self.uncollected > 0


def _operation(model: Model, operation: str) -> None:
    if operation not in OPERATIONS:
        raise NotQuotable(f"unknown operation {operation!r}; operations: {', '.join(OPERATIONS)}")
    if operation not in model.operations:
        raise NotQuotable(f"{model.id} does not serve {operation!r} (it serves {', '.join(model.operations)})")


def _positive_int(body: Mapping[str, Any], field: str, *, limit: int | None = None) -> int | None:
    value = body.get(field)
    if value is None:
        return None
    if isinstance(value, str) and _DIGITS.fullmatch(value) and len(value) <= 18:  # video `seconds` is a string
        value = int(value)
    if type(value) is not int or value < 1 or (limit is not None and value > limit):
        bound = f" ≤ {limit}" if limit is not None else ""
        raise NotQuotable(f"`{field}` must be a positive integer{bound}, got {shown(value)}")
    return value


def _param(body: Mapping[str, Any], *fields: str) -> str | None:
    for field in fields:
        value = body.get(field)
        if value is None:
            continue
        if not isinstance(value, str):
            raise NotQuotable(f"`{field}` must be a string, got {shown(value)}")
        return value
    return None


def _media_choice(group: MediaGroup | None, asked: dict[str, str | None]) -> dict[str, str | None]:
    """The option values to price a request at. A parameter the model's prices do not depend on is dropped (its
    price is the same whatever it is); `auto` lets the provider choose, so the dearest option that fits the other
    parameters is held."""
    if group is None:
        return asked
    kept = {name: value for name, value in asked.items() if name in group.params}
    if "auto" not in kept.values():
        return kept
    fixed: dict[str, str | None] = {name: value for name, value in kept.items() if value not in (None, "auto")}
    fits = [option for option in group.options
            if all(option.values[group.params.index(name)] == value for name, value in fixed.items())]
    if not fits:
        return fixed  # pricing then names the offered combinations
    dearest = max(fits, key=lambda option: Fraction(option.rate.num, option.rate.den))
    return dict(zip(group.params, dearest.values, strict=True))


def usage_from_request(model: str | Model, body: Mapping[str, Any], operation: str, *,
                       at: datetime | None = None) -> Usage:
    """The usage a request-priced request will consume, read from the request (images, speech, video)."""
    record = get_model(model)
    _operation(record, operation)
    if not isinstance(body, Mapping):
        raise NotQuotable(f"the request body must be a JSON object, got {type(body).__name__}")
    price_set = price_set_at(record, at)
    if operation == "images":
        count = _positive_int(body, "n", limit=10) or 1
        chosen = _media_choice(price_set.images, {"size": _param(body, "size"), "quality": _param(body, "quality")})
        return Usage(images=count, image_size=chosen.get("size"), image_quality=chosen.get("quality"))
    if operation == "speech":
        text = body.get("input")
        if not isinstance(text, str) or not text:
            raise NotQuotable("a speech request needs `input`: the text to speak")
        return Usage(characters=len(text))
    if operation == "video":
        seconds = _positive_int(body, "seconds", limit=3600)
        if seconds is None:
            raise NotQuotable("a video request must say how long the video is: `seconds`")
        chosen = _media_choice(price_set.video, {"resolution": _param(body, "size", "resolution")})
        return Usage(video_seconds=seconds, video_resolution=chosen.get("resolution"))
    if price_set.requests is not None and not _prices_usage(price_set):
        return Usage()  # priced per request only
    raise NotQuotable(f"{operation} is priced from the provider's measured usage, so it has no exact quote before "
                      "the call; use quote_max for the upto maximum")


def _prices_usage(price_set: PriceSet) -> bool:
    return any(group is not None for group in (price_set.tokens, price_set.images, price_set.video,
                                               price_set.characters, price_set.audio))


def quote_exact(model: str | Model, body: Mapping[str, Any], operation: str, *, at: datetime | None = None,
                fee_bps: int | None = None) -> Charge:
    """The exact charge of request-priced work, known before the call. NotQuotable for usage-priced work."""
    return price(model, usage_from_request(model, body, operation, at=at), at=at, fee_bps=fee_bps)


def _dearest(rates: list[Rate | None]) -> tuple[int, int]:
    """The highest rate as (num, den); (0, 1) when there is none. Compared exactly by cross-multiplication."""
    best = (0, 1)
    for rate in rates:
        if rate is not None and rate.num * best[1] > best[0] * rate.den:
            best = (rate.num, rate.den)
    return best


def _token_worst(model: Model, token_sets: list[TokenRates], prompt: int, output: int) -> int:
    if prompt and all(s.input is None for s in token_sets):
        raise UnpricedUsage(f"{model.id} has no input token price")
    if output and all(s.output is None for s in token_sets):
        raise UnpricedUsage(f"{model.id} has no output token price")
    in_num, in_den = _dearest([r for s in token_sets for r in (s.input, s.cached_input, s.cache_write)])
    out_num, out_den = _dearest([r for s in token_sets for r in (s.output, s.reasoning)])
    worst = ceil_div(prompt * in_num, in_den) + ceil_div(output * out_num, out_den)
    return worst + TOKEN_LINES - 1  # each of up to five lines rounds up by less than one unit


def quote_max(model: str | Model, body: Mapping[str, Any], operation: str, *, at: datetime | None = None,
              fee_bps: int | None = None, budget: int | None = None,
              audio_seconds: int | Decimal | None = None) -> MaxQuote:
    """The upto maximum of a request and the output-token limit to enforce upstream.

    `budget` (atomic units, fee included) lowers the output limit until the maximum fits, or raises
    InsufficientBudget. Transcription needs `audio_seconds`, a bound on the audio's duration.
    """
    record = get_model(model)
    _operation(record, operation)
    fee = fee_of(fee_bps)
    if budget is not None:
        amount_argument("budget", budget)
    if operation in REQUEST_PRICED:
        exact = quote_exact(record, body, operation, at=at, fee_bps=fee)
        return _fit(MaxQuote(record.id, operation, exact.final_amount, exact.provider_amount, exact.platform_fee,
                             0, 0), budget)
    if not isinstance(body, Mapping):
        raise NotQuotable(f"the request body must be a JSON object, got {type(body).__name__}")
    price_set = price_set_at(record, at)
    requests = 0 if price_set.requests is None else line_amount(1, price_set.requests)
    if price_set.free:
        return MaxQuote(record.id, operation, 0, 0, 0, 0, 0)
    if operation == "rerank":
        return _fit(_rerank_max(record, body, price_set, fee, requests), budget)
    if operation == "transcription" and price_set.audio is not None:
        if audio_seconds is None:
            raise NotQuotable("a transcription maximum needs a bound on the audio duration (audio_seconds)")
        seconds = checked(Usage(audio_seconds=audio_seconds)).audio_seconds
        provider = line_amount(seconds, price_set.audio) + requests
        return _fit(MaxQuote(record.id, operation, provider + platform_fee(provider, fee), provider,
                             platform_fee(provider, fee), 0, 0), budget)
    if price_set.tokens is None:
        raise UnpricedUsage(f"{record.id} has no token prices, so {operation} has no upto maximum")
    choices = 1
    if operation == "embeddings":
        prompt, limit = embeddings_input_bound(body), 0
    elif operation == "chat":
        prompt, limit = _chat_bounds(record, body)
        choices = _positive_int(body, "n", limit=MAX_CHOICES) or 1  # the limit applies to each choice
    else:
        raise NotQuotable(f"{record.id} prices {operation} by tokens and the audio length is unknown before the call")
    token_sets = [price_set.tokens, *(tier.rates for tier in price_set.tiers if prompt > tier.above_input_tokens)]

    def quote(output: int) -> MaxQuote:
        provider = _token_worst(record, token_sets, prompt, output * choices) + requests
        fee_amount = platform_fee(provider, fee)
        return MaxQuote(record.id, operation, provider + fee_amount, provider, fee_amount, prompt, output)

    best = quote(limit)
    if budget is None or best.amount <= budget or limit == 0:
        return _fit(best, budget)
    low, high = 1, limit  # the largest output limit whose worst case fits the budget (amount grows with it)
    if quote(low).amount > budget:
        raise InsufficientBudget(f"{record.id}: a {prompt}-token prompt with 1 output token can cost up to "
                                 f"{quote(low).amount}, above the budget of {budget}", quote(low).amount)
    while low < high:
        middle = (low + high + 1) // 2
        low, high = (middle, high) if quote(middle).amount <= budget else (low, middle - 1)
    return quote(low)


def _rerank_max(model: Model, body: Mapping[str, Any], price_set: PriceSet, fee: int, requests: int) -> MaxQuote:
    """A rerank's worst case: its search units bound at the search price, or its token bound at the input
    price (and output, should a model price it), whichever the model is priced by (both when it has both)."""
    provider = requests
    prompt = 0
    if price_set.searches is not None:
        provider += line_amount(rerank_search_bound(body), price_set.searches)
    if price_set.tokens is not None and price_set.tokens.input is not None:
        prompt = rerank_token_bound(body)
        provider += _token_worst(model, [price_set.tokens, *(tier.rates for tier in price_set.tiers)], prompt, 0)
    elif price_set.searches is None:
        raise UnpricedUsage(f"{model.id} has neither a per-search nor an input token price for rerank")
    fee_amount = platform_fee(provider, fee)
    return MaxQuote(model.id, "rerank", provider + fee_amount, provider, fee_amount, prompt, 0)


def _fit(quote: MaxQuote, budget: int | None) -> MaxQuote:
    if budget is not None and quote.amount > budget:
        raise InsufficientBudget(f"{quote.model}: this {quote.operation} request can cost up to {quote.amount}, "
                                 f"above the budget of {budget}", quote.amount)
    return quote


def _chat_bounds(model: Model, body: Mapping[str, Any]) -> tuple[int, int]:
    """(prompt bound, output limit). A prompt with context the provider stores is bounded by the context window,
    and its output limit is then not taken from what the window leaves (that is unknown)."""
    try:
        prompt = chat_prompt_bound(body)
    except UnboundedPrompt as exc:
        if model.context_window is None:
            raise NotQuotable(f"{exc}, and {model.id} publishes no context window to bound it by") from None
        return model.context_window, _output_limit(model, body, 0)
    return prompt, _output_limit(model, body, prompt)


def _output_limit(model: Model, body: Mapping[str, Any], prompt: int) -> int:
    asked = [_positive_int(body, field) for field in ("max_completion_tokens", "max_tokens", "max_output_tokens")]
    limits = [value for value in asked if value is not None]
    if model.max_output_tokens is not None:
        limits.append(model.max_output_tokens)
    elif not limits and model.context_window is not None:
        limits.append(max(1, model.context_window - min(prompt, model.context_window)))
    if not limits:
        raise NotQuotable(f"{model.id} publishes no output limit: set max_completion_tokens (or max_tokens)")
    return min(limits)


def settle(model: str | Model, usage: Usage | Mapping[str, Any], authorized_max: int, *,
           at: datetime | None = None, fee_bps: int | None = None) -> Settlement:
    """The final charge for measured usage, capped at `authorized_max`; the excess is recorded as uncollected."""
    amount_argument("authorized_max", authorized_max)
    measured = price(model, usage, at=at, fee_bps=fee_bps)
    amount = min(measured.final_amount, authorized_max)
    return Settlement(measured, authorized_max, amount, measured.final_amount - amount)
