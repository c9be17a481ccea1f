from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.gateway.payment.x402.support import X402Harness, build_x402
from tests.gateway.support import Harness, build


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[Harness]:
    built = build(tmp_path)
    yield built
    built.ledger.close()


@pytest.fixture
def x402(tmp_path: Path) -> Iterator[X402Harness]:
    """The real app with the embedded facilitator in-process, the demo runtime and funded payers."""
    built = build_x402(tmp_path)
    yield built
    built.h.ledger.close()
    built.embedded.close()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
