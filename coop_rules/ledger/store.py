"""The ledger store: recorded claims and their cost documents in SQLite or PostgreSQL.

Plain DB-API (:mod:`sqlite3` and psycopg 3), not SQLAlchemy. The ledger is two tables and
a handful of statements; the two dialects differ only in the placeholder (``?`` / ``%s``), the
column types, how a write lock is taken and how a read-only connection is opened. Those
differences are a few lines here, where an ORM or SQLAlchemy Core would add a large dependency
and a second query language for the same handful of statements, and would still need
dialect-specific code for the read-only open and the lock. psycopg is imported only when a
``postgresql://`` URL is used.

Guarantees:

- **A dry check never writes.** :meth:`Ledger.open` without ``write`` opens SQLite with
  ``mode=ro`` (a missing file is an empty ledger; nothing is created) and PostgreSQL in
  read-only transactions (missing tables are an empty ledger).
- **Concurrent writers are safe.** SQLite runs in WAL mode with a busy timeout and writes in
  ``BEGIN IMMEDIATE`` transactions; PostgreSQL writes take a transaction-scoped advisory lock.
  :meth:`Ledger.writing` holds that lock over *look up, check, record*, so two batch workers
  recording duplicates of each other cannot both miss the other.
- **Versioned schema.** ``ledger_schema`` holds the version; opening for writing applies the
  missing migrations in the same locked transaction (idempotent). A reader meeting an older
  schema asks for ``coop-rules ledger migrate``; a newer one is refused.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sqlite3
import urllib.parse
from collections.abc import Iterator, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from coop_rules.errors import CoopRulesError, LedgerError
from coop_rules.extraction.names import company_key
from coop_rules.ledger.model import History, LedgerClaim, LedgerDocument, Match
from coop_rules.vocab import ENV_LEDGER  # named there for the CLI's help

log = logging.getLogger(__name__)

NEAR_DAYS = 31  # how far apart near matches are looked for; DU02's window must be inside it
BUSY_TIMEOUT_S = 30.0  # a batch worker waits this long for another one's write
SCHEMA_VERSION = 2
_LOCK_KEY = 0x636F6F70  # "coop": the PostgreSQL advisory lock every ledger writer takes

# Statements bringing the schema from version i to i + 1 (index i); never edit a released
# step, append one. Types are per dialect: dates and amounts are ISO / decimal text in SQLite
# (exact, and ISO dates sort), DATE and NUMERIC in PostgreSQL.
_MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE ledger_claims (
            claim_id TEXT PRIMARY KEY,
            partner TEXT NOT NULL,
            partner_name TEXT NOT NULL,
            program TEXT NOT NULL,
            usage_start {date} NOT NULL,
            usage_end {date} NOT NULL,
            activity_type TEXT NOT NULL,
            claimed {money} NOT NULL,
            currency TEXT NOT NULL,
            recorded_at {timestamp} NOT NULL,
            rule_set TEXT NOT NULL,
            verdict TEXT NOT NULL,
            origin TEXT NOT NULL)""",
        "CREATE INDEX ledger_claims_partner "
        "ON ledger_claims (partner, program, usage_start, usage_end)",
        """CREATE TABLE ledger_documents (
            claim_id TEXT NOT NULL REFERENCES ledger_claims (claim_id) ON DELETE CASCADE,
            path TEXT NOT NULL,
            sha256 TEXT,
            vendor TEXT,
            vendor_key TEXT,
            invoice_number TEXT,
            invoice_key TEXT,
            issue_date {date},
            total {money},
            currency TEXT,
            PRIMARY KEY (claim_id, path))""",
        "CREATE INDEX ledger_documents_invoice ON ledger_documents (vendor_key, invoice_key)",
        "CREATE INDEX ledger_documents_sha256 ON ledger_documents (sha256)",
    ),
    # 2: vendor and partner keys made by extraction.names.company_key, which drops the legal
    # forms of every language's data; the rows of version 1 are re-keyed (_rekey).
    (),
)
_TYPES = {
    "sqlite": {"date": "TEXT", "money": "TEXT", "timestamp": "TEXT"},
    "postgresql": {"date": "DATE", "money": "NUMERIC", "timestamp": "TIMESTAMPTZ"},
}
_CLAIM_COLUMNS = (
    "claim_id, partner, program, usage_start, usage_end, activity_type, claimed, currency, "
    "recorded_at, rule_set, verdict, partner_name, origin"
)
_DOCUMENT_COLUMNS = (
    "claim_id, path, sha256, vendor, vendor_key, invoice_number, invoice_key, issue_date, "
    "total, currency"
)
_HOW_ORDER = {"same-file": 0, "same-invoice": 1, "near": 2}


