"""``--cluster local[:N]``: what it needs before the batch runner and Dask are loaded.

A local cluster's Dask workers are forked from a forkserver that loaded and warmed their code
once (:mod:`.cluster_preload`, some 1.5 s of CPU), instead of a fresh interpreter per worker
importing it all (Dask's default, ``spawn``); a worker the nanny starts again after a crash
starts as quickly. The CLI starts that forkserver (:func:`start_early`) as soon as it knows a
batch is to run on a local cluster, so that it loads while this process loads its own code and
reads the claims' manifests. This module imports nothing beyond the standard library.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.forkserver
import signal
import threading
from collections.abc import Iterator

from coop_rules.errors import CoopRulesError

LOCAL = "local"
# Dask's distributed.worker.multiprocessing-method for a local cluster's workers.
START_METHOD = "forkserver"
PRELOAD = "coop_rules.batch.cluster_preload"


def parse_local(address: str) -> int | None:
    """N of ``local[:N]`` (None: one worker per core); 0 when ``address`` is no local one.

    Raises:
        CoopRulesError: ``local:`` followed by anything but a number from 1.
    """
    if address != LOCAL and not address.startswith(LOCAL + ":"):
        return 0
    count = address[len(LOCAL) + 1 :]
    if not count:
        return None
    if not count.isdigit() or int(count) < 1:
        raise CoopRulesError(f"--cluster {address}: give local or local:N with N at least 1")
    return int(count)


def start_early(address: str) -> None:
    """For a local cluster, start its workers' forkserver now (see the module's docstring).

    Raises:
        CoopRulesError: a malformed ``local:N``.
    """
    if parse_local(address.strip()) != 0:
        start_forkserver()


def start_forkserver() -> None:
    """Start this process's forkserver (if it is not running), preloading :data:`PRELOAD`;
    with SIGINT ignored, which the workers forked from it inherit.

    It is multiprocessing's one forkserver of this process: one started before (by a reader
    pool of a multi-threaded process) serves the workers too, without the preload; they then
    load their code themselves. Once it runs, Dask's own preload list has no effect.
    """
    multiprocessing.get_context(START_METHOD).set_forkserver_preload([PRELOAD])
    with sigint_ignored():
        multiprocessing.forkserver.ensure_running()


@contextlib.contextmanager
def sigint_ignored() -> Iterator[None]:
    """SIGINT ignored while the forkserver of the local cluster's workers starts, so that
    they inherit that.

    Ctrl-C reaches the terminal's whole process group; as with a local batch's workers, only
    this process acts on it (it cancels the claims in flight and writes the index), and the
    workers, stopped by the client as it closes, print no tracebacks of their own.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
