"""Message catalogues: the rules' titles, messages and hints in the partners' languages.

One canonical rule source, localised by key (DOMAIN.md): a rule file holds the English texts
and the logic; ``messages/<lang>.yaml`` beside the rule files maps a rule code to its ``title``,
``message`` and ``hint`` in that language, and its documentation (``docs``: ``what``, ``why``,
``fail``, ``pass``, all four, as in the rule file). A translation never changes what a rule
checks.

A catalogue is validated like a rule file, every problem at once with file, line and key: the
language must be one coop-rules speaks, the code must name a loaded rule, and a translated
template must use exactly the placeholders of the English one, parsed and type-checked by the
same template parser (a translation that drops ``{claim.remaining}`` would hide the value the
partner needs; one that invents a placeholder would fail at run time). Translated documentation
names exactly the identifiers the English names in backticks (```deadline_days```,
```claiming_window.closes```): a reader looks them up in the rule and the manifest as they are.

``--rules DIR`` folders may bring catalogues too. A catalogue entry applies only to a rule from
its own folder or an earlier one: when a later folder overrides a rule, the earlier folder's
translation is of a text no longer in force and is dropped (English shows until the overriding
folder translates it).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from coop_rules import yamlfile
from coop_rules.errors import Problem
from coop_rules.i18n import DEFAULT_LANG, LANGUAGES
from coop_rules.rulebook.fields import fields_for
from coop_rules.rulebook.spec import DOCS_SECTIONS, LocalText, RuleSpec, Template, _template

MESSAGES_DIR = "messages"
_KEYS = ("title", "message", "hint", "docs")
_CODE_SPAN = re.compile(r"`([^`]+)`")


def load_messages(
    dirs: list[Path],
    rules: dict[str, RuleSpec],
    origin: dict[str, int],
    problems: list[Problem],
) -> tuple[dict[str, dict[str, LocalText]], tuple[tuple[str, str], ...]]:
    """The catalogues of every folder in ``dirs`` (later folders win), and their files (name,
    sha256 of the bytes read).

    Args:
        dirs: the rule folders, bundled first, in the order they were loaded.
        rules: the rules in force by code.
        origin: per code, the index in ``dirs`` of the folder its rule in force came from.
        problems: where every mistake is appended.
    """
    messages: dict[str, dict[str, LocalText]] = {}
    files: list[tuple[str, str]] = []
    for index, folder in enumerate(dirs):
        for path in sorted((folder / MESSAGES_DIR).glob("*.yaml")):
            entries, file = _load_catalogue(path, rules, problems)
            if file is not None:
                files.append((path.name, file.sha256))
            for code, text in entries.items():
                if origin.get(code, -1) <= index:
                    messages.setdefault(path.stem, {})[code] = text
    return messages, tuple(files)


def _load_catalogue(
    path: Path, rules: dict[str, RuleSpec], problems: list[Problem]
) -> tuple[dict[str, LocalText], yamlfile.DataFile | None]:
    """One catalogue file's entries by code, and the file as read; its problems appended to
    ``problems``."""
    lang = path.stem
    if lang not in LANGUAGES or lang == DEFAULT_LANG:
        others = ", ".join(lang for lang in LANGUAGES if lang != DEFAULT_LANG)
        problems.append(
            Problem(str(path), f"{lang!r} is not a language to translate into ({others})")
        )
        return {}, None
    file = yamlfile.read(path, problems)
    if file is None:
        return {}, None
    root = file.node
    if root is None:
        return {}, file
    if not isinstance(root, yaml.MappingNode):
        problems.append(Problem(str(path), "expected a mapping of rule codes to texts"))
        return {}, file
    entries: dict[str, LocalText] = {}
    for key_node, value_node in root.value:
        code = str(key_node.value)
        where = f"{path}:{key_node.start_mark.line + 1}: {code}"
        rule = rules.get(code)
        if rule is None:
            problems.append(Problem(where, "no rule has this code"))
            continue
        if not isinstance(value_node, yaml.MappingNode):
            problems.append(Problem(where, f"expected a mapping with {', '.join(_KEYS)}"))
            continue
        text = _entry(path, rule, value_node, problems)
        if text is not None:
            entries[code] = text
    return entries, file


def _entry(
    path: Path, rule: RuleSpec, node: yaml.MappingNode, problems: list[Problem]
) -> LocalText | None:
    """One rule's translated texts, checked against its English templates."""
    found: list[Problem] = []
    values: dict[str, Any] = {}
    fields = fields_for(rule.subject)
    for key_node, value_node in node.value:
        key = str(key_node.value)
        where = f"{path}:{key_node.start_mark.line + 1}: {rule.code}.{key}"
        if key not in _KEYS:
            found.append(Problem(where, f"unknown key (expected one of: {', '.join(_KEYS)})"))
            continue
        if key == "docs":
            values[key] = _docs(where, rule, value_node, found)
            continue
        if not isinstance(value_node, yaml.ScalarNode) or not str(value_node.value).strip():
            found.append(Problem(where, "expected a non-empty text"))
            continue
        if key == "title":
            values[key] = " ".join(str(value_node.value).split())
            continue
        english: Template = getattr(rule, key)
        template = _template(
            value_node.value,
            fields,
            rule.params,
            lambda message, where=where: found.append(Problem(where, message)),
        )
        ours, theirs = _names(template), _names(english)
        for name in sorted(ours - theirs):
            found.append(Problem(where, f"placeholder {{{name}}} is not in the English {key}"))
        for name in sorted(theirs - ours):
            found.append(Problem(where, f"the English {key}'s placeholder {{{name}}} is missing"))
        values[key] = template
    problems.extend(found)
    return None if found else LocalText(**values)


def _docs(
    where: str, rule: RuleSpec, node: yaml.Node, found: list[Problem]
) -> dict[str, str] | None:
    """A rule's translated documentation: every section of the English, each naming the
    identifiers the English section names."""
    expected = f"expected a mapping with the sections {', '.join(DOCS_SECTIONS)}"
    if not isinstance(node, yaml.MappingNode):
        found.append(Problem(where, expected))
        return None
    docs: dict[str, str] = {}
    for key_node, value_node in node.value:
        section = str(key_node.value)
        at = f"{where}.{section}"
        if section not in DOCS_SECTIONS:
            found.append(Problem(at, f"unknown section ({expected})"))
        elif not isinstance(value_node, yaml.ScalarNode) or not str(value_node.value).strip():
            found.append(Problem(at, "expected a non-empty text"))
        else:
            docs[section] = str(value_node.value).strip()
    for section in DOCS_SECTIONS:
        if section not in docs:
            if not any(p.location.startswith(f"{where}.{section}") for p in found):
                found.append(Problem(f"{where}.{section}", "the section is missing"))
            continue
        ours = set(_CODE_SPAN.findall(docs[section]))
        theirs = set(_CODE_SPAN.findall(rule.docs.get(section, "")))
        for name in sorted(ours - theirs):
            found.append(Problem(f"{where}.{section}", f"`{name}` is not in the English text"))
        for name in sorted(theirs - ours):
            found.append(Problem(f"{where}.{section}", f"the English text's `{name}` is missing"))
    return docs


def _names(template: Template) -> set[str]:
    """A template's placeholders, spacing ignored (a line break may fall inside one)."""
    return {"".join(placeholder.split()) for placeholder, _ in template.parts}
