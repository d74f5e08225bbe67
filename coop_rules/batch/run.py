"""Checking many claims: one report per claim in an output folder, and a triage index.

The claims are checked in worker processes (:mod:`~coop_rules.batch.processes`; reading PDFs is
CPU-bound and the GIL would serialise threads). Each worker checks a claim, renders its report
and writes it atomically, then writes a *stamp* beside it: a key over the claim's files, the
rule files, the coop-rules version and the options, with the claim's summary. A later run whose
key matches reuses the report without reading a document. The index (``index.html``,
``index.csv``) is the triage queue: claims that could not be checked, then fail, review, pass;
within each, the most severe finding first, then the largest share of the partner's funds.

Interrupting (Ctrl-C, SIGTERM) is safe: the parent writes the index of what is done, with the
claims not checked, and reports the interruption. Every file is written to a temporary name and
renamed, so no report, stamp or index is ever half-written. Nothing here prints: progress goes
to a callback the shell provides.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import os
import re
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from datetime import date
from decimal import Decimal
from pathlib import Path

from coop_rules import api
from coop_rules.batch.index import index_csv, index_html
from coop_rules.batch.model import BatchResult, ClaimJob, ClaimResult, Options, Progress, Runner
from coop_rules.batch.processes import private_tempdir, run_pool, signum_of
from coop_rules.claim import MANIFEST_NAMES, find_manifest, load_manifest
from coop_rules.claim.manifest import Manifest
from coop_rules.errors import CoopRulesError
from coop_rules.i18n import check_language
from coop_rules.isolation import set_shared_pool_size
from coop_rules.ledger.store import Ledger
from coop_rules.renderers import get_renderer
from coop_rules.report import Report, rule_set
from coop_rules.version import __version__

log = logging.getLogger(__name__)

INDEX_NAMES = ("index.html", "index.csv")
_TEMP_SUFFIX = ".partial"
STAMP_VERSION = 3  # bump when the stamp's content or the key's inputs change (3: partner, …)


def find_claims(paths: Iterable[Path]) -> list[Path]:
    """Claim folders: each path with a manifest, or else its subfolders that have one.

    Raises:
        CoopRulesError: a path is neither a claim nor a folder of claims.
    """
    return scan_claims(paths)[0]


def scan_claims(paths: Iterable[Path]) -> tuple[list[Path], list[Path]]:
    """The claim folders (as :func:`find_claims`), and the subfolders of a folder of claims
    that have no manifest (hidden ones aside): a batch lists them as skipped.

    Raises:
        CoopRulesError: a path is neither a claim nor a folder of claims.
    """
    found: list[Path] = []
    skipped: list[Path] = []
    for path in paths:
        if _has_manifest(path):
            found.append(path)
            continue
        subfolders = (
            sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith("."))
            if path.is_dir()
            else []
        )
        children = [p for p in subfolders if _has_manifest(p)]
        if not children:
            find_manifest(path)  # raises the usual "no claim manifest" error
        found.extend(children)
        skipped.extend(p for p in subfolders if p not in children)
    claims = list(dict.fromkeys(p.resolve() for p in found))
    return claims, [p for p in dict.fromkeys(p.resolve() for p in skipped) if p not in claims]


def _has_manifest(path: Path) -> bool:
    return any((path / name).is_file() for name in MANIFEST_NAMES)


def run_batch(
    folders: Sequence[Path],
    out_dir: Path,
    options: Options,
    *,
    jobs: int = 0,
    progress: Progress | None = None,
    skipped: Sequence[Path] = (),
    runner: Runner | None = None,
) -> BatchResult:
    """Check ``folders`` into ``out_dir`` with ``jobs`` worker processes (0: every core), or
    with ``runner`` (a Dask cluster, :class:`.cluster.DaskCluster`).

    Claims whose manifest cannot be loaded are results with verdict ``error``, not exceptions.
    ``skipped`` folders (without a manifest, see :func:`scan_claims`) are listed in the index.

    Raises:
        CoopRulesError: the output folder cannot be made, or the rule files are invalid.
    """
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CoopRulesError(f"cannot create {out_dir}: {exc.strerror}") from None
    _remove_partials(out_dir)
    if runner is not None:
        runner.prepare(options)  # refuses what it cannot do before anything is written
    rules = api.rulebook(options.rules_dirs)  # invalid rules stop the batch before it starts
    check_language(options.lang)  # and so does a language no report could be written in
    rules_digest = rule_set(rules, api.programs(options.rules_dirs)).digest
    base_key = _base_key(options, rules_digest) + _ledger_key(options)
    batch = BatchResult(
        [],
        claims={str(folder): folder.name for folder in folders},
        skipped=[str(folder) for folder in skipped],
    )
    try:
        pending = _pending(folders, out_dir, options, base_key, batch, progress)
        workers = min(jobs or os.cpu_count() or 1, max(1, len(pending)))
        # A Dask cluster's processes outlive one batch and keep their own temporary files.
        with private_tempdir() if runner is None else contextlib.nullcontext():
            # ``jobs`` is the whole batch's parallelism: each worker reads its claim's documents
            # one at a time in one reader process (a lone check reads them in parallel on every
            # core).
            set_shared_pool_size(1)
            try:
                if runner is not None:
                    runner(pending, batch, len(folders), progress, rules_digest)
                elif workers == 1:
                    _run_here(pending, batch, len(folders), progress)
                else:
                    # The first check in a process costs ~10 later ones (language data,
                    # compiled patterns, PDFium, the engine). Pay what can be paid without a
                    # claim here, once: forked workers inherit the warm caches and start
                    # checking at once, side by side.
                    _warm(options)
                    record = functools.partial(_record, batch, len(folders), progress)
                    run_pool(check_one, pending, batch, record, workers)
            finally:
                set_shared_pool_size(1)  # stops this process's readers: their folders go next
    except KeyboardInterrupt as exc:  # before the workers started, or with no workers
        batch.interrupted_by = signum_of(exc)
    finally:
        _remove_partials(out_dir)  # a worker SIGTERM stopped mid-write may leave one
        # Also after Ctrl-C: the index lists what was finished (and is itself written whole).
        write_index(out_dir, batch, options.format, options.lang)
    return batch


def _pending(
    folders: Sequence[Path],
    out_dir: Path,
    options: Options,
    base_key: str,
    batch: BatchResult,
    progress: Progress | None,
) -> list[ClaimJob]:
    """A job per claim whose manifest loads, largest claims first; the others are error
    results in ``batch``."""
    today = options.today or date.today()
    claims: list[tuple[Path, Manifest]] = []
    for folder in folders:
        try:
            manifest = load_manifest(find_manifest(folder))
        except CoopRulesError as exc:  # this claim cannot be checked; the others can
            result = ClaimResult(str(folder), folder.name, "error", error=_one_line(exc))
            batch.results.append(result)
            _notify(progress, len(batch.results), len(folders), result)
            continue
        claims.append((folder, manifest))
        batch.claims[str(folder)] = manifest.claim_id
    stems = _stems([(folder, manifest.claim_id) for folder, manifest in claims])
    pending = [
        ClaimJob(
            folder=folder,
            stem=stem,
            out_dir=out_dir,
            options=options,
            # a claim without submission_date is checked as of today: a new day, a new check
            base_key=base_key
            + (f"today={today.isoformat()}" if manifest.submission_date is None else ""),
            today=today,
            claim_id=manifest.claim_id,
            partner=manifest.partner.legal_name,
            submitted=manifest.submission_date,
            funds=(manifest.funds.earned, manifest.funds.currency),
        )
        for (folder, manifest), stem in zip(claims, stems, strict=True)
    ]
    # Largest claims first: the last worker to finish is then not the one with the big claim.
    pending.sort(key=lambda job: -_folder_size(job.folder))
    return pending


def _warm(options: Options) -> None:
    """Load what every check needs: the rules and their engine, the readers' data."""
    api.warm(options.rules_dirs, options.engine)
    import coop_rules.isolation.preload  # noqa: F401  (warms the extractors on import)


