"""Batches on a Dask cluster: the same reports as a local batch, claims that kill workers, and
what a cluster cannot do refused at start.

The cluster here is a ``LocalCluster`` of two single-threaded worker processes (what
``--cluster local:2`` starts); tests/test_cluster_ci.py runs a real scheduler and workers.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from coop_rules.batch import Options, run_batch
from coop_rules.batch import cluster as on_cluster
from coop_rules.batch.cluster_task import run_each
from coop_rules.cli import main
from coop_rules.errors import CoopRulesError

from .conftest import FIXTURES, REPO

if os.environ.get("CI"):
    import distributed  # noqa: F401  (CI installs the cluster extra: never skip there)
else:
    pytest.importorskip("distributed", reason="the cluster extra is not installed")

TODAY = date(2024, 7, 20)


def tree(folder: Path) -> dict[str, bytes]:
    """Every file of ``folder`` by relative name, with its bytes."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.mark.slow  # a LocalCluster and a batch: CI runs it (make test)
def test_a_cluster_batch_writes_exactly_what_a_local_batch_writes(tmp_path: Path) -> None:
    options = Options(today=TODAY, ledger=str(tmp_path / "ledger.sqlite3"))
    claims = sorted(p for p in FIXTURES.iterdir() if (p / "claim.yaml").is_file())
    local = run_batch(claims, tmp_path / "local", options, jobs=2)
    per_task: list[int] = []  # claims in each task submitted
    kept: list[int] = []  # messages the client's and the scheduler's streams keep, at each task
    submit = on_cluster._submit

    def counted(client: Any, task_claims: list[on_cluster._Claim]) -> object:
        per_task.append(len(task_claims))
        streams = [client.scheduler_comm, *client.cluster.scheduler.stream_comms.values()]
        kept.append(sum(len(stream.recent_message_log) for stream in streams))
        return submit(client, task_claims)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(on_cluster, "_submit", counted)
        cluster = run_batch(
            claims, tmp_path / "cluster", options, runner=on_cluster.DaskCluster("local:2")
        )
    assert not local.interrupted and not cluster.interrupted
    assert len(cluster.results) == len(claims) > 20
    # A few claims to a task while many are left, then one each: with a window of 4 tasks (2
    # workers), a task stops taking claims once fewer than 4 x 3 come after, so at least the
    # last 3 x 3 go alone.
    chunk = on_cluster.CHUNK_CLAIMS
    assert sum(per_task) == len(claims)
    assert per_task[0] == chunk > 1 and max(per_task) == chunk
    assert per_task[-3 * chunk :] == [1] * (3 * chunk), per_task
    # Dask keeps a stream's last 1,000 messages for debugging, and a task's message carries
    # its claims' files: the client and the scheduler would hold them all.
    assert len(kept) > 10 and max(kept) == 0, kept
    assert sorted(cluster.results, key=lambda r: r.folder) == sorted(
        local.results, key=lambda r: r.folder
    )
    on_local, on_cluster_ = tree(tmp_path / "local"), tree(tmp_path / "cluster")
    assert sorted(on_cluster_) == sorted(on_local)  # same names: reports, stamps, index
    different = [name for name in on_local if on_local[name] != on_cluster_[name]]
    assert different == []
    # A second run reuses every report (read from the stamps here, no task sent).
    again = run_batch(
        claims, tmp_path / "cluster", options, runner=on_cluster.DaskCluster("local:2")
    )
    assert all(r.reused for r in again.results) and len(again.results) == len(claims)


def kill_some(task: on_cluster.ClaimTask) -> on_cluster.TaskOutcome:
    """A task that kills its worker every time for claim ``compliant``."""
    if task.job.claim_id == "compliant":
        os._exit(70)
    return on_cluster.check_task(task)


@pytest.mark.slow  # a LocalCluster and a batch: CI runs it (make test)
@pytest.mark.parametrize("claims_per_task", [1, 3], ids=["alone", "in-one-task"])
def test_a_claim_that_kills_workers_becomes_could_not_check_and_the_rest_go_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, claims_per_task: int
) -> None:
    names = ["compliant", "dt01-late-submission", "am03-document-in-other-currency"]
    for name in names:
        shutil.copytree(FIXTURES / name, tmp_path / "claims" / name)
    claims = [tmp_path / "claims" / name for name in names]
    options = Options(today=TODAY, ledger=False, format="json")
    run_batch(claims[1:], tmp_path / "local", options, jobs=1)  # the reports to match

    monkeypatch.setattr(on_cluster, "TASK", kill_some)
    # Alone, or in one task with the claims beside it (which die with it each time, and are
    # then checked again alone).
    monkeypatch.setattr(on_cluster, "_chunk_size", lambda left, window: claims_per_task)
    result = run_batch(
        claims, tmp_path / "cluster", options, runner=on_cluster.DaskCluster("local:2")
    )
    by_name = {Path(r.folder).name: r for r in result.results}
    assert sorted(by_name) == sorted(names)  # every claim is in the index
    killer = by_name["compliant"]
    assert killer.verdict == "error"
    assert killer.error is not None
    assert f"stopped {on_cluster.LOCAL_ALLOWED_FAILURES + 1} Dask workers" in killer.error
    # The other claims were checked beside it (on the workers it did not kill): the same reports.
    for name in names[1:]:
        report = by_name[name].report
        assert report is not None
        assert (tmp_path / "cluster" / report).read_bytes() == (
            tmp_path / "local" / report
        ).read_bytes()
    index = (tmp_path / "cluster" / "index.csv").read_text(encoding="utf-8")
    assert "stopped 3 Dask workers" in index


