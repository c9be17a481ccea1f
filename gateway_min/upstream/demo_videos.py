"""The demo provider's video jobs, as OpenAI's video API runs them: create answers the job `queued`; reads find it
`in_progress` (with its progress), then `completed` after JOB_SECONDS; a prompt that says "fail" fails instead.
`GET /videos/{id}/content` is a tiny MP4-shaped file once it completes. Jobs are kept in memory (the last MAX_KEPT).
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from typing import Any, Final

import orjson

from gateway_min.upstream.provider import UpstreamReply, UpstreamRequest

CREATED: Final = 1_735_689_600
JOB_SECONDS: Final = 3.0
MAX_KEPT: Final = 1_000


def _error(status: int, message: str) -> UpstreamReply:
    body = {"error": {"message": message, "type": "invalid_request_error", "param": None, "code": None}}
    return UpstreamReply(status, "application/json", orjson.dumps(body))


class DemoVideos:
    def __init__(self, job_seconds: float = JOB_SECONDS) -> None:
        self.job_seconds = job_seconds
        self.jobs: OrderedDict[str, tuple[dict[str, Any], float]] = OrderedDict()

    async def send(self, request: UpstreamRequest) -> UpstreamReply:
        if request.suffix:
            return self._read(request)
        body = request.body
        ident = "video_demo" + hashlib.sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS)).hexdigest()[:20]
        job = {"id": ident, "object": "video", "model": body.get("model"), "status": "queued", "progress": 0,
               "created_at": CREATED, "completed_at": None, "expires_at": None, "error": None,
               "prompt": body.get("prompt"), "seconds": str(body.get("seconds")),
               "size": body.get("size") or body.get("resolution"), "remixed_from_video_id": None}
        self.jobs[ident] = (job, time.monotonic())
        while len(self.jobs) > MAX_KEPT:
            self.jobs.popitem(last=False)
        return UpstreamReply(200, "application/json", orjson.dumps(job))

    def _now(self, ident: str) -> dict[str, Any] | None:
        kept = self.jobs.get(ident)
        if kept is None:
            return None
        job, started = kept
        elapsed = time.monotonic() - started
        if elapsed < self.job_seconds:
            return {**job, "status": "in_progress", "progress": min(99, int(100 * elapsed / self.job_seconds))}
        if "fail" in str(job.get("prompt")).lower():
            return {**job, "status": "failed", "progress": 0,
                    "error": {"code": "generation_failed", "message": "the demo provider failed this job"}}
        return {**job, "status": "completed", "progress": 100, "completed_at": CREATED + 60}

    def _read(self, request: UpstreamRequest) -> UpstreamReply:
        path = request.suffix.split("?", 1)[0]
        ident, _, rest = path.lstrip("/").partition("/")
        job = self._now(ident)
        if job is None:
            return _error(404, f"Video with id '{ident}' not found.")
        if request.method == "GET" and rest == "":
            return UpstreamReply(200, "application/json", orjson.dumps(job))
        if request.method == "GET" and rest == "content":
            if job["status"] != "completed":
                return _error(400, f"Video is not ready yet (status {job['status']}).")
            return UpstreamReply(200, "video/mp4", b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" +
                                 hashlib.sha256(ident.encode()).digest())
        return _error(404, f"unknown route /videos{request.suffix}")
