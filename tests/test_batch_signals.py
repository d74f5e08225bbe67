"""A batch stopped by a signal, as a terminal (SIGINT) or a supervisor (SIGTERM) stops it: the
index of what was done, the count of what was not, no process and no temporary folder left."""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from .conftest import FIXTURES, REPO

SOME = ["compliant", "dt01-late-submission", "am03-document-in-other-currency"]


def _claims(target: Path, copies: int) -> list[Path]:
    """``copies`` folders of claims below ``target``, each a copy of the fixture claims."""
    for n in range(copies):
        shutil.copytree(FIXTURES, target / f"copy{n}")
    return sorted(target.iterdir())


def _start(claims: list[Path], out: Path, scratch: Path) -> subprocess.Popen[bytes]:
    """The batch in a session (and process group) of its own, with its own temporary folder."""
    command = [sys.executable, "-m", "coop_rules", "check", *map(str, claims), "--out", str(out)]
    command += ["--jobs", "2", "--format", "json", "--today", "2024-07-20"]
    env = {**os.environ, "TMPDIR": str(scratch), "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        env=env,
    )


def _group(pgid: int) -> list[psutil.Process]:
    """The processes still in process group ``pgid`` (zombies are gone processes)."""
    left = []
    for process in psutil.process_iter(["status"]):
        try:
            if os.getpgid(process.pid) == pgid and process.status() != psutil.STATUS_ZOMBIE:
                left.append(process)
        except (ProcessLookupError, psutil.NoSuchProcess):
            continue
    return left


@pytest.mark.parametrize("whom", ["process", "group"])
def test_sigterm_stops_a_batch_like_ctrl_c(tmp_path: Path, whom: str) -> None:
    """``kill PID`` (docker stop, Kubernetes) and ``kill -TERM -PGID`` (systemd's stop) mid-batch.

    Exit 143 (128 + SIGTERM), what a shell reports for a process stopped by SIGTERM: a
    supervisor or script can tell "stopped on request" from Ctrl-C (130) and from findings (1).
    """
    claims, out, scratch = tmp_path / "claims", tmp_path / "out", tmp_path / "tmp"
    scratch.mkdir()
    folders = _claims(claims, 3)
    total = len(folders) * len([p for p in FIXTURES.iterdir() if p.is_dir()])
    process = _start(folders, out, scratch)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and len(list(out.glob("*.json.stamp"))) < 3:
            assert process.poll() is None, process.communicate()
            time.sleep(0.02)
        if whom == "process":
            process.send_signal(signal.SIGTERM)
        else:
            os.killpg(process.pid, signal.SIGTERM)
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    # The parent is gone once ``communicate`` returns; a process still in its exit path
    # (its files closed, not yet reaped) is given a moment.
    deadline = time.monotonic() + 5
    while (left := _group(process.pid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    described = [(p.pid, p.ppid(), p.status(), p.cmdline()) for p in left]
    for straggler in left:  # do not let a failure leave them running either
        straggler.kill()
    assert not left, described
    assert process.returncode == 143, err
    assert b"Traceback" not in err and b"interrupted" in err, err.decode()
    rows = list(csv.DictReader((out / "index.csv").open(newline="")))
    checked = [r for r in rows if r["verdict"] != "unchecked"]
    assert len(rows) == total and 0 < len(checked) < total
    skipped = total - len(checked)
    assert f"{skipped} claim(s) were not checked".encode() in err
    html = (out / "index.html").read_text()
    assert f"Interrupted: {skipped} of {total} claims were not checked" in html
    for row in checked:  # every report the index lists is whole
        json.loads((out / row["report"]).read_text())
    assert not list(out.glob(".*"))  # no half-written file
    assert list(scratch.iterdir()) == []  # no worker's temporary folder


def test_a_finished_batch_leaves_no_temporary_folder(tmp_path: Path) -> None:
    claims, out, scratch = tmp_path / "claims", tmp_path / "out", tmp_path / "tmp"
    scratch.mkdir()
    for name in SOME:
        shutil.copytree(FIXTURES / name, claims / name)
    process = _start([claims], out, scratch)
    _, err = process.communicate(timeout=300)
    assert process.returncode == 1, err  # dt01 fails
    assert len(list(csv.DictReader((out / "index.csv").open(newline="")))) == len(SOME)
    assert list(scratch.iterdir()) == []


def test_a_stop_signal_waits_until_the_workers_are_forked() -> None:
    """Raised while the pool forks, a KeyboardInterrupt would be lost in a fork callback or
    leave workers no one stops; held, it is acted on once the workers exist."""
    from coop_rules.batch import processes

    got: list[int] = []
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: got.append(signum))
    try:
        with processes._stop_signals_held():
            # To this thread: a signal to the process would go to another thread of the test
            # run that does not hold it (a batch's main process forks with no other thread).
            signal.pthread_kill(threading.get_ident(), signal.SIGTERM)
            time.sleep(0.05)
            assert got == []
        assert got == [signal.SIGTERM]
    finally:
        signal.signal(signal.SIGTERM, previous)
