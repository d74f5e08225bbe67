"""A batch on a real Dask cluster: ``dask scheduler`` and two ``dask worker`` processes on
loopback, as an operator starts them on several machines.

Each worker runs in its own folder (``--local-directory``), as on a machine of its own. The
tests compare the cluster's reports with a local batch's, check a claim with hostile files,
and kill a worker in the middle of a batch.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from coop_rules.batch import ClaimResult, Options, run_batch
from coop_rules.batch.cluster import DaskCluster

from .conftest import FIXTURES, REPO
from .test_cluster import tree
from .test_hostile import GENERATOR, LIMITS

if os.environ.get("CI"):
    import distributed
else:
    distributed = pytest.importorskip("distributed", reason="the cluster extra is not installed")

# Real processes and a batch each: CI runs them (make test), the inner loop leaves them out.
pytestmark = pytest.mark.slow

TODAY = date(2024, 7, 20)
CLAIMS = [
    "compliant",
    "compliant-ja",
    "dt01-late-submission",
    "am03-document-in-other-currency",
    "rd01-unreadable-document",
    "cp01-demo-units-over-cap",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A scheduler and two single-threaded workers (each with a nanny), stopped afterwards.

    ``w1`` is started as the README advises (``--preload coop_rules.batch.cluster``: it warms
    up before it joins), ``w2`` as any Dask worker: both must give the same reports.
    """
    base = tmp_path_factory.mktemp("dask")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    dask = [sys.executable, "-m", "dask"]
    processes = [
        subprocess.Popen(
            [*dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=(base / "scheduler.log").open("w"),
        )
    ]
    for name, preload in (("w1", ["--preload", "coop_rules.batch.cluster"]), ("w2", [])):
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
                    "--name",
                    name,
                    "--no-dashboard",
                    "--local-directory",
                    str(folder),
                    *preload,
                ],
                env=env,
                cwd=folder,
                stdout=subprocess.DEVNULL,
                stderr=(base / f"{name}.log").open("w"),
            )
        )
    try:
        with distributed.Client(address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=90)
        yield address
    finally:
        for process in reversed(processes):
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def test_a_preloaded_worker_is_ready_before_its_first_claim(scheduler: str) -> None:
    # The first test of the module: no claim has reached a worker yet.
    with distributed.Client(scheduler, timeout="30s") as client:
        names = {a: w["name"] for a, w in client.scheduler_info(n_workers=-1)["workers"].items()}
        readers = client.run(_readers)
    by_name = {names[address]: started for address, started in readers.items()}
    assert by_name == {"w1": 1, "w2": 0}  # a plain worker starts them with its first claim


def _readers() -> int:
    """On a worker: its reader processes started and idle."""
    from coop_rules.isolation import pool

    return len(pool._shared._idle) if pool._shared is not None else 0


def _claims(target: Path) -> list[Path]:
    for name in CLAIMS:
        shutil.copytree(FIXTURES / name, target / name)
    return [target / name for name in CLAIMS]


def test_a_batch_on_scheduler_and_workers_matches_a_local_batch(
    scheduler: str, tmp_path: Path
) -> None:
    claims = _claims(tmp_path / "claims")
    # A claim with hostile files beside its good documents: the same findings on the cluster.
    hostile = tmp_path / "claims" / "hostile"
    shutil.copytree(FIXTURES / "compliant", hostile)
    (hostile / "claim.yaml").write_text(
        (hostile / "claim.yaml")
        .read_text(encoding="utf-8")
        .replace("claim_id: ", "claim_id: hostile-", 1),
        encoding="utf-8",
    )
    generated = tmp_path / "generated"
    GENERATOR.generate(generated)
    for name in ("decompression-bomb.pdf", "20000-pages.pdf", "encrypted-user-password.pdf"):
        shutil.copy(generated / name, hostile / name)
    claims.append(hostile)

    options = Options(today=TODAY, ledger=False, format="json", limits=LIMITS)
    local = run_batch(claims, tmp_path / "local", options, jobs=2)
    cluster = run_batch(claims, tmp_path / "cluster", options, runner=DaskCluster(scheduler))
    assert sorted(cluster.results, key=lambda r: r.folder) == sorted(
        local.results, key=lambda r: r.folder
    )
    on_local, on_cluster = tree(tmp_path / "local"), tree(tmp_path / "cluster")
    assert sorted(on_cluster) == sorted(on_local)
    assert [name for name in on_local if on_local[name] != on_cluster[name]] == []
    report = next(r for r in cluster.results if Path(r.folder).name == "hostile")
    assert report.counts.get("warning", 0) >= 3  # the three unreadable files, RD01 each
    assert b"Could not read 20000-pages.pdf" in on_cluster[str(report.report)]


def test_a_worker_killed_mid_batch_loses_no_claim(scheduler: str, tmp_path: Path) -> None:
    names = [f"copy-{i:02d}" for i in range(10)]
    claims = []
    for i, name in enumerate(names):
        source = FIXTURES / CLAIMS[i % len(CLAIMS)]
        shutil.copytree(source, tmp_path / "claims" / name)
        claims.append(tmp_path / "claims" / name)
    options = Options(today=TODAY, ledger=False, format="json")
    with distributed.Client(scheduler, timeout="30s") as client:
        pids = client.run(os.getpid)  # worker address -> its process id
    killed: list[int] = []

    def progress(done: int, total: int, result: ClaimResult) -> None:
        if done == 1:  # the other worker is in the middle of a claim now
            victim = sorted(pids.values())[0]
            os.kill(victim, signal.SIGKILL)
            killed.append(victim)

    result = run_batch(
        claims, tmp_path / "out", options, progress=progress, runner=DaskCluster(scheduler)
    )
    assert killed
    assert sorted(Path(r.folder).name for r in result.results) == names
    assert [r for r in result.results if r.verdict == "error"] == []
    local = run_batch(claims, tmp_path / "local", options, jobs=2)
    assert sorted(result.results, key=lambda r: r.folder) == sorted(
        local.results, key=lambda r: r.folder
    )
    # The nanny brings the killed worker back: the cluster is whole for the next batch.
    deadline = time.monotonic() + 60
    with distributed.Client(scheduler, timeout="30s") as client:
        while len(client.scheduler_info()["workers"]) < 2:
            assert time.monotonic() < deadline, "the killed worker did not come back"
            time.sleep(0.5)
