"""Metering of runtime answers: an agent's `usage` + `model`, or a workflow's `usageRecords`, priced with the
catalog's token prices (pricing.price). Anything that cannot be priced raises Unmetered with the reason.

Agents: `usage` may use promptTokens | prompt_tokens | input_tokens | inputTokens (input) and
completionTokens | completion_tokens | output_tokens | outputTokens (output), plus reasoningTokens |
reasoning_tokens. Reasoning is part of the output (pricing's convention); a reasoning count above the output count
means the runtime reported it apart, and it is added. Workflows: each record is priced on its own (tiers apply
per call, never to a sum of calls); lines are keyed `{provider}:{modelId}:{key}`, equal lines are merged, and the
platform fee is applied once to the total.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

import pricing
from generated.catalog import PLATFORM_FEE_BPS
from pricing.charge import platform_fee

INPUT: Final = ("promptTokens", "prompt_tokens", "input_tokens", "inputTokens")
OUTPUT: Final = ("completionTokens", "completion_tokens", "output_tokens", "outputTokens")
REASONING: Final = ("reasoningTokens", "reasoning_tokens")
TERMINAL: Final = frozenset({"done", "stopped", "error"})


class Unmetered(ValueError):
    """The runtime's answer carries no usage that can be priced."""


def _count(usage: Mapping[str, Any], names: tuple[str, ...], required: bool) -> int:
    for name in names:
        if name in usage:
            value = usage[name]
            if type(value) is not int or value < 0:
                raise Unmetered(f"usage.{name} must be a non-negative integer, got {value!r}")
            return value
    if required:
        raise Unmetered(f"usage has no {' / '.join(names)}")
    return 0


def token_usage(usage: Any) -> pricing.Usage:
    if not isinstance(usage, Mapping):
        raise Unmetered("the runtime reported no usage object")
    inputs, outputs = _count(usage, INPUT, True), _count(usage, OUTPUT, True)
    reasoning = _count(usage, REASONING, False)
    details = usage.get("output_tokens_details")
    if not reasoning and isinstance(details, Mapping):
        reasoning = _count(details, ("reasoning_tokens",), False)
    if reasoning > outputs:
        outputs += reasoning
    return pricing.Usage(input_tokens=inputs, output_tokens=outputs, reasoning_tokens=reasoning)


def _price(model: Any, usage: pricing.Usage, at: datetime | None) -> pricing.Charge:
    if not isinstance(model, str) or not model:
        raise Unmetered("the runtime named no model for its usage")
    try:
        return pricing.price(model, usage, at=at)
    except pricing.PricingError as exc:
        raise Unmetered(f"usage of {model!r} cannot be priced: {exc}") from None


def agent_charge(document: Any, at: datetime | None = None) -> pricing.Charge:
    """A JSON body (chat, responses) or the terminal SSE event of a stream."""
    if not isinstance(document, Mapping):
        raise Unmetered("the runtime's answer is not a JSON object")
    return _price(document.get("model"), token_usage(document.get("usage")), at)


def workflow_charge(document: Any, subject: str, at: datetime | None = None) -> pricing.Charge:
    records = document.get("usageRecords") if isinstance(document, Mapping) else None
    if not isinstance(records, list):
        raise Unmetered("the workflow returned no usageRecords list")  # [] is a run that called no model: 0
    lines: dict[tuple[str, str, Any], pricing.LineItem] = {}
    provider_amount = 0
    for index, record in enumerate(records):
        if not isinstance(record, Mapping):
            raise Unmetered(f"usageRecords[{index}] is not an object")
        charge = _price(record.get("model"), token_usage(record), at)
        provider_amount += charge.provider_amount
        for item in charge.line_items:
            key = f"{charge.provider}:{charge.model}:{item.key}"
            known = lines.get((key, item.unit, item.unit_price_usd))
            lines[key, item.unit, item.unit_price_usd] = item._replace(key=key) if known is None else known._replace(
                quantity=known.quantity + item.quantity, amount=known.amount + item.amount)
    fee = platform_fee(provider_amount, PLATFORM_FEE_BPS)
    service, _, ident = subject.partition(":")
    return pricing.Charge(model=ident, provider=service, line_items=tuple(lines.values()),
                          provider_amount=provider_amount, platform_fee=fee, final_amount=provider_amount + fee,
                          fee_bps=PLATFORM_FEE_BPS)
