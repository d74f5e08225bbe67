"""JSON Schemas of the report and of the ``extract`` output (``coop-rules schema report``).

Written by hand next to ``Report.to_json``; a test validates every fixture claim's report and
every extraction against them, so they cannot drift apart silently.
"""

from __future__ import annotations

from typing import Any

from coop_rules.documents.model import ProblemKind
from coop_rules.i18n import LANGUAGES
from coop_rules.report.model import FORMAT_VERSION

_EVIDENCE = {
    "type": "object",
    "required": ["file", "text"],
    "properties": {
        "file": {"type": "string"},
        "text": {"type": "string"},
        "page": {"type": "integer", "minimum": 1},
        "box": {
            "type": "array",
            "items": {"type": "number"},
            "minItems": 4,
            "maxItems": 4,
            "description": "x0, top, x1, bottom in PDF points, origin top-left",
        },
        "cell": {"type": "string", "description": "Sheet!B4"},
        "field": {"type": "string", "description": "manifest field path or e-mail header"},
        "note": {"type": "string"},
    },
    "additionalProperties": False,
}

_FIELD = {
    "type": "object",
    "required": ["value", "evidence"],
    "properties": {
        "value": {
            "type": ["string", "number", "boolean"],
            "description": "dates YYYY-MM-DD, amounts as decimal strings",
        },
        "evidence": {"$ref": "#/$defs/evidence"},
        "confidence": {"type": "number", "minimum": 0, "maximum": 1},
        "ambiguous": {"type": "boolean"},
        "alternatives": {
            "type": "array",
            "items": {"type": ["string", "number", "boolean"]},
            "description": "the other readings of an ambiguous value, written like value",
        },
    },
}

_PROBLEM = {
    "type": "object",
    "required": ["path", "kind", "reason", "advice"],
    "properties": {
        "path": {"type": "string"},
        "kind": {"enum": [str(kind) for kind in ProblemKind]},
        "reason": {"type": "string"},
        "advice": {"type": "string"},
    },
}

_DOCUMENT = {
    "type": "object",
    "required": ["path", "kind", "fields", "problems"],
    "properties": {
        "path": {"type": "string"},
        "media_type": {"type": ["string", "null"]},
        "kind": {"type": "string"},
        "role": {"type": ["string", "null"]},
        "fields": {"type": "object", "additionalProperties": {"$ref": "#/$defs/field"}},
        "problems": {"type": "array", "items": {"$ref": "#/$defs/problem"}},
        "line_items": {
            "type": "array",
            "description": "rows of the item table: description, quantity, unit_price, amount",
            "items": {"type": "object", "additionalProperties": {"$ref": "#/$defs/field"}},
        },
    },
}

_FINDING = {
    "type": "object",
    "required": [
        "code",
        "name",
        "severity",
        "outcome",
        "requirement",
        "subject",
        "message",
        "hint",
        "values",
        "params",
        "evidence",
        "docs_url",
    ],
    "properties": {
        "code": {"type": "string", "pattern": "^[A-Z]{2}[0-9]{2}$"},
        "name": {"type": "string"},
        "title": {"type": "string", "description": "the rule's display title in the report's lang"},
        "severity": {"enum": ["error", "action", "warning", "info"]},
        "outcome": {"enum": ["violated", "not-checked"]},
        "requirement": {"type": "string"},
        "subject": {"type": "string"},
        "message": {"type": "string"},
        "hint": {"type": "string"},
        "values": {"type": "object"},
        "params": {"type": "object"},
        "evidence": {"type": "array", "items": {"$ref": "#/$defs/evidence"}},
        "docs_url": {"type": "string"},
    },
    "additionalProperties": False,
}

_DEFS = {
    "evidence": _EVIDENCE,
    "field": _FIELD,
    "problem": _PROBLEM,
    "document": _DOCUMENT,
    "finding": _FINDING,
}

REPORT_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "coop-rules claim report",
    "type": "object",
    "required": [
        "format_version",
        "claim_id",
        "verdict",
        "checked_on",
        "engine",
        "rules",
        "counts",
        "findings",
        "documents",
        "unreadable",
    ],
    "properties": {
        "format_version": {"const": FORMAT_VERSION},
        "claim_id": {"type": "string"},
        "verdict": {"enum": ["pass", "review", "fail"]},
        "checked_on": {"type": "string", "format": "date"},
        "engine": {"enum": ["durable", "python"]},
        "rules": {"type": "array", "items": {"type": "string"}},
        "counts": {"type": "object", "additionalProperties": {"type": "integer"}},
        "findings": {"type": "array", "items": {"$ref": "#/$defs/finding"}},
        "documents": {"type": "array", "items": {"$ref": "#/$defs/document"}},
        "unreadable": {"type": "array", "items": {"$ref": "#/$defs/problem"}},
        # Optional keys added within format version 1 (history: coop_rules/report/model.py).
        "lang": {
            "enum": list(LANGUAGES),
            "description": "the language of the messages, hints and titles (en when absent)",
        },
        "claimed": {
            "type": "object",
            "required": ["amount", "currency"],
            "properties": {
                "amount": {"type": "string", "pattern": "^-?[0-9]+(\\.[0-9]+)?$"},
                "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
            },
            "additionalProperties": False,
        },
        "retention_until": {
            "type": "string",
            "format": "date",
            "description": "R7: keep the originals until this date (activity end + 24 months)",
        },
        "rule_set": {
            "type": "object",
            "required": ["coop_rules_version", "digest"],
            "properties": {
                "coop_rules_version": {"type": "string"},
                "digest": {"type": "string", "pattern": "^sha256:[0-9a-f]{64}$"},
            },
            "additionalProperties": False,
        },
    },
    "$defs": _DEFS,
}

EXTRACT_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "coop-rules extract output",
    "type": "object",
    "required": ["format_version", "documents"],
    "properties": {
        "format_version": {"const": 1},
        "documents": {"type": "array", "items": {"$ref": "#/$defs/document"}},
    },
    "$defs": _DEFS,
}
