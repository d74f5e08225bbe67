"""Load check of the HTTP service: N concurrent clients posting fixture claims for a bounded time.

Starts ``coop-rules serve`` on a free loopback port (a subprocess), computes each fixture claim's
expected verdict with the core first, then lets ``--clients`` async clients post claims for
``--seconds``. Every request carries a unique claim id; a response must carry that id and the
claim's expected verdict, or it counts as mixed up. Every ``--hostile-every``-th request is a
hostile upload (the compliant claim with one invoice replaced by garbage and a zero-byte file);
it must come back as a report with that document unreadable. Reports requests/s, latency
percentiles, answers by status, and the server's resident memory (the server and its worker
processes) sampled each second: flat after warm-up or not.

``--tricklers N`` adds N clients that upload a claim slowly (``--trickle-kib-s`` KiB/s) the whole
time: they must not take check slots from the others (the body is received before a slot is
taken), and each ends with a report or, past the server's ``--upload-timeout``, 408 (which
httpx, still sending, sees as the connection closed).

    python bench/load.py                       # 8 clients x 60 s
    python bench/load.py --clients 4 --seconds 10

Only loopback is ever contacted; the run stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil
import yaml

from coop_rules import api

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures" / "claims"


@dataclass(frozen=True)
class Claim:
    name: str
    manifest: dict
    files: tuple[tuple[str, bytes], ...]
    verdict: str
    hostile: str | None = None  # the document that must come back unreadable


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    mixed_up: list[str] = field(default_factory=list)
    hostile_ok: int = 0
    hostile_sent: int = 0
    trickled: Counter[str] = field(default_factory=Counter)


def load_claims() -> list[Claim]:
    claims = []
    for folder in sorted(p for p in FIXTURES.iterdir() if (p / "claim.yaml").is_file()):
        manifest = json.loads(
            json.dumps(yaml.safe_load((folder / "claim.yaml").read_text("utf-8")), default=str)
        )
        files = tuple(
            (p.name, p.read_bytes()) for p in sorted(folder.iterdir()) if p.name != "claim.yaml"
        )
        # As the server checks it: without a ledger (it runs without --ledger).
        verdict = str(api.check_claim(folder, ledger=False).verdict)
        claims.append(Claim(folder.name, manifest, files, verdict))
    return claims


def hostile_claim(claims: list[Claim]) -> Claim:
    base = next(c for c in claims if c.name == "compliant")
    victim = next(d["path"] for d in base.manifest["documents"] if d["role"] == "invoice")
    garbage = b"%PDF-1.7\n" + os.urandom(64 * 1024)
    files = (*((n, garbage if n == victim else b) for n, b in base.files), ("empty.pdf", b""))
    return Claim("hostile", base.manifest, files, "fail", hostile=victim)


async def client(
    http: httpx.AsyncClient,
    index: int,
    claims: list[Claim],
    hostile: Claim,
    every: int,
    deadline: float,
    tally: Tally,
) -> None:
    for n in itertools.count():
        if time.monotonic() >= deadline:
            return
        seq = f"c{index}-{n}"
        claim = (
            hostile
            if every and (n + index) % every == every - 1
            else claims[(n * 7 + index) % len(claims)]
        )
        manifest = dict(claim.manifest, claim_id=f"{claim.name}#{seq}")
        files = [("files", (name, data)) for name, data in claim.files]
        started = time.perf_counter()
        try:
            response = await http.post(
                "/v1/checks", data={"manifest": json.dumps(manifest)}, files=files
            )
        except httpx.HTTPError as exc:
            tally.statuses[type(exc).__name__] += 1
            continue
        tally.latencies.append(time.perf_counter() - started)
        tally.statuses[str(response.status_code)] += 1
        if claim.hostile:
            tally.hostile_sent += 1
        if response.status_code != 200:
            continue
        report = response.json()
        if report["claim_id"] != manifest["claim_id"] or (
            not claim.hostile and report["verdict"] != claim.verdict
        ):
            tally.mixed_up.append(
                f"{manifest['claim_id']} -> {report['claim_id']} {report['verdict']}"
            )
        if claim.hostile and claim.hostile in {p["path"] for p in report["unreadable"]}:
            tally.hostile_ok += 1


async def trickler(
    http: httpx.AsyncClient, claim: Claim, rate_kib_s: float, deadline: float, tally: Tally
) -> None:
    """Upload ``claim`` at ``rate_kib_s`` again and again until ``deadline``."""
    body, content_type = _multipart(claim)
    step = 4096

    async def slowly() -> AsyncIterator[bytes]:
        for i in range(0, len(body), step):
            yield body[i : i + step]
            await asyncio.sleep(step / 1024 / rate_kib_s)

    while time.monotonic() < deadline:
        try:
            response = await http.post(
                "/v1/checks",
                content=slowly(),
                headers={"Content-Type": content_type, "Content-Length": str(len(body))},
            )
            tally.trickled[str(response.status_code)] += 1
        except (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError):
            # httpx reads no answer before it has sent the whole body: a 408 sent early shows
            # as the server closing the connection.
            tally.trickled["closed by the server (408)"] += 1
        except httpx.HTTPError as exc:
            tally.trickled[type(exc).__name__] += 1


def _multipart(claim: Claim) -> tuple[bytes, str]:
    request = httpx.Request(
        "POST",
        "http://x/",
        data={"manifest": json.dumps(claim.manifest)},
        files=[("files", (name, data)) for name, data in claim.files],
    )
    return request.read(), request.headers["Content-Type"]


def rss_mb(process: psutil.Process) -> float:
    total = 0
    for proc in [process, *process.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):  # a worker may end between list and read
            total += proc.memory_info().rss
    return total / 2**20


async def sample_memory(process: psutil.Process, stop: asyncio.Event, out: list) -> None:
    start = time.monotonic()
    while not stop.is_set():
        out.append((time.monotonic() - start, rss_mb(process)))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 1.0)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    return (
        statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]
        if len(values) > 1
        else values[0]
    )


async def run(args: argparse.Namespace) -> int:
    print("computing expected verdicts with the core ...", file=sys.stderr)
    claims = load_claims()
    hostile = hostile_claim(claims)
    port = free_port()
    command = [sys.executable, "-m", "coop_rules", "serve", "--port", str(port)]
    command += ["--max-queued", str(args.clients * 2)]
    command += ["--upload-timeout", str(args.upload_timeout)]
    if args.max_concurrent:
        command += ["--max-concurrent", str(args.max_concurrent)]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base, timeout=120) as http:
            for _ in range(300):
                try:
                    if (await http.get("/healthz")).status_code == 200:
                        break
                except httpx.HTTPError:
                    await asyncio.sleep(0.1)
            else:
                raise SystemExit("the server did not start")
            process = psutil.Process(server.pid)
            memory: list[tuple[float, float]] = []
            stop = asyncio.Event()
            sampler = asyncio.create_task(sample_memory(process, stop, memory))
            tally = Tally()
            started = time.monotonic()
            deadline = started + args.seconds
            compliant = next(c for c in claims if c.name == "compliant")
            await asyncio.gather(
                *(
                    client(http, i, claims, hostile, args.hostile_every, deadline, tally)
                    for i in range(args.clients)
                ),
                *(
                    trickler(http, compliant, args.trickle_kib_s, deadline, tally)
                    for _ in range(args.tricklers)
                ),
            )
            elapsed = time.monotonic() - started
            stop.set()
            await sampler
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
    report(args, claims, tally, elapsed, memory)
    server_errors = any(s.startswith("5") for s in tally.statuses)
    failed = tally.mixed_up or server_errors or tally.hostile_ok < tally.hostile_sent
    return 1 if failed else 0


def report(args, claims, tally: Tally, elapsed: float, memory: list) -> None:
    lat = sorted(tally.latencies)
    total = sum(tally.statuses.values())
    print(f"{args.clients} clients x {args.seconds} s, {len(claims)} fixture claims + hostile")
    print(f"requests: {total} in {elapsed:.1f} s = {total / elapsed:.2f} req/s")
    if lat:
        print(
            f"latency s: p50 {percentile(lat, 50):.2f}  p95 {percentile(lat, 95):.2f}  "
            f"p99 {percentile(lat, 99):.2f}  max {lat[-1]:.2f}"
        )
    print(f"answers by status: {dict(sorted(tally.statuses.items()))}")
    print(f"mixed-up or wrong reports: {len(tally.mixed_up)}")
    for line in tally.mixed_up[:10]:
        print(f"  {line}")
    print(
        f"hostile uploads: {tally.hostile_sent} sent, {tally.hostile_ok} answered with the "
        "bad document unreadable"
    )
    if args.tricklers:
        print(
            f"slow uploads ({args.tricklers} at {args.trickle_kib_s:g} KiB/s): "
            f"{dict(sorted(tally.trickled.items()))}"
        )
    if memory:
        warm = [m for t, m in memory if t >= min(10, args.seconds / 3)]
        print(
            f"server RSS MiB (with worker processes): start {memory[0][1]:.0f}, "
            f"after warm-up {warm[0] if warm else memory[-1][1]:.0f}, end {memory[-1][1]:.0f}, "
            f"peak {max(m for _, m in memory):.0f}"
        )
        step = max(1, len(memory) // 12)
        print("RSS over time: " + "  ".join(f"{t:.0f}s:{m:.0f}" for t, m in memory[::step]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--hostile-every", type=int, default=10, help="0: no hostile uploads")
    parser.add_argument("--max-concurrent", type=int, default=0, help="default: the server's")
    parser.add_argument("--tricklers", type=int, default=0, help="slow uploaders besides")
    parser.add_argument("--trickle-kib-s", type=float, default=8.0, metavar="RATE")
    parser.add_argument("--upload-timeout", type=float, default=120.0, metavar="S")
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    raise SystemExit(main())
