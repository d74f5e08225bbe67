"""The tilt of a page's printed lines, for a text layer laid over a scan that was not straight.

A scan fed or photographed askew (a till receipt, most often) whose text layer was made by OCR
keeps the scan's tilt: the words of one printed line climb or fall across the page, so a label at
the left and its amount at the right land on different visual lines (``TOTAL`` and, half a line
higher, ``24.40``), and the label → value search pairs the amount with the label above or below
it. Printed lines are straight and parallel, so the tilt is the slope along which the most text
boxes line up (a projection profile, the usual way to deskew a scan). :func:`level` finds it and
shears the words by it before they are grouped into lines; their boxes, the evidence, stay as on
the page.

OCR puts a box around a phrase and the text layer splits it into words that share the box's top
and bottom: such words are one box here, both to find the slope (they line up at any slope) and
to shear (a box is moved as one, never split over two lines). The words of a born-digital page
line up at slope 0, and a slope is only applied when it lines up clearly more boxes than slope 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

from coop_rules.documents.model import Word

MAX_SLOPE = 0.1  # about 6°: a scan tilted further is not read as lines at all
STEP, FINE = 0.01, 0.0025  # the slopes tried are this far apart, then down to FINE
ALIGN = 0.25  # two boxes are on one line when their middles are this many word heights apart
MIN_WORDS = 8  # fewer words show no lines
# A slope is applied when it lines up this many times the pairs of boxes that slope 0 does,
# at least MIN_GAIN pairs more, and at least LINED_UP pairs per box on the page (a pair counts
# 1 when level, less when further apart: see _aligned).
GAIN, MIN_GAIN, LINED_UP = 1.2, 3.0, 0.2

# A page is typeset level when this share of its boxes have a neighbour whose middle is at the
# very same height (less than SAME apart): 0.06 to 0.46 of a born-digital page's boxes do in
# the development folders, at most 0.05 of a tilted scan's.
TYPESET, SAME = 0.1, 0.01

Box = list[int]  # indices of the words that one OCR box was split into, left to right


def level(words: Sequence[Word]) -> list[Word]:
    """``words`` with each box moved up or down by the page's tilt (see the module docstring)
    at its middle, so that the page's printed lines are level; ``words`` as they are on a page
    that is not tilted."""
    if len(words) < MIN_WORDS:
        return list(words)
    boxes = _boxes(words)
    slope = tilt(words, boxes)
    if not slope:
        return list(words)
    levelled = list(words)
    for box in boxes:
        shift = slope * _middle(words, box)[0]
        for i in box:
            w = words[i]
            levelled[i] = Word(w.text, w.x0, w.top - shift, w.x1, w.bottom - shift, w.confidence)
    return levelled


def tilt(words: Sequence[Word], boxes: list[Box]) -> float:
    """The slope (down per unit right) along which the ``boxes`` of ``words`` line up best; 0.0
    when slope 0 does about as well."""
    middles = [_middle(words, box) for box in boxes]
    if _typeset(middles):
        return 0.0
    heights = sorted(w.bottom - w.top for w in words)
    near = ALIGN * heights[len(heights) // 2]
    if near <= 0:
        return 0.0
    scores: dict[float, float] = {}

    def aligned(slope: float) -> float:
        slope = round(slope, 4)
        if slope not in scores:
            scores[slope] = _aligned(middles, slope, near)
        return scores[slope]

    # Coarse slopes first, then halving the step around the best one.
    steps = round(MAX_SLOPE / STEP)
    best = max((s * STEP for s in range(-steps, steps + 1)), key=lambda s: (aligned(s), -abs(s)))
    step = STEP / 2
    while step >= FINE:
        best = max((best - step, best, best + step), key=lambda s: (aligned(s), -abs(s)))
        step /= 2
    top, flat = aligned(best), aligned(0.0)
    if abs(best) >= MAX_SLOPE - STEP / 2:
        return 0.0  # best at the end of the range: no peak, chance alignments
    if top < max(GAIN * flat, flat + MIN_GAIN, LINED_UP * len(middles)):
        return 0.0
    return round(best, 4)


def _boxes(words: Sequence[Word]) -> list[Box]:
    """The page's words grouped into the boxes they were split from: neighbours on one line
    with the very same top and bottom."""
    order = sorted(range(len(words)), key=lambda i: (words[i].top, words[i].bottom, words[i].x0))
    boxes: list[Box] = []
    for i in order:
        word = words[i]
        if boxes:
            last = words[boxes[-1][-1]]
            if (
                abs(word.top - last.top) < 0.05
                and abs(word.bottom - last.bottom) < 0.05
                and word.x0 - last.x1 < 2 * (word.bottom - word.top)
            ):
                boxes[-1].append(i)
                continue
        boxes.append([i])
    return boxes


def _middle(words: Sequence[Word], box: Box) -> tuple[float, float]:
    first, last = words[box[0]], words[box[-1]]
    return (first.x0 + last.x1) / 2, (first.top + first.bottom) / 2


def _aligned(middles: list[tuple[float, float]], slope: float, near: float) -> float:
    """How well the boxes line up once sheared by ``slope``: every pair of middles less than
    ``near`` apart counts, 1 when level with each other, down to 0 at ``near``."""
    ys = sorted([y - slope * x for x, y in middles])
    score, count = 0.0, len(ys)
    for i, y in enumerate(ys):
        j = i + 1
        while j < count and ys[j] - y < near:
            score += 1 - (ys[j] - y) / near
            j += 1
    return score


def _typeset(middles: list[tuple[float, float]]) -> bool:
    """Whether many boxes share the very same middle height: a page typeset on level baselines
    (a born-digital page), never a scan, whose boxes are each placed where OCR saw them."""
    ys = sorted(y for _x, y in middles)
    same = sum(1 for a, b in pairwise(ys) if b - a < SAME)
    return same >= TYPESET * len(ys)
