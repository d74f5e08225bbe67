"""Renderers of reports and extraction results, found by name (pip-audit's format registry).

A renderer has a ``name``, a ``media_type``, the ``suffix`` of a file it writes, whether its
output is ``binary`` (bytes) or text, and two methods, ``report(Report)`` and
``extraction(list[ExtractedDocument])``. The CLI, the batch runner and any other shell use the
same ones. The HTML and XLSX renderers are imported on first use: a terminal check should not
pay for Jinja2 and the page-rendering code.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # this module is light: the CLI reads FORMATS before it knows the command
    from coop_rules.extraction import ExtractedDocument
    from coop_rules.report import Report


class Renderer(Protocol):
    """A format reports and extraction results are written in: its ``name`` (``--format``),
    the ``media_type`` and file ``suffix`` of its output, whether that output is ``binary``
    (bytes, else text), and the two methods that write it."""

    name: str
    media_type: str
    suffix: str
    binary: bool

    def report(self, report: Report) -> str | bytes: ...

    def extraction(self, documents: list[ExtractedDocument]) -> str | bytes: ...


# format name -> (module, class); one line to add a format.
_REGISTRY = {
    "terminal": ("coop_rules.renderers.terminal", "TerminalRenderer"),
    "json": ("coop_rules.renderers.json", "JsonRenderer"),
    "html": ("coop_rules.renderers.html", "HtmlRenderer"),
    "xlsx": ("coop_rules.renderers.xlsx", "XlsxRenderer"),
}
FORMATS = tuple(_REGISTRY)
FILE_FORMATS = ("json", "html", "xlsx")  # what a batch writes one file per claim in


def get_renderer(name: str, *, color: bool = False) -> Renderer:
    if name not in _REGISTRY:
        raise ValueError(f"unknown format {name!r} (choose from {', '.join(FORMATS)})")
    module, cls = _REGISTRY[name]
    renderer_class = getattr(importlib.import_module(module), cls)
    return renderer_class(color=color) if name == "terminal" else renderer_class()
