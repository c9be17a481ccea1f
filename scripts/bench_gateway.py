#!/usr/bin/env python3
"""Gateway benchmark: added latency and paid requests/s over a fake upstream on 127.0.0.1.

Processes: a fake OpenAI-compatible upstream (raw asyncio HTTP, canned chat completion with usage), the gateway
(`python -m gateway_min serve --upstream-url ...`, one uvicorn worker, SQLite ledger) pinned to CPU 0, and this
load generator (raw asyncio HTTP/1.1 keep-alive client) with the upstream on CPU 1. Latency: sequential requests
alternating direct (to the upstream) and through the gateway (Compose Key path: auth, quote, reserve, call,
price, settle, receipt), in randomised rounds after a warm-up; added latency is gateway − direct per pair.
Throughput: C connections in a closed loop for a few seconds through the gateway.
The raw x402 path is measured in the same alternating rounds: `upto` payments for the same chat request, signed
beforehand (one fresh nonce each) by a payer funded on the gateway's embedded facilitator, so each timed request
pays the whole flow: decode, match, local checks (an EIP-712 recovery), single-use claim (fsync), facilitator
verify and settle (in-process, its own SQLite file), claim outcome (fsync), receipt.

Targets (docs/BENCHMARKS.md): added p50 ≤ 1 ms, p99 ≤ 5 ms, ≥ 1,000 paid req/s.
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

import httpx

ADMIN = "bench-admin-token"
CHAT = {"model": "gpt-4.1", "messages": [{"role": "user", "content": "Say hello to the benchmark"}], "max_tokens": 16}
UPSTREAM_REPLY = json.dumps({
    "id": "chatcmpl-bench", "object": "chat.completion", "created": 1, "model": "gpt-4.1",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello, benchmark!"},
                 "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 12, "completion_tokens": 4, "total_tokens": 16},
}).encode()

UPSTREAM_CODE = r'''
import asyncio, os, sys
os.sched_setaffinity(0, {CPUS})
REPLY = {REPLY!r}
HEAD = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n" % len(REPLY)
async def handle(reader, writer):
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            if length:
                await reader.readexactly(length)
            writer.write(HEAD + REPLY)
    except (asyncio.IncompleteReadError, ConnectionError):
        writer.close()
async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", {PORT}, backlog=1024)
    print("ready", flush=True)
    await server.serve_forever()
asyncio.run(main())
'''


class RawClient:
    """A minimal HTTP/1.1 keep-alive client: the load generator must cost far less than what it measures."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        lines = [f"POST {path} HTTP/1.1", f"host: {self.host}:{self.port}", "content-type: application/json",
                 f"content-length: {len(body)}", *(f"{k}: {v}" for k, v in headers.items())]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        return status, await self.reader.readexactly(length)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(url: str, process: subprocess.Popen[bytes], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"process exited early: {process.args!r}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not come up")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


X402_WARMUP = 50


def sign_payments(port: int, count: int) -> list[str]:
    """`count` PAYMENT-SIGNATURE headers for CHAT, each with a fresh nonce, from a payer funded on the embedded
    facilitator (fund route, admin token); the requirements come from the gateway's own 402 challenge."""
    from eth_account import Account

    from gateway_min.payment.x402.protocol import PaymentRequired, decode_header, encode_header, pay

    base = f"http://127.0.0.1:{port}"
    payer = Account.create()
    funded = httpx.post(f"{base}/api/x402/facilitator/fund", json={"address": payer.address, "amount": 10**12},
                        headers={"authorization": f"Bearer {ADMIN}"})
    assert funded.status_code == 200, funded.text
    challenge = httpx.post(f"{base}/v1/chat/completions", json=CHAT)
    assert challenge.status_code == 402, challenge.text
    requirements = decode_header(challenge.headers["payment-required"], PaymentRequired).accepts[0]
    now = int(time.time())
    return [encode_header(pay(payer, requirements, now)) for _ in range(count)]


def summary(added: list[float], round_medians: list[float]) -> dict[str, float]:
    quartiles = statistics.quantiles(added, n=4)
    return {"p50": percentile(added, 0.50), "p99": percentile(added, 0.99),
            "median_of_rounds": statistics.median(round_medians), "q1": quartiles[0], "q3": quartiles[2]}


async def latency(direct: RawClient, gateway: RawClient, token: str, payments: list[str], rounds: int,
                  per_round: int, *, with_x402: bool = True) -> dict[str, dict[str, float]]:
    body = json.dumps(CHAT).encode()
    auth = {"authorization": f"Bearer {token}"}
    signatures = iter(payments)
    for i in range(200):  # warm-up: connections, caches, the writer thread
        await direct.post("/v1/chat/completions", body, {})
        await gateway.post("/v1/chat/completions", body, auth)
        if with_x402 and i < X402_WARMUP:
            status, _ = await gateway.post("/v1/chat/completions", body, {"payment-signature": next(signatures)})
            assert status == 200, status
    paths = ["key", "x402"] if with_x402 else ["key"]
    times: dict[str, list[float]] = {"direct": [], **{name: [] for name in paths}}
    medians: dict[str, list[float]] = {name: [] for name in paths}
    for _ in range(rounds):
        this_round: dict[str, list[float]] = {name: [] for name in paths}
        for _ in range(per_round):
            order: list[tuple[str, RawClient, dict[str, str]]] = [("direct", direct, {}), ("key", gateway, auth)]
            if with_x402:
                order.append(("x402", gateway, {"payment-signature": next(signatures)}))
            random.shuffle(order)
            took = {}
            for name, client, headers in order:
                started = time.perf_counter()
                status, _ = await client.post("/v1/chat/completions", body, headers)
                took[name] = time.perf_counter() - started
                assert status == 200, (name, status)
            for name, value in took.items():
                times[name].append(value)
            for name, values in this_round.items():
                values.append(took[name] - took["direct"])
        for name, values in this_round.items():
            medians[name].append(statistics.median(values))
    out = {name: summary([t - d for t, d in zip(times[name], times["direct"], strict=True)], medians[name])
           for name in medians}
    out["p50"] = {name: percentile(values, 0.5) for name, values in times.items()}
    out["p50"]["samples"] = len(times["direct"])
    return out


