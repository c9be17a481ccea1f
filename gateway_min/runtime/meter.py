"""Metering of runtime answers: an agent's `usage` + `model`, or a workflow's `usageRecords`, priced with the
catalog's token prices (pricing.price). Anything that cannot be priced raises Unmetered with the reason.

Agents: `usage` in any shape the meter quote reads (usage_shapes: camelCase, OpenAI's chat or Responses usage with
their cached and reasoning details, Google's, ours), which must name an input and an output count. Reasoning is
part of the output (pricing's convention); a reasoning count above the output count means the runtime reported it
apart, and it is added. Workflows: each record is priced on its own (tiers apply per call, never to a sum of
calls), one line per record's line item keyed `{provider}:{modelId}:{key}` (so every line recomputes from its own
quantity and price), and the platform fee is applied once to the total.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

import pricing
from gateway_min.work import usage_shapes
from generated.catalog import PLATFORM_FEE_BPS
from pricing.charge import platform_fee
from pricing.errors import shown

TERMINAL: Final = frozenset({"done", "stopped", "error"})


class Unmetered(ValueError):
    """The runtime's answer carries no usage that can be priced."""


def token_usage(usage: Any) -> pricing.Usage:
    if not isinstance(usage, Mapping):
        raise Unmetered("the runtime reported no usage object")
    for names in (usage_shapes.ALIASES["input count"], usage_shapes.ALIASES["output count"]):
        if usage.keys().isdisjoint(names):
            raise Unmetered(f"usage has no {' / '.join(names)}")
    try:
        counts = usage_shapes.token_counts(usage)
    except pricing.PricingError as exc:
        raise Unmetered(f"usage cannot be read: {exc}") from None
    fields = {name: value for name, value in counts.items() if name in usage_shapes.TOKEN_FIELDS}
    for name, value in fields.items():
        if type(value) is not int or value < 0:
            raise Unmetered(f"usage.{name} must be a non-negative integer, got {shown(value)}")
    reasoning, outputs = fields.get("reasoning_tokens", 0), fields.get("output_tokens", 0)
    if reasoning > outputs:  # reported apart from the output
        fields["output_tokens"] = outputs + reasoning
    return pricing.Usage(**fields)


def _price(model: Any, usage: pricing.Usage, at: datetime | None) -> pricing.Charge:
    if not isinstance(model, str) or not model:
        raise Unmetered("the runtime named no model for its usage")
    try:
        return pricing.price(model, usage, at=at)
    except pricing.PricingError as exc:
        raise Unmetered(f"usage of {shown(model)} cannot be priced: {exc}") from None


def agent_charge(document: Any, at: datetime | None = None) -> pricing.Charge:
    """A JSON body (chat, responses) or the terminal SSE event of a stream."""
    if not isinstance(document, Mapping):
        raise Unmetered("the runtime's answer is not a JSON object")
    return _price(document.get("model"), token_usage(document.get("usage")), at)


def workflow_charge(document: Any, subject: str, at: datetime | None = None) -> pricing.Charge:
    records = document.get("usageRecords") if isinstance(document, Mapping) else None
    if not isinstance(records, list):
        raise Unmetered("the workflow returned no usageRecords list")  # [] is a run that called no model: 0
    lines: list[pricing.LineItem] = []
    provider_amount = 0
    for index, record in enumerate(records):
        if not isinstance(record, Mapping):
            raise Unmetered(f"usageRecords[{index}] is not an object")
        charge = _price(record.get("model"), token_usage(record), at)
        provider_amount += charge.provider_amount
        lines += [item._replace(key=f"{charge.provider}:{charge.model}:{item.key}") for item in charge.line_items]
    fee = platform_fee(provider_amount, PLATFORM_FEE_BPS)
    service, _, ident = subject.partition(":")
    return pricing.Charge(model=ident, provider=service, line_items=tuple(lines),
                          provider_amount=provider_amount, platform_fee=fee, final_amount=provider_amount + fee,
                          fee_bps=PLATFORM_FEE_BPS)
