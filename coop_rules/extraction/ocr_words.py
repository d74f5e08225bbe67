"""Legal forms, the word "total" and zeros OCR garbled, read as printed, on pages read by OCR.

A company's legal form is what marks its name on a receipt or an invoice ("SUPER SEVEN CASH &
CARRY SDN BHD"), and the name finding (:mod:`.parties`) looks for it. OCR misreads its letters
the way it misreads any print, by their shapes: D as O ("SON BHD"), B as 8 or 3 ("SDN 3HD"),
S as 5 or $ ("$/B"), I as 1 or l, O as 0. Such a name is then no name with a legal form at all,
and the receipt's vendor is lost (or only a fragment of the name is read, "CM) SON BHD").

So on a page read by OCR (``Page.ocr_confidence`` set), a run of words that, letter by letter,
is one of the lexicon's Latin legal forms up to those confusions, after a word of a name on
the same line, is read as that legal form: its words' text is replaced (the page's text with
them), their boxes and confidences stay. Short forms (fewer than three characters: "AG",
"SA", "CO") are left alone: too many words and codes are one confusion away from them; at
least half of a form's characters must be read as printed, and a form of one word needs a digit
or a sign read for one of its letters ("8HD"; "IDA" is a name as often as a garbled "LDA").

A receipt's total label suffers the same: "iotal", "fotal" (a T whose crossbar faded), "T0TAL",
"Tota1", "Tota" (its last letter lost), or "otal" at a line's start (its first letter lost at
the paper's edge). Such a word before a number on its line is read as "Total" (see
:func:`_garbled_total`); the value it labels still needs what any OCR total needs (the page's
sums or a second print) to be used.

An amount's zero read as the letter O ("RMO.25", "1O.00": no font tells them apart at a
receipt's size) is read as the zero: a word that is an amount but for an O where a digit
stands, with at most a currency glued before it.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import cache

from coop_rules.documents.model import Document, Page, Word
from coop_rules.extraction.lexicon import languages

# Characters OCR confuses by their shapes, each mapped to one representative.
_CONFUSED = {
    "0": "O",
    "D": "O",
    "Q": "O",
    "8": "B",
    "3": "B",
    "5": "S",
    "$": "S",
    "1": "I",
    "L": "I",
    "|": "I",
    "!": "I",
    "2": "Z",
    "6": "G",
}
MIN_FORM = 3  # characters of a legal form (dots and spaces aside) for it to be repaired

# The word "total" as OCR garbles it by letter shapes: a T whose crossbar is lost or faint is
# read as i, l, f, j, 1 or 7, an O as 0, Q or D, an L as 1, I or |. The few letters of a word
# give little to go on, so at most one letter may be read for another (two of "iota1" is no
# total); a word that lost its first letter ("otal") counts only at a line's start, one that
# lost its last ("Tota") anywhere.
TOTAL = "TOTAL"
_TOTAL_SHAPES = (
    frozenset("TtIil1fj7[|"),
    frozenset("Oo0QDöóò"),
    frozenset("TtIl1f+"),
    frozenset("Aa@4"),
    frozenset("Ll1Ii|!"),
)


# An amount with an O for a zero, its currency glued on or not (see the module docstring).
_O_AMOUNT = re.compile(r"^((?:[A-Z]{2,3}|[$€£])?)([\dOo]{1,7}[.,][\dOo]{2})([.,:)]?)$")


def _folded(text: str) -> str:
    return "".join(_CONFUSED.get(ch, ch) for ch in text.upper())


@cache
def _forms() -> dict[tuple[str, ...], tuple[str, ...]]:
    """The Latin legal forms of the lexicon by their words folded (without dots): the form's
    words as printed, upper case, without dots."""
    out: dict[tuple[str, ...], tuple[str, ...]] = {}
    for language in languages().values():
        for suffix in language.legal_suffixes:
            words = tuple(w.replace(".", "").upper() for w in suffix.split())
            chars = sum(len(w) for w in words)
            if not all(w.isascii() and w for w in words) or chars < MIN_FORM:
                continue
            out.setdefault(tuple(_folded(w) for w in words), words)
    return out


def _core(text: str) -> tuple[str, str]:
    """A word's characters without dots, and what trails it (",", ")")."""
    stripped = text.rstrip(",;:)")
    return stripped.replace(".", ""), text[len(stripped) :]