def _run_here(
    pending: Sequence[ClaimJob], batch: BatchResult, total: int, progress: Progress | None
) -> None:
    """One worker: check in this process (no start-up cost, and a plain traceback in tests)."""
    for job in pending:
        _record(batch, total, progress, check_one(job))


def _record(batch: BatchResult, total: int, progress: Progress | None, result: ClaimResult) -> None:
    batch.results.append(result)
    _notify(progress, len(batch.results), total, result)


def check_one(job: ClaimJob) -> ClaimResult:
    """Check one claim and write its report and stamp, or reuse them if nothing changed."""
    renderer = get_renderer(job.options.format)
    report_name = job.stem + renderer.suffix
    report_path, stamp_path = job.out_dir / report_name, job.out_dir / (report_name + ".stamp")
    try:
        key = _claim_key(job)
        # A recording run checks every claim: reusing a report would skip its record.
        reused = None if job.options.record else _reuse(stamp_path, report_path, key)
        if reused is not None:
            return reused
        report = api.check_claim(job.folder, job.options, today=job.today)
        write_atomic(report_path, renderer.report(report))
    except CoopRulesError as exc:
        return ClaimResult(str(job.folder), job.claim_id, "error", error=_one_line(exc))
    except Exception as exc:  # a bug met on one claim must not stop the other thousand
        log.warning("checking %s failed", job.folder, exc_info=True)
        message = f"internal error: {type(exc).__name__}: {exc}"
        return ClaimResult(str(job.folder), job.claim_id, "error", error=message)
    result = claim_result(job, report, report_name)
    write_atomic(stamp_path, stamp_text(key, result))
    return result


