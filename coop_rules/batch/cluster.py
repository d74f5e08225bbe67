"""A batch on a Dask cluster: claims sent as tasks of a few, their files carried with them.

``coop-rules check DIR... --out OUT --cluster tcp://HOST:8786`` (or ``COOP_RULES_CLUSTER``)
sends the claims to a running Dask scheduler; ``--cluster local[:N]`` starts a ``LocalCluster``
of N single-threaded worker processes for a try on one machine, forked from a forkserver that
loaded and warmed their code while the client read the claims (:mod:`.local_cluster`). Dask is
imported only here, and this module only when a cluster is asked for
(``pip install 'coop-rules[cluster]'``).

What the client does, and what a worker does:

- The client decides everything a local batch decides (:func:`.run.run_batch`): the claims,
  their report names, the keys, which reports are reused (their stamps are read here, without
  a task). It then reads the claims' files into :class:`ClaimTask` values and submits them,
  up to :data:`CHUNK_CLAIMS` to a task while many are left (the worker checks them one after
  the other), one to a task at the end; at most a small window of tasks (twice the cluster's
  threads) is in flight, so the client holds a few claims' bytes, never the batch's. Workers
  need not see the client's disk.
- A worker writes the files into a private temporary folder, checks the claim there with the
  same options (its readers isolated in worker processes with the same time and memory limits,
  so a hostile document is the same finding as at home and never takes the Dask worker down),
  renders the report, and returns it with the index's line. It first compares its coop-rules
  code and rule set with the client's: a worker running other code could give other results,
  so its claims become "could not check" instead.
- The client writes each report and stamp as a local batch does (same names, atomic writes),
  then the index.
- A worker that dies mid-claim: the scheduler gives the task to another worker. A claim whose
  check has killed ``distributed.scheduler.allowed-failures`` + 1 workers (Dask's default 3,
  set to 2 for ``local``) fails its task. Dask suspects every task a dying worker held, so an
  innocent claim beside the culprit may fail too: every claim whose task failed so is checked
  again at the end, alone, one at a time; one that still kills its workers then becomes
  "could not check" in the index. (``local`` also runs with ``worker-saturation: 1.0``, so a
  worker holds only the claim it is checking.)

The ledger: the workers read it (duplicates) and, with ``--record``, write it, so it must be
one they reach. A ``postgresql://`` ledger always is; a SQLite file is on this machine only:
``--record`` with it is refused at start, and a dry run uses it only if it is empty (then
nothing is compared, as at home) or the cluster is ``local``.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import logging
import multiprocessing
import os
import pickle
import tempfile
import threading
import time
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from coop_rules import api
from coop_rules.batch.cluster_task import run_each
from coop_rules.batch.local_cluster import (
    START_METHOD,
    parse_local,
    start_early,
    start_forkserver,
)
from coop_rules.batch.model import BatchResult, ClaimJob, ClaimResult, Options, Progress
from coop_rules.batch.processes import signum_of
from coop_rules.batch.run import (
    _claim_key,
    _notify,
    _one_line,
    _reuse,
    claim_result,
    code_digest,
    stamp_text,
    write_atomic,
)
from coop_rules.documents.limits import DEFAULT_LIMITS
from coop_rules.errors import CoopRulesError
from coop_rules.isolation import set_shared_pool_size, shared_pool
from coop_rules.ledger.store import Ledger, is_url, resolve_location
from coop_rules.renderers import get_renderer
from coop_rules.report import rule_set

log = logging.getLogger(__name__)

ENV_CLUSTER = "COOP_RULES_CLUSTER"
# A claim whose check killed this many workers (+1) is given up on (``local`` clusters; a
# scheduler of its own keeps its own setting).
LOCAL_ALLOWED_FAILURES = 2
WAIT_FOR_WORKERS_S = 60.0
# Claims per task while many are left: Dask's own work for a task (some 30 ms of CPU between
# the client, the scheduler and the worker, measured on this project's 2-core machine: a tenth
# of a fixture claim's check) is then shared by a few claims. A task checks its claims one
# after the other, so that a worker still runs one claim at a time; it stops taking claims at
# CHUNK_BYTES of files (a large claim goes alone). The last claims go one per task.
CHUNK_CLAIMS = 3
CHUNK_BYTES = 8 * 2**20
# How often the client asks the scheduler how many worker threads there are (workers may join
# or leave mid-batch): not for every claim, each answer costs the scheduler and the client.
WINDOW_REFRESH_S = 5.0
# What Dask keeps "for developers" of its recent messages, transitions and events: by default
# the last 1,000 of each, and among them every message under 1 MB a process sent on its
# streams. A task's message carries its claims' files (client → scheduler → worker), so the
# client (and a scheduler, which keeps those it sent each worker) would hold the files of the
# last 1,000 tasks: some 130 MB for the fixture claims, up to 1 GB for larger ones, growing
# with the batch. The client, a local cluster and the README's scheduler keep none.
NO_MESSAGE_LOG = {"distributed.admin.low-level-log-length": 0}
# A worker of a batch does without what only a dashboard reads: Dask's statistical profiler
# (it walks the checking thread's stack every 10 ms, some 5 % of a worker's CPU here), and its
# event-loop health ticks (every 20 ms) and system samples (every 0.5 s) at their usual pace.
# Its memory is looked at every 0.5 s, not 0.1 s (by the worker and by its nanny: half their
# CPU when idle); a claim's check does not grow by gigabytes in a tenth of a second, and its
# documents are read in reader processes with limits of their own.
# Set for a LocalCluster; the README gives the same settings for `dask worker`.
LEAN_WORKER = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "2s",
    "distributed.worker.memory.monitor-interval": "500ms",
}


@dataclass(frozen=True)
class ClaimTask:
    """What travels to a worker for one claim: the job, the claim's files, the rule files."""

    job: ClaimJob
    files: tuple[tuple[str, bytes], ...]  # (path relative to the claim folder, bytes)
    rules: tuple[tuple[tuple[str, bytes], ...], ...]  # per --rules folder, its files
    code: str  # the client's code digest: the worker must run the same code
    rules_digest: str  # ...and have the same rule set
    ledger_empty: bool = False  # a SQLite ledger empty at the client: so it must be here