def _spelled(word: Word, form: str) -> Word:
    """``word`` spelled as ``form``: each letter in the case OCR read it in, a digit or sign
    read for a letter in the case of the letter before it (the first letter after it at the
    start: "Bh0" → "Bhd", "8HD" → "BHD"); its dots and trailing punctuation kept ("SDN.")."""
    core, trail = _core(word.text)
    cases = [c.islower() for c in core if c.isalpha()] or [False]
    lower, letters = cases[0], []
    for c, f in zip(core, form, strict=True):
        lower = c.islower() if c.isalpha() else lower
        letters.append(f.lower() if lower else f)
    dotted = word.text.rstrip(",;:)").endswith(".")
    return replace(word, text="".join(letters) + ("." if dotted else "") + trail)


def _garbled_total(text: str, first: bool) -> bool:
    """Whether ``text`` (a word, trailing colon or dot aside) is the word "total" with one
    letter read for another of its shape, without its L, or without its T at a line's start
    (``first``)."""
    core = text.rstrip(":.;,")
    if core.upper() == TOTAL:
        return False
    if (first and core.upper() == TOTAL[1:]) or core.upper() == TOTAL[:-1]:
        return True  # its first letter lost at the paper's edge, or its last in a gap
    if len(core) != len(TOTAL):
        return False
    wrong = 0
    for c, printed, shapes in zip(core, TOTAL, _TOTAL_SHAPES, strict=True):
        if c.upper() == printed:
            continue
        if c not in shapes:
            return False
        wrong += 1
    return wrong == 1


def _total_read(word: Word) -> Word:
    """``word`` (a garbled "total") spelled as printed, in the case of its letters."""
    core = word.text.rstrip(":.;,")
    letters = [c for c in core if c.isalpha()]
    upper = sum(c.isupper() for c in letters) * 2 > len(letters)
    title = "TOTAL" if upper else "Total"
    return replace(word, text=title + word.text[len(core) :])


def _zeros_read(word: Word) -> Word:
    """``word`` with the O read for a zero in an amount read as the zero (see _O_AMOUNT)."""
    found = _O_AMOUNT.match(word.text)
    if found is None or not any(c in "Oo" for c in found.group(2)):
        return word
    number = found.group(2).replace("O", "0").replace("o", "0")
    return replace(word, text=found.group(1) + number + found.group(3))


def _repaired_line(line: list[Word]) -> list[Word]:
    """``line`` with a garbled legal form after a name's word read as the legal form, and a
    garbled word "total" (see _garbled_total) before an amount on the line read as printed."""
    forms = _forms()
    out = [_zeros_read(word) for word in line]
    for i, word in enumerate(out):
        if _garbled_total(word.text, i == 0) and any(
            any(ch.isdigit() for ch in later.text) for later in out[i + 1 :]
        ):
            out[i] = _total_read(word)
    i = 1
    while i < len(out):
        done = False
        for size in (3, 2, 1):
            run = out[i : i + size]
            if len(run) < size or not any(ch.isalpha() for ch in out[i - 1].text):
                continue
            cores = [_core(w.text)[0] for w in run]
            printed = forms.get(tuple(_folded(c) for c in cores))
            if printed is None or all(c.upper() == p for c, p in zip(cores, printed, strict=True)):
                continue
            pairs = [
                (a, b)
                for c, p in zip(cores, printed, strict=True)
                for a, b in zip(c.upper(), p, strict=True)
            ]
            if 2 * sum(a == b for a, b in pairs) < len(pairs):
                continue
            if size == 1 and all(a.isalpha() for a, b in pairs if a != b):
                continue  # one word one letter off ("IDA", "ITO"): as likely a word as a form
            out[i : i + size] = [_spelled(w, p) for w, p in zip(run, printed, strict=True)]
            i += size
            done = True
            break
        if not done:
            i += 1
    return out


def read_legal_forms(document: Document) -> Document:
    """``document`` with the legal forms OCR garbled on its OCR pages read as printed (see the
    module docstring); the same object when there was none."""
    pages = []
    changed = False
    for page in document.pages:
        fixed = _page(page) if page.ocr_confidence is not None else page
        changed |= fixed is not page
        pages.append(fixed)
    return replace(document, pages=tuple(pages)) if changed else document


def _page(page: Page) -> Page:
    """``page`` with its legal forms read (the same object when none was garbled). Its text is
    its words, a line of them to a text line, as the OCR reader writes it."""
    rows = [row.split(" ") for row in page.text.split("\n")]
    if sum(len(row) for row in rows) != len(page.words):
        return page  # not laid out as the reader writes it: left as it is
    words: list[Word] = []
    lines: list[str] = []
    at = 0
    for row in rows:
        line = list(page.words[at : at + len(row)])
        at += len(row)
        if [w.text for w in line] != row:
            return page
        fixed = _repaired_line(line)
        words.extend(fixed)
        lines.append(" ".join(w.text for w in fixed))
    if words == list(page.words):
        return page
    return replace(page, words=tuple(words), text="\n".join(lines))
