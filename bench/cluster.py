"""Batch throughput: local worker processes against a Dask cluster, and the client's memory.

    python bench/cluster.py [--claims 200] [--rounds 3] [--modes jobs,local,scheduler]

Makes N claims (the fixture claims copied under new claim ids), then checks them with
``coop-rules check --out`` in each mode, each run a fresh process with a fresh output folder:

- ``jobs``: the local batch, ``--jobs 2``;
- ``local``: ``--cluster local:2`` (a LocalCluster of 2 single-threaded workers, started by
  the client and counted in its time);
- ``scheduler``: ``--cluster tcp://127.0.0.1:PORT``, a ``dask scheduler`` and two ``dask
  worker --nthreads 1 --preload coop_rules.batch.cluster`` processes started by this script
  beforehand with the settings the README gives (each worker in a folder and a working
  directory of its own, as on a machine of its own; their start-up is not counted, as an
  operator's cluster is running before a batch).

The modes run interleaved, ``--rounds`` times (jobs, local, scheduler, jobs, local, …), so a
change in the machine's load hits them alike. For each run: wall time, claims per second, the
CPU seconds per claim of every process involved (client, scheduler, workers and their reader
processes: robust when other work shares the cores), also by role (client, scheduler, nanny,
Dask worker or local batch worker, reader, the forkservers they come from), the peak resident
memory of the client process (sampled every 0.1 s; for ``local`` it includes the scheduler,
which runs in the client), that of the ``dask scheduler`` process in ``scheduler`` runs (one
process for every round: its peak so far), the load average and the share of the machine's CPU
time a busy hypervisor stole during the run (a run with much more steal than its round's others
is no fair comparison). At the end, per mode: the
throughput against the ``jobs`` run of the same round, each round's ratio and their median (the
figure the target speaks of).
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
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

from coop_rules.batch.cluster import LEAN_WORKER, NO_MESSAGE_LOG

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures" / "claims"
MODES = ("jobs", "local", "scheduler")


@dataclass(frozen=True)
class Run:
    mode: str
    seconds: float
    cpu: float  # CPU seconds of every process of the run
    peak_mb: float
    scheduler_mb: float  # the scheduler process's peak RSS (scheduler runs only)
    steal: float  # share of the machine's CPU time the hypervisor gave elsewhere
    roles: dict[str, tuple[float, int]]  # CPU seconds and processes by role (client, reader…)
    code: int
    verdicts: str


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


def dask_environment(config: dict[str, object]) -> dict[str, str]:
    """Dask settings as the environment variables `dask scheduler` and `dask worker` read."""
    return {
        "DASK_" + key.upper().replace(".", "__").replace("-", "_"): str(value)
        for key, value in config.items()
    }


def start_cluster(base: Path, env: dict[str, str]) -> tuple[str, list[subprocess.Popen[bytes]]]:
    """A scheduler and two single-threaded workers, each worker in a folder of its own, with
    the settings the README gives for a batch cluster."""
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    dask = [sys.executable, "-m", "dask"]
    settings = {
        **LEAN_WORKER,
        **NO_MESSAGE_LOG,
        "distributed.scheduler.worker-saturation": 1.0,
    }
    env = {**env, **dask_environment(settings)}
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
        worker = [*dask, "worker", address, "--nthreads", "1", "--no-dashboard", "--name", name]
        worker += ["--preload", "coop_rules.batch.cluster"]
        processes.append(
            subprocess.Popen([*worker, "--local-directory", str(folder)], cwd=folder, **quiet)
        )
    import distributed

    with distributed.Client(address, timeout="60s") as client:
        client.wait_for_workers(2, timeout=120)
    return address, processes


class Sampler:
    """Peak resident memory of the client, and CPU seconds of every process of the run, by role.

    Each process's own CPU time is sampled every 0.1 s, an ended one counted at its last
    sample: a reader process started by a forkserver is nobody's waited-for child, so the
    kernel's count of reaped children would miss it. Processes already running (the
    scheduler's and workers') count from their first sample. Each process gets a role when
    first seen (:meth:`_role`), so that the overhead shows where it is spent.
    """

    def __init__(
        self, client: subprocess.Popen[bytes], cluster: list[subprocess.Popen[bytes]]
    ) -> None:
        self.client = client.pid
        self.roots = [client.pid] + [p.pid for p in cluster]
        self.roles: dict[int, str] = {client.pid: "client"}
        if cluster:
            self.roles[cluster[0].pid] = "scheduler"
            self.roles.update((p.pid, "nanny") for p in cluster[1:])
        self.start: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.peak = 0
        self.scheduler_peak = 0
        self._sample(first=True)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.1):
            self._sample()

    def _sample(self, first: bool = False) -> None:
        for root in self.roots:
            try:
                process = psutil.Process(root)
                members = [process, *process.children(recursive=True)]
            except psutil.Error:
                continue
            for member in members:
                try:
                    times = member.cpu_times()
                    if member.pid == self.client:
                        self.peak = max(self.peak, member.memory_info().rss)
                    elif self.roles.get(member.pid) == "scheduler":
                        rss = member.memory_info().rss
                        self.scheduler_peak = max(self.scheduler_peak, rss)
                    if member.pid not in self.roles:
                        self.roles[member.pid] = self._role(member)
                except psutil.Error:
                    continue
                self.last[member.pid] = times.user + times.system
                if first:
                    self.start[member.pid] = self.last[member.pid]

    def _role(self, process: psutil.Process) -> str:
        """What a process is, from its command line and its parent's role: a Dask worker, the
        forkserver the workers or the readers are forked from, a reader, a local batch worker…"""
        command = " ".join(process.cmdline())
        parent = self.roles.get(process.ppid(), "")
        if "resource_tracker" in command:
            return "resource tracker"
        if parent == "worker forkserver" or "spawn_main" in command:
            return "dask worker"  # forked from the local cluster's forkserver, or spawned
        if "forkserver" in command:
            if parent == "client":
                return "worker forkserver"  # --cluster local: its workers come from it
            return "reader" if parent == "reader forkserver" else "reader forkserver"
        if parent == "client":
            return "batch worker"  # --jobs: forked by the client
        return "reader" if parent in ("batch worker", "dask worker") else "other"

    def stop(self) -> tuple[float, float, float, dict[str, tuple[float, int]]]:
        """CPU seconds since the start, the client's and the scheduler's peak RSS in MB, and
        by role the CPU seconds and the number of processes."""
        self._stop.set()
        self._thread.join()
        cpu: dict[str, float] = collections.Counter()
        count: dict[str, int] = collections.Counter()
        for pid, last in self.last.items():
            role = self.roles.get(pid, "other")
            cpu[role] += last - self.start.get(pid, 0.0)
            count[role] += 1
        roles = {r: (cpu[r], count[r]) for r in cpu}
        return sum(cpu.values()), self.peak / 2**20, self.scheduler_peak / 2**20, roles


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    """Stop a scheduler and its workers (the last started first), killing what hangs."""
    for process in reversed(processes):
        process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def run(
    mode: str,
    mode_args: list[str],
    claims: Path,
    out: Path,
    env: dict[str, str],
    cluster: list[subprocess.Popen[bytes]],
) -> Run:
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
    started, ticks = time.perf_counter(), cpu_ticks()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    # The scheduler's and workers' processes count in the runs that use them only.
    sampler = Sampler(process, cluster if mode == "scheduler" else [])
    _, errors = process.communicate()
    elapsed = time.perf_counter() - started
    cpu, peak, scheduler_peak, roles = sampler.stop()
    if process.returncode not in (0, 1):
        print(errors.decode(errors="replace")[-2000:], file=sys.stderr)
    steal = stolen(ticks, cpu_ticks())
    code, seen = process.returncode, verdicts(out)
    return Run(mode, elapsed, cpu, peak, scheduler_peak, steal, roles, code, seen)


def cpu_ticks() -> tuple[int, int] | None:
    """The machine's steal and total CPU ticks so far (Linux ``/proc/stat``), None elsewhere."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            fields = [int(f) for f in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    steal = fields[7] if len(fields) > 7 else 0
    return steal, sum(fields[:8])


