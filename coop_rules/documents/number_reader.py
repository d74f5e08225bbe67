"""A second OCR engine for the numbers Tesseract was unsure of: PP-OCRv4 text recognition.

Tesseract misreads receipt print in a way its confidence does not show (``60.30`` read
``66.30`` at 0.9), and a second Tesseract reading of the number's crop mostly repeats the same
engine's mistakes: on the 60 development receipt scans, of the 94 re-read numbers that some
reading gave as the receipt's true total, the page read 73 right, Tesseract's second reading 70,
and this recogniser 91 (``bench/notes/ocr-receipts.md``). It is a different kind of reader (a
neural line recogniser, trained on print photographed in the wild) whose mistakes are not
Tesseract's, so where the two agree the number is confirmed, and where they differ the
recogniser's reading is the likelier one (:func:`coop_rules.documents.ocr._voted`).

Only the recognition half of RapidOCR is used, on the crop of one number at a time (the page's
words and boxes stay Tesseract's): the text-detection model is what made RapidOCR slow and
large on whole pages (7 s and 1.1 GB a receipt, see the README), while recognising a crop takes
~16 ms and the session ~45 MB. The model is the one the ``rapidocr-onnxruntime`` wheel carries
(``ch_PP-OCRv4_rec_infer.onnx``, Apache-2.0, read from the installed package's folder without
importing the package, which would load OpenCV); nothing is downloaded. Without the wheel or
ONNX Runtime (``available()`` is False) numbers are read a second time by Tesseract, as before.
"""

from __future__ import annotations

import importlib.util
import logging
import threading
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PIL import Image

PACKAGE = "rapidocr_onnxruntime"
MODEL = "models/ch_PP-OCRv4_rec_infer.onnx"
HEIGHT = 48  # the model's input height in pixels (its width follows the crop's aspect)
MAX_WIDTH = 640  # a crop is never wider than this at HEIGHT (a number is 100–300 pixels)

_lock = threading.Lock()
log = logging.getLogger(__name__)


@cache
def model_path() -> Path | None:
    """The recognition model in the installed wheel, or None."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / MODEL
    return path if path.is_file() else None


@cache
def _installed() -> bool:
    return (
        model_path() is not None
        and importlib.util.find_spec("onnxruntime") is not None
        and importlib.util.find_spec("numpy") is not None
    )


def available() -> bool:
    """Whether the recogniser can run here: the wheel's model and ONNX Runtime with numpy are
    installed, and loading them did not fail in this process (see :func:`read`)."""
    return _broken is None and _installed()


class _Recogniser:
    """One ONNX Runtime session on one thread (a reader worker reads one page at a time), with
    the model's character list (in its metadata; index 0 is CTC's blank, the last a space)."""

    def __init__(self, path: Path, allowed: str) -> None:
        import numpy as np
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = options.inter_op_num_threads = 1
        # Crops vary in width: neither an arena kept at the largest nor a memory plan per
        # width (together 45 MB more after 300 crops of random widths).
        options.enable_cpu_mem_arena = False
        options.enable_mem_pattern = False
        options.log_severity_level = 3
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        characters = self.session.get_modelmeta().custom_metadata_map["character"].splitlines()
        self.characters = ["", *characters, " "]
        # Only the allowed characters (and the blank) may be read: like Tesseract's whitelist.
        self.mask = np.array([i == 0 or c in allowed for i, c in enumerate(self.characters)])
        self.input = self.session.get_inputs()[0].name

    def read(self, crop: Image.Image) -> tuple[str, float]:
        import numpy as np
        from PIL import Image

        width = max(8, min(MAX_WIDTH, round(HEIGHT * crop.width / max(crop.height, 1))))
        pixels = crop.convert("RGB").resize((width, HEIGHT), Image.Resampling.BILINEAR)
        batch = (np.asarray(pixels, dtype=np.float32) / 127.5 - 1.0).transpose(2, 0, 1)[None]
        scores = self.session.run(None, {self.input: batch})[0][0]  # steps × characters
        scores = np.where(self.mask, scores, 0.0)
        best, sure = scores.argmax(axis=1), scores.max(axis=1)
        text: list[str] = []
        kept: list[float] = []
        previous = 0
        for index, score in zip(best.tolist(), sure.tolist(), strict=True):
            if index != previous and index != 0:  # CTC: repeats collapse, blanks separate
                text.append(self.characters[index])
                kept.append(score)
            previous = index
        return "".join(text), (sum(kept) / len(kept) if kept else 0.0)


_readers: dict[str, Any] = {}
_broken: str | None = None  # why the recogniser could not be loaded in this process


def read(crop: Image.Image, allowed: str) -> tuple[str, float] | None:
    """``crop`` (one line of print) read by the recogniser with only ``allowed`` characters:
    the text and the mean probability of its characters (0–1); None when the recogniser
    could not be loaded here (a worker's memory limit, a broken install): it is then not
    :func:`available` in this process, and numbers are read again by Tesseract."""
    global _broken
    with _lock:
        if allowed not in _readers:
            path = model_path()
            if _broken is not None or path is None:
                return None
            try:
                _readers[allowed] = _Recogniser(path, allowed)
            except Exception as exc:  # ONNX Runtime's own errors, MemoryError
                _broken = f"{type(exc).__name__}: {exc}"
                log.warning("the number recogniser could not be loaded (%s)", _broken)
                return None
        return _readers[allowed].read(crop)
