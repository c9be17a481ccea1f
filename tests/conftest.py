"""PostgreSQL cases (the `postgres` ledger backend, `@pytest.mark.postgres` tests) run when COMPOSE_TEST_POSTGRES
names a reachable server. Without one they are deselected, and the run says so in its header and its summary;
with CI=true the run fails instead (.ci/run starts a server, so a missing one is a broken CI, not a skip)."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

from tests.gateway.ledger import backends

_deselected: list[pytest.Item] = []

# Mutation runs (scripts/mutation passes --hypothesis-profile=mutation): the same examples on every run, so a
# mutant is killed or survives by the tests alone, never by the luck of a seed; and no deadline, since mutmut's
# trampolines slow every mutated call.
settings.register_profile("mutation", derandomize=True, database=None, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "postgres: needs the PostgreSQL server named by COMPOSE_TEST_POSTGRES")


def _needs_postgres(item: pytest.Item) -> bool:
    callspec = getattr(item, "callspec", None)
    return item.get_closest_marker("postgres") is not None or (
        callspec is not None and callspec.params.get("backend") == "postgres")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("hypothesis_profile", None) == "mutation":
        # a mutant usually dies on an example test: those run first, the (slower) properties after them
        items.sort(key=lambda item: getattr(getattr(item, "obj", None), "is_hypothesis_test", False))
    url, why = backends.server()
    if url is not None:
        return
    wanted = [item for item in items if _needs_postgres(item)]
    if wanted and os.environ.get("CI") == "true":
        raise pytest.UsageError(f"CI=true and {why}: {len(wanted)} PostgreSQL test(s) cannot run")
    if wanted:
        _deselected.extend(wanted)
        config.hook.pytest_deselected(items=wanted)
        items[:] = [item for item in items if not _needs_postgres(item)]


def pytest_report_header(config: pytest.Config) -> str:
    url, why = backends.server()
    return f"PostgreSQL ledger tests: {backends.redacted(url) if url else 'deselected, ' + why}"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _deselected:
        _, why = backends.server()
        terminalreporter.write_line(f"{len(_deselected)} PostgreSQL test(s) deselected: {why}", yellow=True)