def claim_result(job: ClaimJob, report: Report, report_name: str) -> ClaimResult:
    """The index's line for ``job``, checked as ``report`` into ``report_name``."""
    top = report.top_severity
    first = next((f for f in report.findings if f.severity is top), None)
    return ClaimResult(
        folder=str(job.folder),
        claim_id=report.claim_id,
        verdict=str(report.verdict),
        report=report_name,
        counts=report.counts(),
        top_severity=str(top) if top else None,
        claimed=str(report.claimed[0]) if report.claimed else None,
        currency=report.claimed[1] if report.claimed else None,
        summary=report.summary(),
        partner=job.partner,
        submitted=job.submitted.isoformat() if job.submitted else None,
        top_finding=first.code if first else None,
        top_message=first.message if first else None,
        funds_share=_funds_share(report.claimed, job.funds),
    )


def stamp_text(key: str, result: ClaimResult) -> str:
    """The stamp written beside a report: the key it was made for, and the index's line."""
    stamp = {"stamp_version": STAMP_VERSION, "key": key, "result": asdict(result)}
    return json.dumps(stamp, indent=2, ensure_ascii=False) + "\n"


def _funds_share(
    claimed: tuple[Decimal, str] | None, funds: tuple[Decimal, str] | None
) -> str | None:
    """claimed ÷ funds earned (4 places), where both are known and in one currency."""
    if claimed is None or funds is None or claimed[1] != funds[1] or funds[0] <= 0:
        return None
    return str((claimed[0] / funds[0]).quantize(Decimal("0.0001")))


def _reuse(stamp_path: Path, report_path: Path, key: str) -> ClaimResult | None:
    """The stored result if the stamp's key matches and its report is there."""
    try:
        stamp = json.loads(stamp_path.read_text(encoding="utf-8"))
        if stamp.get("stamp_version") != STAMP_VERSION or stamp.get("key") != key:
            return None
        if not report_path.is_file():
            return None
        return ClaimResult(**{**stamp["result"], "reused": True})
    except (OSError, ValueError, TypeError, KeyError):
        return None


def _base_key(options: Options, rules_digest: str) -> str:
    return (
        f"coop-rules={__version__};code={code_digest()};rules={rules_digest};"
        f"format={options.format};engine={options.engine};einvoice={options.einvoice};"
        f"lang={options.lang};limits={options.limits};rates={_rates_key(options)};"
    )


