"""Rule specs: one YAML file per rule in ``rules/``, validated and compiled to typed specs.

A rule names its code, a kebab-case name of the *problem*, its severity, the DOMAIN requirement
it implements, its parameters, a condition in the expression language (``rulebook.expr``),
message and hint templates, and documentation in fixed sections. Every mistake in a rule file is
reported at once, with the file, the line and the key.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from coop_rules import yamlfile
from coop_rules.errors import Problem
from coop_rules.rulebook.expr import ExprError, Node, param_const, parse_condition, parse_value
from coop_rules.rulebook.fields import CLAIM, DOCUMENT, fields_for
from coop_rules.vocab import DEFAULT_LANG

DOCS_SECTIONS = ("what", "why", "fail", "pass")
CODE_PATTERN = re.compile(r"^[A-Z]{2}\d{2}$")
NAME_PATTERN = re.compile(r"^[a-z]+(?:-[a-z0-9]+)+$")
REQUIREMENT_PATTERN = re.compile(r"^(R\d{1,2}|general)$")
_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


class Severity(StrEnum):
    """How bad a violation is, from DOMAIN.md: E, A, W, I."""

    ERROR = "error"  # the claim would be rejected
    ACTION = "action"  # the reviewer will ask for more
    WARNING = "warning"  # a reviewer should look
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 3, "action": 2, "warning": 1, "info": 0}[self.value]


@dataclass(frozen=True)
class Template:
    """A message with ``{expression}`` placeholders, parsed when the rule is loaded."""

    text: str
    parts: tuple[tuple[str, Node], ...] = ()  # (placeholder text, parsed value expression)


@dataclass(frozen=True)
class LocalText:
    """A rule's texts in one language from a message catalogue; None where it gives none."""

    title: str | None = None
    message: Template | None = None
    hint: Template | None = None
    docs: dict[str, str] | None = None  # what, why, fail, pass: all four or none


@dataclass(frozen=True)
class RuleSpec:
    """One rule as loaded from its file: code, name, requirement and severity, the subject it
    is about (the claim or each document), its parsed ``when`` condition and optional ``where``
    filter (with their source text), its English message and hint templates, documentation,
    parameters, and the file it came from."""

    code: str
    name: str
    requirement: str
    severity: Severity
    subject: str  # CLAIM | DOCUMENT
    when: Node
    when_text: str
    message: Template
    hint: Template
    docs: dict[str, str]
    where: Node | None = None
    where_text: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    source: str = ""  # the rule file ("" for a rule built in memory)
    source_sha256: str = ""  # the digest of the bytes the loader read from it
    title: str = ""  # the English title people read ("Claim submitted after the deadline")

    @property
    def display_title(self) -> str:
        """The rule's English title; its kebab-case name for a rule that has none."""
        return self.title or self.name


@dataclass(frozen=True, eq=False)  # identity: engines are compiled and cached per rulebook
class Rulebook:
    """The rules in force, in a stable order (by code)."""

    rules: tuple[RuleSpec, ...]
    sources: tuple[str, ...] = ()
    # language -> rule code -> translated texts (``rules/messages/<lang>.yaml``); English is
    # the rule file itself and never appears here.
    messages: dict[str, dict[str, LocalText]] = field(default_factory=dict)
    # (file name, sha256 of the bytes read) of each message catalogue, in loading order.
    message_files: tuple[tuple[str, str], ...] = ()

    def get(self, code: str) -> RuleSpec | None:
        return next((r for r in self.rules if r.code == code), None)

    def local(self, code: str, lang: str) -> LocalText:
        """The texts of rule ``code`` in ``lang``; an empty LocalText means: use English."""
        return self.messages.get(lang, {}).get(code) or LocalText()

    def docs(self, spec: RuleSpec, lang: str) -> tuple[dict[str, str], str]:
        """Rule ``spec``'s documentation in ``lang`` where a catalogue translates it, else in
        English; and the language it is in."""
        local = self.local(spec.code, lang).docs
        return (local, lang) if local else (spec.docs, DEFAULT_LANG)

    def __iter__(self) -> Iterator[RuleSpec]:
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)


def rule_from_text(
    code: str,
    subject: str,
    when: str,
    where: str | None = None,
    params: dict[str, Any] | None = None,
    severity: Severity = Severity.WARNING,
) -> RuleSpec:
    """A rule built from condition texts alone (tests, generated rules): no docs, no templates.

    Raises:
        ExprError: a condition does not parse or type-check.
    """
    fields, params = fields_for(subject), params or {}
    return RuleSpec(
        code=code,
        name="generated-rule",
        requirement="general",
        severity=severity,
        subject=subject,
        when=parse_condition(when, fields, params),
        when_text=when,
        where=parse_condition(where, fields, params) if where else None,
        where_text=where,
        message=Template(code),
        hint=Template(code),
        docs={},
        params=params,
    )


