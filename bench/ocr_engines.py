"""Benchmark: which OCR engine — Tesseract 5 (tesserocr, its C API) or RapidOCR (ONNX Runtime).

Run as ``python bench/ocr_engines.py SROIE_FOLDER --engine tesserocr|tesseract-cli|rapidocr
[--limit 30] [--psm 3] [--cjk FIXTURES]`` from the repo root. Each engine runs in a process of its
own (run the script once per engine), so that its peak memory (``ru_maxrss``) is its own. RapidOCR
is not a dependency of this project: install ``rapidocr-onnxruntime`` (its wheel carries its
models) into a scratch virtual environment to measure it.

What is measured, per page:

* **text**: the recognised words against the receipt's text layer (the SROIE PDF is the
  receipt's transcription): token F1 (case-folded runs of letters and digits, multiset overlap),
  and for CJK pages character F1 (the CJK characters and digits on the page);
* **fields found in the text**: whether the truth's total (``60.30``), printed date
  (``date_raw``) and vendor name (fuzzy, ratio ≥ 0.8 against a line) occur in the OCR text — an
  upper bound of what an extractor can find, independent of the extractor;
* **seconds** per page (wall time of recognition only, the engine loaded) and the process's
  **peak RSS** at the end, and the one-off load time.

CJK sample: the Japanese and Korean fixture invoices (pages rendered at 200 dpi by PDFium) and
a Chinese receipt in simplified and traditional script made here with reportlab's CID fonts.
"""

from __future__ import annotations

import argparse
import collections
import difflib
import io
import json
import re
import resource
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path

from PIL import Image

TESSDATA = ("/usr/share/tesseract-ocr/5/tessdata", "/usr/share/tesseract-ocr/4.00/tessdata")
_TOKEN = re.compile(r"[^\W_]+")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af0-9]")

Words = list[tuple[str, float]]  # text, confidence 0–1


def tessdata() -> str:
    for folder in TESSDATA:
        if Path(folder, "eng.traineddata").is_file():
            return folder
    raise SystemExit("no tessdata folder with eng.traineddata")


def engine_tesserocr(lang: str, psm: int) -> Callable[[Image.Image], Words]:
    import tesserocr

    api = tesserocr.PyTessBaseAPI(path=tessdata(), lang=lang, psm=psm)

    def run(image: Image.Image) -> Words:
        api.SetImage(image)
        api.Recognize()
        out: Words = []
        it = api.GetIterator()
        level = tesserocr.RIL.WORD
        for word in tesserocr.iterate_level(it, level):
            text = word.GetUTF8Text(level)
            if text and text.strip():
                out.append((text, word.Confidence(level) / 100))
        return out

    return run


