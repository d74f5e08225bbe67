"""The ``coop-rules`` command: a thin shell over :mod:`coop_rules.api`.

Exit codes, as linters use them: 0 clean, 1 findings at or above ``--fail-on``, 2 a usage,
configuration or internal error (one line on stderr, never a traceback). Every option has an
environment default (``COOP_RULES_FORMAT``, ``COOP_RULES_ENGINE``, ``COOP_RULES_FAIL_ON``).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from coop_rules import api
from coop_rules.engines import ENGINES
from coop_rules.errors import ConfigurationError, CoopRulesError
from coop_rules.manifest import manifest_schema
from coop_rules.renderers import FORMATS, get_renderer
from coop_rules.report_schema import REPORT_SCHEMA
from coop_rules.rulebook import RuleSpec, Severity
from coop_rules.rulebook.expr import fields_of

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        return int(args.run(args))
    except ConfigurationError as exc:
        print(f"coop-rules: error: {exc.source}: {len(exc.problems)} problem(s)", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_ERROR
    except CoopRulesError as exc:
        print(f"coop-rules: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("coop-rules: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # an internal error is still one line; --verbose shows the trace
        logging.getLogger(__name__).debug("internal error", exc_info=True)
        print(
            f"coop-rules: internal error: {type(exc).__name__}: {exc} (run with --verbose "
            "for details)",
            file=sys.stderr,
        )
        return EXIT_ERROR


def _parser() -> argparse.ArgumentParser:
    env = os.environ.get
    parser = argparse.ArgumentParser(
        prog="coop-rules",
        description="Check marketing co-op (MDF) claims: read the documents, apply the rules, "
        "report findings with evidence.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def output_options(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--format", choices=FORMATS, default=env("COOP_RULES_FORMAT", "terminal"))
        sub.add_argument(
            "-o",
            "--output",
            default="-",
            help="write the report to this file ('-' = stdout, the default)",
        )

    check = commands.add_parser("check", help="check a claim folder")
    check.add_argument("path", type=Path, help="a claim folder with claim.yaml or claim.json")
    output_options(check)
    check.add_argument(
        "--fail-on",
        choices=[str(s) for s in Severity],
        default=env("COOP_RULES_FAIL_ON", "error"),
        help="exit 1 when a finding has this severity or a higher one",
    )
    check.add_argument(
        "--today",
        type=_iso_date,
        default=None,
        help="the date to check as (YYYY-MM-DD); a claim without submission_date "
        "is taken to be submitted on it",
    )
    check.add_argument(
        "--rules",
        type=Path,
        action="append",
        default=[],
        metavar="DIR",
        help="a folder of extra rule files (a code there overrides the bundled rule)",
    )
    check.add_argument("--engine", choices=ENGINES, default=env("COOP_RULES_ENGINE", "auto"))
    check.add_argument(
        "--no-einvoice", action="store_true", help="do not read e-invoice XML embedded in PDFs"
    )
    check.set_defaults(run=_check)

    extract = commands.add_parser("extract", help="read documents and print what was found")
    extract.add_argument("files", type=Path, nargs="+")
    output_options(extract)
    extract.add_argument(
        "--no-einvoice", action="store_true", help="do not read e-invoice XML embedded in PDFs"
    )
    extract.set_defaults(run=_extract)

    rules = commands.add_parser("rules", help="list the rule catalogue")
    output_options(rules)
    rules.add_argument("--rules", type=Path, action="append", default=[], metavar="DIR")
    rules.set_defaults(run=_rules)

    rule = commands.add_parser("rule", help="show one rule's documentation")
    rule.add_argument("code")
    output_options(rule)
    rule.add_argument("--rules", type=Path, action="append", default=[], metavar="DIR")
    rule.set_defaults(run=_rule)

    schema = commands.add_parser("schema", help="print a JSON Schema")
    schema.add_argument("which", choices=("manifest", "report"))
    schema.add_argument("-o", "--output", default="-")
    schema.set_defaults(run=_schema)
    return parser


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date in YYYY-MM-DD form: {text!r}") from None


def _color(args: argparse.Namespace) -> bool:
    return args.output == "-" and sys.stdout.isatty() and "NO_COLOR" not in os.environ


def _check(args: argparse.Namespace) -> int:
    report = api.check_claim(
        args.path,
        today=args.today,
        rules_dirs=args.rules,
        engine=args.engine,
        einvoice=not args.no_einvoice,
    )
    renderer = get_renderer(args.format, color=_color(args))
    _write(args.output, renderer.report(report))
    blocking = report.at_or_above(Severity(args.fail_on))
    where = "" if args.output == "-" else f"; report written to {args.output}"
    print(f"{report.claim_id}: {report.verdict} ({report.summary()}){where}", file=sys.stderr)
    return EXIT_FINDINGS if blocking else EXIT_OK


def _extract(args: argparse.Namespace) -> int:
    documents = [api.extract(path, einvoice=not args.no_einvoice) for path in args.files]
    _write(args.output, get_renderer(args.format, color=_color(args)).extraction(documents))
    return EXIT_OK  # it ran; unreadable files are reported in the output, not as a failure


def _rules(args: argparse.Namespace) -> int:
    book = api.rulebook(args.rules)
    if args.format == "json":
        _write(
            args.output,
            json.dumps({"rules": [_rule_json(r) for r in book]}, indent=2, ensure_ascii=False)
            + "\n",
        )
        return EXIT_OK
    lines = [f"{'code':<5} {'severity':<8} {'req.':<7} name", "-" * 60]
    lines += [f"{r.code:<5} {r.severity:<8} {r.requirement:<7} {r.name}" for r in book]
    lines.append(f"\n{len(book)} rules. 'coop-rules rule CODE' shows one rule's documentation.")
    _write(args.output, "\n".join(lines) + "\n")
    return EXIT_OK


def _rule(args: argparse.Namespace) -> int:
    spec = api.rulebook(args.rules).get(args.code.upper())
    if spec is None:
        raise CoopRulesError(f"no rule {args.code!r}; 'coop-rules rules' lists them")
    if args.format == "json":
        _write(args.output, json.dumps(_rule_json(spec), indent=2, ensure_ascii=False) + "\n")
        return EXIT_OK
    params = ", ".join(f"{k} = {v}" for k, v in spec.params.items()) or "none"
    text = f"""{spec.code} {spec.name}