def stolen(before: tuple[int, int] | None, after: tuple[int, int] | None) -> float:
    """The share of CPU time stolen by the hypervisor between two :func:`cpu_ticks`: on a
    virtual machine whose host is busy, a run's wall time grows with it (its CPU time less)."""
    if before is None or after is None or after[1] <= before[1]:
        return 0.0
    return (after[0] - before[0]) / (after[1] - before[1])


def scheduler_rss(result: Run) -> str:
    """The scheduler process's peak so far (it serves every scheduler run of the bench)."""
    return f" (scheduler {result.scheduler_mb:.0f} MB)" if result.scheduler_mb else ""


def verdicts(out: Path) -> str:
    """The verdicts of the index, so a fast run full of errors does not pass for a fast run."""
    try:
        with open(out / "index.csv", encoding="utf-8", newline="") as handle:
            counts = collections.Counter(row["verdict"] for row in csv.DictReader(handle))
    except OSError:
        return "no index"
    return " ".join(f"{n} {v}" for v, n in sorted(counts.items()))


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def by_role(runs: list[Run], claims: int) -> str:
    """The median CPU milliseconds per claim of each role over ``runs``, and how many
    processes had that role (the median too)."""
    roles = sorted({role for run in runs for role in run.roles})
    parts = []
    for role in roles:
        cpu = statistics.median(run.roles.get(role, (0.0, 0))[0] for run in runs)
        count = statistics.median(run.roles.get(role, (0.0, 0))[1] for run in runs)
        parts.append(f"{role} {cpu / claims * 1000:.0f} (x{count:g})")
    return ", ".join(parts)