@dataclass(frozen=True)
class TaskOutcome:
    """A worker's answer: the index's line, and the rendered report (None for an error)."""

    result: ClaimResult
    report: str | bytes | None


class DaskCluster:
    """The batch runner of ``--cluster ADDRESS``: a scheduler's address or ``local[:N]``."""

    def __init__(self, address: str) -> None:
        self.address = address.strip()

    def prepare(self, options: Options) -> None:
        """Refuse at start what the cluster cannot do with ``options``.

        Raises:
            CoopRulesError: Dask is not installed, the address is malformed, or the ledger is
                a SQLite file the workers cannot share.
        """
        _import_dask()
        parse_local(self.address)  # a malformed local:N fails here
        _worker_ledger(self.address, options)
        # The forkserver a local cluster's workers are forked from loads their code while
        # this process reads the claims' manifests (if the CLI did not start it already).
        start_early(self.address)

    def __call__(
        self,
        pending: Sequence[ClaimJob],
        batch: BatchResult,
        total: int,
        progress: Progress | None,
        rules_digest: str,
    ) -> None:
        """Check ``pending`` on the cluster, appending to ``batch`` as they end."""
        run(self.address, pending, batch, total, progress, rules_digest)


def run(
    address: str,
    pending: Sequence[ClaimJob],
    batch: BatchResult,
    total: int,
    progress: Progress | None,
    rules_digest: str,
) -> None:
    """Check ``pending`` on the cluster at ``address``, appending to ``batch`` as they end.

    The cluster is reached (or the LocalCluster started) only once a claim needs checking:
    a batch whose reports are all reused never waits for it.
    """
    distributed = _import_dask()
    if not pending:
        return
    options = pending[0].options
    ledger, ledger_empty = _worker_ledger(address, options)
    rules = tuple(_pack_folder(Path(d)) for d in options.rules_dirs)
    code = code_digest()
    todo = _to_check(pending, batch, total, progress)
    first = next(todo, None)
    if first is None:
        return
    queue = itertools.chain([first], todo)
    with _connect(address, distributed) as client:
        in_flight: dict[Any, list[_Claim]] = {}
        completed = distributed.as_completed()
        window = _Window(client)

        def claim(job: ClaimJob, key: str) -> _Claim | None:
            """The claim with its files read, or None (its error recorded)."""
            try:
                files = _pack_folder(job.folder)
            except OSError as exc:
                _record(batch, progress, total, _error(job, f"cannot read the claim: {exc}"))
                return None
            task_options = replace(job.options, ledger=ledger, rules_dirs=())
            task_job = replace(job, options=task_options)
            task = ClaimTask(task_job, files, rules, code, rules_digest, ledger_empty)
            return _Claim(job, key, task, sum(len(data) for _, data in files))

        def submit(claims: list[_Claim]) -> Any:
            future = _submit(client, claims)
            in_flight[future] = claims
            return future

        def submit_next() -> bool:
            """Read the next claims to check and submit them; False when there are none."""
            claims: list[_Claim] = []
            for job, key, left in queue:
                read = claim(job, key)
                if read is None:
                    continue
                claims.append(read)
                if len(claims) >= _chunk_size(left, window()) or (
                    sum(c.size for c in claims) >= CHUNK_BYTES
                ):
                    break
            if claims:
                completed.add(submit(claims))
            return bool(claims)

        collecting: list[_Claim] = []  # the claims whose reports are being written
        try:
            while len(in_flight) < window() and submit_next():
                pass
            suspects: list[_Claim] = []
            for future in completed:
                claims = in_flight.pop(future)
                collecting = claims
                if future.status == "error" and isinstance(
                    future.exception(), distributed.KilledWorker
                ):
                    # Dask suspects every claim a dying worker held (and a task's claims die
                    # together): these may only have been beside the claim that killed it.
                    # Checked again alone, at the end.
                    suspects.extend(claims)
                else:
                    for result in _collect(future, claims, distributed):
                        _record(batch, progress, total, result)
                collecting = []
                future.release()
                while len(in_flight) < window() and submit_next():
                    pass
            for suspect in suspects:  # one at a time: none can take another down with it
                again = claim(suspect.job, suspect.key)  # read again: not held meanwhile
                if again is None:
                    continue
                future = submit([again])
                (result,) = _collect(future, [again], distributed)
                del in_flight[future]
                future.release()
                _record(batch, progress, total, result)
        except KeyboardInterrupt as exc:  # the shell reports it from batch.interrupted_by
            batch.interrupted_by = signum_of(exc)
            _record_written(batch, progress, total, collecting)
            client.cancel(list(in_flight))


