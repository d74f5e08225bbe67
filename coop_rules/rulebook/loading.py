"""Loading the rule book: the bundled rule files, then each ``--rules DIR`` folder's (a code
there overrides its twin), with their message catalogues, every problem reported at once.
"""

from __future__ import annotations

from pathlib import Path

from coop_rules.bundled import RULES_DIR
from coop_rules.errors import ConfigurationError, Problem
from coop_rules.rulebook.messages import load_messages
from coop_rules.rulebook.spec import Rulebook, RuleSpec, load_rule


def load_rulebook(extra_dirs: list[Path] | None = None) -> Rulebook:
    """Load the bundled rules, then each ``extra_dirs`` folder's (a code overrides its twin).

    Raises:
        ConfigurationError: one or more rule files are wrong; every problem is listed.
    """
    dirs = [RULES_DIR, *(extra_dirs or [])]
    by_code: dict[str, RuleSpec] = {}
    origin: dict[str, int] = {}  # rule code -> index of the folder its rule in force came from
    problems: list[Problem] = []
    for index, folder in enumerate(dirs):
        if not folder.is_dir():
            problems.append(Problem(str(folder), "rule folder not found"))
            continue
        for path in sorted(folder.glob("*.yaml")):
            spec = load_rule(path, problems)
            if spec is not None:
                by_code[spec.code] = spec
                origin[spec.code] = index
    messages, message_files = load_messages(dirs, by_code, origin, problems)
    if problems:
        raise ConfigurationError("rules", problems)
    return Rulebook(
        tuple(sorted(by_code.values(), key=lambda r: r.code)),
        tuple(str(d) for d in dirs),
        messages,
        message_files,
    )
