"""Terminal output, readable at a glance: verdict first, findings grouped by severity.

Colour only when asked (the CLI asks when stdout is a terminal and NO_COLOR is unset). The
report's chrome speaks the report's language (``Report.lang``); extraction output is English.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from coop_rules.evidence import Evidence
from coop_rules.i18n import DEFAULT_LANG, format_date, note_text, problem_text, translate
from coop_rules.i18n.shown import evidence_place, format_value, term
from coop_rules.vocab import SEVERITIES

if TYPE_CHECKING:  # `extract` prints documents without loading the rule book and the report
    from coop_rules.extraction import ExtractedDocument
    from coop_rules.report import Finding, Report

# By verdict and severity (both string enums, so their values are the keys).
_COLORS = {
    "pass": "32",
    "review": "33",
    "fail": "31",
    "error": "31",
    "action": "35",
    "warning": "33",
    "info": "36",
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
        lang = report.lang
        summary = report.summary()
        verdict = translate(f"verdict.{report.verdict}", lang)
        checked = translate(
            "report.checked_with",
            lang,
            date=format_date(report.checked_on, lang),
            n=len(report.rules),
            engine=report.engine,
        )
        lines = [
            f"{translate('report.claim', lang)} {report.claim_id}: "
            + self.paint(verdict, report.verdict, bold=True)
            + f"  ({summary})",
            checked,
        ]
        for severity in SEVERITIES:
            group = [f for f in report.findings if f.severity == severity]
            if group:
                label = translate(f"severity.{severity}", lang).upper()
                lines += ["", self.paint(f"{label} ({len(group)})", severity, bold=True)]
                lines += [line for f in group for line in self._finding(f, lang)]
        lines += ["", translate("report.documents", lang)]
        for document in report.documents:
            role = report.roles.get(document.path, "")
            lines.append("  " + _document_line(document, role, lang))
        return "\n".join(lines) + "\n"

    def _finding(self, finding: Finding, lang: str = DEFAULT_LANG) -> list[str]:
        head = f"  {finding.code} {finding.display_title}"
        if finding.subject:
            head += f"  [{finding.subject}]"
        lines = [head, f"      {finding.message}"]
        if finding.outcome == "violated":
            lines.append("      " + _labelled(translate("report.hint", lang), finding.hint))
        for evidence in finding.evidence:
            label = translate("report.evidence_line", lang)
            lines.append("      " + _labelled(label, _evidence(evidence, lang)))
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
                    f"{_extracted_at(found.evidence)}{flag}"
                )
            lines.append("")
        return "\n".join(lines)


def _labelled(label: str, text: str) -> str:
    """``hint: text``; a full-width colon (Chinese, Japanese) carries its own space."""
    return label + text if label.endswith("：") else f"{label} {text}"


def _evidence(evidence: Evidence, lang: str = DEFAULT_LANG) -> str:
    """The file, the place in the report's words (``S. 2``, a manifest field by its page name),
    the text as written, the note."""
    return _with_text(f"{evidence.file} {evidence_place(evidence, lang)}", evidence, lang)


def _extracted_at(evidence: Evidence) -> str:
    """Where ``extract`` read a field, under its document's heading (the file name would be
    noise there): ``p.2 Sheet1!B4``, in English without loading the catalogues."""
    place = evidence.locator().removeprefix(evidence.file).strip() or "(document)"
    return _with_text(place, evidence, DEFAULT_LANG)


def _with_text(place: str, evidence: Evidence, lang: str) -> str:
    text = " ".join(evidence.text.split())
    shown = f'{place} "{text[:70]}"' if text else place
    return shown + (f" ({note_text(evidence.note, lang)})" if evidence.note else "")


def _document_line(document: ExtractedDocument, role: str, lang: str = DEFAULT_LANG) -> str:
    if document.problems and not document.fields:
        problem = document.problems[0]
        reason, _ = problem_text(problem.kind, problem.reason, problem.advice, lang)
        could_not_read = translate("report.could_not_read_lower", lang)
        shown_role = term("role", role, lang) if role else ""
        return f"{document.path}  [{shown_role}]  " + _labelled(could_not_read, reason)
    read_as = translate("report.read_as_kind", lang, kind=term("kind", str(document.kind), lang))
    shown_role = term("role", role, lang) if role else ""
    kind = shown_role if str(document.kind) == role else f"{shown_role}, {read_as}"
    shown = [
        format_value(document.fields[n].value, lang) for n in _SHOWN_FIELDS if n in document.fields
    ]
    return f"{document.path}  [{kind}]  " + " · ".join(shown)
