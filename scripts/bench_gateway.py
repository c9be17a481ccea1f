#!/usr/bin/env python3
"""Gateway benchmark: added latency and paid requests/s over a fake upstream on 127.0.0.1, every target in one run.

Processes: a fake OpenAI-compatible upstream (raw asyncio HTTP, canned chat completion with usage) and this load
generator (a raw asyncio HTTP/1.1 keep-alive client) on CPU 1; each server under test pinned to CPU 0:
- `sqlite`: `python -m gateway_min serve --upstream-url …`, one worker, the SQLite ledger (`--sync`, default full),
  paid with a Compose Key: auth, quote, reserve, call, price, settle, receipt;
- `x402`: the same gateway paid with raw x402 `upto` (payments signed beforehand, one fresh nonce each, by a payer
  funded on its embedded facilitator): decode, match, checks, single-use claim, facilitator verify and settle,
  claim outcome, receipt;
- `pg1`, `pg2`, `pg4`: the gateway on a PostgreSQL ledger with 1, 2 and 4 worker processes (`--postgres URL`, or a
  throwaway server started with scripts/postgres);
- `litellm`: the LiteLLM proxy (`--litellm`; the pinned `peer` extra) forwarding the same request to the same
  upstream with a master key: it authenticates and routes, but keeps no per-key budget (that needs its Prisma
  database, whose engine download cannot be reached here), reserves nothing and settles nothing.
Latency: the targets are interleaved in blocks, not request by request (on a shared core a heavier server's bursts
would slow the next request of a lighter one): each round visits every target (and the upstream, `direct`) in a
random order, a warm-up then `--per-block` sequential requests each. Added latency is a target's percentile less the
direct p50. Throughput: `--connections` in a closed loop for `--seconds` per target, one target at a time. The disk's
own flush (scripts/bench_floor.py's durable commit) is measured in the same run, for context.

    .venv/bin/python scripts/bench_gateway.py                     # sqlite and raw x402
    .venv/bin/python scripts/bench_gateway.py --postgres auto --litellm   # every target (the `peer` extra installed)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
ADMIN = "bench-admin-token"
MASTER = "sk-bench-master"
CHAT = {"model": "gpt-4.1", "messages": [{"role": "user", "content": "Say hello to the benchmark"}], "max_tokens": 16}
UPSTREAM_REPLY = json.dumps({
    "id": "chatcmpl-bench", "object": "chat.completion", "created": 1, "model": "gpt-4.1",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello, benchmark!"},
                 "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 12, "completion_tokens": 4, "total_tokens": 16},
}).encode()
WARMUP = 30

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
        try:
            return await self._post(path, body, headers)
        except (asyncio.IncompleteReadError, ConnectionError):  # the server closed an idle kept-alive connection
            await self.close()
            self.reader = self.writer = None
            return await self._post(path, body, headers)

    async def _post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
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


def wait_ready(url: str, process: subprocess.Popen[bytes], seconds: float = 60) -> None:
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


class Target:
    """A server under test: where it listens, how a request authenticates, and (x402) its payments."""

    def __init__(self, name: str, port: int, headers: dict[str, str] | None = None,
                 payments: list[str] | None = None) -> None:
        self.name, self.port, self.headers, self.payments = name, port, headers or {}, payments
        self.client = RawClient("127.0.0.1", port)
        self.times: list[float] = []
        self.round_medians: list[float] = []

    def request_headers(self) -> dict[str, str]:
        if self.payments is not None:
            return {"payment-signature": self.payments.pop()}
        return self.headers


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(30)


def gateway(cpus: set[int], upstream: int, *args: str, db: str) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    process = subprocess.Popen(
        ["taskset", "-c", ",".join(map(str, sorted(cpus))), sys.executable, "-m", "gateway_min", "serve",
         "--upstream-url", f"http://127.0.0.1:{upstream}/v1", "--db", db, "--port", str(port),
         "--log-level", "warning", *args],
        env={**os.environ, "COMPOSE_ADMIN_TOKEN": ADMIN}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_ready(f"http://127.0.0.1:{port}/health", process)
    return process, port


def compose_key(port: int) -> dict[str, str]:
    created = httpx.post(f"http://127.0.0.1:{port}/api/keys", json={
        "budgetLimit": 10**14, "expiresAt": int(time.time() * 1000) + 3_600_000, "chainId": 43113},
        headers={"authorization": f"Bearer {ADMIN}", "x-chain-id": "43113",
                 "x-session-user-address": "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"})
    assert created.status_code == 201, created.text
    return {"authorization": f"Bearer {created.json()['token']}"}


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


@contextmanager
def postgres(url: str | None) -> Iterator[str | None]:
    """The PostgreSQL server's URL: the one given, a throwaway one (`auto`), or None."""
    if url != "auto":
        yield url
        return
    folder = tempfile.mkdtemp(prefix="bench-pg-")
    started = subprocess.run([str(ROOT / "scripts" / "postgres"), "start", folder, str(free_port())],
                             capture_output=True, text=True, check=True)
    try:
        yield started.stdout.strip()
    finally:
        subprocess.run([str(ROOT / "scripts" / "postgres"), "stop", folder], check=False)


