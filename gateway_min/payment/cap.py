"""The client's cap on what a request may cost (`x-x402-max-amount-wei`), whoever pays: it can only lower the hold;
the work then runs fitted to it (a chat with the output limit that fits), and a cap below the least the request can
cost is a 400."""

from __future__ import annotations

import pricing
from gateway_min.http import HTTPError
from gateway_min.pipeline.plugs import Work
from gateway_min.work.request import CAP_HEADER


def capped(work: Work) -> tuple[Work, int]:
    """(the work, the most to hold or offer for it): the work's own worst case, or the client's lower cap."""
    cap = work.cap
    if cap is None or cap >= work.hold:
        return work, work.hold
    try:
        return work.fit(cap), cap
    except pricing.InsufficientBudget as exc:
        raise HTTPError(400, "validation_error", f"{CAP_HEADER} {cap} is below the least this request can cost "
                        f"({exc.required}); raise it or shorten the request") from None
