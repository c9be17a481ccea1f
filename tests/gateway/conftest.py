from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.gateway.ledger.backends import BACKENDS
from tests.gateway.payment.x402.support import X402Harness, build_x402
from tests.gateway.support import Harness, build


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Every test of the app runs on each ledger backend: none of them knows which (tests/gateway/ledger/backends.py)."""
    return str(request.param)


@pytest.fixture
async def harness(tmp_path: Path, backend: str) -> AsyncIterator[Harness]:
    built = build(tmp_path, backend=backend)
    yield built
    await built.aclose()


@pytest.fixture
async def x402(tmp_path: Path, backend: str) -> AsyncIterator[X402Harness]:
    """The real app with the embedded facilitator in-process, the demo runtime and funded payers."""
    built = build_x402(tmp_path, backend=backend)
    yield built
    await built.h.aclose()
    built.embedded.close()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
