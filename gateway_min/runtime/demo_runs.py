"""The demo runtime's streamed workflow runs and their unmetered routes, as Compose's runtime shapes them
(compose-market/runtime src/orchestration.ts): the stream opens with `event: start {runId, message}`, reports its
steps, ends with `event: result {success, output, walletAddress, usageRecords}` then `event: done {}`; a run's state
is `GET /workflow/{wallet}/runs/{runId}/state`, `POST /workflow/{wallet}/stop {runId}` stops one, `POST
/workflow/{wallet}/runs/{runId}/approval {stepKey, status}` records a decision, `GET /workflow/prices` lists the
runtime's unit prices (atomic USDC strings). Runs are kept in memory (the last MAX_KEPT)."""

from __future__ import annotations

import asyncio
import hashlib
from collections import OrderedDict
from collections.abc import AsyncIterator
from typing import Any, Final

import orjson

from gateway_min.upstream import UpstreamReply

MAX_KEPT: Final = 1_000
PRICES: Final = {"ORCHESTRATION": "10000", "AGENT_STEP": "5000", "INFERENCE": "5000", "MCP_TOOL": "1000"}
CREATED: Final = 1_735_689_600_000


def _reply(status: int, document: dict[str, Any]) -> UpstreamReply:
    return UpstreamReply(status, "application/json", orjson.dumps(document))


def _event(name: str, data: dict[str, Any]) -> bytes:
    return b"event: " + name.encode() + b"\ndata: " + orjson.dumps(data) + b"\n\n"


class DemoRuns:
    def __init__(self) -> None:
        self.runs: OrderedDict[str, dict[str, Any]] = OrderedDict()

    def stream(self, wallet: str, message: str, result: dict[str, Any], run_id: str | None,
               delay: float) -> AsyncIterator[bytes]:
        ident = run_id or "run_" + hashlib.sha256(f"{wallet}|{message}|{len(self.runs)}".encode()).hexdigest()[:16]
        state: dict[str, Any] = {"runId": ident, "workflowId": result.get("workflowId"), "walletAddress": wallet,
                 "status": "running", "startedAt": CREATED, "updatedAt": CREATED, "progress": 0, "totalSteps": 2,
                 "lastEventIndex": 0, "events": [], "pendingApprovals": [], "decisions": []}
        self.runs[ident] = state
        while len(self.runs) > MAX_KEPT:
            self.runs.popitem(last=False)
        return self._events(state, message, result, delay)

    async def _events(self, state: dict[str, Any], message: str, result: dict[str, Any],
                      delay: float) -> AsyncIterator[bytes]:
        yield _event("start", {"runId": state["runId"], "message": message})
        for index, record in enumerate(result["usageRecords"]):
            if delay:
                await asyncio.sleep(delay)
            if state["status"] == "cancelled":
                yield _event("error", {"runId": state["runId"], "error": "the run was stopped"})
                return
            state.update(progress=50 * (index + 1), lastEventIndex=index + 1, currentStep=index + 1)
            yield _event("step", {"runId": state["runId"], "stepIndex": index, "totalSteps": 2,
                                  "agentWallet": record["agentWallet"], "tokensUsed": record["totalTokens"]})
        state.update(status="success", output=result["output"])
        yield _event("result", {key: result[key] for key in ("success", "output", "walletAddress",
                                                            "usageRecords")})
        yield _event("done", {})

    def control(self, method: str, path: str, body: dict[str, Any] | None) -> UpstreamReply:
        parts = path.strip("/").split("/")
        if method == "GET" and parts == ["workflow", "prices"]:
            return _reply(200, PRICES)
        if method == "POST" and len(parts) == 3 and parts[2] == "stop":
            run = self.runs.get(str((body or {}).get("runId")))
            if run is None or run["walletAddress"] != parts[1].lower():
                return _reply(404, {"success": False, "error": "no such run"})
            run["status"] = "cancelled"
            return _reply(200, {"success": True, "runId": run["runId"]})
        if len(parts) == 5 and parts[2] == "runs":
            run = self.runs.get(parts[3])
            if run is None or run["walletAddress"] != parts[1].lower():
                return _reply(404, {"error": "no such run"})
            if method == "GET" and parts[4] == "state":
                return _reply(200, run)
            if method == "POST" and parts[4] == "approval":
                decision = body or {}
                if not isinstance(decision.get("stepKey"), str) or decision.get("status") not in ("approved",
                                                                                                   "rejected"):
                    return _reply(400, {"error": "stepKey and status (approved | rejected) are required"})
                run["decisions"].append({key: decision.get(key) for key in ("stepKey", "status", "approver",
                                                                             "reason")})
                return _reply(200, {"success": True})
        return _reply(404, {"error": f"unknown runtime route {method} {path}"})