def summary(rounds: list[dict[str, Run]], claims: int) -> None:
    """Each cluster mode against the ``jobs`` run of its round, and the median ratio."""
    print("\nper mode (median of the rounds):")
    for mode in MODES:
        runs = [r[mode] for r in rounds if mode in r]
        if runs:
            seconds = statistics.median(r.seconds for r in runs)
            cpu_ms = statistics.median(r.cpu for r in runs) / claims * 1000
            peak = max(r.peak_mb for r in runs)
            scheduler = max(runs, key=lambda r: r.scheduler_mb)
            print(
                f"{mode:>9}: {seconds:7.1f} s  {claims / seconds:5.2f} claims/s  "
                f"CPU {cpu_ms:4.0f} ms per claim  client peak RSS {peak:4.0f} MB (max)"
                f"{scheduler_rss(scheduler)}"
            )
            print(f"{'':>11}CPU ms per claim by role: {by_role(runs, claims)}")
    for mode in ("local", "scheduler"):
        pairs = [(r["jobs"], r[mode]) for r in rounds if "jobs" in r and mode in r]
        if not pairs:
            continue
        ratios = [jobs.seconds / mine.seconds for jobs, mine in pairs]
        extra_ms = [(mine.seconds - jobs.seconds) / claims * 1000 for jobs, mine in pairs]
        extra_cpu = [(mine.cpu - jobs.cpu) / claims * 1000 for jobs, mine in pairs]
        print(
            f"\n{mode} against --jobs 2, per round: "
            + ", ".join(f"{ratio:.0%}" for ratio in ratios)
        )
        print(
            f"RATIO {mode}: {statistics.median(ratios):.0%} of the --jobs 2 throughput "
            f"(median of {len(ratios)} rounds); wall {statistics.median(extra_ms):+.0f} ms "
            f"and CPU {statistics.median(extra_cpu):+.0f} ms per claim against --jobs 2"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3, help="each mode once per round")
    parser.add_argument(
        "--modes", default=",".join(MODES), help="comma-separated, run in this order each round"
    )
    args = parser.parse_args()
    modes = args.modes.split(",")
    unknown = set(modes) - set(MODES)
    if unknown:
        raise SystemExit(f"unknown mode {', '.join(sorted(unknown))}")
    base = Path(tempfile.mkdtemp(prefix="coop-rules-bench-cluster-"))
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    env["COOP_RULES_LEDGER"] = str(base / "empty-ledger.sqlite3")  # never the user's own
    cluster: list[subprocess.Popen[bytes]] = []
    address = ""
    try:
        claims = make_claims(base / "claims", args.claims)
        if "scheduler" in modes:
            address, cluster = start_cluster(base, env)
        print(f"{args.claims} claims, {os.cpu_count()} cores, load {load()} at the start")
        rounds: list[dict[str, Run]] = []
        for number in range(1, args.rounds + 1):
            rounds.append({})
            for mode in modes:
                mode_args = {
                    "jobs": ["--jobs", "2"],
                    "local": ["--cluster", "local:2"],
                    "scheduler": ["--cluster", address] if cluster else [],
                }[mode]
                out = base / f"out-{number}-{mode}"
                result = run(mode, mode_args, claims, out, env, cluster)
                rounds[-1][mode] = result
                print(
                    f"round {number} {mode:>9}: {result.seconds:6.1f} s  "
                    f"{args.claims / result.seconds:5.2f} claims/s  "
                    f"CPU {result.cpu / args.claims * 1000:4.0f} ms/claim  "
                    f"client peak RSS {result.peak_mb:4.0f} MB{scheduler_rss(result)}  "
                    f"exit {result.code}  "
                    f"{result.verdicts}  (load {load()}, steal {result.steal:.0%})\n"
                    f"{'':>17}CPU ms per claim by role: {by_role([result], args.claims)}",
                    flush=True,
                )
                shutil.rmtree(out, ignore_errors=True)
        summary(rounds, args.claims)
    finally:
        stop(cluster)
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