def _rates_key(options: Options) -> str:
    """The exchange rates' part of the key: a newer rates file makes the reports stale."""
    path = options.rates or os.environ.get("COOP_RULES_RATES")
    if not path:
        return "bundled"
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]
    except OSError:
        return f"unreadable:{path}"


@functools.cache
def code_digest() -> str:
    """sha256 over coop-rules' own files (code, label data, templates): a changed reader or
    extractor makes every report stale, even when the version number did not move."""
    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*")):
        if path.suffix in (".py", ".yaml", ".j2", ".json") and "__pycache__" not in path.parts:
            digest.update(path.relative_to(package).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _ledger_key(options: Options) -> str:
    """The ledger's part of the key: a dry run's reports are stale once the ledger changes.

    A recording run opens the ledger for writing here, once, so that it is created and
    migrated before the workers start (and an unreachable ledger stops the batch at once).
    """
    if options.ledger is False:  # no ledger: nothing to go stale
        return "ledger=none;"
    with Ledger.open(options.ledger, write=options.record) as ledger:
        return f"ledger={ledger.source}@{ledger.revision()};"


def _claim_key(job: ClaimJob) -> str:
    """sha256 over the base key and every file of the claim (name and bytes)."""
    digest = hashlib.sha256(job.base_key.encode())
    for path in sorted(job.folder.rglob("*")):
        relative = path.relative_to(job.folder)
        if not path.is_file() or any(part.startswith(".") for part in relative.parts):
            continue  # the loader skips hidden files too
        digest.update(relative.as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return "sha256:" + digest.hexdigest()


def _folder_size(folder: Path) -> int:
    try:
        return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    except OSError:
        return 0


def _stems(claims: Sequence[tuple[Path, str]]) -> list[str]:
    """A safe, unique file name per claim: its id, with its folder's name when ids repeat."""
    safe = [_safe_name(claim_id) for _, claim_id in claims]
    repeated = {s for s, n in Counter(safe).items() if n > 1}
    stems, taken = [], set(Path(n).stem for n in INDEX_NAMES)
    for (folder, _), stem in zip(claims, safe, strict=True):
        if stem in repeated or stem in taken:
            stem = f"{stem}--{_safe_name(folder.name)}"
        base, n = stem, 1
        while stem in taken:
            n += 1
            stem = f"{base}-{n}"
        taken.add(stem)
        stems.append(stem)
    return stems


def _safe_name(text: str) -> str:
    name = re.sub(r"[^\w.-]+", "_", text, flags=re.ASCII).strip("._")[:100]
    return name or "claim"


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())


def _notify(progress: Progress | None, done: int, total: int, result: ClaimResult) -> None:
    if progress is not None:
        progress(done, total, result)


def write_atomic(target: Path, data: str | bytes) -> None:
    """Write ``data`` to ``target`` through a temporary file and a rename: never half-written.

    Raises:
        CoopRulesError: the folder cannot be written to.
    """
    try:
        fd, temporary = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.", suffix=_TEMP_SUFFIX
        )
    except OSError as exc:
        raise CoopRulesError(f"cannot write {target}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes it 0600; a report is shared
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@functools.cache
def _umask() -> int:
    mask = os.umask(0o022)  # the only way to read it is to set it: put it straight back
    os.umask(mask)
    return mask


def _remove_partials(out_dir: Path) -> None:
    """Temporary files a killed run left behind (a clean interruption leaves none)."""
    for leftover in out_dir.glob(f".*{_TEMP_SUFFIX}"):
        leftover.unlink(missing_ok=True)


def write_index(out_dir: Path, batch: BatchResult, report_format: str, lang: str = "en") -> None:
    """``index.csv`` and ``index.html``: the claims in triage order, linked to their reports."""
    write_atomic(out_dir / "index.csv", index_csv(batch))
    write_atomic(out_dir / "index.html", index_html(batch, report_format, lang))
