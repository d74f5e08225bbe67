"""``coop-rules ledger``: list, show, remove, import and migrate recorded claims.

A thin shell over :mod:`coop_rules.ledger`; :mod:`coop_rules.cli` adds it to the command and
turns :class:`~coop_rules.errors.CoopRulesError` into one line and exit code 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coop_rules.errors import CoopRulesError
from coop_rules.vocab import ENV_LEDGER

if TYPE_CHECKING:
    from coop_rules.ledger.model import LedgerClaim, LedgerDocument

# The ledger (sqlite3, its model, the CSV importer) is imported by the ledger commands when they
# run: every other command builds this parser too, and `coop-rules --version` must stay instant.

LEDGER_HELP = (
    "the ledger of recorded claims: a SQLite file or a postgresql:// URL (default: "
    f"${ENV_LEDGER}, else $XDG_DATA_HOME/coop-rules/ledger.sqlite3)"
)
IMPORT_EPILOG = """\
CSV layout: a header row, then one row per cost document, the claim's columns repeated on each
(a claim without documents: one row, document columns empty). UTF-8, comma-separated.
  required: claim_id, partner_name, program, usage_start, usage_end (YYYY-MM-DD),
            activity_type, claimed (1234.50), currency (EUR)
  optional: partner_id, verdict, recorded_at (YYYY-MM-DD),
            document (file name), sha256 (64 hex), vendor, invoice_number,
            issue_date (YYYY-MM-DD), total, document_currency (default: currency)
