"""Where the bundled rule book is: the rule files, their message catalogues and the program data
(``programs/``, ``matrix/``, ``calendars/``, ``lexicon/``). Every loader asks here.

They are package data, ``coop_rules/rules`` (in a checkout a link to the repository's
``rules/`` folder, their source; in a wheel the files themselves), found with
:mod:`importlib.resources` so an installed package finds its own rule book.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

# Resolved: evidence and problems name a data file relative to the folder above it
# ("rules/matrix/FY24.yaml"), in a checkout and in an installed package alike.
RULES_DIR = Path(str(resources.files("coop_rules").joinpath("rules"))).resolve()
