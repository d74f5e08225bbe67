"""Program data: co-op program profiles, activity matrices per fiscal year, claiming calendars
and the word lists that classify invoice lines (``model``), read from the rule folders'
``programs/``, ``matrix/``, ``calendars/`` and ``lexicon/`` YAML files (``loading``).
"""

from coop_rules.programs.loading import load_program_data
from coop_rules.programs.model import (
    ActivitySpec,
    Calendar,
    Cap,
    LineWords,
    Matrix,
    Profile,
    ProgramData,
    Window,
)

__all__ = [
    "ActivitySpec",
    "Calendar",
    "Cap",
    "LineWords",
    "Matrix",
    "Profile",
    "ProgramData",
    "Window",
    "load_program_data",
]
