from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.x402.support import OPENED


@pytest.fixture(autouse=True)
def _close_facilitators() -> Iterator[None]:
    yield
    while OPENED:
        OPENED.pop().close()
