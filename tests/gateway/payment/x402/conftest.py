from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.gateway.payment.x402.wallets import OPENED


@pytest.fixture(autouse=True)
def _close_facilitators() -> Iterator[None]:
    yield
    while OPENED:
        OPENED.pop().close()
