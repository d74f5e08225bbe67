"""Adding a worker on another machine, simulated on this one: a worker that cannot read the
client's disk joins a batch that is already running.

    python bench/cluster_join.py [--claims 60]      (Linux, as root: it uses mount namespaces)

A ``dask scheduler`` and one ``dask worker`` start; each worker runs in a mount namespace of
its own in which the claims folder and the output folder are empty (a tmpfs mounted over
each), in a folder and working directory of its own: like a worker on another machine, it
cannot read the claims where the client reads them, nor write where the client writes. The
batch (``coop-rules check CLAIMS --out OUT --cluster tcp://…``) starts with that one worker;
once a few reports are written a second worker starts the same way, with the command an
operator would type on a new machine and nothing else. Printed: the claims each worker
checked, and whether the output folder is byte for byte what a local ``--jobs 2`` batch
writes.

What it showed (2 cores, load 4-6 from other work): 60 claims; w2 started after 5 reports
and checked 20 of the 60 (w1 40); the output folder (122 files: reports, stamps, index)
byte for byte that of the local batch.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import distributed
from cluster import dask_environment, free_port, make_claims, stop

from coop_rules.batch.cluster import NO_MESSAGE_LOG

REPO = Path(__file__).resolve().parents[1]
CHECK = ["-m", "coop_rules", "check", "--format", "json", "--today", "2024-07-20"]


def start_worker(
    address: str, name: str, base: Path, hidden: list[Path], env: dict[str, str]
) -> subprocess.Popen[bytes]:
    """A worker in a mount namespace where ``hidden`` folders are empty."""
    folder = base / name
    folder.mkdir()
    mounts = " && ".join(f"mount -t tmpfs none '{path}'" for path in hidden)
    worker = f"'{sys.executable}' -m dask worker {address} --nthreads 1 --no-dashboard"
    worker += f" --name {name} --local-directory '{folder}' --preload coop_rules.batch.cluster"
    script = f"{mounts} && exec {worker}"
    command = ["unshare", "--mount", "--propagation", "private", "sh", "-c", script]
    log = (base / f"{name}.log").open("w")
    return subprocess.Popen(command, cwd=folder, env=env, stdout=log, stderr=log)


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=60)
    parser.add_argument("--join-after", type=int, default=5, help="reports before w2 starts")
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="coop-rules-bench-join-"))
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
        "COOP_RULES_LEDGER": str(base / "empty-ledger.sqlite3"),
        **dask_environment({"distributed.scheduler.worker-saturation": 1.0, **NO_MESSAGE_LOG}),
    }
    claims, out, local = make_claims(base / "claims", args.claims), base / "out", base / "local"
    out.mkdir()
    processes: list[subprocess.Popen[bytes]] = []
    try:
        subprocess.run(
            [sys.executable, *CHECK, str(claims), "--out", str(local), "--jobs", "2"],
            env=env,
            stdout=subprocess.DEVNULL,
            check=False,
        )
        port = free_port()
        address = f"tcp://127.0.0.1:{port}"
        scheduler = [sys.executable, "-m", "dask", "scheduler", "--host", "127.0.0.1"]
        scheduler += ["--port", str(port), "--no-dashboard"]
        processes.append(subprocess.Popen(scheduler, env=env, stderr=subprocess.DEVNULL))
        processes.append(start_worker(address, "w1", base, [claims, out], env))
        with distributed.Client(address, timeout="60s") as client:
            client.wait_for_workers(1, timeout=120)
            client.get_task_stream(start=0)  # the scheduler records every task from now on
            started = time.time()
            batch = subprocess.Popen(
                [sys.executable, *CHECK, str(claims), "--out", str(out), "--cluster", address],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            while len(list(out.glob("*.stamp"))) < args.join_after and batch.poll() is None:
                time.sleep(0.1)
            joined = len(list(out.glob("*.stamp")))
            processes.append(start_worker(address, "w2", base, [claims, out], env))
            _, errors = batch.communicate()
            names = {
                a: w["name"] for a, w in client.scheduler_info(n_workers=-1)["workers"].items()
            }
            stream = client.get_task_stream(start=started)
        checked: dict[str, int] = {}
        for task in stream:
            if str(task["key"]).startswith("coop-rules-claim-"):
                name = str(names.get(task["worker"], task["worker"]))
                checked[name] = checked.get(name, 0) + 1
        print(f"{args.claims} claims; w2 started after {joined} reports; exit {batch.returncode}")
        print(
            "claims checked per worker: "
            + ", ".join(f"{n} {c}" for n, c in sorted(checked.items()))
        )
        on_cluster, on_local = tree(out), tree(local)
        differing = [n for n in on_local if on_cluster.get(n) != on_local[n]]
        extra = sorted(set(on_cluster) - set(on_local))
        print(
            f"output folder against a local --jobs 2 batch: {len(on_local)} files, "
            f"{len(differing)} differ, {len(extra)} extra"
            + (f" ({', '.join((differing + extra)[:5])})" if differing or extra else "")
        )
        if batch.returncode not in (0, 1):
            print(errors.decode(errors="replace")[-2000:], file=sys.stderr)
    finally:
        stop(processes)
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
