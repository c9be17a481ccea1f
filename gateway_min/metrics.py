"""Prometheus metrics (prometheus_client), served at `GET /metrics` in the text format, for the admin token only.

Multi-worker safe: `serve --workers N` gives the workers one PROMETHEUS_MULTIPROC_DIR (prometheus_client's
multiprocess mode), so any worker answers a scrape with the counts of all of them. What the ledger knows (open
holds, reserved amount) is read from the ledger at the scrape: it is the same whichever process is asked.

    compose_requests_total{family, route, status, payment}   requests, by route template and payment method
    compose_added_latency_seconds{family}                    the gateway's own time on a paid non-streamed call
    compose_settled_atomic_total{provider, model}            USDC atomic units settled
    compose_settlements_total{provider, model, estimated}    settlements (estimated: an estimate was settled)
    compose_aborts_total{reason}                             holds given up, by reason
    compose_x402_failures_total{stage, reason}               x402 verify / settle refusals and errors
    compose_ledger_commit_seconds{backend, durable}          a ledger transaction's commit
    compose_ledger_flush_seconds                             SQLite `--sync normal` flushes (an fsync of the WAL)
    compose_open_holds, compose_reserved_atomic              authorized holds now, and what they reserve
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Final

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

LATENCY_BUCKETS: Final = (0.0005, 0.001, 0.002, 0.003, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0)
COMMIT_BUCKETS: Final = (0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.25)
FAMILIES: Final = (("/external/", "external"), ("/v1/models", "catalog"), ("/v1/modalities", "catalog"),
                   ("/v1/", "model"), ("/api/inference", "model"), ("/agent/", "runtime"), ("/workflow/", "runtime"),
                   ("/api/keys", "keys"), ("/api/session", "keys"), ("/api/payments/", "intents"),
                   ("/api/x402/", "facilitator"), ("/.well-known/", "catalog"), ("/health", "ops"),
                   ("/metrics", "ops"))

requests = Counter("compose_requests", "HTTP requests answered", ("family", "route", "status", "payment"))
added_latency = Histogram("compose_added_latency_seconds", "The gateway's own time on a paid non-streamed call "
                          "(the upstream's excluded)", ("family",), buckets=LATENCY_BUCKETS)
settled_amount = Counter("compose_settled_atomic", "USDC atomic units settled", ("provider", "model"))
settlements = Counter("compose_settlements", "Settlements", ("provider", "model", "estimated"))
aborts = Counter("compose_aborts", "Holds given up (nothing charged)", ("reason",))
x402_failures = Counter("compose_x402_failures", "x402 verify and settle refusals or errors", ("stage", "reason"))
commit_time = Histogram("compose_ledger_commit_seconds", "A ledger transaction's commit", ("backend", "durable"),
                        buckets=COMMIT_BUCKETS)
flush_time = Histogram("compose_ledger_flush_seconds", "SQLite --sync normal flushes", buckets=COMMIT_BUCKETS)


def family(template: str) -> str:
    """The route family of a route template (a small, fixed set of label values)."""
    return next((name for prefix, name in FAMILIES if template.startswith(prefix)), "other")


def subject_labels(subject: str) -> tuple[str, str]:
    """(provider, model) of a settlement's subject (`openai:gpt-4.1`, `workflow:0x…`)."""
    provider, _, model = subject.partition(":")
    return provider or "unknown", model or "unknown"


def settled(subject: str, receipt: Mapping[str, Any]) -> None:
    """What a settlement adds: its amount by provider and model, and whether it settled an estimate."""
    provider, model = subject_labels(str(receipt.get("subject") or subject))
    settled_amount.labels(provider, model).inc(int(receipt.get("final_amount_wei", 0)))
    settlements.labels(provider, model, "true" if receipt.get("estimated") else "false").inc()


def exposition(open_holds: int, reserved: int) -> tuple[bytes, str]:
    """The text exposition (every process's counts in multiprocess mode) with the ledger's gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        body = generate_latest(registry)
    else:
        body = generate_latest(REGISTRY)
    gauges = CollectorRegistry()
    gauges.register(_Ledger(open_holds, reserved))
    return body + generate_latest(gauges), CONTENT_TYPE_LATEST


class _Ledger:
    def __init__(self, open_holds: int, reserved: int) -> None:
        self.values = (open_holds, reserved)

    def collect(self) -> list[GaugeMetricFamily]:
        holds, reserved = self.values
        return [GaugeMetricFamily("compose_open_holds", "Authorized holds in the ledger now", value=holds),
                GaugeMetricFamily("compose_reserved_atomic", "USDC atomic units those holds reserve", value=reserved)]
