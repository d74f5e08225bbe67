"""Batch throughput: local worker processes against a Dask cluster, and the client's memory.

    python bench/cluster.py [--claims 200] [--modes jobs,local,scheduler]

Makes N claims (the fixture claims copied under new claim ids), then checks them with
``coop-rules check --out`` three ways, each a fresh process with a fresh output folder:

- ``jobs``: the local batch, ``--jobs 2``;
- ``local``: ``--cluster local:2`` (a LocalCluster of 2 single-threaded workers, started by
  the client and counted in its time);
- ``scheduler``: ``--cluster tcp://127.0.0.1:PORT``, a ``dask scheduler`` and two ``dask
  worker --nthreads 1`` processes started by this script beforehand (each worker in a folder
  of its own, as on a machine of its own; their start-up is not counted).

For each: wall time, claims per second, the cluster's cost per claim against ``jobs``, and the
peak resident memory of the client process (sampled every 0.1 s; for ``local`` it includes
the scheduler, which runs in the client).
"""

from __future__ import annotations

import argparse
import collections
import csv
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures" / "claims"


def make_claims(target: Path, count: int) -> Path:
    sources = sorted(p for p in FIXTURES.iterdir() if (p / "claim.yaml").is_file())
    for i in range(count):
        source = sources[i % len(sources)]
        folder = target / f"claim-{i:05d}"
        shutil.copytree(source, folder)
        manifest = folder / "claim.yaml"
        text = manifest.read_text(encoding="utf-8")
        text = re.sub(r"(?m)^claim_id: (.*)$", rf"claim_id: \1-{i:05d}", text, count=1)
        manifest.write_text(text, encoding="utf-8")
    return target


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_cluster(base: Path, env: dict[str, str]) -> tuple[str, list[subprocess.Popen[bytes]]]:
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    dask = [sys.executable, "-m", "dask"]
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "env": env}
    processes = [
        subprocess.Popen(
            [*dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
            **quiet,
        )
    ]
    for name in ("w1", "w2"):
        folder = base / name
        folder.mkdir()
        processes.append(
            subprocess.Popen(
                [
                    *dask,
                    "worker",
                    address,
                    "--nthreads",
                    "1",
                    "--no-dashboard",
                    "--name",
                    name,
                    "--local-directory",
                    str(folder),
                ],
                cwd=folder,
                **quiet,
            )
        )
    import distributed

    with distributed.Client(address, timeout="60s") as client:
        client.wait_for_workers(2, timeout=120)
    return address, processes


def run(
    mode_args: list[str], claims: Path, out: Path, env: dict[str, str]
) -> tuple[float, float, int]:
    """Wall seconds, peak client RSS in MB, exit code."""
    command = [
        sys.executable,
        "-m",
        "coop_rules",
        "check",
        str(claims),
        "--out",
        str(out),
        "--format",
        "json",
        "--today",
        "2024-07-20",
        *mode_args,
    ]
    peak = 0
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    watched = psutil.Process(process.pid)
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            try:
                peak = max(peak, watched.memory_info().rss)
            except psutil.Error:
                return
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, errors = process.communicate()
    elapsed = time.perf_counter() - started
    stop.set()
    sampler.join()
    if process.returncode not in (0, 1):
        print(errors.decode(errors="replace")[-2000:], file=sys.stderr)
    return elapsed, peak / 2**20, process.returncode


def verdicts(out: Path) -> str:
    """The verdicts of the index, so a fast run full of errors does not pass for a fast run."""
    with open(out / "index.csv", encoding="utf-8", newline="") as handle:
        counts = collections.Counter(row["verdict"] for row in csv.DictReader(handle))
    return " ".join(f"{n} {v}" for v, n in sorted(counts.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=200)
    parser.add_argument(
        "--modes",
        default="jobs,local,scheduler",
        help="comma-separated, repeats allowed (the best run of each mode is compared)",
    )
    args = parser.parse_args()
    modes = args.modes.split(",")
    base = Path(tempfile.mkdtemp(prefix="coop-rules-bench-cluster-"))
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    env["COOP_RULES_LEDGER"] = str(base / "empty-ledger.sqlite3")  # never the user's own
    processes: list[subprocess.Popen[bytes]] = []
    try:
        claims = make_claims(base / "claims", args.claims)
        print(f"{args.claims} claims, {os.cpu_count()} cores")
        results: dict[str, list[float]] = collections.defaultdict(list)
        address = None
        for run_number, mode in enumerate(modes):
            if mode == "jobs":
                mode_args = ["--jobs", "2"]
            elif mode == "local":
                mode_args = ["--cluster", "local:2"]
            elif mode == "scheduler":
                if address is None:
                    address, processes = start_cluster(base, env)
                mode_args = ["--cluster", address]
            else:
                raise SystemExit(f"unknown mode {mode}")
            out = base / f"out-{run_number}-{mode}"
            elapsed, peak, code = run(mode_args, claims, out, env)
            results[mode].append(elapsed)
            print(
                f"{mode:>9}: {elapsed:7.1f} s  {args.claims / elapsed:5.2f} claims/s  "
                f"client peak RSS {peak:6.0f} MB  exit {code}  {verdicts(out)}  "
                f"(load {os.getloadavg()[0]:.1f})",
                flush=True,
            )
            shutil.rmtree(out, ignore_errors=True)
        if "jobs" in results:
            best = min(results["jobs"])
            for mode in ("local", "scheduler"):
                if mode in results:
                    mine = min(results[mode])
                    extra = (mine - best) / args.claims * 1000
                    print(
                        f"{mode:>9}: best {mine:.1f} s against --jobs 2 best {best:.1f} s: "
                        f"{best / mine:.0%} of its throughput, {extra:+.0f} ms per claim"
                    )
    finally:
        for process in reversed(processes):
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