async def throughput(port: int, token: str, connections: int, seconds: float) -> tuple[float, int]:
    body = json.dumps(CHAT).encode()
    auth = {"authorization": f"Bearer {token}"}
    done = 0
    failures = 0
    stop = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal done, failures
        client = RawClient("127.0.0.1", port)
        try:
            while time.perf_counter() < stop:
                status, _ = await client.post("/v1/chat/completions", body, auth)
                if status == 200:
                    done += 1
                else:
                    failures += 1
        finally:
            await client.close()

    started = time.perf_counter()
    await asyncio.gather(*[worker() for _ in range(connections)])
    return done / (time.perf_counter() - started), failures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--per-round", type=int, default=200)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--sync", choices=["full", "normal"], default="full")
    parser.add_argument("--no-x402", action="store_true", help="measure the Compose Key path alone (pairs)")
    args = parser.parse_args()
    cpus = sorted(os.sched_getaffinity(0))
    gateway_cpus, other_cpus = ({cpus[0]}, {cpus[1]}) if len(cpus) >= 2 else (set(cpus), set(cpus))
    os.sched_setaffinity(0, other_cpus)
    upstream_port, gateway_port = free_port(), free_port()
    with tempfile.TemporaryDirectory() as tmp:
        code = UPSTREAM_CODE.replace("{CPUS}", repr(other_cpus)).replace("{REPLY!r}", repr(UPSTREAM_REPLY)).replace(
            "{PORT}", str(upstream_port))
        upstream = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
        env = {**os.environ, "COMPOSE_ADMIN_TOKEN": ADMIN}
        gateway = subprocess.Popen(
            ["taskset", "-c", ",".join(map(str, gateway_cpus)), sys.executable, "-m", "gateway_min", "serve",
             "--upstream-url", f"http://127.0.0.1:{upstream_port}/v1", "--db", str(Path(tmp) / "bench.sqlite3"),
             "--port", str(gateway_port), "--log-level", "warning", "--sync", args.sync],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            assert upstream.stdout is not None and upstream.stdout.readline().strip() == b"ready"
            wait_ready(f"http://127.0.0.1:{gateway_port}/health", gateway)
            created = httpx.post(f"http://127.0.0.1:{gateway_port}/api/keys", json={
                "budgetLimit": 10**14, "expiresAt": int(time.time() * 1000) + 3_600_000, "chainId": 43113},
                headers={"authorization": f"Bearer {ADMIN}", "x-chain-id": "43113",
                         "x-session-user-address": "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"})
            token = created.json()["token"]
            payments = [] if args.no_x402 else sign_payments(gateway_port, X402_WARMUP + args.rounds * args.per_round)

            async def run() -> tuple[dict[str, dict[str, float]], float, int]:
                direct, through = RawClient("127.0.0.1", upstream_port), RawClient("127.0.0.1", gateway_port)
                result = await latency(direct, through, token, payments, args.rounds, args.per_round,
                                       with_x402=not args.no_x402)
                await direct.close()
                await through.close()
                rate, failures = await throughput(gateway_port, token, args.connections, args.seconds)
                return result, rate, failures

            result, rate, failures = asyncio.run(run())
        finally:
            gateway.terminate()
            upstream.terminate()
            gateway.wait(timeout=30)
            upstream.wait(timeout=30)
    ms = 1000
    print(f"gateway on CPU {sorted(gateway_cpus)}, upstream + load on CPU {sorted(other_cpus)}; "
          f"ledger sync={args.sync}")
    p50 = result["p50"]
    shape = "pairs (direct, Compose Key)" if args.no_x402 else "triples (direct, Compose Key, raw x402)"
    print(f"latency, {int(p50['samples'])} shuffled {shape} in {args.rounds} rounds (concurrency 1):")
    print(f"  p50: direct {p50['direct'] * ms:.3f} ms   Compose Key {p50['key'] * ms:.3f} ms"
          + ("" if args.no_x402 else f"   raw x402 {p50['x402'] * ms:.3f} ms"))
    paths = [("key", "Compose Key path", " (target ≤ 1 / ≤ 5)")]
    if not args.no_x402:
        paths.append(("x402", "raw x402 path (upto, embedded facilitator)", ""))
    for name, label, target in paths:
        added = result[name]
        print(f"  {label}: added p50 {added['p50'] * ms:.3f} ms   p99 {added['p99'] * ms:.3f} ms{target}   "
              f"median of round medians {added['median_of_rounds'] * ms:.3f} ms   "
              f"IQR {added['q1'] * ms:.3f}–{added['q3'] * ms:.3f} ms")
    print(f"throughput: {rate:,.0f} paid req/s with {args.connections} connections for {args.seconds:.0f} s "
          f"(target ≥ 1,000); non-200: {failures}")


if __name__ == "__main__":
    main()