@dataclass(frozen=True)
class _Claim:
    """A claim on its way: its job and key, what travels for it, and the bytes of its files."""

    job: ClaimJob
    key: str
    task: ClaimTask
    size: int


def _chunk_size(left: int, window: int) -> int:
    """Claims per task, with ``left`` claims after these and ``window`` tasks in flight: a few
    while many are left; one each for the last ones, so that the workers end together."""
    return CHUNK_CLAIMS if left >= window * CHUNK_CLAIMS else 1


def _submit(client: Any, claims: list[_Claim]) -> Any:
    """One task for ``claims``: :data:`TASK` and their :class:`ClaimTask` travel pickled in
    bytes, which the scheduler passes on without opening them (:mod:`.cluster_task`)."""
    payload = pickle.dumps((TASK, [c.task for c in claims]), protocol=pickle.HIGHEST_PROTOCOL)
    with warnings.catch_warnings():
        # Claims of a few MB are meant to travel in their task (so a retry on another worker
        # has them); Dask's hint to scatter large data does not apply.
        warnings.filterwarnings("ignore", message=".*[Ll]arge (graph|object).*")
        return client.submit(run_each, payload, pure=False, key=_task_key(claims))


def _to_check(
    pending: Sequence[ClaimJob], batch: BatchResult, total: int, progress: Progress | None
) -> Iterator[tuple[ClaimJob, str, int]]:
    """The claims to check, with their keys and how many claims come after each; the reused
    and unreadable ones recorded here."""
    for position, job in enumerate(pending):
        try:
            key = _claim_key(job)
        except OSError as exc:
            _record(batch, progress, total, _error(job, f"cannot read the claim: {exc}"))
            continue
        report_path, stamp_path = _paths(job)
        # A recording run checks every claim: reusing a report would skip its record.
        reused = None if job.options.record else _reuse(stamp_path, report_path, key)
        if reused is not None:
            _record(batch, progress, total, reused)
            continue
        yield job, key, len(pending) - position - 1


