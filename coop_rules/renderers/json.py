"""JSON output: the report and the ``extract`` contract, each with a format version."""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from coop_rules.extraction import ExtractedDocument
    from coop_rules.report import Report
    from coop_rules.rulebook import RuleSpec
    from coop_rules.rulebook.spec import LocalText

# The ``extract --format json`` contract other tools rely on. History:
#   1 — first version: {format_version, documents: [{path, media_type, kind, fields, problems}]};
#       fields map a name to {value, evidence, confidence[, ambiguous, alternatives]}.
EXTRACT_FORMAT_VERSION = 1


class JsonRenderer:
    name = "json"
    media_type = "application/json"
    suffix = ".json"
    binary = False

    def report(self, report: Report) -> str:
        return json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n"

    def extraction(self, documents: list[ExtractedDocument]) -> str:
        payload = {
            "format_version": EXTRACT_FORMAT_VERSION,
            "documents": [d.to_json() for d in documents],
        }
        return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


def rule_json(
    spec: RuleSpec, lang: str = "en", local: LocalText | None = None
) -> dict[str, object]:
    """One rule as ``coop-rules rules --format json`` and ``GET /v1/rules`` give it.

    ``local``: the rule's texts in ``lang`` from the rulebook's catalogue (English where None).
    Parameters keep their types (``45``, not ``"45"``); a date is written as an ISO string.
    """
    from coop_rules.rulebook.spec import LocalText  # rule listings only (see test_startup)

    local = local or LocalText()
    return {
        "code": spec.code,
        "name": spec.name,
        "severity": str(spec.severity),
        "requirement": spec.requirement,
        "subject": spec.subject,
        "where": spec.where_text,
        "when": spec.when_text,
        "params": {k: _param_json(v) for k, v in spec.params.items()},
        "message": (local.message or spec.message).text,
        "hint": (local.hint or spec.hint).text,
        "docs": spec.docs,
        "lang": lang,
        "title": local.title or spec.display_title,
    }


def _param_json(value: object) -> object:
    # Rule parameters are bool, int, date or str (money is "18750.00 USD"): see param_const.
    return value.isoformat() if isinstance(value, date) else value
