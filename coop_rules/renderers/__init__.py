"""Renderers of reports and extraction results, found by name (pip-audit's format registry).

A renderer has a ``name``, a ``media_type`` and two methods, ``report(Report) -> str`` and
``extraction(list[ExtractedDocument]) -> str``. The CLI and any other shell use the same ones.
"""

from __future__ import annotations

from typing import Protocol

from coop_rules.extraction import ExtractedDocument
from coop_rules.renderers.json import JsonRenderer
from coop_rules.renderers.terminal import TerminalRenderer
from coop_rules.report import Report


class Renderer(Protocol):
    name: str
    media_type: str

    def report(self, report: Report) -> str: ...

    def extraction(self, documents: list[ExtractedDocument]) -> str: ...


FORMATS = ("terminal", "json")


def get_renderer(name: str, *, color: bool = False) -> Renderer:
    if name == "json":
        return JsonRenderer()
    if name == "terminal":
        return TerminalRenderer(color=color)
    raise ValueError(f"unknown format {name!r} (choose from {', '.join(FORMATS)})")
