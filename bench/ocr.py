"""Benchmark: invoice fields read from receipt scans by OCR, against the same receipts' text PDFs.

Run as ``python bench/ocr.py SROIE_FOLDER [--limit 30] [--all] [--misses] [--json FILE]`` from
the repo root, SROIE_FOLDER being ``../shared/corpus-extra/sroie-extra`` (a text PDF and the scan
it was made from, ``X.jpg``, per receipt; truth in its ``truth.jsonl``).

Which receipts: one per company (the ``group`` key) in file order, up to ``--limit``, so that one
chain's template (43 of the 423 receipts are one chain's) does not dominate; ``--all`` takes
every receipt instead.

For each receipt both files go through ``coop_rules.extraction.extract_file`` in this process
(OCR ``on``, e-invoice XML off): the scan through OCR, the PDF through its text layer. Issue
date, total and vendor are compared with the truth as in ``bench/extraction.py``, and each is
counted as right, wrong (a value that is not the truth's) or abstained (no value). Seconds per
scan are the wall time of reading and extracting it, the OCR engine loaded (the first scan is
read once before timing), and the CPU seconds of this process (what a scan costs on a core of
its own: on a shared machine the wall time is longer); peak memory is this process's maximum
RSS at the end, which is what a reader worker holding the engine would reach.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from extraction import matches

from coop_rules.documents import ocr
from coop_rules.documents.limits import Limits
from coop_rules.extraction import ExtractedDocument, extract_file

FIELDS = ("issue_date", "total", "vendor")
TARGETS = {"issue_date": 0.90, "total": 0.85, "vendor": 0.70}
MAX_WRONG = {"issue_date": 0.02, "total": 0.02}


def pick(folder: Path, limit: int, every: bool) -> list[dict[str, Any]]:
    docs = []
    seen: set[str] = set()
    for line in (folder / "truth.jsonl").read_text(encoding="utf-8").splitlines():
        doc = json.loads(line)
        if not doc.get("image"):
            continue
        if not every and doc.get("group") in seen:
            continue
        seen.add(doc.get("group", ""))
        doc["folder"] = folder.name
        docs.append(doc)
        if len(docs) >= limit:
            break
    return docs


def outcome(field: str, doc: dict[str, Any], result: ExtractedDocument) -> str:
    got = result.value(field)
    if got is None:
        return "abstained"
    return "right" if matches(field, doc, got) else "wrong"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--limit", type=int, default=30)
    parser.add_argument("--all", action="store_true", help="every receipt, not one per company")
    parser.add_argument("--skip", type=int, default=0, help="skip the first N picked receipts")
    parser.add_argument("--latin", help="Tesseract languages for Latin script (eng+deu+fra)")
    parser.add_argument("--no-deskew", action="store_true", help="do not straighten pages")
    parser.add_argument("--no-osd", action="store_true", help="no orientation/script detection")
    parser.add_argument("--min-width", type=int, help="scale narrower images up to this (1200)")
    parser.add_argument(
        "--no-line-scale", action="store_true", help="do not scale text lines to LINE_HEIGHT"
    )
    parser.add_argument(
        "--no-block", action="store_true", help="read receipts with PSM 3 (auto), not 6 (block)"
    )
    parser.add_argument(
        "--no-reread", action="store_true", help="do not read unsure numbers a second time"
    )
    parser.add_argument(
        "--no-adaptive", action="store_true", help="do not read illegible pages again by tiles"
    )
    parser.add_argument("--misses", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    docs = pick(args.folder, args.skip + args.limit, args.all)[args.skip :]
    if args.latin:
        ocr.LATIN = args.latin
    ocr.DESKEW, ocr.OSD = not args.no_deskew, not args.no_osd
    ocr.SCALE_TO_LINES, ocr.BLOCK_RECEIPTS = not args.no_line_scale, not args.no_block
    ocr.REREAD_NUMBERS = not args.no_reread
    ocr.ADAPTIVE_RETRY = not args.no_adaptive
    if args.min_width:
        ocr.MIN_WIDTH = args.min_width
    limits = Limits(isolate=False, ocr="on", timeout=60.0)
    extract_file(args.folder / docs[0]["image"], limits=limits)  # load the engine once
    counts = {src: {f: {"right": 0, "wrong": 0, "abstained": 0} for f in FIELDS} for src in "SP"}
    seconds: list[float] = []
    cpu_seconds: list[float] = []
    confidences: list[float] = []
    misses = []
    for doc in docs:
        start, cpu = time.perf_counter(), time.process_time()
        scan = extract_file(args.folder / doc["image"], doc["image"], einvoice=False, limits=limits)
        seconds.append(time.perf_counter() - start)
        cpu_seconds.append(time.process_time() - cpu)
        text = extract_file(args.folder / doc["file"], doc["file"], einvoice=False, limits=limits)
        for source, result in (("S", scan), ("P", text)):
            for field in FIELDS:
                got = outcome(field, doc, result)
                counts[source][field][got] += 1
                if source == "S" and got != "right":
                    found = result.fields.get(field)
                    misses.append(
                        f"{doc['image']} {field}: {got}, truth "
                        f"{doc['date'] if field == 'issue_date' else doc[field]!r}, read "
                        f"{None if found is None else found.value!r} "
                        f"(pdf: {outcome(field, doc, text)})"
                    )
        for found in scan.fields.values():
            confidences.append(found.confidence)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    n = len(docs)
    print(f"{n} receipts ({'all' if args.all else 'one per company'}), OCR on, XML off")
    print(f"{'field':<11} {'from':<5} {'right':>12} {'wrong':>10} {'abstained':>10}  target")
    out: dict[str, Any] = {"receipts": n, "fields": {}}
    for field in FIELDS:
        for source, name in (("S", "scan"), ("P", "pdf")):
            c = counts[source][field]
            target = ""
            if source == "S":
                target = f"right >= {TARGETS[field]:.0%}"
                if field in MAX_WRONG:
                    target += f", wrong <= {MAX_WRONG[field]:.0%}"
            print(
                f"{field:<11} {name:<5} {c['right']:>3} ({c['right'] / n:4.0%})"
                f" {c['wrong']:>3} ({c['wrong'] / n:3.0%}) {c['abstained']:>3} "
                f"({c['abstained'] / n:3.0%})  {target}"
            )
            out["fields"][f"{field}/{name}"] = c
    seconds.sort()
    mean = sum(seconds) / n
    print(
        f"seconds per scan: mean {mean:.2f}, median {seconds[n // 2]:.2f}, max {seconds[-1]:.2f}"
        "  (target <= 2 s)"
    )
    cpu_seconds.sort()
    cpu = sum(cpu_seconds) / n
    print(
        f"CPU seconds per scan: mean {cpu:.2f}, median {cpu_seconds[n // 2]:.2f}, "
        f"max {cpu_seconds[-1]:.2f}  (what a scan costs on an idle core)"
    )
    out.update(cpu_seconds_mean=cpu, cpu_seconds_max=cpu_seconds[-1])
    print(f"peak RSS of this process: {peak:.0f} MB  (target <= 400 MB per worker)")
    out.update(seconds_mean=mean, seconds_max=seconds[-1], peak_rss_mb=peak)
    if args.misses:
        print("\n".join(misses))
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
