"""The package's import graph: no circle among coop_rules modules, no import inside a function.

The graph is read from the source with ``ast`` (nothing is imported): an edge for every
top-level ``import``/``from … import`` of a coop_rules module, including those under ``if`` or
``try`` at module level, but not those under ``if TYPE_CHECKING:`` (annotations only). Importing
``a.b.c`` also runs ``a/__init__`` and ``a/b/__init__``, so those are edges too — except a
package's own parents, which Python has always imported already.

An import inside a function is allowed only where ``FUNCTION_LEVEL`` says why: an optional or
heavy dependency loaded only when it is needed. One that dodges a circle is not allowed.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "coop_rules"

# (module, imported module): why it is imported inside a function.
FUNCTION_LEVEL = {
    # durable-rules is optional (a C extension that may not build); probed, then loaded on use.
    ("coop_rules.engines", "durable.engine"): "optional: probe whether durable-rules imports",
    ("coop_rules.engines", "coop_rules.engines.durable"): "optional: durable-rules on use only",
    # The server extra (FastAPI, uvicorn) is optional: `serve` says how to install it.
    ("coop_rules.server.command", "uvicorn"): "optional server extra",
    ("coop_rules.server.command", "coop_rules.server.app"): "optional server extra (FastAPI)",
    # psycopg is loaded only for a postgresql:// ledger.
    ("coop_rules.ledger.store", "psycopg"): "heavy, only for PostgreSQL ledgers",
    # Pillow is loaded only when a claim holds an image.
    ("coop_rules.documents.preflight", "PIL"): "heavy, only for image files",
    # The OCR extra (tesserocr, pillow-heif) is optional; PDFium draws a scanned page only for
    # OCR.
    ("coop_rules.documents.ocr", "tesserocr"): "optional ocr extra",
    # ... and its second reader of numbers (ONNX Runtime, numpy), loaded with the first number.
    ("coop_rules.documents.number_reader", "onnxruntime"): "optional ocr extra",
    ("coop_rules.documents.number_reader", "numpy"): "optional ocr extra",
    ("coop_rules.documents.number_reader", "PIL"): "start-up: Pillow with the first picture",
    ("coop_rules.yamlfile", "yaml"): "start-up: PyYAML only when YAML is parsed (cache miss)",
    ("coop_rules.documents.ocr", "PIL"): "start-up: Pillow with the first picture, not a PDF",
    ("coop_rules.documents.ocr", "pillow_heif"): "optional, for HEIC photos",
    ("coop_rules.documents.ocr", "pypdfium2"): "heavy, only to draw a scanned page for OCR",
    ("coop_rules.documents.ocr", "coop_rules.documents.pdfium"): "only for a scanned page",
    ("coop_rules.evidence_images", "PIL"): "heavy, only for image evidence",
    ("coop_rules.evidence_images", "coop_rules.documents.ocr"): "only for image evidence",
    # resource does not exist on Windows (the wall-clock limit still holds there).
    ("coop_rules.isolation.worker", "resource"): "POSIX only",
    # preload imports every reader to warm a process before it forks workers.
    ("coop_rules.batch.run", "coop_rules.isolation.preload"): "warms the readers before forking",
    ("coop_rules.isolation.pool", "coop_rules.isolation.preload"): "warms before forking",
    # The index's renderers only when it is written: a Dask worker imports the batch package.
    ("coop_rules.batch.index", "coop_rules.renderers.html"): "heavy, only to write the index",
    ("coop_rules.batch.index", "coop_rules.renderers.xlsx"): "heavy, only to write the index",
    # Start-up (issue 16): a command imports what it needs when it runs, so that
    # `coop-rules --version` imports none of these and `extract` of a PDF only the readers
    # (tests/test_startup.py checks it in a fresh process).
    ("coop_rules.cli.main", "coop_rules.api"): "start-up: check/rules load the rule book",
    ("coop_rules.cli.main", "coop_rules.batch"): "start-up: only check needs the batch runner",
    ("coop_rules.cli.main", "coop_rules.claim.manifest"): "start-up: pydantic for manifests",
    ("coop_rules.cli.main", "coop_rules.i18n"): "start-up: catalogues only for what is shown",
    ("coop_rules.cli.main", "coop_rules.rulebook"): "start-up: the rule book for check/rules",
    ("coop_rules.cli.main", "coop_rules.isolation"): "start-up: readers only for extract",
    ("coop_rules.cli.main", "concurrent.futures"): "start-up: threads only to extract many",
    ("coop_rules.cli.main", "coop_rules.renderers.json"): "start-up: rules --format json",
    ("coop_rules.renderers.json", "coop_rules.rulebook.spec"): "start-up: rule listings only",
    ("coop_rules.cli.main", "coop_rules.report.schema"): "start-up: schema report only",
    ("coop_rules.cli.ledger", "coop_rules.ledger"): "start-up: sqlite3 and the ledger model "
    "only for the ledger commands (every command builds their parser)",
    ("coop_rules.server.command", "coop_rules.ledger"): "start-up: the ledger only for serve",
    # PyYAML only when YAML is read: extract prints a document with neither UI catalogue nor
    # label file parsed (the label files come from the cache of coop_rules.compiled).
    ("coop_rules.i18n", "coop_rules.yamlfile"): "start-up: YAML when a catalogue is first used",
    ("coop_rules.extraction.lexicon", "coop_rules.yamlfile"): "start-up: on a cache miss only",
    # Babel (and its CLDR data) only when a value is shown in a language that is not English.
    ("coop_rules.i18n", "babel"): "start-up: Babel only for non-English dates and amounts",
    ("coop_rules.i18n.shown", "babel"): "start-up: Babel only for lists and non-English rates",
    # Pillow only when an image is read (the PoE extractor imports the module for its tags).
    ("coop_rules.documents.image", "PIL"): "start-up: Pillow only for image files",
    # Evidence pictures (Pillow, openpyxl) only in a worker that draws them for a report.
    ("coop_rules.isolation.worker", "coop_rules.evidence_images"): "start-up: pictures only",
    # Dask is the optional cluster extra, imported only for `check --cluster`.
    ("coop_rules.cli.main", "coop_rules.batch.cluster"): "optional cluster extra, --cluster",
    ("coop_rules.cli.main", "coop_rules.batch.local_cluster"): "start-up: only for --cluster",
    ("coop_rules.batch.cluster", "distributed"): "optional cluster extra",
    ("coop_rules.batch.cluster", "dask"): "optional cluster extra",
}


def _modules(package: Path) -> dict[str, tuple[Path, bool]]:
    modules = {}
    for path in sorted(package.rglob("*.py")):
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        modules[".".join(parts)] = (path, is_package)
    return modules


def _imports(module: str, path: Path, is_package: bool) -> list[tuple[str, bool, int]]:
    """(imported module, inside a function, line) for every import of ``module``."""
    found: list[tuple[str, bool, int]] = []

    def absolute(node: ast.ImportFrom) -> list[str]:
        base = node.module or ""
        if node.level:
            parts = module.split(".") if is_package else module.split(".")[:-1]
            parts = parts[: len(parts) - (node.level - 1)]
            base = ".".join([*parts, *([base] if base else [])])
        # ``from pkg import mod`` imports the module pkg.mod; ``from mod import name`` mod.
        return [f"{base}.{a.name}" for a in node.names] + [base]

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                visit(child, True)
            elif isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                visit(ast.Module(body=child.orelse, type_ignores=[]), in_function)
            elif isinstance(child, ast.Import):
                found.extend((a.name, in_function, child.lineno) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                found.extend((name, in_function, child.lineno) for name in absolute(child))
            else:
                visit(child, in_function)

    visit(ast.parse(path.read_text(encoding="utf-8")), False)
    return found


def _graph(package: Path = PACKAGE) -> tuple[dict[str, set[str]], list[tuple[str, str, int]]]:
    modules = _modules(package)
    edges: dict[str, set[str]] = {m: set() for m in modules}
    in_functions: dict[tuple[str, int], str] = {}
    for module, (path, is_package) in modules.items():
        for name, in_function, line in _imports(module, path, is_package):
            if in_function:
                # One entry per statement: its module (``from m import name`` lists m last).
                in_functions[(module, line)] = name
                continue
            if name not in modules:
                continue  # a name imported from a module (its module is listed too)
            parts = name.split(".")
            for i in range(1, len(parts) + 1):  # a.b.c runs a/__init__ and a/b/__init__
                target = ".".join(parts[:i])
                if target != module and not module.startswith(target + "."):
                    edges[module].add(target)
    return edges, [(m, name, line) for (m, line), name in sorted(in_functions.items())]


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for v in sorted(edges):
        if v not in index:
            connect(v)
    return groups


def test_no_import_cycle():
    edges, _ = _graph()
    assert _cycles(edges) == []


def test_no_import_inside_a_function_but_the_listed_ones():
    _, in_functions = _graph()
    unlisted = [
        f"{module}:{line} imports {name}"
        for module, name, line in in_functions
        if not any(
            module == m and (name == n or name.startswith(n + ".")) for m, n in FUNCTION_LEVEL
        )
    ]
    assert unlisted == []


def test_no_cycle_through_an_import_inside_a_function():
    """A listed import inside a function may load late, but it must not close a circle."""
    edges, in_functions = _graph()
    for module, name, _ in in_functions:
        if name in edges:
            edges[module].add(name)
    assert _cycles(edges) == []


def test_the_check_sees_a_cycle_and_an_import_in_a_function(tmp_path):
    """The checks are not vacuous: two modules importing each other are a cycle."""
    package = tmp_path / "coop_rules"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from coop_rules.b import f\n")
    b = "from coop_rules import a\n\ndef f():\n    from json import dumps\n"
    (package / "b.py").write_text(b)
    edges, in_functions = _graph(package)
    assert edges["coop_rules.a"] == {"coop_rules.b"}
    assert _cycles(edges) == [["coop_rules.a", "coop_rules.b"]]
    assert [(m, n) for m, n, _ in in_functions] == [("coop_rules.b", "json")]
