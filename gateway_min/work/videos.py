"""Video jobs: a provider that works asynchronously (OpenAI-style create → poll → content) answers the create with
a job still `queued` or `in_progress`. The job is charged at submission (its exact price), answered 202 with its
receipt, and recorded for the wallet that paid (ledger `served`); a job the provider then fails is refunded in
full, once: to its Compose Key, or recorded as owed to its raw x402 payer (routes/videos.py reads the status)."""

from __future__ import annotations

from typing import Any, Final

RUNNING: Final = frozenset({"queued", "in_progress", "pending", "processing"})
FAILED: Final = frozenset({"failed"})  # the provider's failure: a cancelled job was the caller's choice
DONE: Final = frozenset({"completed", "succeeded"})


def job_id(job: Any) -> str | None:
    ident = job.get("id") if isinstance(job, dict) else None
    return ident if isinstance(ident, str) and 0 < len(ident) <= 200 else None


def job_status(job: Any) -> str:
    status = job.get("status") if isinstance(job, dict) else None
    return status if isinstance(status, str) and len(status) <= 40 else "unknown"


def running(job: Any) -> bool:
    return job_status(job) in RUNNING


def terminal(status: str) -> bool:
    return status not in RUNNING