def schema(url: str, name: str) -> str:
    """A fresh schema on `url` for one target (dropped first if an earlier run left it)."""
    async def create() -> None:
        import asyncpg

        conn = await asyncpg.connect(url)
        await conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE; CREATE SCHEMA {name}")
        await conn.close()

    asyncio.run(create())
    return f"{url}{'&' if '?' in url else '?'}search_path={name}"


def litellm(cpus: set[int], upstream: int, tmp: Path) -> tuple[subprocess.Popen[bytes], int]:
    executable = shutil.which("litellm", path=str(Path(sys.executable).parent))
    if executable is None:
        raise SystemExit("--litellm needs the LiteLLM proxy: pip install -e '.[peer]'")
    config = tmp / "litellm.yaml"
    config.write_text(f"""model_list:
  - model_name: gpt-4.1
    litellm_params:
      model: openai/gpt-4.1
      api_base: http://127.0.0.1:{upstream}/v1
      api_key: fake-upstream-key
general_settings:
  master_key: {MASTER}
litellm_settings:
  drop_params: true
  telemetry: false
""")
    port = free_port()
    process = subprocess.Popen(
        ["taskset", "-c", ",".join(map(str, sorted(cpus))), executable, "--config", str(config), "--host",
         "127.0.0.1", "--port", str(port), "--num_workers", "1"],
        env={**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True", "LITELLM_LOG": "ERROR"},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_ready(f"http://127.0.0.1:{port}/health/liveliness", process, seconds=120)
    return process, port


async def latency(targets: list[Target], rounds: int, per_block: int) -> None:
    """Rounds of blocks in a random order: a warm-up, then `per_block` timed sequential requests per target."""
    body = json.dumps(CHAT).encode()
    for target in targets:  # first contact: connections, caches, the writer thread, prepared statements
        for _ in range(WARMUP * 3):
            status, _ = await target.client.post("/v1/chat/completions", body, target.request_headers())
            assert status == 200, (target.name, status)
    for _ in range(rounds):
        order = targets[:]
        random.shuffle(order)
        for target in order:
            for _ in range(WARMUP):
                await target.client.post("/v1/chat/completions", body, target.request_headers())
            block = []
            for _ in range(per_block):
                headers = target.request_headers()
                started = time.perf_counter()
                status, _ = await target.client.post("/v1/chat/completions", body, headers)
                block.append(time.perf_counter() - started)
                assert status == 200, (target.name, status)
            target.times += block
            target.round_medians.append(statistics.median(block))
    for target in targets:
        await target.client.close()


async def throughput(target: Target, connections: int, seconds: float) -> tuple[float, int]:
    body = json.dumps(CHAT).encode()
    done = failures = 0
    stop = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal done, failures
        client = RawClient("127.0.0.1", target.port)
        try:
            while time.perf_counter() < stop:
                status, _ = await client.post("/v1/chat/completions", body, target.headers)
                done, failures = (done + 1, failures) if status == 200 else (done, failures + 1)
        finally:
            await client.close()

    started = time.perf_counter()
    await asyncio.gather(*[worker() for _ in range(connections)])
    return done / (time.perf_counter() - started), failures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--per-block", type=int, default=250)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--sync", choices=["full", "normal"], default="full")
    parser.add_argument("--no-x402", action="store_true", help="leave out the raw x402 target")
    parser.add_argument("--postgres", help="a PostgreSQL server for the pg1/pg2/pg4 targets, or `auto` (a throwaway)")
    parser.add_argument("--litellm", action="store_true", help="the LiteLLM proxy as a target (the `peer` extra)")
    parser.add_argument("--floor", type=int, default=2000, help="durable commits to time for the disk's flush")
    args = parser.parse_args()

    cpus = sorted(os.sched_getaffinity(0))
    server_cpus, other_cpus = ({cpus[0]}, {cpus[1]}) if len(cpus) >= 2 else (set(cpus), set(cpus))
    os.sched_setaffinity(0, other_cpus)
    upstream_port = free_port()
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack, postgres(args.postgres) as pg_url:
        code = UPSTREAM_CODE.replace("{CPUS}", repr(other_cpus)).replace("{REPLY!r}", repr(UPSTREAM_REPLY)).replace(
            "{PORT}", str(upstream_port))
        upstream = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
        stack.callback(upstream.wait, 30)
        stack.callback(upstream.terminate)
        assert upstream.stdout is not None and upstream.stdout.readline().strip() == b"ready"
        processes: list[subprocess.Popen[bytes]] = []
        stack.callback(stop, processes)
        targets = [Target("direct", upstream_port)]
        process, port = gateway(server_cpus, upstream_port, "--sync", args.sync, db=str(Path(tmp) / "bench.sqlite3"))
        processes.append(process)
        targets.append(Target("sqlite", port, compose_key(port)))
        if not args.no_x402:
            count = (WARMUP * 3) + args.rounds * (WARMUP + args.per_block)
            targets.append(Target("x402", port, payments=sign_payments(port, count)))
        for workers in (1, 2, 4) if pg_url is not None else ():
            assert pg_url is not None
            process, port = gateway(server_cpus, upstream_port, "--sync", args.sync, "--workers", str(workers),
                                    db=schema(pg_url, f"bench_pg{workers}"))
            processes.append(process)
            targets.append(Target(f"pg{workers}", port, compose_key(port)))
        if args.litellm:
            process, port = litellm(server_cpus, upstream_port, Path(tmp))
            processes.append(process)
            targets.append(Target("litellm", port, {"authorization": f"Bearer {MASTER}"}))
        asyncio.run(latency(targets, args.rounds, args.per_block))
        rates = {target.name: asyncio.run(throughput(target, args.connections, args.seconds))
                 for target in targets if target.name not in ("direct", "x402")}
    sys.path.insert(0, str(ROOT / "scripts"))
    import bench_floor  # the disk's own flush, on the same disk, in the same run

    os.sched_setaffinity(0, server_cpus)
    floor = bench_floor.durable_commit(args.floor)
    report(targets, rates, args, floor)


def report(targets: list[Target], rates: dict[str, tuple[float, int]], args: argparse.Namespace,
           floor: dict[str, float]) -> None:
    ms = 1000
    direct = percentile(targets[0].times, 0.5)
    print(f"servers on one CPU, upstream + load on the other; SQLite durability {args.sync}; {args.rounds} rounds of "
          f"blocks of {args.per_block} sequential requests per target, in a random order per round")
    print(f"  direct p50 {direct * ms:.3f} ms")
    print("  target   added p50   added p99   median of round medians (added)   paid req/s "
          f"({args.connections} connections, {args.seconds:g} s)")
    direct_rounds = targets[0].round_medians
    for target in targets[1:]:
        rounds = statistics.median(t - d for t, d in zip(target.round_medians, direct_rounds, strict=True))
        rate, failures = rates.get(target.name, (0.0, 0))
        throughput_text = f"{rate:,.0f}" + (f" ({failures} non-200)" if failures else "") if target.name in rates \
            else "—"
        print(f"  {target.name:<8} {(percentile(target.times, 0.5) - direct) * ms:>7.3f} ms "
              f"{(percentile(target.times, 0.99) - direct) * ms:>8.3f} ms   {rounds * ms:>10.3f} ms"
              f"{'':>24}{throughput_text:>10}")
    names = {target.name: target for target in targets}
    if "litellm" in names:
        peer = percentile(names["litellm"].times, 0.5) - direct
        for name in ("sqlite", "pg1"):
            if name in names:
                ours = percentile(names[name].times, 0.5) - direct
                print(f"  LiteLLM / {name}: added p50 × {peer / ours:.1f}, req/s × "
                      f"{rates[name][0] / max(rates['litellm'][0], 1e-9):.1f} in {name}'s favour")
    print(f"  the disk's flush (bench_floor): a settlement's commit synchronous=FULL {floor['commit_full'] * ms:.3f} "
          f"ms, NORMAL {floor['commit_normal'] * ms:.3f} ms, fdatasync of the WAL {floor['fdatasync'] * ms:.3f} ms")
    print("targets (docs/BENCHMARKS.md): sqlite added p50 ≤ 1 ms, p99 ≤ 5 ms, ≥ 1,000 paid req/s; x402 added p50 "
          "≤ 2.5 ms")


if __name__ == "__main__":
    main()
