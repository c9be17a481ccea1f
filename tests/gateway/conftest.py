from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.gateway.support import Harness, build


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[Harness]:
    built = build(tmp_path)
    yield built
    built.ledger.close()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
