"""YAML as every data file of coop-rules reads it: safe, and through libyaml where PyYAML was
built with it.

Rule files, message catalogues, program data and manifests are read on every start (and a
batch reads hundreds of manifests): libyaml's parser is about ten times faster than PyYAML's
pure-Python one and gives the same nodes, line marks included, so problems keep their lines.
Only the safe loader is ever used: no YAML tag can construct a Python object.

:func:`read` is how every YAML file a user writes is read (rules, message catalogues, program
data): once, with its digest, and with the line of every key for the problems found in it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coop_rules.errors import Problem

if TYPE_CHECKING:
    import yaml


@cache
def _yaml() -> tuple[Any, type[yaml.SafeLoader]]:
    # PyYAML only when YAML is parsed: a warm start reads its data from coop_rules.compiled.
    import yaml

    return yaml, getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load(text: str) -> Any:
    """The data of a YAML document (``yaml.safe_load``, faster)."""
    yaml, loader = _yaml()
    return yaml.load(text, Loader=loader)


def compose(text: str) -> yaml.Node | None:
    """The node tree of a YAML document, with line marks (``yaml.compose``, safe and faster)."""
    yaml, loader = _yaml()
    return yaml.compose(text, Loader=loader)


@dataclass(frozen=True)
class DataFile:
    """One YAML file a user writes (a rule, a message catalogue, program data), read once: the
    digest of its bytes (the rule set's digest is made of these), its data, and the line of
    every key (``("activities", "seminar", "cap")`` → 12) for problems that name a line."""

    name: str  # how problems and evidence name the file
    sha256: str
    node: yaml.Node | None
    data: Any
    lines: dict[tuple[str, ...], int] = field(default_factory=dict)

    def line(self, at: tuple[str, ...]) -> int:
        """The line of key path ``at``, else of its nearest parent that has one (else 1)."""
        while at and at not in self.lines:
            at = at[:-1]
        return self.lines.get(at, 1)


def read(path: Path, problems: list[Problem], name: str | None = None) -> DataFile | None:
    """Read and parse ``path`` once; None, with a problem appended, when it is not valid YAML."""
    shown = name or str(path)
    yaml, loader_class = _yaml()
    try:
        raw = path.read_bytes()
        loader = loader_class(raw.decode("utf-8"))
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except (OSError, ValueError, yaml.YAMLError) as exc:  # ValueError: bad UTF-8, 2024-13-45
        mark = getattr(exc, "problem_mark", None)
        where = f"{shown}:{mark.line + 1}" if mark else shown
        problems.append(Problem(where, f"not valid YAML: {getattr(exc, 'problem', exc)}"))
        return None
    lines: dict[tuple[str, ...], int] = {}
    _index(node, (), lines)
    return DataFile(shown, hashlib.sha256(raw).hexdigest(), node, data, lines)


def _index(node: Any, at: tuple[str, ...], lines: dict[tuple[str, ...], int]) -> None:
    yaml, _ = _yaml()
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            here = (*at, str(key.value))
            lines[here] = key.start_mark.line + 1
            _index(value, here, lines)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines.setdefault((*at, str(i)), item.start_mark.line + 1)
            _index(item, (*at, str(i)), lines)
