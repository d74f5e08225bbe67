"""The worker processes of a batch, and the signals that stop it.

Ctrl-C reaches every process of the terminal's process group: the workers ignore it and finish
the claim in hand while the parent cancels the rest. SIGTERM to the parent alone (``kill PID``,
``docker stop``), which the CLI raises as :class:`~coop_rules.errors.Stopped`, takes the same
path. SIGTERM to every process (systemd's stop) ends each worker and reader at once, dropping
the claims in hand. A worker runs no ``atexit``, so it stops its reader process through a
multiprocessing finaliser; every temporary file of the batch lives in one folder
(:func:`private_tempdir`), removed at the end however a worker ended.
"""

from __future__ import annotations

import contextlib
import multiprocessing.forkserver
import multiprocessing.util
import shutil
import signal
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from coop_rules.batch.model import BatchResult, ClaimJob, ClaimResult
from coop_rules.isolation import set_shared_pool_size, shared_pool


@contextlib.contextmanager
def private_tempdir() -> Iterator[None]:
    """Every temporary file of the batch (the reader processes' folders among them) in one
    folder, removed at the end: however a worker or reader ended (a SIGTERM to the whole
    batch, a kill), nothing of the batch stays in the temporary directory."""
    scratch = tempfile.mkdtemp(prefix="coop-rules-batch-")
    previous, tempfile.tempdir = tempfile.tempdir, scratch  # forked workers inherit it
    try:
        yield
    finally:
        tempfile.tempdir = previous
        # multiprocessing keeps the folder it made there (pymp-…) for the process's life, and a
        # forkserver started meanwhile listens on a socket in it: a later batch in this process
        # (the Python API, tests) would find both gone. Stop and forget them first; they start
        # again when needed.
        server: Any = multiprocessing.forkserver._forkserver
        if str(getattr(server, "_forkserver_address", "") or "").startswith(scratch):
            server._stop()
        config = multiprocessing.current_process()._config  # type: ignore[attr-defined]
        if str(config.get("tempdir", "")).startswith(scratch):
            del config["tempdir"]
            registry: Any = getattr(multiprocessing.util, "_finalizer_registry", {})
            for finalizer in list(registry.values()):  # its removal at exit: run it now
                if str((getattr(finalizer, "_args", None) or ("",))[-1]).startswith(scratch):
                    finalizer()
        shutil.rmtree(scratch, ignore_errors=True)


def run_pool(
    check: Callable[[ClaimJob], ClaimResult],
    pending: Sequence[ClaimJob],
    batch: BatchResult,
    record: Callable[[ClaimResult], None],
    workers: int,
) -> None:
    """Run ``check`` on each job in ``workers`` processes, ``record`` each result as it comes.

    On Ctrl-C or SIGTERM (a KeyboardInterrupt here) the claims in hand finish, the others are
    cancelled and ``batch.interrupted_by`` says which signal it was.
    """
    # fork on Linux (its default before Python 3.14): workers start in milliseconds with this
    # process's warm caches. Safe here: this process runs no threads of its own at this point.
    # Elsewhere (macOS system libraries are not fork-safe) the platform's default.
    context = multiprocessing.get_context("fork" if sys.platform == "linux" else None)
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker)
    futures: dict[Future[ClaimResult], ClaimJob] = {}

    def collect(future: Future[ClaimResult]) -> None:
        record(_result_of(future, futures[future]))

    try:
        with _stop_signals_held():
            futures = {pool.submit(check, job): job for job in pending}
        for future in as_completed(futures):
            collect(future)
    except KeyboardInterrupt as exc:
        batch.interrupted_by = signum_of(exc)
        collected = {r.folder for r in batch.results}
        # The claims in hand finish (their workers ignore SIGINT, and a SIGTERM to the parent
        # alone does not reach them); the others never start.
        pool.shutdown(wait=True, cancel_futures=True)
        for future in futures:
            finished = future.done() and not future.cancelled()
            # A worker a SIGTERM stopped dropped its claim: not checked, rather than an error.
            dropped = finished and isinstance(future.exception(), BrokenProcessPool)
            if finished and not dropped and str(futures[future].folder) not in collected:
                collect(future)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


_STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}


@contextlib.contextmanager
def _stop_signals_held() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM while the pool forks its workers (the first ``submit``): raised
    in a fork's callbacks Python drops the exception, and raised between two forks it leaves
    workers no one stops. A signal held is delivered, and acted on, at the end."""
    if not hasattr(signal, "pthread_sigmask"):  # Windows: no fork either
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _result_of(future: Future[ClaimResult], job: ClaimJob) -> ClaimResult:
    """The worker's result, or an error result if the worker itself failed (or died)."""
    try:
        return future.result()
    except Exception as exc:  # a crashed worker (BrokenProcessPool) fails its claims only
        message = f"internal error: {type(exc).__name__}: {exc}"
        return ClaimResult(str(job.folder), job.claim_id, "error", error=message)


def _start_worker() -> None:
    """Worker start-up: Ctrl-C reaches the whole process group; only the parent acts on it.
    SIGTERM (to every process of the batch, as systemd stops a service) ends the worker at
    once, whatever the parent's handler: the parent removes what it was writing. And one
    reader process per worker, as in the parent (a fork forgets the parent's pool), stopped
    when the worker exits (a pool worker runs no ``atexit``)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Not an exception raised from a handler: that can land anywhere (in a fork's callback,
    # where it is lost), and the pool would hand the worker its next claim anyway.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if hasattr(signal, "pthread_sigmask"):  # forked while the parent held them; now handled
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
    set_shared_pool_size(1)
    multiprocessing.util.Finalize(None, _close_readers, exitpriority=10)


def _close_readers() -> None:
    shared_pool().close()


def signum_of(exc: KeyboardInterrupt) -> int:
    """The signal a KeyboardInterrupt stands for (SIGTERM: :class:`coop_rules.errors.Stopped`)."""
    return int(getattr(exc, "signum", signal.SIGINT))
