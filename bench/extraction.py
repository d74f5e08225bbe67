"""Benchmark: invoice and receipt field extraction against folders of real documents with truth.

Run from the repo root as::

    python bench/extraction.py CORPUS [CORPUS ...] [--repeat N] [--misses] [--json FILE]
                               [--xml] [--sample N] [--show-held-out]

each CORPUS being a folder like ``../shared/corpus`` or ``../shared/corpus-extra`` (one
sub-folder per source, each with its PDFs and a ``truth.jsonl``; see their READMEs).

Accuracy (e-invoice XML off: most partner invoices carry none): every PDF goes through
``coop_rules.extraction.extract_file`` once, and five fields are compared with the truth: issue
date, total (the truth's ``total`` or, where it has one, ``amount_due``; magnitudes, since
e-invoice truths of credit notes keep the XML's sign), currency, invoice number (exact after
stripping spaces, case-folding and dropping a leading ``#`` / ``No.``) and vendor (fuzzy:
normalised, legal suffixes dropped, a match when one contains the other or difflib's ratio is at
least 0.8). Each field is RIGHT, WRONG (a used value that is not the truth) or ABSTAINED (no
value used: absent, or kept apart as uncertain in ``ExtractedDocument.abstained``); a field whose
truth is null (receipts have no invoice number) is not scored. A wrong value is far worse than
an abstention: the figure to watch is ``wrong``.

Reported per source folder, per rendering ``family``, for the receipts (SROIE) also weighted per
company (each company counts once however many of its receipts the folder holds: a few chains
would otherwise dominate), and overall (invoices and receipts apart). A fixed third of the
receipt companies (those whose key's SHA-256 starts with a byte ≡ 2 mod 3: 39 of 119 companies,
85 of 423 receipts; the residue was picked by size alone, before any miss was looked at) and the
``horstoeko-extra`` source are HELD OUT:
their misses are not printed unless ``--show-held-out`` is given, so their figure stays an
honest unseen-data figure.

Reliability: every used value's confidence, bucketed, against the share of those values that
are right (and the same for the best abstained candidate, to calibrate the threshold).

Heuristics: how many documents each named heuristic decided per field, and how many of those
were right (``ExtractedDocument.decided_by``; a heuristic that decides one document is visible).

Speed: wall time of the whole run of our extraction (best of ``--repeat``) against poppler's
``pdftotext -layout`` on the same files (one process per file), and the ratio. Peak memory is the
process's max RSS at the end.

``--xml`` additionally runs with the embedded e-invoice XML on and compares subtotal, tax, amount
due and due date read from the page with the XML's, and the line items.
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import json
import re
import resource
import shutil
import subprocess
import time
import unicodedata
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pypdfium2

from coop_rules.extraction import ExtractedDocument, extract_file

FIELDS = ("issue_date", "total", "currency", "invoice_number", "vendor")
LEGAL = {"gmbh", "bv", "ltd", "limited", "sas", "sa", "sarl", "inc", "ag", "co", "kg", "pty", "llc"}
LEGAL |= {"nv", "plc", "corp", "eurl", "ug", "se", "oy", "ab", "as", "spa", "srl", "sdn", "bhd"}
RECEIPT_FOLDERS = ("sroie-extra",)
HELD_OUT_FOLDERS = ("horstoeko-extra",)
BUCKETS = (0.0, 0.3, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95)

Doc = dict[str, Any]  # one truth.jsonl line plus "folder", "path", "company", "held_out"


def company_key(doc: Doc) -> str:
    return str(doc.get("group") or norm_vendor(str(doc.get("vendor") or "")))


def held_out(doc: Doc) -> bool:
    """A fixed third of the receipt companies, and whole held-out sources."""
    if doc["folder"] in HELD_OUT_FOLDERS:
        return True
    if doc["folder"] in RECEIPT_FOLDERS:
        return hashlib.sha256(company_key(doc).encode()).digest()[0] % 3 == 2
    return False


def load_truth(corpora: list[Path]) -> list[Doc]:
    docs = []
    for corpus in corpora:
        for truth in sorted(corpus.glob("*/truth.jsonl")):
            for line in truth.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    doc = json.loads(line)
                    doc.update(folder=truth.parent.name, path=truth.parent / doc["file"])
                    doc.update(company=company_key(doc), held_out=held_out(doc))
                    docs.append(doc)
    return docs


def norm_number(value: str) -> str:
    text = re.sub(r"\s+", "", value).casefold()
    return text.removeprefix("#").removeprefix("no.")


def norm_vendor(value: str) -> str:
    text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode().casefold()
    words = re.sub(r"[^a-z0-9]+", " ", text.replace(".", "")).split()
    return " ".join(w for w in words if w not in LEGAL)


def expected_of(field: str, doc: Doc) -> Any:
    return doc["date"] if field == "issue_date" else doc.get(field)


def matches(field: str, doc: Doc, got: Any) -> bool:
    expected = expected_of(field, doc)
    if got is None or expected is None:
        return False
    if field == "issue_date":
        return got.isoformat() == expected
    if field == "total":
        return any(
            abs(Decimal(str(got))) == abs(Decimal(doc[k]))
            for k in ("total", "amount_due")
            if doc.get(k)
        )
    if field == "currency":
        return str(got).upper() == expected.upper()
    if field == "invoice_number":
        return norm_number(str(got)) == norm_number(expected)
    a, b = norm_vendor(str(got)), norm_vendor(expected)
    return bool(a and b) and (
        a in b or b in a or difflib.SequenceMatcher(None, a, b).ratio() >= 0.8
    )


def abstained_of(result: ExtractedDocument) -> dict[str, Any]:
    return dict(getattr(result, "abstained", {}) or {})


def decided_by(result: ExtractedDocument, field: str) -> str:
    """The named heuristic that decided ``field`` (older results: from the evidence note)."""
    named = getattr(result, "decided_by", None) or {}
    if field in named:
        return named[field]
    found = result.fields.get(field)
    if found is None:
        return "-"
    note = (found.evidence.note or "").split(";")[0]
    return "label" if note.startswith("label:") else note or "-"


def outcome(field: str, doc: Doc, result: ExtractedDocument) -> str | None:
    """right / wrong / abstained, or None when the truth has no value for ``field``."""
    if expected_of(field, doc) is None:
        return None
    got = result.value(field)
    if got is None:
        return "abstained"
    return "right" if matches(field, doc, got) else "wrong"


def groups_of(doc: Doc) -> list[str]:
    names = [doc["folder"]]
    if "family" in doc:
        names.append(f"{doc['folder']}/{doc['family']}")
    receipt = doc["folder"] in RECEIPT_FOLDERS
    if receipt and doc["held_out"]:
        names.append(f"{doc['folder']} HELD OUT third of companies")
    elif receipt:
        names.append(f"{doc['folder']} development companies")
    names.append("ALL receipts" if receipt else "ALL invoices")
    if not receipt and not str(doc.get("family", "")).startswith("zf2"):
        names.append("ALL invoices without ZUGFeRD 2.x")
    if not receipt and doc["held_out"]:
        names.append("HELD OUT invoices")
    return names


Cell = dict[str, float]


def _cell() -> Cell:
    return {"right": 0.0, "wrong": 0.0, "abstained": 0.0}


def score(docs: list[Doc], results: list[ExtractedDocument]) -> dict[str, Any]:
    table: dict[str, dict[str, Cell]] = {}
    # Receipts weighted per company: each company's receipts share a weight of 1.
    per_company: dict[str, int] = defaultdict(int)
    for doc in docs:
        if doc["folder"] in RECEIPT_FOLDERS:
            per_company[doc["company"]] += 1
    weighted: dict[str, dict[str, Cell]] = {}
    reliability: dict[str, dict[str, list[int]]] = {"used": {}, "abstained": {}}
    heuristics: dict[str, dict[str, list[int]]] = {}
    misses = []
    for doc, result in zip(docs, results, strict=True):
        held = abstained_of(result)
        for field in FIELDS:
            verdict = outcome(field, doc, result)
            if verdict is None:
                continue
            for group in groups_of(doc):
                table.setdefault(group, {f: _cell() for f in FIELDS})[field][verdict] += 1
            if doc["folder"] in RECEIPT_FOLDERS:
                split = "held out" if doc["held_out"] else "development"
                for group in ("sroie per company", f"sroie per company, {split}"):
                    cell = weighted.setdefault(group, {f: _cell() for f in FIELDS})[field]
                    cell[verdict] += 1 / per_company[doc["company"]]
            found = result.fields.get(field)
            if found is not None:
                bucket = _bucket(found.confidence)
                cell = reliability["used"].setdefault(bucket, [0, 0])
                cell[0] += verdict == "right"
                cell[1] += 1
            elif field in held:
                best = held[field].candidates[0] if held[field].candidates else None
                if best is not None:
                    cell = reliability["abstained"].setdefault(_bucket(best.confidence), [0, 0])
                    cell[0] += matches(field, doc, best.value)
                    cell[1] += 1
            name = decided_by(result, field)
            cell = heuristics.setdefault(field, {}).setdefault(name, [0, 0, 0])
            cell[0] += verdict == "right"
            cell[1] += verdict == "wrong"
            cell[2] += 1
            if verdict != "right":
                expected = expected_of(field, doc)
                if field == "total" and doc.get("amount_due"):
                    expected = f"{doc['total']} or {doc['amount_due']}"
                if found is None and field in held and held[field].candidates:
                    found = held[field].candidates[0]
                misses.append(
                    {
                        "file": f"{doc['folder']}/{doc['file']}",
                        "field": field,
                        "verdict": verdict,
                        "held_out": doc["held_out"],
                        "expected": expected,
                        "got": None if found is None else str(found.value),
                        "confidence": None if found is None else found.confidence,
                        "heuristic": name,
                        "evidence": None if found is None else found.evidence.text,
                        "note": None if found is None else found.evidence.note,
                    }
                )
    order = sorted(table, key=lambda g: (g.startswith(("ALL", "HELD")), g))
    return {
        "table": {g: table[g] for g in order},
        "weighted": weighted,
        "reliability": reliability,
        "heuristics": heuristics,
        "misses": misses,
    }


def _bucket(confidence: float) -> str:
    low = max(b for b in BUCKETS if b <= confidence + 1e-9)
    high = next((b for b in BUCKETS if b > low), 1.0)
    return f"{low:.2f}-{high:.2f}"


def _fmt(cell: Cell) -> str:
    n = sum(cell.values())
    if not n:
        return "-"
    r, w = 100 * cell["right"] / n, 100 * cell["wrong"] / n
    return f"{r:.0f}/{w:.0f}/{100 - r - w:.0f}"


def print_table(table: dict[str, dict[str, Cell]], title: str) -> None:
    print(f"\n== {title}: right / wrong / abstained, % of documents with a truth value")
    print(f"{'':<44}{'n':>5}" + "".join(f"{f:>16}" for f in FIELDS))
    for group, cells in table.items():
        n = max(sum(c.values()) for c in cells.values())
        row = "".join(f"{_fmt(c):>16}" for c in cells.values())
        print(f"{group:<44}{n:>5.0f}{row}")


def print_reliability(reliability: dict[str, dict[str, list[int]]]) -> None:
    print("\n== reliability: confidence bucket -> share right (used values; best abstained)")
    for kind, buckets in reliability.items():
        for bucket in sorted(buckets):
            right, n = buckets[bucket]
            print(f"  {kind:<10} {bucket}  {right:>4}/{n:<4} {100 * right / n:5.1f}% right")


def print_heuristics(heuristics: dict[str, dict[str, list[int]]]) -> None:
    print("\n== heuristics: documents decided (right / wrong) per field")
    for field, names in heuristics.items():
        for name, (right, wrong, n) in sorted(names.items(), key=lambda kv: -kv[1][2]):
            print(f"  {field:<15} {name:<44} {n:>5}  right {right:>4}  wrong {wrong:>3}")


def best_of(repeat: int, run: Callable[[], Any]) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - started)
    return best, result


def poppler_text(paths: list[Path], exe: str) -> None:
    for path in paths:
        subprocess.run([exe, "-layout", str(path), "/dev/null"], check=False, capture_output=True)


def count_pages(path: Path) -> int:
    pdf = pypdfium2.PdfDocument(path)
    try:
        return len(pdf)
    finally:
        pdf.close()


XML_FIELDS = ("subtotal", "tax", "amount_due", "due_date")


def totals_against_xml(off: list[ExtractedDocument], on: list[ExtractedDocument]) -> None:
    """Subtotal/tax/amount due/due date read from the page against the embedded XML."""
    counts = {f: {"right": 0, "wrong": 0, "absent": 0} for f in XML_FIELDS}
    for page, xml_doc in zip(off, on, strict=True):
        xml = xml_doc.einvoice.fields if xml_doc.einvoice and xml_doc.einvoice.read else {}
        for name in XML_FIELDS:
            if name not in xml:
                continue
            got = page.value(name)
            if got is None:
                counts[name]["absent"] += 1
            elif got == xml[name].value or (
                isinstance(got, Decimal) and abs(got) == abs(Decimal(str(xml[name].value)))
            ):
                counts[name]["right"] += 1
            else:
                counts[name]["wrong"] += 1
                print(f"    wrong: {page.path}: {name} page {got} xml {xml[name].value}")
    print("\n== subtotal, tax, amount due, due date: page (XML off) against the embedded XML")
    for name, cell in counts.items():
        print(f"{name:<12} {cell}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path, nargs="+")
    parser.add_argument("--repeat", type=int, default=1, help="timing runs; the best counts")
    parser.add_argument("--misses", action="store_true", help="list every wrong or missing value")
    parser.add_argument("--show-held-out", action="store_true", help="misses of held-out docs too")
    parser.add_argument("--sample", type=int, help="only every N-th document (quick runs)")
    parser.add_argument("--xml", action="store_true", help="also run with e-invoice XML on")
    parser.add_argument("--json", type=Path, help="write all figures to this file")
    args = parser.parse_args()
    docs = load_truth(args.corpus)
    if args.sample:
        docs = docs[:: args.sample]
    paths = [doc["path"] for doc in docs]
    pages = sum(count_pages(p) for p in paths)
    print(f"{len(docs)} documents, {pages} pages in {', '.join(map(str, args.corpus))}")
    seconds, results = best_of(
        args.repeat, lambda: [extract_file(p, einvoice=False) for p in paths]
    )
    found = score(docs, results)
    print_table(found["table"], "accuracy, e-invoice XML off")
    print_table(found["weighted"], "receipts weighted per company (each company counts once)")
    print_reliability(found["reliability"])
    print_heuristics(found["heuristics"])
    if args.misses:
        shown = [m for m in found["misses"] if args.show_held_out or not m["held_out"]]
        print(f"\n-- misses ({len(shown)} shown; held-out ones hidden unless --show-held-out)")
        for m in shown:
            print(
                f"{m['file']}  {m['field']} {m['verdict']}: expected {m['expected']!r}, "
                f"got {m['got']!r} ({m['confidence']}, {m['heuristic']})"
            )
            print(f"    evidence: {m['evidence']!r}  note: {m['note']!r}")
    if args.xml:
        on = [extract_file(p, einvoice=True) for p in paths]
        totals_against_xml(results, on)
    exe = shutil.which("pdftotext")
    poppler = best_of(args.repeat, lambda: poppler_text(paths, exe))[0] if exe else None
    print(f"\n== speed, best of {args.repeat} over {len(docs)} documents, {pages} pages")
    print(f"ours (XML off)          {seconds:8.2f} s {1000 * seconds / pages:8.1f} ms/page")
    ratio = None
    if poppler is None:
        print("pdftotext -layout       not installed (apt-get install poppler-utils)")
    else:
        ratio = seconds / poppler
        print(f"pdftotext -layout       {poppler:8.2f} s {1000 * poppler / pages:8.1f} ms/page")
        print(f"ours / pdftotext        {ratio:8.2f}x")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"peak memory (max RSS)   {peak_mb:8.0f} MB")
    if args.json:
        out = {
            "documents": len(docs),
            "pages": pages,
            **{k: v for k, v in found.items() if k != "misses"},
            "misses": [m for m in found["misses"] if args.show_held_out or not m["held_out"]],
            "seconds": {"ours": seconds, "pdftotext -layout": poppler, "ratio": ratio},
            "peak_rss_mb": round(peak_mb, 1),
        }
        args.json.write_text(json.dumps(out, indent=2, default=str) + "\n", encoding="utf-8")
        print(f"figures written to {args.json}")


if __name__ == "__main__":
    main()