def _collect(future: Any, claims: list[_Claim], distributed: Any) -> list[ClaimResult]:
    """Write the reports and stamps a worker sent back; the index's lines for the claims."""
    try:
        outcomes: list[TaskOutcome] = future.result()
    except distributed.KilledWorker as exc:
        count = _failures(exc)
        return [
            _error(
                c.job,
                f"could not check: the check of this claim stopped {count} Dask workers "
                "(killed, out of memory or lost), also when checked alone; it was not tried "
                "again",
            )
            for c in claims
        ]
    except Exception as exc:  # the task's own errors are outcomes; this is the cluster's
        message = f"internal error: {type(exc).__name__}: {_one_line(exc)}"
        return [_error(c.job, message) for c in claims]
    for c, outcome in zip(claims, outcomes, strict=True):
        if outcome.report is not None:
            report_path, stamp_path = _paths(c.job)
            write_atomic(report_path, outcome.report)
            write_atomic(stamp_path, stamp_text(c.key, outcome.result))
    return [outcome.result for outcome in outcomes]


def _failures(exc: Exception) -> str:
    # KilledWorker(task, last_worker, allowed_failures): the task killed allowed_failures + 1.
    args: tuple[Any, ...] = tuple(getattr(exc, "args", ()))
    if len(args) >= 3 and isinstance(args[2], int):
        return str(args[2] + 1)
    return "several"


def _paths(job: ClaimJob) -> tuple[Path, Path]:
    report_name = job.stem + get_renderer(job.options.format).suffix
    return job.out_dir / report_name, job.out_dir / (report_name + ".stamp")


def _record_written(
    batch: BatchResult, progress: Progress | None, total: int, claims: list[_Claim]
) -> None:
    """Ctrl-C while a task's reports were written: each of its claims whose report and stamp
    are on disk was checked, and the index says so (as a rerun would reuse it)."""
    recorded = {r.folder for r in batch.results}
    for c in claims:
        if str(c.job.folder) in recorded:
            continue
        report_path, stamp_path = _paths(c.job)
        result = _reuse(stamp_path, report_path, c.key)
        if result is not None:
            _record(batch, progress, total, replace(result, reused=False))


def _record(batch: BatchResult, progress: Progress | None, total: int, result: ClaimResult) -> None:
    batch.results.append(result)
    _notify(progress, len(batch.results), total, result)


def _error(job: ClaimJob, message: str) -> ClaimResult:
    return ClaimResult(str(job.folder), job.claim_id, "error", error=message)


def _task_key(claims: list[_Claim]) -> str:
    # Unique per submission (pure=False semantics) and readable on the dashboard.
    more = f"+{len(claims) - 1}" if len(claims) > 1 else ""
    return f"coop-rules-claim-{claims[0].job.stem}{more}-{os.urandom(6).hex()}"