def default_location() -> Path:
    """``$XDG_DATA_HOME/coop-rules/ledger.sqlite3`` (``~/.local/share`` without it)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "coop-rules" / "ledger.sqlite3"


def resolve_location(location: str | Path | None) -> str | Path:
    """The ledger to use: ``location``, else ``$COOP_RULES_LEDGER``, else the default file."""
    chosen = location or os.environ.get(ENV_LEDGER) or default_location()
    return chosen if is_url(chosen) else Path(chosen).expanduser()


def is_url(location: str | Path) -> bool:
    return isinstance(location, str) and location.startswith(("postgresql://", "postgres://"))


def redact(url: str) -> str:
    """A database URL without its password, as reports and messages may show it."""
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = urllib.parse.quote(parts.username or "")
    return urllib.parse.urlunsplit(parts._replace(netloc=f"{user}@{netloc}"))


class Ledger:
    """An open ledger. Use :meth:`open`; close it (or use it as a context manager)."""

    def __init__(self, connection: Any, dialect: str, source: str, writable: bool) -> None:
        self._connection = connection  # None: a missing SQLite file, an empty ledger
        self.dialect = dialect
        self.source = source
        self.writable = writable
        self._in_transaction = False
        self._empty = False  # a reader's ledger without tables: every query is empty

    @classmethod
    def open(cls, location: str | Path | None = None, *, write: bool = False) -> Ledger:
        """Open the ledger at ``location`` (a file path or a ``postgresql://`` URL).

        Args:
            location: None for ``$COOP_RULES_LEDGER`` or the default file.
            write: open for recording (creates and migrates it); otherwise read-only.

        Raises:
            LedgerError: the ledger cannot be opened, or its schema is not this version's.
        """
        where = resolve_location(location)
        if is_url(where):
            connection = _connect_postgresql(str(where), write)
            ledger = cls(connection, "postgresql", redact(str(where)), write)
        else:
            ledger = cls(_connect_sqlite(Path(where), write), "sqlite", str(where), write)
        try:
            if write:
                with ledger.writing():
                    pass  # the transaction applies the migrations
            else:
                ledger._check_version()
                ledger._empty = ledger.schema_version() == 0
        except BaseException:
            ledger.close()
            raise
        return ledger

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """One locked write transaction (migrations applied first); nested use joins it."""
        if not self.writable:
            raise LedgerError(f"the ledger {self.source} is open read-only")
        if self._in_transaction:
            yield
            return
        self._run("BEGIN IMMEDIATE" if self.dialect == "sqlite" else "BEGIN")
        self._in_transaction = True
        try:
            if self.dialect == "postgresql":
                self._run("SELECT pg_advisory_xact_lock(?)", (_LOCK_KEY,))
            self._migrate()
            yield
            self._run("COMMIT")
        except BaseException:
            with contextlib.suppress(CoopRulesError):  # keep the error that got us here
                self._run("ROLLBACK")
            raise
        finally:
            self._in_transaction = False

    # --- reading -------------------------------------------------------------------------

    def claims(self) -> list[LedgerClaim]:
        """Every recorded claim, oldest record first."""
        rows = self._rows(
            f"SELECT {_CLAIM_COLUMNS} FROM ledger_claims ORDER BY recorded_at, claim_id"
        )
        return [_claim(row) for row in rows]

    def get(self, claim_id: str) -> LedgerClaim | None:
        rows = self._rows(
            f"SELECT {_CLAIM_COLUMNS} FROM ledger_claims WHERE claim_id = ?", (claim_id,)
        )
        return _claim(rows[0]) if rows else None

    def documents(self, claim_id: str) -> list[LedgerDocument]:
        rows = self._rows(
            f"SELECT {_DOCUMENT_COLUMNS} FROM ledger_documents WHERE claim_id = ? ORDER BY path",
            (claim_id,),
        )
        return [_document(row) for row in rows]

    def revision(self) -> str:
        """A token that changes when claims are recorded or removed (batch report reuse)."""
        rows = self._rows("SELECT COUNT(*), MAX(recorded_at) FROM ledger_claims")
        count, latest = rows[0] if rows else (0, None)
        return f"{count}:{_to_db(latest) if latest is not None else '-'}"

    def history(
        self, claim: LedgerClaim, documents: Sequence[LedgerDocument], near_days: int = NEAR_DAYS
    ) -> History:
        """What the ledger knows that bears on ``claim``; its own rows never count.

        Args:
            claim: the claim being checked (its id, partner, program and usage period).
            documents: its cost documents with their keys (see :mod:`.entry`).
            near_days: near matches have issue dates at most this many days apart.
        """
        earlier = self._rows(
            f"SELECT {_CLAIM_COLUMNS} FROM ledger_claims WHERE partner = ? AND program = ? "
            "AND usage_start = ? AND usage_end = ? AND claim_id <> ? "
            "ORDER BY recorded_at, claim_id",
            (claim.partner, claim.program, claim.usage_start, claim.usage_end, claim.claim_id),
        )
        claims: dict[str, LedgerClaim | None] = {}
        matches = {}
        for document in documents:
            found = self._matches(document, near_days)
            if found:
                for match_claim in {m.document.claim_id for m in found} - claims.keys():
                    claims[match_claim] = self.get(match_claim)
                matches[document.path] = tuple(
                    Match(m.document, m.how, claims[m.document.claim_id], m.days_apart)
                    for m in found
                )
        return History(
            # Reports travel: evidence names the ledger file, not where it sits on this machine.
            source=self.source if self.dialect == "postgresql" else Path(self.source).name,
            earlier_claims=tuple(_claim(row) for row in earlier),
            matches=matches,
            documents={d.path: d for d in documents},
            near_days=near_days,
        )

    def _matches(self, probe: LedgerDocument, near_days: int) -> list[Match]:
        """Documents of other claims that ``probe`` duplicates, the strongest match each."""
        select = f"SELECT {_DOCUMENT_COLUMNS} FROM ledger_documents WHERE claim_id <> ? AND "
        found: dict[tuple[str, str], Match] = {}

        def add(rows: list[tuple[Any, ...]], how: str) -> None:
            for row in rows:
                document = _document(row)
                found.setdefault((document.claim_id, document.path), Match(document, how))

        if probe.sha256:
            add(self._rows(select + "sha256 = ?", (probe.claim_id, probe.sha256)), "same-file")
        if probe.vendor_key and probe.invoice_key:
            rows = self._rows(
                select + "vendor_key = ? AND invoice_key = ?",
                (probe.claim_id, probe.vendor_key, probe.invoice_key),
            )
            add(rows, "same-invoice")
        if probe.vendor_key and probe.issue_date and probe.total is not None and probe.currency:
            rows = self._rows(
                select + "vendor_key = ? AND currency = ? AND issue_date BETWEEN ? AND ?",
                (
                    probe.claim_id,
                    probe.vendor_key,
                    probe.currency,
                    probe.issue_date - timedelta(days=near_days),
                    probe.issue_date + timedelta(days=near_days),
                ),
            )
            for row in rows:
                other = _document(row)
                key = (other.claim_id, other.path)
                # Decimal equality: 1190.00 and 1190 are the same amount
                if other.total == probe.total and other.issue_date and key not in found:
                    days = abs((other.issue_date - probe.issue_date).days)
                    found[key] = Match(other, "near", days_apart=days)
        return sorted(found.values(), key=_match_order)

    # --- writing -------------------------------------------------------------------------

    def record(self, claim: LedgerClaim, documents: Sequence[LedgerDocument]) -> None:
        """Record ``claim`` and its cost documents, replacing what its id had before."""
        with self.writing():
            self._delete(claim.claim_id)
            self._run(
                f"INSERT INTO ledger_claims ({_CLAIM_COLUMNS}) VALUES ({_marks(13)})",
                (
                    claim.claim_id,
                    claim.partner,
                    claim.program,
                    claim.usage_start,
                    claim.usage_end,
                    claim.activity_type,
                    claim.claimed,
                    claim.currency,
                    claim.recorded_at,
                    claim.rule_set,
                    claim.verdict,
                    claim.partner_name,
                    claim.origin,
                ),
            )
            for d in documents:
                self._run(
                    f"INSERT INTO ledger_documents ({_DOCUMENT_COLUMNS}) VALUES ({_marks(10)})",
                    (
                        claim.claim_id,
                        d.path,
                        d.sha256 or None,  # an imported row may have no hash: never matches
                        d.vendor,
                        d.vendor_key,
                        d.invoice_number,
                        d.invoice_key,
                        d.issue_date,
                        d.total,
                        d.currency,
                    ),
                )

    def remove(self, claim_id: str) -> bool:
        """Forget a claim and its documents; False when it was not recorded."""
        with self.writing():
            return self._delete(claim_id)

    def _delete(self, claim_id: str) -> bool:
        # Documents first and explicitly: SQLite enforces ON DELETE CASCADE only when asked.
        self._run("DELETE FROM ledger_documents WHERE claim_id = ?", (claim_id,))
        return self._run("DELETE FROM ledger_claims WHERE claim_id = ?", (claim_id,)).rowcount > 0

    # --- schema --------------------------------------------------------------------------

    def schema_version(self) -> int:
        """The schema version the ledger has (0: it has no tables yet)."""
        if self._connection is None:
            return 0
        if self.dialect == "sqlite":
            exists = self._run(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'ledger_schema'"
            ).fetchone()
        else:
            exists = self._run("SELECT to_regclass('ledger_schema')").fetchone()
            exists = exists if exists and exists[0] is not None else None
        if not exists:
            return 0
        row = self._run("SELECT version FROM ledger_schema").fetchone()
        return int(row[0]) if row else 0

    def _check_version(self) -> None:
        version = self.schema_version()
        if version > SCHEMA_VERSION:
            raise LedgerError(
                f"the ledger {self.source} has schema version {version}, newer than this "
                f"coop-rules understands ({SCHEMA_VERSION}): upgrade coop-rules"
            )
        if 0 < version < SCHEMA_VERSION:
            raise LedgerError(
                f"the ledger {self.source} has schema version {version}, this coop-rules needs "
                f"{SCHEMA_VERSION}: run 'coop-rules ledger migrate --ledger ...'"
            )

    def _migrate(self) -> None:
        """Bring the schema to :data:`SCHEMA_VERSION` (inside the locked write transaction)."""
        version = self.schema_version()
        if version > SCHEMA_VERSION:
            self._check_version()
        if version == SCHEMA_VERSION:
            return
        self._run("CREATE TABLE IF NOT EXISTS ledger_schema (version INTEGER NOT NULL)")
        for step in _MIGRATIONS[version:]:
            for statement in step:
                self._run(statement.format(**_TYPES[self.dialect]))
        if 0 < version < 2:
            self._rekey()
        self._run("DELETE FROM ledger_schema")
        self._run("INSERT INTO ledger_schema (version) VALUES (?)", (SCHEMA_VERSION,))
        log.info("ledger %s migrated from schema %d to %d", self.source, version, SCHEMA_VERSION)

    def _rekey(self) -> None:
        """Recompute the stored name keys from the stored names (schema 1 → 2)."""
        for claim_id, path, vendor in self._run(
            "SELECT claim_id, path, vendor FROM ledger_documents WHERE vendor IS NOT NULL"
        ).fetchall():
            self._run(
                "UPDATE ledger_documents SET vendor_key = ? WHERE claim_id = ? AND path = ?",
                (company_key(vendor) or None, claim_id, path),
            )
        for claim_id, partner, partner_name in self._run(
            "SELECT claim_id, partner, partner_name FROM ledger_claims"
        ).fetchall():
            if partner.startswith("id:"):  # the manifest's partner ID, not a name
                continue
            self._run(
                "UPDATE ledger_claims SET partner = ? WHERE claim_id = ?",
                (company_key(partner_name), claim_id),
            )

    # --- plumbing ------------------------------------------------------------------------

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        if self._connection is None or self._empty:
            return []  # nothing recorded yet, and a reader must not create the tables
        return list(self._run(sql, params).fetchall())

    def _run(self, sql: str, params: Sequence[Any] = ()) -> Any:
        if self._connection is None:
            raise LedgerError(f"the ledger {self.source} does not exist yet")
        if self.dialect == "postgresql":
            sql = sql.replace("?", "%s")
        try:
            return self._connection.execute(sql, tuple(_to_db(p) for p in params))
        except _database_errors(self.dialect) as exc:
            message = re.sub(r"\s+", " ", str(exc)).strip()
            raise LedgerError(f"ledger {self.source}: {message}") from exc


def _match_order(match: Match) -> tuple[int, int, str, str]:
    """Strongest first: same file, same invoice, then the nearest in date."""
    document = match.document
    return (_HOW_ORDER[match.how], match.days_apart or 0, document.claim_id, document.path)


def _marks(count: int) -> str:
    return ", ".join("?" * count)


def _database_errors(dialect: str) -> tuple[type[Exception], ...]:
    if dialect == "postgresql":
        import psycopg

        return (psycopg.Error,)
    return (sqlite3.Error,)


def _to_db(value: Any) -> Any:
    """Dates, times and amounts as ISO / decimal text: exact in SQLite, cast by PostgreSQL."""
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _claim(row: Sequence[Any]) -> LedgerClaim:
    recorded = row[8] if isinstance(row[8], datetime) else datetime.fromisoformat(row[8])
    return LedgerClaim(
        claim_id=row[0],
        partner=row[1],
        program=row[2],
        usage_start=_date(row[3]),  # type: ignore[arg-type]
        usage_end=_date(row[4]),  # type: ignore[arg-type]
        activity_type=row[5],
        claimed=_decimal(row[6]),  # type: ignore[arg-type]
        currency=row[7],
        recorded_at=recorded,
        rule_set=row[9],
        verdict=row[10],
        partner_name=row[11],
        origin=row[12],
    )


def _document(row: Sequence[Any]) -> LedgerDocument:
    return LedgerDocument(
        claim_id=row[0],
        path=row[1],
        sha256=row[2] or "",
        vendor=row[3],
        vendor_key=row[4],
        invoice_number=row[5],
        invoice_key=row[6],
        issue_date=_date(row[7]),
        total=_decimal(row[8]),
        currency=row[9],
    )


def _connect_sqlite(path: Path, write: bool) -> sqlite3.Connection | None:
    """A connection in autocommit mode (transactions are explicit), or None: no file yet."""
    try:
        if not write:
            if not path.is_file():
                return None  # a dry check never creates the ledger
            uri = f"file:{urllib.parse.quote(str(path.resolve()))}?mode=ro"
            return sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        # WAL: readers never block the writer and the writer never blocks readers; the mode
        # is stored in the file, so read-only connections get it too.
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA foreign_keys=ON")
        return connection
    except (OSError, sqlite3.Error) as exc:
        raise LedgerError(f"cannot open the ledger {path}: {exc}") from None


def _connect_postgresql(url: str, write: bool) -> Any:
    try:
        import psycopg
    except ImportError:  # pragma: no cover - a dependency; only a broken install lacks it
        raise LedgerError("a PostgreSQL ledger needs psycopg: pip install psycopg") from None
    try:
        connection = psycopg.connect(url, autocommit=True, connect_timeout=10)
    except psycopg.Error as exc:
        message = re.sub(r"\s+", " ", str(exc)).strip()
        raise LedgerError(f"cannot open the ledger {redact(url)}: {message}") from None
    if not write:
        connection.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
    return connection
