"""Start-up: ``coop-rules --version`` and ``extract`` of a PDF import no heavy module.

Each command runs in a fresh interpreter (as a user runs it) that then lists what it imported:
``--version`` must import none of the libraries and coop-rules modules below, ``extract`` of a
PDF none but the readers' (issue 16; ``bench/startup.py`` measures the times). The names the
CLI offers without importing their owners (``coop_rules.vocab``) must still be the owners'.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from coop_rules import vocab
from coop_rules.engines import ENGINES
from coop_rules.i18n import LANGUAGES, LOCALES
from coop_rules.rulebook import Severity
from coop_rules.version import __version__

REPO = Path(__file__).resolve().parents[1]
PDF = REPO / "fixtures" / "claims" / "compliant" / "rechnung-kreativwerk-RE-2024-0417.pdf"

# Libraries and coop-rules modules that neither command may load.
HEAVY = (
    "pydantic",
    "openpyxl",
    "babel",
    "jinja2",
    "fastapi",
    "uvicorn",
    "PIL",
    "psycopg",
    "sqlite3",
    "durable",
    "coop_rules.api",
    "coop_rules.ledger",
    "coop_rules.renderers.html",
    "coop_rules.renderers.xlsx",
    "coop_rules.evidence_images",
    "coop_rules.claim",
    "coop_rules.rulebook",
    "coop_rules.engines",
    "coop_rules.facts",
    "coop_rules.report",
    "coop_rules.server.app",
)
# ... and what --version does not need either: the readers, YAML.
READERS = ("pypdfium2", "yaml", "coop_rules.extraction", "coop_rules.isolation")

_PROBE = """
import json, sys
from coop_rules.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exit:
    code = exit.code
sys.stdout.flush()
print("\\nMODULES " + json.dumps(sorted(sys.modules)))
sys.exit(code)
"""


def _modules_after(*args: str, **env_changes: str) -> tuple[str, set[str]]:
    path = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONPATH": path, **env_changes}
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    output, _, listing = done.stdout.rpartition("\nMODULES ")
    return output, set(json.loads(listing))


def _loaded(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(n for n in names if any(m == n or m.startswith(n + ".") for m in modules))


def test_version_imports_nothing_heavy():
    output, modules = _modules_after("--version")
    assert output.strip() == f"coop-rules {__version__}"
    assert _loaded(modules, HEAVY + READERS) == []


def test_extract_of_a_pdf_imports_only_the_readers():
    output, modules = _modules_after("extract", str(PDF))
    assert "invoice_number  RE-2024-0417" in output  # it did read the invoice
    assert "coop_rules.extraction" in modules
    assert _loaded(modules, HEAVY) == []


def test_extract_with_a_warm_cache_parses_no_yaml(tmp_path):
    """The label files come from the cache of coop_rules.compiled once it holds them (the first
    run on a machine parses them, and that is seen: the check is not vacuous)."""
    cache = {"COOP_RULES_CACHE_DIR": str(tmp_path)}
    _, first = _modules_after("extract", str(PDF), "--no-isolation", **cache)
    output, second = _modules_after("extract", str(PDF), "--no-isolation", **cache)
    assert "yaml" in first
    assert "invoice_number  RE-2024-0417" in output
    assert "yaml" not in second


def test_extract_in_process_imports_only_the_readers():
    output, modules = _modules_after("extract", str(PDF), "--no-isolation", "--format", "json")
    assert json.loads(output)["documents"][0]["fields"]["total"]["value"] == "11364.50"
    assert "pypdfium2" in modules
    assert _loaded(modules, HEAVY) == []


def test_the_probe_sees_a_heavy_import():
    """Not vacuous: a command that does load the rule book is seen to."""
    _, modules = _modules_after("rules", "--format", "json")
    assert "coop_rules.rulebook" in _loaded(modules, HEAVY)


def test_the_cli_choices_are_the_owners():
    assert tuple(str(s) for s in Severity) == vocab.SEVERITIES
    assert sorted(vocab.SEVERITIES, key=lambda s: -Severity(s).rank) == list(vocab.SEVERITIES)
    assert ENGINES is vocab.ENGINES
    assert (LANGUAGES, LOCALES) == (vocab.LANGUAGES, vocab.LOCALES)