class _Window:
    """Tasks in flight: two per worker thread (one running, one arriving), at least 4; the
    threads counted again every :data:`WINDOW_REFRESH_S` seconds."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.size = 0
        self.counted = -WINDOW_REFRESH_S

    def __call__(self) -> int:
        now = time.monotonic()
        if now - self.counted >= WINDOW_REFRESH_S:
            threads = sum(self.client.nthreads().values())
            self.size = max(4, 2 * threads)
            self.counted = now
        return self.size


# -- the files that travel ---------------------------------------------------------------------


def _pack_folder(folder: Path) -> tuple[tuple[str, bytes], ...]:
    """Every file the claim loader would read in ``folder`` (hidden ones skipped), with bytes."""
    packed = []
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if not path.is_file() or any(part.startswith(".") for part in relative.parts):
            continue
        packed.append((relative.as_posix(), path.read_bytes()))
    return tuple(packed)


def _unpack(files: tuple[tuple[str, bytes], ...], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    root = folder.resolve()
    for name, data in files:
        target = (folder / name).resolve()
        if root not in target.parents:  # a name from the client never leaves the folder
            raise CoopRulesError(f"a claim file name leaves its folder: {name!r}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


# -- the worker's side ------------------------------------------------------------------------

MALLOC_TRIM = "MALLOC_TRIM_THRESHOLD_"
_worker_lock = threading.Lock()
_worker_ready = False
_rules_cache: dict[str, tuple[Path, ...]] = {}


def check_task(task: ClaimTask) -> TaskOutcome:
    """On a worker: check one claim from its files; the report rendered, or an error line."""
    job = task.job
    try:
        _prepare_worker()
        if task.code != code_digest():
            raise CoopRulesError(
                "this Dask worker runs other coop-rules code than the client (install the same "
                "version on every worker)"
            )
        rules_dirs = _rules_dirs(task)
        if task.ledger_empty and job.options.ledger:
            with Ledger.open(job.options.ledger) as ledger:
                if not ledger.revision().startswith("0:"):
                    raise CoopRulesError(
                        f"this Dask worker has claims in its own ledger {ledger.source}, the "
                        "client none: give --ledger postgresql://… to share one"
                    )
        options = replace(job.options, rules_dirs=rules_dirs)
        renderer = get_renderer(options.format)
        with tempfile.TemporaryDirectory(prefix="coop-rules-claim-") as scratch:
            folder = Path(scratch) / job.folder.name
            _unpack(task.files, folder)
            report = api.check_claim(folder, options, today=job.today)
            data = renderer.report(report)
    except CoopRulesError as exc:
        return TaskOutcome(_error(job, _one_line(exc)), None)
    except Exception as exc:  # a bug met on one claim must not stop the other thousand
        log.warning("checking %s failed", job.folder, exc_info=True)
        return TaskOutcome(_error(job, f"internal error: {type(exc).__name__}: {exc}"), None)
    return TaskOutcome(claim_result(job, report, job.stem + renderer.suffix), data)


# The function the client submits for each claim (a test puts one that kills its worker).
TASK = check_task


def _prepare_worker(threads: int | None = None) -> None:
    """Once per worker process: let it start reader processes, one per Dask thread."""
    global _worker_ready
    with _worker_lock:
        if _worker_ready:
            return
        process = multiprocessing.current_process()
        if process.daemon:
            # Dask's nanny starts workers as daemonic processes, and a daemonic process may not
            # start children; the readers must run in children of their own (isolation). The
            # flag only matters to this process's own start() calls; the nanny still stops it.
            process._config["daemon"] = False  # type: ignore[attr-defined]
        # Dask's nanny sets MALLOC_TRIM_THRESHOLD_ for its workers (so that freed memory goes
        # back to the system at once); the reader processes, started later from this
        # environment, would inherit it. They are replaced every 100 documents anyway, and the
        # trimming doubles their page faults (2,800 a claim of the fixtures against 1,400),
        # some 4 ms of system time a claim.
        os.environ.pop(MALLOC_TRIM, None)
        set_shared_pool_size(threads or _worker_threads())
        _worker_ready = True


def _worker_threads() -> int:
    try:
        from distributed import get_worker

        return max(1, int(get_worker().state.nthreads))
    except (ImportError, ValueError, AttributeError):
        return 1


def dask_setup(worker: Any) -> None:
    """``dask worker --preload coop_rules.batch.cluster``: get ready before joining the cluster.

    What a worker's first claim would otherwise pay (some 2 s of CPU, while the batch waits
    for it): coop-rules' code digest, the built-in rules and their compiled engine, and the
    reader processes (their forkserver, with the extraction modules loaded, and one reader per
    Dask thread). Dask runs this before the worker registers with the scheduler; a
    ``local`` cluster's workers run it too (forked from a process that warmed up already, they
    only start their readers). Without the preload a worker does the same on its first claim:
    nothing else differs.
    """
    try:
        _prepare_worker(int(worker.state.nthreads))
        warm_up()  # at once in a worker forked from a warm process (a local cluster's)
        shared_pool().warm(DEFAULT_LIMITS)
    except Exception:  # a worker that cannot warm up still starts; its claims say why
        log.warning("coop-rules could not warm up this Dask worker", exc_info=True)


def warm_up() -> None:
    """What a worker's first claim needs beyond its readers: the code digest, the built-in
    rules and their compiled engine (each computed once per process)."""
    code_digest()
    api.warm()


def _rules_dirs(task: ClaimTask) -> tuple[Path, ...]:
    """The client's --rules folders, written once per worker; the rule set checked."""
    digest = hashlib.sha256(repr(task.rules).encode()).hexdigest()
    with _worker_lock:
        dirs = _rules_cache.get(digest)
        if dirs is None:
            base = Path(tempfile.mkdtemp(prefix="coop-rules-rules-"))
            dirs = tuple(base / str(i) for i in range(len(task.rules)))
            for files, folder in zip(task.rules, dirs, strict=True):
                _unpack(files, folder)
            mine = rule_set(api.rulebook(dirs), api.programs(dirs)).digest
            if mine != task.rules_digest:
                raise CoopRulesError(
                    "this Dask worker's rule set differs from the client's (install the same "
                    "version on every worker)"
                )
            _rules_cache[digest] = dirs
    return dirs