def engine_tesseract_cli(lang: str, psm: int) -> Callable[[Image.Image], Words]:
    def run(image: Image.Image) -> Words:
        with tempfile.NamedTemporaryFile(suffix=".png") as tmp:
            image.save(tmp.name)
            tsv = subprocess.run(
                ["tesseract", tmp.name, "-", "-l", lang, "--psm", str(psm), "tsv"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        out: Words = []
        for row in tsv.splitlines()[1:]:
            cols = row.split("\t")
            if len(cols) == 12 and cols[0] == "5" and cols[11].strip():
                out.append((cols[11], float(cols[10]) / 100))
        return out

    return run


def engine_rapidocr(lang: str, psm: int) -> Callable[[Image.Image], Words]:
    import numpy as np
    from rapidocr_onnxruntime import RapidOCR

    ocr = RapidOCR()

    def run(image: Image.Image) -> Words:
        result, _ = ocr(np.asarray(image.convert("RGB")))
        # RapidOCR gives text lines (box, text, score); split into words for the token figures.
        return [(w, float(score)) for _, text, score in result or () for w in text.split()]

    return run


ENGINES = {
    "tesserocr": engine_tesserocr,
    "tesseract-cli": engine_tesseract_cli,
    "rapidocr": engine_rapidocr,
}


def tokens(text: str) -> collections.Counter[str]:
    return collections.Counter(_TOKEN.findall(unicodedata.normalize("NFKC", text).casefold()))


def cjk_chars(text: str) -> collections.Counter[str]:
    return collections.Counter(_CJK.findall(unicodedata.normalize("NFKC", text)))


def f1(got: collections.Counter[str], want: collections.Counter[str]) -> float:
    common = sum((got & want).values())
    if not common:
        return 0.0
    precision, recall = common / sum(got.values()), common / sum(want.values())
    return 2 * precision * recall / (precision + recall)


def squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", unicodedata.normalize("NFKC", text).casefold())


def vendor_found(vendor: str, lines: list[str]) -> bool:
    want = squash(vendor)
    for i in range(len(lines)):
        joined = squash(" ".join(lines[i : i + 2]))  # a name may wrap onto a second line
        if want in joined or difflib.SequenceMatcher(None, want, joined).ratio() >= 0.8:
            return True
    return False


def pdf_text(path: Path) -> str:
    import pypdfium2

    pdf = pypdfium2.PdfDocument(path)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in pdf)
    finally:
        pdf.close()


def sroie(folder: Path, limit: int, run: Callable[[Image.Image], Words]) -> dict:
    truth = [json.loads(line) for line in (folder / "truth.jsonl").read_text().splitlines()]
    truth = [t for t in truth if t.get("image")][:limit]
    rows = []
    for doc in truth:
        image = Image.open(folder / doc["image"])
        image.load()
        start = time.perf_counter()
        words = run(image)
        seconds = time.perf_counter() - start
        text = " ".join(w for w, _ in words)
        reference = pdf_text(folder / doc["file"])
        # Lines of the OCR text for the vendor: the engines' word order keeps lines together.
        lines = [text[i : i + 80] for i in range(0, len(text), 40)]
        rows.append(
            {
                "file": doc["image"],
                "seconds": seconds,
                "f1": f1(tokens(text), tokens(reference)),
                "total": doc["total"] in text.replace(",", "."),
                "date": squash(doc["date_raw"]) in squash(text),
                "vendor": vendor_found(doc["vendor"], lines),
                "confidence": sum(c for _, c in words) / max(1, len(words)),
            }
        )
    return summarise(rows)


def summarise(rows: list[dict]) -> dict:
    n = len(rows)
    out = {"pages": n}
    for key in ("seconds", "f1", "confidence"):
        values = sorted(r[key] for r in rows)
        out[key] = {"mean": sum(values) / n, "median": values[n // 2], "max": values[-1]}
    for key in ("total", "date", "vendor"):
        if key in rows[0]:
            out[key] = sum(r[key] for r in rows) / n
    return out


CHINESE = [
    (
        "chi_sim",
        "STSong-Light",
        [
            "上海云图广告有限公司",
            "发票号码: 20240415",
            "开票日期: 2024年04月15日",
            "项目: 线上广告投放",
            "金额合计: ¥12,800.00",
            "税额: ¥768.00",
        ],
    ),
    (
        "chi_tra",
        "MSung-Light",
        [
            "臺北星辰媒體股份有限公司",
            "統一發票 號碼: AB-12345678",
            "日期: 2024年04月15日",
            "品名: 網路廣告刊登",
            "總計: NT$ 36,500",
            "營業稅: NT$ 1,825",
        ],
    ),
]


def chinese_pdfs(folder: Path) -> list[tuple[str, Path]]:
    from reportlab.lib.pagesizes import A5
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    out = []
    for lang, font, lines in CHINESE:
        pdfmetrics.registerFont(UnicodeCIDFont(font))
        path = folder / f"{lang}.pdf"
        pdf = canvas.Canvas(str(path), pagesize=A5)
        for i, line in enumerate(lines):
            pdf.setFont(font, 13)
            pdf.drawString(40, 540 - 28 * i, line)
        pdf.save()
        out.append((lang, path))
    return out


def cjk(fixtures: Path, psm: int, engine: str) -> dict:
    import pypdfium2

    samples = [("jpn", p) for p in sorted((fixtures / "compliant-ja").glob("*.pdf"))[:3]]
    samples += [("kor", p) for p in sorted((fixtures / "compliant-ko").glob("*.pdf"))[:3]]
    tmp = Path(tempfile.mkdtemp())
    samples += chinese_pdfs(tmp)
    runners: dict[str, Callable[[Image.Image], Words]] = {}
    per_lang: dict[str, list[dict]] = collections.defaultdict(list)
    for lang, path in samples:
        if lang not in runners:
            runners[lang] = ENGINES[engine](f"{lang}+eng", psm)
        pdf = pypdfium2.PdfDocument(path)
        for page in pdf:
            image = page.render(scale=200 / 72, grayscale=True).to_pil()
            reference = page.get_textpage().get_text_range()
            buf = io.BytesIO()
            image.save(buf, "PNG")
            start = time.perf_counter()
            words = runners[lang](image)
            seconds = time.perf_counter() - start
            text = "".join(w for w, _ in words)
            per_lang[lang].append(
                {
                    "file": path.name,
                    "seconds": seconds,
                    "f1": f1(cjk_chars(text), cjk_chars(reference)),
                    "confidence": sum(c for _, c in words) / max(1, len(words)),
                }
            )
        pdf.close()
    return {lang: summarise(rows) for lang, rows in per_lang.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sroie", type=Path)
    parser.add_argument("--engine", choices=sorted(ENGINES), required=True)
    parser.add_argument("--limit", type=int, default=30)
    parser.add_argument("--psm", type=int, default=3)
    parser.add_argument("--cjk", type=Path, help="the fixtures/claims folder (ja/ko invoices)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    run = ENGINES[args.engine]("eng", args.psm)
    loaded = time.perf_counter() - start
    out: dict = {"engine": args.engine, "psm": args.psm, "load_seconds": loaded}
    out["receipts"] = sroie(args.sroie, args.limit, run)
    if args.cjk:
        out["cjk"] = cjk(args.cjk, args.psm, args.engine)
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    json.dump(out, sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