severity: {spec.severity}    requirement: {spec.requirement}    applies to: each {spec.subject}
{"where: " + spec.where_text + chr(10) if spec.where_text else ""}when:  {spec.when_text}
parameters: {params}

What it checks
  {spec.docs["what"]}

Why
  {spec.docs["why"]}

Example that fails
  {spec.docs["fail"]}

Example that passes
  {spec.docs["pass"]}

Message: {spec.message.text}
Hint:    {spec.hint.text}
Fields it reads: {", ".join(_fields_read(spec))}
Defined in {_shown_path(spec.source)}
"""
    _write(args.output, text)
    return EXIT_OK


def _fields_read(spec: RuleSpec) -> list[str]:
    conditions = [spec.when] + ([spec.where] if spec.where is not None else [])
    return sorted({f.name for c in conditions for f in fields_of(c)})


def _shown_path(path: str) -> str:
    """A path relative to the working directory where it lies below it."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return path


def _rule_json(spec: RuleSpec) -> dict[str, object]:
    return {
        "code": spec.code,
        "name": spec.name,
        "severity": str(spec.severity),
        "requirement": spec.requirement,
        "subject": spec.subject,
        "where": spec.where_text,
        "when": spec.when_text,
        "params": {k: str(v) for k, v in spec.params.items()},
        "message": spec.message.text,
        "hint": spec.hint.text,
        "docs": spec.docs,
    }


def _schema(args: argparse.Namespace) -> int:
    schema = manifest_schema() if args.which == "manifest" else REPORT_SCHEMA
    _write(args.output, json.dumps(schema, indent=2) + "\n")
    return EXIT_OK


def _write(output: str, text: str) -> None:
    """Write to stdout, or atomically to a file: never a half-written report."""
    if output == "-":
        sys.stdout.write(text)
        return
    target = Path(output)
    try:
        fd, temporary = tempfile.mkstemp(dir=target.parent or Path("."), prefix=f".{target.name}.")
    except OSError as exc:
        raise CoopRulesError(f"cannot write {output}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
