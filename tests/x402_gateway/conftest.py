from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.x402_gateway.support import X402Harness, build_x402


@pytest.fixture
def x402(tmp_path: Path) -> Iterator[X402Harness]:
    built = build_x402(tmp_path)
    yield built
    built.h.ledger.close()
    built.embedded.close()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
