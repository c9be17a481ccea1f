"""Under mutation testing each test starts with no compiled pricer cached.

mutmut runs the tests once unmutated, then each mutant in a fork of that process: a pricer compiled and cached
(pricing/pricers.py) before the fork would answer in place of the one the mutated compiler builds, so a mutant of
the compiler would survive or die by which tests ran first. Outside mutmut the cache stays (a test that is about it
clears it itself)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from pricing import pricers


@pytest.fixture(autouse=True)
def _no_pricer_compiled_before_the_mutant() -> Iterator[None]:
    if "MUTANT_UNDER_TEST" in os.environ:
        pricers._CACHE.clear()
    yield
