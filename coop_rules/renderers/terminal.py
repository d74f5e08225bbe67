"""Terminal output, readable at a glance: verdict first, findings grouped by severity.

Colour only when asked (the CLI asks when stdout is a terminal and NO_COLOR is unset).
"""

from __future__ import annotations

from coop_rules.evidence import Evidence
from coop_rules.extraction import ExtractedDocument
from coop_rules.report import Finding, Report, Verdict, format_value
from coop_rules.rulebook import Severity

_COLORS = {
    Verdict.PASS: "32",
    Verdict.REVIEW: "33",
    Verdict.FAIL: "31",
    Severity.ERROR: "31",
    Severity.ACTION: "35",
    Severity.WARNING: "33",
    Severity.INFO: "36",
}
_SHOWN_FIELDS = (
    "vendor",
    "invoice_number",
    "issue_date",
    "total",
    "currency",
    "period_start",
    "period_end",
    "signatory",
    "execution_date",
    "execution_end",
)


class TerminalRenderer:
    name = "terminal"
    media_type = "text/plain"
    suffix = ".txt"
    binary = False

    def __init__(self, *, color: bool = False) -> None:
        self.color = color

    def paint(self, text: str, key: object, bold: bool = False) -> str:
        if not self.color:
            return text
        code = _COLORS.get(key, "0")  # type: ignore[call-overload]
        return f"\x1b[{'1;' if bold else ''}{code}m{text}\x1b[0m"

    def report(self, report: Report) -> str:
        summary = report.summary()
        lines = [
            f"Claim {report.claim_id}: "
            + self.paint(str(report.verdict).upper(), report.verdict, bold=True)
            + f"  ({summary})",
            f"checked {report.checked_on.isoformat()} with {len(report.rules)} rules "
            f"({report.engine} engine)",
        ]
        for severity in Severity:
            group = [f for f in report.findings if f.severity is severity]
            if group:
                lines += ["", self.paint(f"{severity.upper()} ({len(group)})", severity, bold=True)]
                lines += [line for f in group for line in self._finding(f)]
        lines += ["", "Documents"]
        for document in report.documents:
            lines.append("  " + _document_line(document, report.roles.get(document.path, "")))
        return "\n".join(lines) + "\n"

    def _finding(self, finding: Finding) -> list[str]:
        head = f"  {finding.code} {finding.name}"
        if finding.subject:
            head += f"  [{finding.subject}]"
        lines = [head, f"      {finding.message}"]
        if finding.outcome == "violated":
            lines.append(f"      hint: {finding.hint}")
        for evidence in finding.evidence:
            lines.append(f"      evidence: {_evidence(evidence)}")
        return lines

    def extraction(self, documents: list[ExtractedDocument]) -> str:
        lines: list[str] = []
        for document in documents:
            lines.append(f"{document.path}: {document.kind}")
            for problem in document.problems:
                lines.append(f"  could not read: {problem.reason}")
                lines.append(f"  what to do: {problem.advice}")
            for name, found in sorted(document.fields.items()):
                flag = (
                    "  (ambiguous: " + ", ".join(format_value(a) for a in found.alternatives) + ")"
                    if found.ambiguous
                    else ""
                )
                lines.append(
                    f"  {name:<15} {format_value(found.value):<30} "
                    f"{_evidence(found.evidence, with_file=False)}{flag}"
                )
            lines.append("")
        return "\n".join(lines)


def _evidence(evidence: Evidence, *, with_file: bool = True) -> str:
    place = evidence.locator()
    if not with_file:  # under a document's own heading the file name is noise
        place = place.removeprefix(evidence.file).strip() or "(document)"
    text = " ".join(evidence.text.split())
    shown = f'{place} "{text[:70]}"' if text else place
    return shown + (f" ({evidence.note})" if evidence.note else "")


def _document_line(document: ExtractedDocument, role: str) -> str:
    if document.problems and not document.fields:
        return f"{document.path}  [{role}]  could not read: {document.problems[0].reason}"
    kind = role if str(document.kind) == role else f"{role}, read as {document.kind}"
    shown = [format_value(document.fields[n].value) for n in _SHOWN_FIELDS if n in document.fields]
    return f"{document.path}  [{kind}]  " + " · ".join(shown)
