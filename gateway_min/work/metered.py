"""Usage to what a served request is charged: priced, capped at the hold, and never free."""

from __future__ import annotations

import logging
from datetime import datetime

import pricing
from gateway_min.pipeline.plugs import Metered
from generated.catalog import Model

log = logging.getLogger("gateway_min")


def priced(model: Model, usage: pricing.Usage | None, maximum: int, at: datetime, estimated: bool,
           reason: str | None) -> Metered:
    """`usage` priced and capped at `maximum`. Usage that cannot be priced (or none) settles `maximum`, marked
    estimated: the provider served the request, so it is never free."""
    if usage is not None:
        try:
            settlement = pricing.settle(model, usage, maximum, at=at)
        except pricing.PricingError as exc:
            log.warning("usage of %s could not be priced (%s); settling the hold", model.id, exc)
            return Metered(None, maximum, True, f"unpriced usage: {exc}")
        return Metered(settlement.charge, settlement.amount, estimated, reason)
    return Metered(None, maximum, True, reason)
