"""YAML as every data file of coop-rules reads it: safe, and through libyaml where PyYAML was
built with it.

Rule files, message catalogues, program data and manifests are read on every start (and a
batch reads hundreds of manifests): libyaml's parser is about ten times faster than PyYAML's
pure-Python one and gives the same nodes, line marks included, so problems keep their lines.
Only the safe loader is ever used: no YAML tag can construct a Python object.
"""

from __future__ import annotations

from typing import Any

import yaml

LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load(text: str) -> Any:
    """The data of a YAML document (``yaml.safe_load``, faster)."""
    return yaml.load(text, Loader=LOADER)


def compose(text: str) -> yaml.Node | None:
    """The node tree of a YAML document, with line marks (``yaml.compose``, safe and faster)."""
    return yaml.compose(text, Loader=LOADER)
