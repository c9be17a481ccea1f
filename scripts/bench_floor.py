#!/usr/bin/env python3
"""What the gateway's added latency is made of: the floor of its stack, measured like bench_gateway.py.

Same machine layout as bench_gateway.py (fake upstream and load generator on CPU 1, the server on CPU 0, pairs
direct vs through the server in shuffled rounds). The server is a bare uvicorn ASGI app, no ledger, no pricing:
- `static`: uvicorn answers the reply itself (no upstream call): uvicorn's own cost;
- `raw`: it forwards the request over one asyncio keep-alive connection (a minimal hand-written client);
- `httpx`: it forwards through the gateway's own shared httpx client and provider (gateway_min/upstream);
then the ledger's durable commit: the settlement's SQLite commit with `synchronous=FULL`, and `fdatasync` of the WAL
after the same commit made with NORMAL (the disk's flush, which no code change can remove).

    .venv/bin/python scripts/bench_floor.py
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import uvicorn

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import bench_gateway as bench  # the sibling benchmark's upstream, client and helpers

from gateway_min.ledger import Hold, IntentRow, KeyRow, LedgerError
from gateway_min.ledger.sqlite import SqliteLedger, ops, writer
from gateway_min.server import http_client
from gateway_min.upstream import HttpProvider, UpstreamRequest

MODES = ("static", "raw", "httpx")


def serve(mode: str, port: int, upstream: str) -> None:
    """The bare server (run in its own process, pinned by the caller)."""
    state: dict[str, Any] = {}
    host, upstream_port = "127.0.0.1", int(upstream.rsplit(":", 1)[1].split("/", 1)[0])

    async def forward(body: bytes) -> bytes:
        if mode == "static":
            return bench.UPSTREAM_REPLY
        if mode == "httpx":
            if "provider" not in state:
                state["provider"] = HttpProvider(upstream, "sk-floor", http_client())
            reply = await state["provider"].send(UpstreamRequest("chat", json.loads(body)))
            return await reply.read()  # type: ignore[no-any-return]
        if "raw" not in state:
            state["raw"] = bench.RawClient(host, upstream_port)
        _, content = await state["raw"].post("/v1/chat/completions", body, {"content-type": "application/json"})
        return content  # type: ignore[no-any-return]

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        content = await forward(body) if scope["path"] != "/health" else b"ok"
        await send({"type": "http.response.start", "status": 200, "headers": [
            (b"content-type", b"application/json"), (b"content-length", str(len(content)).encode())]})
        await send({"type": "http.response.body", "body": content})

    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False, lifespan="off")


async def pairs(direct: bench.RawClient, server: bench.RawClient, count: int) -> float:
    """Median of (server − direct) over `count` pairs in shuffled order, after a warm-up; seconds."""
    body = json.dumps(bench.CHAT).encode()
    for _ in range(300):
        await direct.post("/v1/chat/completions", body, {})
        await server.post("/v1/chat/completions", body, {})
    added = []
    for _ in range(count):
        took = {}
        order = [("direct", direct), ("server", server)]
        random.shuffle(order)
        for name, client in order:
            started = time.perf_counter()
            status, _ = await client.post("/v1/chat/completions", body, {})
            took[name] = time.perf_counter() - started
            assert status == 200, (name, status)
        added.append(took["server"] - took["direct"])
    return statistics.median(added)


def stack(count: int, server_cpu: int, other_cpu: int) -> dict[str, float]:
    os.sched_setaffinity(0, {other_cpu})
    upstream_port = bench.free_port()
    code = bench.UPSTREAM_CODE.replace("{CPUS}", repr({other_cpu})).replace(
        "{REPLY!r}", repr(bench.UPSTREAM_REPLY)).replace("{PORT}", str(upstream_port))
    upstream = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
    results = {}
    try:
        assert upstream.stdout is not None and upstream.stdout.readline().strip() == b"ready"
        for mode in MODES:
            port = bench.free_port()
            server = subprocess.Popen(
                ["taskset", "-c", str(server_cpu), sys.executable, __file__, "--serve", mode, "--port", str(port),
                 "--upstream", f"http://127.0.0.1:{upstream_port}/v1"])
            try:
                bench.wait_ready(f"http://127.0.0.1:{port}/health", server)

                async def run(port: int = port) -> float:
                    direct = bench.RawClient("127.0.0.1", upstream_port)
                    through = bench.RawClient("127.0.0.1", port)
                    try:
                        return await pairs(direct, through, count)
                    finally:
                        await direct.close()
                        await through.close()

                results[mode] = asyncio.run(run())
            finally:
                server.terminate()
                server.wait(timeout=30)
    finally:
        upstream.terminate()
        upstream.wait(timeout=30)
    return results


def durable_commit(count: int) -> dict[str, float]:
    """The settlement's commit with fsync vs without, and the WAL's fdatasync alone, on the ledger's own schema."""
    def receipt(row: IntentRow) -> dict[str, Any]:
        return {"id": row.id, "settled": row.settled, "line_items": ["x" * 60] * 4}

    start = int(time.time() * 1000)
    times: dict[str, list[float]] = {"commit_full": [], "commit_normal": [], "fdatasync": []}
    with tempfile.TemporaryDirectory() as tmp:  # on the same disk as the benchmarks' ledgers
        path = str(Path(tmp) / "floor.sqlite3")
        ledger = SqliteLedger(path)
        ledger.writer.run_sync(lambda c: ops.create_key(c, KeyRow(
            "key-1", "hash-1", "compose-floor", "0xowner", 43113, "api", None, 10**15, 0, 0, start,
            start + 86_400_000, None, None)))
        ledger.close()
        conn = writer.connect(path)
        conn.execute("PRAGMA wal_autocheckpoint = 0")
        wal = os.open(path + "-wal", os.O_RDWR)
        try:
            for i in range(count):
                full = i % 2 == 0
                conn.execute("PRAGMA synchronous = NORMAL")
                conn.execute("BEGIN IMMEDIATE")
                hold = ops.reserve(conn, Hold("key-1", 1_000, 900_000), start + i, dispatched=True)
                conn.execute("COMMIT")
                assert not isinstance(hold, LedgerError), hold
                conn.execute(f"PRAGMA synchronous = {'FULL' if full else 'NORMAL'}")
                conn.execute("BEGIN IMMEDIATE")
                ops.settle(conn, hold.intent.id, 400, 0, False, receipt, start + i, hold.intent)
                began = time.perf_counter()
                conn.execute("COMMIT")
                committed = time.perf_counter()
                if full:
                    times["commit_full"].append(committed - began)
                else:
                    times["commit_normal"].append(committed - began)
                    os.fdatasync(wal)
                    times["fdatasync"].append(time.perf_counter() - committed)
                if i % 500 == 499:  # as the ledger's writer does: the WAL starts over, rewritten in place
                    conn.execute("PRAGMA wal_checkpoint(RESTART)")
        finally:
            os.close(wal)
            conn.close()
    return {name: statistics.median(values[len(values) // 5:]) for name, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=3000)
    parser.add_argument("--commits", type=int, default=4000)
    parser.add_argument("--serve", choices=MODES, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--upstream", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port, args.upstream)
        return
    cpus = sorted(os.sched_getaffinity(0))
    server_cpu, other_cpu = (cpus[0], cpus[1]) if len(cpus) >= 2 else (cpus[0], cpus[0])
    floor = stack(args.pairs, server_cpu, other_cpu)
    ms = 1000
    print(f"added p50 over the direct round trip, {args.pairs} shuffled pairs each (server on one CPU):")
    print(f"  uvicorn answering itself             {floor['static'] * ms:.3f} ms")
    print(f"  uvicorn + a raw asyncio client       {floor['raw'] * ms:.3f} ms")
    print(f"  uvicorn + the gateway's httpx client {floor['httpx'] * ms:.3f} ms   "
          f"(httpx: +{(floor['httpx'] - floor['raw']) * ms:.3f} ms)")
    os.sched_setaffinity(0, {server_cpu})  # where the gateway runs in bench_gateway.py
    commit = durable_commit(args.commits)
    print(f"the settlement's commit on the ledger schema, p50 ({args.commits // 2} each, CPU {server_cpu}):")
    print(f"  synchronous=NORMAL {commit['commit_normal'] * ms:.3f} ms   FULL {commit['commit_full'] * ms:.3f} ms   "
          f"fdatasync of the WAL alone {commit['fdatasync'] * ms:.3f} ms")


if __name__ == "__main__":
    main()
