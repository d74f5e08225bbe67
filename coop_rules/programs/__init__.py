"""Program data: co-op program profiles, activity matrices per fiscal year, claiming calendars
and the word lists that classify invoice lines (``model``), read from the rule folders'
``programs/``, ``matrix/``, ``calendars/`` and ``lexicon/`` YAML files (``loading``).
"""

from coop_rules.programs.loading import load_catalogue
from coop_rules.programs.model import (
    ActivitySpec,
    Calendar,
    Cap,
    Catalogue,
    Lexicon,
    Matrix,
    Profile,
    Window,
)

__all__ = [
    "ActivitySpec",
    "Calendar",
    "Cap",
    "Catalogue",
    "Lexicon",
    "Matrix",
    "Profile",
    "Window",
    "load_catalogue",
]
