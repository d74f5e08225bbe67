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

CSV_COLUMNS = (
    "rank",
    "claim_id",
    "partner",
    "submitted",
    "verdict",
    "top_severity",
    "top_finding",
    "top_message",
    "errors",
    "actions",
    "warnings",
    "infos",
    "claimed",
    "currency",
    "funds_share",
    "summary",
    "report",
    "folder",
    "reused",
    "error",
)


def index_csv(batch: BatchResult) -> str:
    """The queue as CSV, one row per claim in triage order; then, after an interruption, the
    claims not checked (verdict ``unchecked``, no rank), so that nothing reads as all checked;
    then the folders skipped for want of a manifest (verdict ``skipped``)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, CSV_COLUMNS, restval="", lineterminator="\n")
    writer.writeheader()
    rows: list[dict[str, object]] = []
    for rank, result in enumerate(batch.queue(), start=1):
        counts = result.counts
        rows.append(
            {
                "rank": rank,
                "claim_id": result.claim_id,
                "partner": result.partner or "",
                "submitted": result.submitted or "",
                "verdict": result.verdict,
                "top_severity": result.top_severity or "",
                "top_finding": result.top_finding or "",
                "top_message": result.top_message or "",
                "errors": counts.get("error", 0),
                "actions": counts.get("action", 0),
                "warnings": counts.get("warning", 0),
                "infos": counts.get("info", 0),
                "claimed": result.claimed or "",
                "currency": result.currency or "",
                "funds_share": result.funds_share or "",
                "summary": result.summary,
                "report": result.report or "",
                "folder": result.folder,
                "reused": "yes" if result.reused else "no",
                "error": result.error or "",
            }
        )
    for folder, claim_id in batch.not_checked():
        rows.append(
            {
                "claim_id": claim_id,
                "verdict": "unchecked",
                "folder": folder,
                "reused": "no",
                "error": _NOT_CHECKED,
            }
        )
    for folder in batch.skipped:
        rows.append({"verdict": "skipped", "folder": folder, "reused": "no", "error": _SKIPPED})
    # The XLSX renderer (openpyxl) and the HTML one (Jinja2, the evidence pictures) only when
    # the index is written: a Dask worker imports the batch package, and needs neither.
    from coop_rules.renderers.xlsx import spreadsheet_text

    for row in rows:  # text cells neutralised: a CSV opens in a spreadsheet
        writer.writerow(
            {k: spreadsheet_text(v) if isinstance(v, str) else v for k, v in row.items()}
        )
    return buffer.getvalue()


_NOT_CHECKED = "not checked: the batch was interrupted"
_SKIPPED = "no claim manifest (claim.yaml, claim.yml or claim.json)"


def index_html(batch: BatchResult, report_format: str, lang: str = DEFAULT_LANG) -> str:
    """The queue as a page in ``lang`` (the language the batch's reports are in)."""
    from coop_rules.renderers.html import environment  # see index_csv

    queue = batch.queue()
    verdicts = Counter(r.verdict for r in queue)
    template = environment().get_template("index.html.j2")
    return template.render(
        queue=queue,
        verdicts=verdicts,
        report_format=report_format,
        lang=lang,
        total=batch.total,
        not_checked=batch.not_checked(),
        skipped=batch.skipped,
    )