def test_record_with_a_sqlite_ledger_is_refused_at_start(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ledger = tmp_path / "ledger.sqlite3"
    options = Options(today=TODAY, ledger=str(ledger), record=True)
    with pytest.raises(CoopRulesError, match="--record with --cluster needs a ledger"):
        run_batch(
            [FIXTURES / "compliant"],
            tmp_path / "out",
            options,
            runner=on_cluster.DaskCluster("local:2"),
        )
    argv = ["check", str(FIXTURES / "compliant"), "--out", str(tmp_path / "out")]
    code = main([*argv, "--cluster", "local:2", "--record", "--ledger", str(ledger)])
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "postgresql://" in err
    assert not ledger.exists()  # refused before anything was written


def test_a_sqlite_ledger_with_claims_is_refused_for_a_remote_cluster(tmp_path: Path) -> None:
    ledger = str(tmp_path / "ledger.sqlite3")
    recording = Options(today=TODAY, ledger=ledger, record=True, format="json")
    run_batch([FIXTURES / "compliant"], tmp_path / "recorded", recording, jobs=1)
    dry = Options(today=TODAY, ledger=ledger, format="json")
    with pytest.raises(CoopRulesError, match="cluster's workers cannot read"):
        on_cluster.DaskCluster("tcp://192.0.2.1:8786").prepare(dry)  # no connection is tried
    on_cluster.DaskCluster("local:2").prepare(dry)  # a local cluster shares this disk


def test_the_scheduler_loads_no_checking_code_to_pass_a_task_on() -> None:
    """The scheduler unpickles each task, and so imports the module of its function: that of
    :func:`.cluster_task.run_each`, whose claims travel as bytes it does not open."""
    probe = (
        "import json, pickle, sys\n"
        "from coop_rules.batch.cluster_task import run_each\n"
        "pickle.loads(pickle.dumps(run_each))\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=True
    )
    ours = {m for m in json.loads(done.stdout) if m.startswith("coop_rules")}
    task_module = {"coop_rules", "coop_rules.version", "coop_rules.batch", run_each.__module__}
    assert ours <= task_module, ours


def test_a_task_checks_its_claims_one_after_the_other_and_answers_for_each() -> None:
    payload = pickle.dumps((len, ["ab", "", "abc"]))
    assert run_each(payload) == [2, 0, 3]


def test_a_malformed_local_cluster_is_refused() -> None:
    with pytest.raises(CoopRulesError, match="local:N"):
        on_cluster.DaskCluster("local:none").prepare(Options(ledger=False))


@pytest.mark.slow  # a LocalCluster in a process of its own: CI runs it (make test)
def test_ctrl_c_stops_a_cluster_batch_cleanly(tmp_path: Path) -> None:
    out = tmp_path / "out"
    command = [sys.executable, "-m", "coop_rules", "check", str(FIXTURES), "--out", str(out)]
    command += ["--cluster", "local:2", "--today", "2024-07-20", "--ledger", str(tmp_path / "l")]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    # Its own session: Ctrl-C goes to the terminal's whole process group, workers included.
    process = subprocess.Popen(
        command, env=env, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 120
    while not (out.is_dir() and any(out.glob("*.stamp"))):
        assert process.poll() is None and time.monotonic() < deadline, "no report came"
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGINT)
    _, err = process.communicate(timeout=120)
    text = err.decode()
    assert process.returncode == 130, text
    assert "Traceback" not in text
    assert "interrupted" in text
    assert list(out.glob(".*.partial")) == []
    index = (out / "index.csv").read_text(encoding="utf-8")
    stamps = len(list(out.glob("*.stamp")))
    done = [row for row in index.splitlines()[1:] if ",unchecked," not in row]
    assert 0 < stamps < 23 and len(done) == stamps  # what was done is ranked, the rest listed
    # No worker (nor its readers) outlives the batch for long: they stop as the client closes.
    deadline = time.monotonic() + 30
    while True:
        left = subprocess.run(
            ["ps", "-o", "pid=,args=", "-g", str(process.pid)], capture_output=True, text=True
        )
        if not left.stdout.strip():
            break
        assert time.monotonic() < deadline, f"still running: {left.stdout}"
        time.sleep(0.5)
