"""The triage index of a batch: ``index.csv`` and ``index.html``, the claims most urgent first.

The queue arrives sorted (:meth:`coop_rules.batch.model.BatchResult.queue`); this module only writes
it down. Claim ids, folders and errors come from partners' files and a CSV opens in a
spreadsheet, so every text cell is neutralised like the XLSX report's.
"""

from __future__ import annotations

import csv
import io
from collections import Counter

from coop_rules.batch.model import BatchResult
from coop_rules.i18n import DEFAULT_LANG
from coop_rules.renderers.html import environment
from coop_rules.renderers.xlsx import spreadsheet_text

CSV_COLUMNS = (
    "rank",
    "claim_id",
    "verdict",
    "top_severity",
    "errors",
    "actions",
    "warnings",
    "infos",
    "claimed",
    "currency",
    "summary",
    "report",
    "folder",
    "reused",
    "error",
)


def index_csv(batch: BatchResult) -> str:
    queue = batch.queue()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for rank, result in enumerate(queue, start=1):
        counts = result.counts
        row = [
            rank,
            result.claim_id,
            result.verdict,
            result.top_severity or "",
            counts.get("error", 0),
            counts.get("action", 0),
            counts.get("warning", 0),
            counts.get("info", 0),
            result.claimed or "",
            result.currency or "",
            result.summary,
            result.report or "",
            result.folder,
            "yes" if result.reused else "no",
            result.error or "",
        ]
        writer.writerow([spreadsheet_text(v) if isinstance(v, str) else v for v in row])
    return buffer.getvalue()


def index_html(batch: BatchResult, report_format: str, lang: str = DEFAULT_LANG) -> str:
    """The queue as a page in ``lang`` (the language the batch's reports are in)."""
    queue = batch.queue()
    verdicts = Counter(r.verdict for r in queue)
    template = environment().get_template("index.html.j2")
    return template.render(queue=queue, verdicts=verdicts, report_format=report_format, lang=lang)
