"""Benchmark: invoice field extraction against the shared corpus of real invoices.

Run as ``python bench/extraction.py CORPUS [--repeat N] [--misses] [--json FILE]`` from the repo
root, CORPUS being the folder of ``../shared/corpus`` (one sub-folder per source, each with its PDFs
and a ``truth.jsonl``; see its README).

Accuracy: every PDF goes through ``coop_rules.extraction.extract_file``, once with embedded
e-invoice XML off and once with it on, and five fields are compared with the truth: issue date,
total (the truth's ``total`` or, where it has one, ``amount_due``), currency, invoice number (exact
after stripping spaces, case-folding and dropping a leading ``#`` / ``No.``) and vendor (fuzzy:
normalised, legal suffixes dropped, a match when one contains the other or difflib's ratio is at
least 0.8). A value that is absent counts as wrong. Figures are "n/N (pct)" per source folder, per
ZUGFeRD ``family`` (the 2.x samples are renderings of their XML, so they are also left out of the
second overall line).

Totals and line items: the truth files have no subtotal or tax, so the embedded e-invoice XML
stands for the truth where a PDF carries one: subtotal, tax, amount due and due date read from the
page (XML off) are compared with the XML's (right / wrong / absent: a wrong value is worse than an
absent one). Line items (XML off): on how many invoices a table was read, on how many of those
the line amounts add up to the printed subtotal or total, and, where the XML has lines, whether
the page's line amounts are the XML's.

Speed: wall time of the whole corpus, best of ``--repeat`` runs, for our extraction (XML off),
for pdfplumber's ``page.extract_words()`` on every page and for poppler's ``pdftotext`` (one
process per file, if installed); then ms per page and the ratios. Peak memory is the process's max
RSS at the end, so it covers everything above.
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import resource
import shutil
import subprocess
import time
import unicodedata
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pdfplumber
import pypdfium2

from coop_rules.extraction import ExtractedDocument, extract_file

FIELDS = ("issue_date", "total", "currency", "invoice_number", "vendor")
LEGAL = {"gmbh", "bv", "ltd", "limited", "sas", "sa", "sarl", "inc", "ag", "co", "kg", "pty", "llc"}
LEGAL |= {"nv", "plc", "corp", "eurl", "ug", "se", "oy", "ab", "as", "spa", "srl"}

Doc = dict[str, Any]  # one truth.jsonl line plus "folder" and "path"


def load_truth(corpus: Path) -> list[Doc]:
    docs = []
    for truth in sorted(corpus.glob("*/truth.jsonl")):
        for line in truth.read_text(encoding="utf-8").splitlines():
            if line.strip():
                doc = json.loads(line)
                doc.update(folder=truth.parent.name, path=truth.parent / doc["file"])
                docs.append(doc)
    return docs


def norm_number(value: str) -> str:
    text = re.sub(r"\s+", "", value).casefold()
    return text.removeprefix("#").removeprefix("no.")


def norm_vendor(value: str) -> str:
    text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode().casefold()
    words = re.sub(r"[^a-z0-9]+", " ", text.replace(".", "")).split()
    return " ".join(w for w in words if w not in LEGAL)


def matches(field: str, doc: Doc, got: Any) -> bool:
    expected = doc["date"] if field == "issue_date" else doc.get(field)
    if got is None or expected is None:
        return got is None and expected is None
    if field == "issue_date":
        return got.isoformat() == expected
    if field == "total":
        return any(
            Decimal(str(got)) == Decimal(doc[k]) for k in ("total", "amount_due") if k in doc
        )
    if field == "currency":
        return str(got).upper() == expected.upper()
    if field == "invoice_number":
        return norm_number(str(got)) == norm_number(expected)
    a, b = norm_vendor(str(got)), norm_vendor(expected)
    return bool(a and b) and (
        a in b or b in a or difflib.SequenceMatcher(None, a, b).ratio() >= 0.8
    )


def groups_of(doc: Doc) -> list[str]:
    names = [doc["folder"]]
    if "family" in doc:
        names.append(f"{doc['folder']}/{doc['family']}")
    names.append("overall")
    if not str(doc.get("family", "")).startswith("zf2"):
        names.append("overall without ZUGFeRD 2.x")
    return names


def score(docs: list[Doc], results: list[ExtractedDocument]) -> tuple[dict, list[dict]]:
    table: dict[str, dict[str, list[int]]] = {}
    misses = []
    for doc, result in zip(docs, results, strict=True):
        for field in FIELDS:
            ok = matches(field, doc, result.value(field))
            for group in groups_of(doc):
                cell = table.setdefault(group, {f: [0, 0] for f in FIELDS})[field]
                cell[0] += ok
                cell[1] += 1
            if not ok:
                found = result.fields.get(field)
                expected = doc["date"] if field == "issue_date" else doc.get(field)
                if field == "total" and "amount_due" in doc:
                    expected = f"{doc['total']} or {doc['amount_due']}"
                misses.append(
                    {
                        "file": f"{doc['folder']}/{doc['file']}",
                        "field": field,
                        "expected": expected,
                        "got": None if found is None else str(found.value),
                        "evidence": None if found is None else found.evidence.text,
                    }
                )
    order = sorted(table, key=lambda g: (g.startswith("overall"), g))
    return {g: {f: tuple(table[g][f]) for f in FIELDS} for g in order}, misses


XML_FIELDS = ("subtotal", "tax", "amount_due", "due_date")


def _sum(items: tuple) -> Decimal:
    return sum((Decimal(str(i.amount.value)) for i in items if i.amount), Decimal(0))


def totals_and_lines(off: list[ExtractedDocument], on: list[ExtractedDocument]) -> dict:
    """Subtotal/tax/amount due/due date against the XML, and the line-item figures."""
    fields: dict[str, dict[str, int]] = {
        f: {"right": 0, "wrong": 0, "absent": 0} for f in XML_FIELDS
    }
    wrong: list[str] = []
    lines = {"invoices": len(off), "with_lines": 0, "adds_up": 0, "xml_lines": 0, "as_xml": 0}
    for page, xml_doc in zip(off, on, strict=True):
        xml = xml_doc.einvoice.fields if xml_doc.einvoice and xml_doc.einvoice.read else {}
        for name in XML_FIELDS:
            if name not in xml:
                continue
            got = page.value(name)
            if got is None:
                fields[name]["absent"] += 1
            elif got == xml[name].value or (
                isinstance(got, Decimal) and abs(got) == abs(Decimal(str(xml[name].value)))
            ):
                fields[name]["right"] += 1
            else:
                fields[name]["wrong"] += 1
                wrong.append(f"{page.path}: {name} page {got} xml {xml[name].value}")
        if page.line_items:
            lines["with_lines"] += 1
            targets = {page.value("subtotal"), page.value("total")} - {None}
            lines["adds_up"] += _sum(page.line_items) in targets
        xml_items = xml_doc.einvoice.line_items if xml_doc.einvoice else ()
        if xml_items:
            lines["xml_lines"] += 1
            amounts = [i.amount.value if i.amount else None for i in page.line_items]
            lines["as_xml"] += amounts == [i.amount.value if i.amount else None for i in xml_items]
    return {"fields": fields, "wrong": wrong, "lines": lines}


def print_totals_and_lines(found: dict) -> None:
    print("\n== subtotal, tax, amount due, due date: page (XML off) against the embedded XML")
    for name, cell in found["fields"].items():
        total = sum(cell.values())
        if total:
            print(
                f"{name:<12} right {cell['right']}/{total} ({100 * cell['right'] / total:.0f}%)"
                f"  wrong {cell['wrong']}  absent {cell['absent']}"
            )
    for line in found["wrong"]:
        print(f"    wrong: {line}")
    n = found["lines"]
    print("\n== line items (XML off)")
    print(f"invoices with an item table read     {n['with_lines']}/{n['invoices']}")
    if n["with_lines"]:
        pct = 100 * n["adds_up"] / n["with_lines"]
        print(f"  Σ line amounts = subtotal or total {n['adds_up']}/{n['with_lines']} ({pct:.0f}%)")
    if n["xml_lines"]:
        pct = 100 * n["as_xml"] / n["xml_lines"]
        print(f"  same amounts as the XML's lines    {n['as_xml']}/{n['xml_lines']} ({pct:.0f}%)")


def print_table(table: dict) -> None:
    print(f"{'':<38}" + "".join(f"{f:>17}" for f in FIELDS))
    for group, cells in table.items():
        row = "".join(f"{f'{n}/{t} ({100 * n / t:.0f}%)':>17}" for n, t in cells.values())
        print(f"{group:<38}{row}")


def best_of(repeat: int, run: Callable[[], Any]) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - started)
    return best, result


def plumber_words(paths: list[Path]) -> None:
    for path in paths:
        with pdfplumber.open(path) as pdf:
            for page in pdf.pages:
                page.extract_words()


def poppler_text(paths: list[Path], exe: str) -> None:
    for path in paths:
        subprocess.run([exe, str(path), "/dev/null"], check=False, capture_output=True)


def count_pages(path: Path) -> int:
    pdf = pypdfium2.PdfDocument(path)
    try:
        return len(pdf)
    finally:
        pdf.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--repeat", type=int, default=3, help="timing runs; the best counts")
    parser.add_argument("--misses", action="store_true", help="list every wrong or missing value")
    parser.add_argument("--json", type=Path, help="write all figures to this file")
    args = parser.parse_args()
    docs = load_truth(args.corpus)
    paths = [doc["path"] for doc in docs]
    pages = sum(count_pages(p) for p in paths)
    print(f"{len(docs)} documents, {pages} pages in {args.corpus}")
    out: dict[str, Any] = {"documents": len(docs), "pages": pages, "repeat": args.repeat}

    seconds: dict[str, float | None] = {}
    tables, values, results_by_mode = {}, {}, {}
    for mode, einvoice in (("xml-off", False), ("xml-on", True)):
        timed, results = best_of(
            args.repeat, lambda e=einvoice: [extract_file(p, einvoice=e) for p in paths]
        )
        seconds[f"ours ({mode})"] = timed
        tables[mode], misses = score(docs, results)
        results_by_mode[mode] = results
        values[mode] = [r.to_json() for r in results]
        print(f"\n== accuracy, e-invoice XML {mode.removeprefix('xml-')} (einvoice={einvoice})")
        print_table(tables[mode])
        if args.misses:
            print(f"\n-- misses ({len(misses)})")
            for m in misses:
                print(f"{m['file']}  {m['field']}: expected {m['expected']!r}, got {m['got']!r}")
                print(f"    evidence: {m['evidence']!r}")
        out[mode] = {"accuracy": tables[mode], "misses": misses}
    out["totals_and_lines"] = totals_and_lines(
        results_by_mode["xml-off"], results_by_mode["xml-on"]
    )
    print_totals_and_lines(out["totals_and_lines"])
    out["identical"] = values["xml-off"] == values["xml-on"]
    if out["identical"]:
        print("\nXML off and on give identical values and evidence (embedded XML is not read yet).")

    seconds["pdfplumber extract_words"], _ = best_of(args.repeat, lambda: plumber_words(paths))
    exe = shutil.which("pdftotext")
    if exe:
        seconds["pdftotext"], _ = best_of(args.repeat, lambda: poppler_text(paths, exe))
    else:
        seconds["pdftotext"] = None
    print(f"\n== speed, best of {args.repeat} over {pages} pages")
    for name, secs in seconds.items():
        if secs is None:
            print(f"{name:<28} not installed (apt-get install poppler-utils)")
        else:
            print(f"{name:<28} {secs:8.2f} s {1000 * secs / pages:8.1f} ms/page")
    ours = seconds["ours (xml-off)"]
    ratios = {"ours/pdfplumber": ours / seconds["pdfplumber extract_words"]}
    if seconds["pdftotext"]:
        ratios["ours/pdftotext"] = ours / seconds["pdftotext"]
    for name, ratio in ratios.items():
        print(f"{name:<28} {ratio:8.1f}x")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"peak memory (max RSS)        {peak_mb:8.0f} MB")
    out.update(seconds=seconds, ratios=ratios, peak_rss_mb=round(peak_mb, 1))
    if args.json:
        args.json.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
        print(f"figures written to {args.json}")


if __name__ == "__main__":
    main()
