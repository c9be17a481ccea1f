"""An estimate is priced with the price set in force when the work is measured, like the hold it is capped at: a
request-priced answer whose usage cannot be read settles the exact charge of what was asked, never an option
chosen by a price set that is not in force yet."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pricing
from gateway_min.work.model import ModelWork
from gateway_min.work.quote import quote
from tests.pricing import records as r

NOW = datetime(2025, 6, 1, tzinfo=UTC)
# `auto` holds the dearest size: 2x2 now, 1x1 under the set scheduled for later
DRIFTING = r.model("drifting", r.price_set(images=r.media(("size",), "usd_per_image", (("1x1",), "0.01"),
                                                          (("2x2",), "0.02"))),
                   r.price_set(effective_from=datetime(2026, 1, 1, tzinfo=UTC),
                               images=r.media(("size",), "usd_per_image", (("1x1",), "0.05"), (("2x2",), "0.03"))),
                   operations=("images",), modality="image")


def work(body: dict[str, Any]) -> ModelWork:
    quoted = quote(DRIFTING, body, "images", NOW, None)
    gateway: Any = SimpleNamespace(moment=lambda: NOW)
    return ModelWork(gateway, None, "/v1/images/generations", "images", DRIFTING, body, None, False,  # type: ignore[arg-type]
                     quoted, None, None, 0)


def test_an_unreadable_answer_settles_the_exact_charge_of_the_set_in_force() -> None:
    body = {"prompt": "a cat", "size": "auto"}
    served = work(body)
    exact = pricing.quote_exact(DRIFTING, body, "images", at=NOW)
    assert exact.provider_amount == 20_000  # 2x2, the dearest size now
    metered = served.measure(b"{not json", served.hold)
    assert (metered.charge, metered.amount, metered.estimated) == (exact, exact.final_amount, True)
    assert metered.reason is not None and metered.reason.startswith("usage unreadable")