_KEYS = {
    "code",
    "name",
    "title",
    "requirement",
    "severity",
    "subject",
    "params",
    "where",
    "when",
    "message",
    "hint",
    "docs",
}
_REQUIRED = (
    "code",
    "name",
    "requirement",
    "severity",
    "subject",
    "when",
    "message",
    "hint",
    "docs",
)


def load_rule(path: Path, problems: list[Problem]) -> RuleSpec | None:
    """Parse one rule file; append its problems (file:line: key: what) and return None if any."""
    file = yamlfile.read(path, problems)
    if file is None:
        return None
    data = file.data
    if not isinstance(data, dict):
        problems.append(Problem(str(path), "expected a mapping of rule keys"))
        return None
    found: list[Problem] = []

    def problem(key: str, message: str) -> None:
        found.append(Problem(f"{path}:{file.line((key,))}: {key}", message))

    for key in sorted(set(data) - _KEYS):
        problem(key, f"unknown key (expected one of: {', '.join(sorted(_KEYS))})")
    missing = [key for key in _REQUIRED if key not in data]
    if missing:
        found += [Problem(f"{path}: {key}", "required key is missing") for key in missing]
        problems.extend(found)
        return None

    code, name = str(data["code"]), str(data["name"])
    if not CODE_PATTERN.match(code):
        problem("code", f"{code!r} is not a code like DT01 (two capitals, two digits)")
    if path.stem != code:
        problem("code", f"{code!r} does not match the file name {path.name!r}")
    if not NAME_PATTERN.match(name):
        problem("name", f"{name!r} is not a kebab-case name like invoice-date-outside-period")
    if not REQUIREMENT_PATTERN.match(str(data["requirement"])):
        problem("requirement", f"{data['requirement']!r} is not a DOMAIN requirement like R1")
    severity = None
    try:
        severity = Severity(str(data["severity"]))
    except ValueError:
        problem("severity", f"{data['severity']!r} is not one of {', '.join(Severity)}")
    subject = str(data["subject"])
    if subject not in (CLAIM, DOCUMENT):
        problem("subject", f"{subject!r} is not 'claim' or 'document'")
        subject = DOCUMENT
    params = data.get("params") or {}
    if not isinstance(params, dict):
        problem("params", "expected a mapping of parameter names to values")
        params = {}
    for pname, pvalue in params.items():
        try:
            param_const(str(pname), pvalue)
        except ExprError as exc:
            problem("params", str(exc))
    fields = fields_for(subject)

    def condition(key: str) -> Node | None:
        text = data.get(key)
        if text is None:
            return None
        try:
            return parse_condition(str(text), fields, params)
        except ExprError as exc:
            problem(key, f"{exc} in {str(text).strip()!r}")
            return None

    when, where = condition("when"), condition("where")
    message = _template(data["message"], fields, params, lambda m: problem("message", m))
    hint = _template(data["hint"], fields, params, lambda m: problem("hint", m))
    docs = data["docs"]
    if not isinstance(docs, dict):
        problem("docs", f"expected a mapping with the sections {', '.join(DOCS_SECTIONS)}")
        docs = {}
    for section in DOCS_SECTIONS:
        if not str(docs.get(section) or "").strip():
            problem("docs", f"the section {section!r} is missing or empty")
    for section in sorted(set(docs) - set(DOCS_SECTIONS)):
        problem("docs", f"unknown section {section!r} (expected {', '.join(DOCS_SECTIONS)})")
    if found or when is None or severity is None:
        problems.extend(found)
        return None
    return RuleSpec(
        code=code,
        name=name,
        requirement=str(data["requirement"]),
        severity=severity,
        subject=subject,
        when=when,
        when_text=" ".join(str(data["when"]).split()),
        where=where,
        where_text=" ".join(str(data["where"]).split()) if "where" in data else None,
        message=message,
        hint=hint,
        docs={k: str(v).strip() for k, v in docs.items()},
        params=dict(params),
        source=str(path),
        source_sha256=file.sha256,
        title=" ".join(str(data.get("title") or "").split()),
    )


def _template(text: Any, fields: dict, params: dict, report: Any) -> Template:
    text = " ".join(str(text).split())
    parts = []
    for placeholder in _PLACEHOLDER.findall(text):
        try:
            parts.append((placeholder, parse_value(placeholder, fields, params)))
        except ExprError as exc:
            report(f"placeholder {{{placeholder}}}: {exc}")
    return Template(text, tuple(parts))
