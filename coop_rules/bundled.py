"""Where the bundled rule book is: the rule files, their message catalogues and the program data
(``programs/``, ``matrix/``, ``calendars/``, ``lexicon/``). Every loader asks here.
"""

from __future__ import annotations

from pathlib import Path

RULES_DIR = Path(__file__).resolve().parents[1] / "rules"
