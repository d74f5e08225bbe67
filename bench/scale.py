"""Benchmark: peak memory on a long document, and the extraction package's start-up cost.

Run as ``python bench/scale.py [--pages 200]`` from the repo root. It generates (with reportlab)
an invoice of ``--pages`` pages, each with a header, an item table of 30 rows and a footer, in a
temporary folder, and then, each in a fresh Python process so nothing is shared or cached:

* ``import``: the time to ``import coop_rules.extraction``;
* ``first call``: extracting a one-page invoice right after the import (this compiles the label
  matchers of its language), and ``second call``: the same again (warm);
* ``peak memory``: the process's max RSS after extracting the long document (target < 300 MB),
  with the time it took.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
started = time.perf_counter()
from coop_rules.extraction import extract_file
imported = time.perf_counter()
out = {"import_s": imported - started}
if sys.argv[1] == "startup":
    t = time.perf_counter(); extract_file(Path(sys.argv[2]), einvoice=False)
    out["first_call_s"] = time.perf_counter() - t
    t = time.perf_counter(); extract_file(Path(sys.argv[2]), einvoice=False)
    out["second_call_s"] = time.perf_counter() - t
else:
    t = time.perf_counter(); doc = extract_file(Path(sys.argv[2]), einvoice=False)
    out["extract_s"] = time.perf_counter() - t
    out["line_items"] = len(doc.line_items)
    out["problems"] = [p.reason for p in doc.problems]
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""


def write_invoice(path: Path, pages: int) -> Path:
    """A ``pages``-page invoice: item table rows on every page, the totals on the last."""
    page = canvas.Canvas(str(path), pagesize=A4)
    top = A4[1]
    for number in range(1, pages + 1):
        page.setFont("Helvetica", 10)
        page.drawString(50, top - 50, "Kreativwerk GmbH · Elbchaussee 12 · 22763 Hamburg")
        page.drawString(360, top - 80, f"Rechnung Nr. RE-2024-{pages}  Seite {number}/{pages}")
        page.drawString(360, top - 94, "Rechnungsdatum: 15.03.2024")
        for x, heading in ((50, "Beschreibung"), (330, "Menge"), (420, "Einzelpreis")):
            page.drawString(x, top - 130, heading)
        page.drawRightString(540, top - 130, "Betrag")
        for row in range(30):
            y = top - 150 - row * 18
            page.drawString(50, y, f"Position {number}.{row + 1} Anzeigenschaltung")
            page.drawRightString(360, y, "2")
            page.drawRightString(460, y, "50,00")
            page.drawRightString(540, y, "100,00")
        if number == pages:
            net = 100 * 30 * pages
            page.drawString(360, 80, f"Zwischensumme {net},00")
        page.showPage()
    page.save()
    return path


def child(mode: str, path: Path) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, mode, str(path)], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        one = write_invoice(Path(folder) / "one.pdf", 1)
        many = write_invoice(Path(folder) / "many.pdf", args.pages)
        startup = child("startup", one)
        memory = child("memory", many)
    print(f"import coop_rules.extraction   {startup['import_s'] * 1000:8.0f} ms")
    print(f"first call (one page, cold)    {startup['first_call_s'] * 1000:8.0f} ms")
    print(f"second call (warm)             {startup['second_call_s'] * 1000:8.0f} ms")
    print(
        f"{args.pages}-page document: {memory['extract_s']:.1f} s, "
        f"{memory['line_items']} line items, peak memory {memory['peak_rss_mb']:.0f} MB "
        f"(target < 300 MB)"
    )
    if memory["problems"]:
        print("problems:", "; ".join(memory["problems"]))
    if args.json:
        args.json.write_text(json.dumps({"startup": startup, "memory": memory}, indent=2) + "\n")


if __name__ == "__main__":
    main()