# -- connecting ------------------------------------------------------------------------------


def _import_dask() -> Any:
    try:
        import distributed
    except ImportError:
        raise CoopRulesError(
            "--cluster needs Dask distributed: pip install 'coop-rules[cluster]'"
        ) from None
    return distributed


def _worker_ledger(address: str, options: Options) -> tuple[str | Path | Literal[False], bool]:
    """The ledger the workers use, and whether they must find it empty.

    Raises:
        CoopRulesError: the workers cannot share the client's ledger.
    """
    if options.ledger is False:
        return False, False
    where = resolve_location(options.ledger)
    if is_url(where):
        return where, False
    if options.record:
        raise CoopRulesError(
            "--record with --cluster needs a ledger every worker reaches: give --ledger "
            f"postgresql://… (the SQLite file {where} is on this machine only)"
        )
    path = Path(where).absolute()
    if parse_local(address) != 0:
        return path, False  # the local cluster's workers share this disk
    with Ledger.open(path) as ledger:
        empty = ledger.revision().startswith("0:")
    if empty:
        # Nothing recorded (or no file): a worker reads the same path, which must be as empty
        # there, so its reports match the local ones word for word.
        return path, True
    raise CoopRulesError(
        f"the ledger {where} is a SQLite file on this machine, which the cluster's workers "
        "cannot read: give --ledger postgresql://… (or an empty ledger)"
    )


class _connect:
    """A client of the scheduler at ``address``, or of a LocalCluster started for the batch."""

    def __init__(self, address: str, distributed: Any) -> None:
        self.address = address
        self.distributed = distributed
        self.cluster: Any = None
        self.client: Any = None
        self.settings = contextlib.ExitStack()

    def __enter__(self) -> Any:
        local = parse_local(self.address)
        # The scheduler of a LocalCluster runs in this process: its INFO lines are no news.
        if not log.isEnabledFor(logging.DEBUG):
            logging.getLogger("distributed").setLevel(logging.WARNING)
        import dask

        self.settings.enter_context(dask.config.set(NO_MESSAGE_LOG))
        try:
            if local != 0:
                self.cluster = self._local_cluster(local or os.cpu_count() or 1)
                self.client = self.distributed.Client(self.cluster)
            else:
                self.client = self.distributed.Client(self.address, timeout="20s")
            # A LocalCluster's workers all, before the first claim; a scheduler's, one at least.
            wanted = len(self.cluster.workers) if self.cluster is not None else 1
            self.client.wait_for_workers(wanted, timeout=WAIT_FOR_WORKERS_S)
        except (OSError, TimeoutError) as exc:
            self.__exit__(None, None, None)
            raise CoopRulesError(
                f"cannot use the Dask cluster {self.address}: "
                f"{_one_line(exc) or type(exc).__name__}"
            ) from None
        return self.client

    def _local_cluster(self, workers: int) -> Any:
        """A LocalCluster of ``workers`` single-threaded processes, forked from the forkserver
        of :mod:`.local_cluster`. Its settings hold until it is closed: the nanny reads them
        again when it starts a worker anew."""
        import dask

        self.settings.enter_context(
            dask.config.set(
                {
                    **LEAN_WORKER,
                    "distributed.worker.multiprocessing-method": START_METHOD,
                    "distributed.scheduler.allowed-failures": LOCAL_ALLOWED_FAILURES,
                    # One claim per worker thread at a time: a worker a claim kills takes no
                    # other claim with it (Dask suspects every task the worker held).
                    "distributed.scheduler.worker-saturation": 1.0,
                }
            )
        )
        start_forkserver()  # if prepare() did not
        return self.distributed.LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
            preload=[__name__],  # dask_setup: each worker starts its readers before joining
        )

    def __exit__(self, *exc_info: object) -> None:
        try:
            if self.client is not None:
                self.client.close()
            if self.cluster is not None:
                self.cluster.close()
        finally:
            self.settings.close()