Every bad row is reported with its line and column; nothing is imported while one is wrong.
Importing a claim_id that is already recorded replaces it.
"""


_FORMAT_HELP = "the output's format (default: %(default)s)"


def add_ledger_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--ledger", metavar="PATH|URL", default=None, help=LEDGER_HELP)


def add_parser(commands: Any) -> None:
    """Add ``ledger`` and its subcommands to the ``coop-rules`` subparsers ``commands``."""
    ledger = commands.add_parser("ledger", help="list, show, remove and import recorded claims")
    actions = ledger.add_subparsers(dest="ledger_command", required=True, metavar="ACTION")

    listing = actions.add_parser("list", help="the recorded claims, oldest first")
    listing.add_argument(
        "--format", choices=("terminal", "json"), default="terminal", help=_FORMAT_HELP
    )
    add_ledger_option(listing)
    listing.set_defaults(run=_list)

    show = actions.add_parser("show", help="one recorded claim with its cost documents")
    show.add_argument("claim_id", metavar="CLAIM_ID")
    show.add_argument(
        "--format", choices=("terminal", "json"), default="terminal", help=_FORMAT_HELP
    )
    add_ledger_option(show)
    show.set_defaults(run=_show)

    remove = actions.add_parser("remove", help="forget a recorded claim (e.g. withdrawn)")
    remove.add_argument("claim_id", metavar="CLAIM_ID")
    add_ledger_option(remove)
    remove.set_defaults(run=_remove)

    importing = actions.add_parser(
        "import",
        help="record earlier claims from another system (CSV)",
        description="Record earlier claims from a CSV file, so that the duplicate rules "
        "compare new claims with them.",
        epilog=IMPORT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    importing.add_argument("file", type=Path, metavar="FILE.csv")
    add_ledger_option(importing)
    importing.set_defaults(run=_import)

    migrate = actions.add_parser("migrate", help="bring the ledger's schema up to date")
    add_ledger_option(migrate)
    migrate.set_defaults(run=_migrate)


def _list(args: argparse.Namespace) -> int:
    from coop_rules.ledger.store import Ledger

    with Ledger.open(args.ledger) as ledger:
        claims = ledger.claims()
        source = ledger.source
    if args.format == "json":
        data = {"ledger": source, "claims": [_claim_json(c) for c in claims]}
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        return 0
    header = (
        f"{'claim':<20} {'partner':<24} {'program':<10} {'usage period':<23} "
        f"{'claimed':>16}  {'verdict':<7} recorded"
    )
    lines = [header, "-" * len(header)]
    for c in claims:
        period = f"{c.usage_start.isoformat()}–{c.usage_end.isoformat()}"
        recorded = c.recorded_at.date().isoformat() + ("" if c.origin == "check" else " (import)")
        lines.append(
            f"{c.claim_id:<20} {_cut(c.partner_name, 24):<24} {_cut(c.program, 10):<10} "
            f"{period:<23} {f'{c.claimed} {c.currency}':>16}  {c.verdict or '-':<7} {recorded}"
        )
    lines.append(f"\n{len(claims)} claim(s) in {source}")
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


def _show(args: argparse.Namespace) -> int:
    from coop_rules.ledger.store import Ledger

    with Ledger.open(args.ledger) as ledger:
        claim = ledger.get(args.claim_id)
        if claim is None:
            raise CoopRulesError(f"no claim {args.claim_id!r} in the ledger {ledger.source}")
        documents = ledger.documents(args.claim_id)
    if args.format == "json":
        data = {**_claim_json(claim), "documents": [_document_json(d) for d in documents]}
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        return 0
    lines = [
        f"{claim.claim_id}  {claim.partner_name} ({claim.partner})",
        f"  program {claim.program}, usage period {claim.usage_start} – {claim.usage_end}, "
        f"activity {claim.activity_type}",
        f"  claimed {claim.claimed} {claim.currency}; verdict {claim.verdict or '-'}",
        f"  recorded {claim.recorded_at.isoformat(timespec='seconds')} by {claim.origin}"
        + (f"; rules {claim.rule_set}" if claim.rule_set else ""),
        f"  {len(documents)} cost document(s):",
    ]
    for d in documents:
        amount = f"{d.total} {d.currency}" if d.total is not None else "no total"
        lines.append(
            f"    {d.path}: {d.vendor or 'vendor unknown'}, invoice {d.invoice_number or '-'}, "
            f"{d.issue_date or 'no date'}, {amount}, sha256 {d.sha256[:12] or '-'}"
        )
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


def _remove(args: argparse.Namespace) -> int:
    from coop_rules.ledger.store import Ledger

    with Ledger.open(args.ledger, write=True) as ledger:
        if not ledger.remove(args.claim_id):
            raise CoopRulesError(f"no claim {args.claim_id!r} in the ledger {ledger.source}")
        print(f"removed {args.claim_id} from {ledger.source}", file=sys.stderr)
    return 0


def _import(args: argparse.Namespace) -> int:
    from coop_rules.ledger.importer import read_claims_csv
    from coop_rules.ledger.store import Ledger

    try:
        text = args.file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CoopRulesError(f"cannot read {args.file}: {exc}") from None
    claims = read_claims_csv(text, str(args.file))  # every problem at once, nothing written
    with Ledger.open(args.ledger, write=True) as ledger, ledger.writing():
        for imported in claims:  # one transaction: all of the file or nothing
            ledger.record(imported.claim, imported.documents)
        source = ledger.source
    documents = sum(len(c.documents) for c in claims)
    print(
        f"imported {len(claims)} claim(s) with {documents} cost document(s) into {source}",
        file=sys.stderr,
    )
    return 0


def _migrate(args: argparse.Namespace) -> int:
    from coop_rules.ledger.store import Ledger

    with Ledger.open(args.ledger, write=True) as ledger:  # opening for writing migrates
        print(f"{ledger.source}: schema version {ledger.schema_version()}", file=sys.stderr)
    return 0


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _claim_json(claim: LedgerClaim) -> dict[str, Any]:
    return {
        "claim_id": claim.claim_id,
        "partner": claim.partner,
        "partner_name": claim.partner_name,
        "program": claim.program,
        "usage_start": claim.usage_start.isoformat(),
        "usage_end": claim.usage_end.isoformat(),
        "activity_type": claim.activity_type,
        "claimed": str(claim.claimed),
        "currency": claim.currency,
        "verdict": claim.verdict,
        "rule_set": claim.rule_set,
        "recorded_at": claim.recorded_at.isoformat(),
        "origin": claim.origin,
    }


def _document_json(document: LedgerDocument) -> dict[str, Any]:
    return {
        "path": document.path,
        "sha256": document.sha256 or None,
        "vendor": document.vendor,
        "invoice_number": document.invoice_number,
        "issue_date": document.issue_date.isoformat() if document.issue_date else None,
        "total": str(document.total) if document.total is not None else None,
        "currency": document.currency,
    }
