"""A package's names loaded on first use (PEP 562): importing the package loads only what it
names at once, and each other name's module the first time the name is asked for."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable
from typing import Any


def exports(
    package: str, lazy: dict[str, str], names: Iterable[str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of ``package``: ``lazy`` maps each name to the
    module that defines it; ``names`` are the package's ``__all__``."""
    module = sys.modules[package]
    listed = frozenset(names)

    def __getattr__(name: str) -> Any:
        if name not in lazy:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(lazy[name]), name)
        setattr(module, name, value)  # once: later look-ups do not come here
        return value

    def __dir__() -> list[str]:
        return sorted({*vars(module), *listed})

    return __getattr__, __dir__
