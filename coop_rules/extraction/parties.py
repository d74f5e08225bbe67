"""Who issued the invoice and to whom: vendor, bill-to and the vendor's tax id.

The vendor is scored from several independent clues, none of them a template:

* a seller label (``Seller``, ``Verkäufer``, ``Rechnungsersteller``, ``売主``) with a name next to
  or under it;
* the sender line above a window envelope's address (``Hetzner Online GmbH • Industriestr. 25 •
  91710 Gunzenhausen``), the first part of a separator-joined line near the top;
* a name ending in a legal form (``GmbH``, ``B.V.``, ``Ltd``, ``株式会社``), higher near the top of
  page 1 and when it recurs (letterhead and footer);
* without any of those, the name block at the head of page 1 (a shop receipt's store name):
  short lines of letters right above the address or contact block, stronger when they name a
  kind of business (``HARDWARE TRADING``, ``RESTORAN``, ``Bäckerei``: ``data/world/
  organisations.yaml``).

Whatever the clue, a vendor must look like an organisation's name: an address line, a
sentence, a date, a time, opening hours, a copyright line or a parenthesised remark never is
(:func:`~coop_rules.extraction.confidence.not_an_organisation`).

Names in the bill-to block (under ``Bill to``, ``Rechnung an``, ``Client`` …) are the buyer's and
never the vendor. A name only shown as a logo image cannot be read: then there is no vendor.
"""

from __future__ import annotations

import re
from functools import lru_cache, partial
from pathlib import Path

from coop_rules import compiled, yamlfile
from coop_rules.evidence import Extracted
from coop_rules.extraction.confidence import not_an_organisation, tells_time
from coop_rules.extraction.fields import Candidate, Context, Window, best, segment_bounds
from coop_rules.extraction.layout import Line, Token
from coop_rules.extraction.lexicon import (
    LabelHit,
    all_stopwords,
    legal_suffix_regex,
    section_matcher,
)
from coop_rules.extraction.names import name_key
from coop_rules.extraction.party_grid import PartyBox, party_boxes

_SEPARATORS = re.compile(r"\s[•●|·–—-]\s|\s?[•●|·]\s?")
_BREAK_WORDS = {"|", "•", "●", "-", "–", "—", "·", "/"}
_CONNECTORS = {
    "&",
    "and",
    "und",
    "et",
    "y",
    "e",
    "van",
    "von",
    "der",
    "den",
    "de",
    "la",
    "du",
    "des",
    "of",
}
_LEAD_PUNCT = " \t:;,.-–#"
PARTY_LABELS = frozenset({"vendor", "bill_to", "ship_to"})
PARTY_GAP = 8.0  # line heights: an address block may sit well under its heading
# A company registration number printed after or under its name: "(139386 X)", "(867388-U)";
# a sole proprietor's carries its state's letters ("(JM0292487-D)"). OCR reads its hyphen as a
# dot now and then ("(001451657.M)"), and a bracket as a brace ("(JM0292437-D}").
_REG_NUMBER = (
    r"[({]?\s*(?:co\.?\s*(?:reg\.?\s*)?no\.?\s*:?\s*)?"
    r"(?:[A-Z]{1,3}(?=\d))?\d{4,}\s*[-.]?\s*[A-Z]?\s*[)}]?"
)
_REG_NUMBER_AFTER = re.compile(rf"\s+{_REG_NUMBER}\s*$", re.IGNORECASE)
_REG_NUMBER_LINE = re.compile(rf"^\s*{_REG_NUMBER}\s*$", re.IGNORECASE)
_ORGANISATIONS = Path(__file__).with_name("data") / "world" / "organisations.yaml"
_ADDRESS_WORD = re.compile(
    r"\b(?:street|st|road|rd|avenue|ave|lane|drive|boulevard|blvd|square|plaza|quay|wharf|"
    r"terrace|crescent|parkway|highway|unit|level|jalan|jln|lorong|lot|taman|rue|via|calle|"
    r"floor|suite|blok|block)\b\.?"
    r"|(?:straße|strasse|str\.|weg|platz|allee|gasse|damm|straat|laan|gracht)\b",
    re.IGNORECASE,
)
# Post codes that are no run of 4–6 digits (case-sensitive): British ("E14 5NR", "EC2A 4RH"),
# Canadian ("M5V 3L9") and Irish Eircodes ("D04 KX33"). Dutch ("1012 AB"), US ZIP+4 ("78701-1234")
# and most others hold 4–6 digits and are read as such.
_POST_CODE = re.compile(
    r"\b(?:[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}|[A-Z]\d[A-Z] ?\d[A-Z]\d"
    r"|(?:[AC-FHKNPRTV-Y]\d{2}|D6W) ?[0-9AC-FHKNPRTV-Y]{4})\b"
)
_TAX_ID = re.compile(r"(?:[A-Z]{2}[ ]?)?[0-9A-Z][0-9A-Z ./-]{4,22}")


def _label_like(ctx: Context, line: Line, hit: LabelHit) -> bool:
    """A party label ends its phrase: ``Seller:``, ``Bill to`` alone, not ``Lieferant GmbH``;
    or it heads a column of a row of party headings (:func:`_heading_row`)."""
    rest = line.text[hit.end :]
    if rest.startswith((":", " :")):
        return True
    seg_end = segment_bounds(line, hit.start)[1]
    if not line.text[hit.end : seg_end].strip(" :"):
        return True
    return hit.field in PARTY_LABELS and hit in _heading_row(ctx, line)


HEADING_WORDS = 3  # at most this many words in one heading of a row of party headings


def _heading_row(ctx: Context, line: Line) -> list[LabelHit]:
    """The party labels of a row of party headings side by side, each opening its own column
    ("Supplier particulars | Customer particulars", "Auftragnehmer (Lieferant) | Kunde"): each
    heads the block under it, whatever word qualifies it. Empty unless every column of the line
    opens with a party label and is a short heading, and there are two at least."""
    found: list[LabelHit] = []
    start = 0
    for segment in line.text.split("\t"):
        lead = len(segment) - len(segment.lstrip(_LEAD_PUNCT))
        opening = [h for h in ctx.hits[line.index] if h.start == start + lead]
        if not opening or opening[0].field not in PARTY_LABELS:
            return []
        if len(segment.split()) > HEADING_WORDS:
            return []
        found.append(opening[0])
        start += len(segment) + 1
    return found if len(found) >= 2 else []


def _name_text(text: str) -> str | None:
    """``text`` cleaned to a name, or None when it cannot be one (address, e-mail, number)."""
    # Leading punctuation goes; a trailing dot may end the name ("Fabrikam Inc.").
    text = text.lstrip(_LEAD_PUNCT).rstrip(" \t:;,-–#")
    letters = sum(ch.isalpha() for ch in text)
    if letters < 2 or "@" in text or text[:1].isdigit() or len(text) > 80:
        return None
    if sum(ch.isdigit() for ch in text) > letters:
        return None
    return _through_legal_form(text)


def _through_legal_form(text: str) -> str:
    """A firm's name ends at its legal form: "Northwind Media LLC, PO Box 8812, Chicago IL
    60680" under "Remit to" names Northwind Media LLC (a comma after the form starts the
    address)."""
    for m in legal_suffix_regex().finditer(text):
        suffix = m.group()
        if suffix[:1].isascii() and not suffix[0].isupper():
            continue  # "co", "sa" in running text are words
        after = re.match(r"\.?(?=\s*,\s*\S)", text[m.end() :])
        if after is not None:
            return text[: m.end() + after.end()]
    return text


def _first_name(window: Window) -> tuple[str, Window, int, int] | None:
    """The name in the first non-empty column segment of ``window``."""
    parts = window.text.split("\t")
    own = next((p for p in parts if p.strip(_LEAD_PUNCT)), "")
    name = _name_text(own)
    if not name:
        return None
    start = window.text.find(own) + own.find(name)
    return name, window, start, start + len(name)


def _rest(ctx: Context, line: Line, hit: LabelHit) -> Window:
    """The line after ``hit`` up to the next real label: label words inside a name
    ("Name: Lieferant GmbH", "Seller: Kunde & Partner") do not end it."""
    end = next(
        (h.start for h in ctx.hits[line.index] if h.start >= hit.end and _label_like(ctx, line, h)),
        len(line.text),
    )
    return Window(line, hit.end, end)


def _name_near(
    ctx: Context, line: Line, hit: LabelHit, name_fields: set[str]
) -> tuple[str, Window, int, int] | None:
    """The name right of a party label (``Seller: X``), or on the first lines under it."""
    right = _rest(ctx, line, hit)
    # "Seller: X" has its value beside it; a heading label ("Bill to", "Verkäufer") above it.
    # In a workbook the cell right of a label cell is its value.
    beside = right.text.lstrip(" ").startswith(":") or line.tokens[0].cell is not None
    if beside and right.text.strip(_LEAD_PUNCT):
        found = _first_name(right)
        if found or line.tokens[0].cell is None:
            return found
    tokens = line.tokens_in(hit.start, hit.end)
    x0, x1 = min(t.x0 for t in tokens) - 2, max(t.x1 for t in tokens) + 40
    for other, inside in ctx.layout.below(line, x0, x1, max_lines=5, max_gap=PARTY_GAP):
        if not inside:
            continue
        start, end = segment_bounds(other, other.starts[other.tokens.index(inside[0])])
        opening = [h for h in ctx.hits[other.index] if start <= h.start <= start + 1]
        if opening and opening[0].field in name_fields:
            # "Name: Lieferant GmbH"; "상호  주식회사 콘토소", "Firma  Contoso GmbH": a row of the
            # party's block whose name label needs no colon
            found = _first_name(_rest(ctx, other, opening[0]))
            if found:
                return found
            continue
        if any(_label_like(ctx, other, h) for h in opening):
            continue  # "Nummer: GE2020211", "GLN …": other data of the same party
        if ":" in other.text[start:end]:
            continue  # "Anschrift: …", "Ansprechpartner: …": a field we have no label for
        found = _first_name(Window(other, start, end, True, (x0, x1)))
        if found:
            return found
    return None


def _name_before(line: Line, hit: LabelHit) -> tuple[str, Window, int, int] | None:
    """The name in front of an honorific that closes it (御中, 様, 귀하)."""
    start = segment_bounds(line, hit.start)[0]
    window = Window(line, start, hit.start)
    name = _name_text(window.text)
    if not name:
        return None
    pos = window.text.find(name)
    return name, window, pos, pos + len(name)


def _without_honorific(ctx: Context, name: str) -> str:
    """ "株式会社コントソ 御中" read under 請求先 is the name without its honorific."""
    hits = [h for h in ctx.matcher.find(name) if h.field == "bill_to_after"]
    if hits and hits[-1].end >= len(name.rstrip()) and hits[-1].start > 0:
        return name[: hits[-1].start].rstrip()
    return name


def _broken_label(ctx: Context, line: Line, hit: LabelHit) -> LabelHit | None:
    """The label a word broken by the text layer spells, when it differs from ``hit``:
    "Ver käufer:" is "Verkäufer" (the seller), not "Käufer" (the buyer)."""
    before = line.text[: hit.start]
    if not before.endswith(" ") or "\t" in before[-12:]:
        return None
    fragment = before.rstrip(" ").rsplit(" ", 1)[-1].rsplit("\t", 1)[-1]
    if not fragment.isalpha() or len(fragment) > 6:
        return None
    start = hit.start - len(before) + len(before.rstrip(" ")) - len(fragment)
    whole = fragment + line.text[hit.start : hit.end]
    found = [h for h in ctx.matcher.find(whole) if h.start == 0 and h.end == len(whole)]
    if not found or found[0].field == hit.field:
        return None
    return LabelHit(found[0].field, start, hit.end, line.text[start : hit.end])


def _heading(ctx: Context, line: Line, hit: LabelHit) -> bool:
    """Whether ``hit`` heads a block: it opens its column segment and ends its phrase, and
    the rest of its line shows no money."""
    start = segment_bounds(line, hit.start)[0]
    opens = not line.text[start : hit.start].strip(_LEAD_PUNCT)
    money = [a for a in ctx.amounts(line.text[hit.end :]) if a.decimals == 2 or a.currency]
    return opens and _label_like(ctx, line, hit) and not money


def _bill_to(ctx: Context) -> tuple[Extracted | None, set[int]]:
    """The bill-to name and the ids of the tokens of every bill-to and ship-to block (the
    buyer's area: goods go to the buyer, or to a place it names, such as an event venue,
    never to the seller)."""
    region: set[int] = set()
    found: Extracted | None = None
    for line, hit in ctx.labelled(["bill_to", "bill_to_after", "ship_to"]):
        if _broken_label(ctx, line, hit) is not None:
            continue  # "Ver käufer:": the seller's label broken by the text layer
        if hit.field == "ship_to" and not _heading(ctx, line, hit):
            continue  # "Frais de livraison  12,00": a charge, not a delivery address
        if hit.field == "bill_to_after":
            near = _name_before(line, hit)  # "株式会社コントソ 御中": the honorific follows
        elif _label_like(ctx, line, hit):
            near = _name_near(ctx, line, hit, {"name"})
        else:
            continue
        label_tokens = line.tokens_in(hit.start, hit.end)
        region.update(id(t) for t in label_tokens)
        xs = [(t.x0, t.x1) for t in label_tokens]
        if near is not None:
            name, window, start, end = near
            value_tokens = window.tokens(start, end)
            region.update(id(t) for t in value_tokens)
            xs += [(t.x0, t.x1) for t in value_tokens]
            if found is None and hit.field != "ship_to":
                organisation = _organisation_under(ctx, near)
                if organisation is not None:
                    name, window, start, end = organisation
                name = _without_honorific(ctx, name)
                end = start + len(name)
                found = Extracted(
                    name,
                    ctx.evidence(window, start, end, f"label: {hit.text}"),
                    0.7 if window.below else 0.8,
                )
        x0, x1 = min(a for a, _ in xs) - 2, max(b for _, b in xs) + 2
        for _other, inside in ctx.layout.below(line, x0, x1, max_lines=8, max_gap=PARTY_GAP):
            region.update(id(t) for t in inside)
    return found, region


def _ends_in_legal_form(name: str) -> bool:
    """Whether ``name`` ends in a legal form ("SimFin Analytics GmbH", "株式会社コントソ" aside:
    a form in front is read by the name finders)."""
    text = name.rstrip(" .,")
    for m in legal_suffix_regex().finditer(text):
        suffix = m.group()
        if m.end() >= len(text) and (not suffix[:1].isascii() or suffix[0].isupper()):
            return True
    return False


ADDRESSEE_LINES = 2  # lines under a contact's name where its organisation may stand


def _organisation_under(
    ctx: Context, near: tuple[str, Window, int, int]
) -> tuple[str, Window, int, int] | None:
    """An addressee block that starts with a person ("Billing Contact: / Thomas Flassbeck /
    SimFin Analytics GmbH") is addressed to the organisation on the next lines: the line
    ending in a legal form wins over a name without one."""
    name, window, start, end = near
    if _ends_in_legal_form(name):
        return None
    tokens = window.tokens(start, end)
    x0, x1 = min(t.x0 for t in tokens) - 2, max(t.x1 for t in tokens) + 2
    for other, inside in ctx.layout.below(window.line, x0, x1, ADDRESSEE_LINES, max_gap=2.0):
        if not inside:
            return None
        seg = segment_bounds(other, other.starts[other.tokens.index(inside[0])])
        found = _first_name(Window(other, seg[0], seg[1], True, (x0, x1)))
        if found is not None and _ends_in_legal_form(found[0]):
            return found
    return None


def _suffix_names(ctx: Context, stop: frozenset[str]) -> list[tuple[str, Line, list[Token]]]:
    """Every ``<Name> <legal form>`` on the page, with the tokens it was read from."""
    regex = legal_suffix_regex()
    out = []
    for line in ctx.layout.lines:
        # Names stop at labels and invoice words ("Invoice Userpilot, Inc."), not at words
        # that are kind keywords elsewhere ("Emerald Reach Media Ltd", "Event GmbH").
        labelled = [
            (h.start, h.end)
            for h in ctx.hits[line.index]
            if not h.field.startswith(("kind:poe", "kind:metrics", "kind:csr"))
        ]
        matches = list(regex.finditer(line.text))
        if matches and any(a.decimals == 2 for a in ctx.amounts(line.text)):
            continue  # "CRISPI ROLL 12 GRAIN SE  RM6.85": an item or totals line, not a name
        for m in matches:
            suffix = m.group()
            latin = suffix[:1].isascii()
            if latin and not (suffix[0].isupper() or len(suffix) >= 4):
                continue  # "sa", "ag" in running text are words, not legal forms
            if latin and m.end() < len(line.text) and line.text[m.end()] in "@/":
                continue
            glued = line.text[m.start() - 1 : m.start()] + line.text[m.end() : m.end() + 1]
            if latin and any(ch == "_" or ch.isdigit() for ch in glued):
                continue  # "FOURNISSEUR_BV003": part of an identifier
            seg_start = segment_bounds(line, m.start())[0]
            before = line.text[seg_start : m.start()]
            words = before.split(" ")[:-1] if before.endswith(" ") else before.split(" ")
            if not latin:
                found = _cjk_name(line, m, labelled)
                if found is not None:
                    out.append(found)
                continue
            kept: list[str] = []
            pos = m.start()
            for i, word in enumerate(reversed(words)):
                pos -= len(word) + 1
                if not word:
                    continue
                clean = word.rstrip(",")
                if (
                    word in _BREAK_WORDS
                    or word.endswith(":")
                    or (word.endswith(",") and i)
                    or (clean.islower() and clean in stop)
                    or any(ch.isdigit() for ch in clean)
                    or "@" in clean
                    or clean.lower().startswith(("www", "http"))
                    or any(s <= pos + 1 < e for s, e in labelled)
                    or len(kept) >= 6
                ):
                    break
                kept.insert(0, word)
            while kept and kept[0].lower() in _CONNECTORS:
                kept.pop(0)
            if not kept and not before.strip() and line.index > 0:
                wrapped = _wrapped_name(ctx, line, m) or _named_above_statement(ctx, line, m)
                if wrapped is not None:
                    out.append(wrapped)
                continue
            if not kept:
                continue
            start = m.start() - len(" ".join(kept)) - 1
            # Keep the legal form's own final dot ("B.V.", "Inc."); drop other punctuation.
            end = m.end()
            if line.text[end : end + 1] == "." and len(m.group().replace(".", "")) <= 4:
                end += 1  # "Inc.", "Ltd.", "Corp.": the abbreviation's dot is the name's
            name = line.text[start:end].strip(" \t:;,-–")
            if _open_brackets(name) > 0:
                continue  # "SUPPLIES (INC. GST)": a qualifier in brackets, not a legal form
            tokens = line.tokens_in(start, end)
            if _inside_brackets(name):
                if line.text[seg_start:start].strip():
                    continue
                opened = _opened_above(ctx, line, name, tokens)
                if opened is None:
                    continue  # "ALAM) SDN BHD" whose bracket opens nowhere: a name's tail
                name, tokens = opened
            out.append((name, line, tokens))
    return out


_OPENING, _CLOSING = "([{", ")]}"  # OCR reads a bracket as a brace now and then
BRACKET_LINES = 2  # lines above a name's closing bracket where its opening one may stand


def _open_brackets(text: str) -> int:
    """How many brackets ``text`` opens that it does not close (negative: closes more)."""
    return sum(ch in _OPENING for ch in text) - sum(ch in _CLOSING for ch in text)


def _inside_brackets(name: str) -> bool:
    """Whether ``name`` starts inside brackets: its first word closes one it does not open
    ("ALAM) SDN BHD"). A bracket closed further on may be one OCR misread the opening of
    ("GARDENIA BAKERIES KL) SDN BHD"): the name is still whole."""
    words = name.split()
    return bool(words) and _open_brackets(words[0]) < 0


def _opened_above(
    ctx: Context, line: Line, name: str, tokens: list[Token]
) -> tuple[str, list[Token]] | None:
    """A name that starts its line with a bracket it closes but does not open ("ENTERPRISE
    (SETIA" / "ALAM) SDN BHD") begins on a line above it, the one that opens the bracket: the
    name from there, with its tokens, or None when no line of name words just above opens it
    (the name is then a name's tail). A line above that one may hold the name's first words
    ("AIK HUAT HARDWARE") or a branch's or a slogan: nothing tells, and it is left out."""
    parts: list[str] = [name]
    for above in ctx.layout.lines[max(0, line.index - BRACKET_LINES) : line.index][::-1]:
        if above.page != line.page or ctx.hits[above.index]:
            return None
        text = above.text[: segment_bounds(above, 0)[1]].strip(_LEAD_PUNCT)
        if not text or _address_like(text) or any(ch.isdigit() for ch in text):
            return None
        start = above.text.find(text)
        parts.insert(0, text)
        tokens = above.tokens_in(start, start + len(text)) + tokens
        if _open_brackets(" ".join(parts)) == 0:
            return " ".join(parts), tokens
    return None


def _cjk_name(
    line: Line, m: re.Match[str], labelled: list[tuple[int, int]]
) -> tuple[str, Line, list[Token]] | None:
    """The CJK name whose legal form ``m`` is: the whole word that holds it, after any label
    glued in front ("賣方:光華數位行銷股份有限公司"). A legal form standing alone as a word
    names its neighbour: the word before it, unless that is a label or there is none; then
    the word after it (a form written first: "상호(법인명) 주식회사 한빛애드")."""
    tokens = line.tokens_in(m.start(), m.end())
    start = line.starts[line.tokens.index(tokens[0])]
    end = start + len(" ".join(t.text for t in tokens))
    start = max([start] + [e for s, e in labelled if start <= s and e <= m.start()])
    name = line.text[start:end].strip(_LEAD_PUNCT)
    if name != m.group():
        return name, line, line.tokens_in(start, end)
    seg_start, seg_end = segment_bounds(line, m.start())

    def unlabelled(a: int, b: int) -> bool:
        return a < b and not any(s < b and a < e for s, e in labelled)

    before = line.text[seg_start : m.start()].rstrip(" ")
    word = before.rsplit(" ", 1)[-1]
    if word and unlabelled(len(before) + seg_start - len(word), len(before) + seg_start):
        start = seg_start + len(before) - len(word)
        return f"{word}{m.group()}", line, line.tokens_in(start, m.end())
    after = line.text[m.end() : seg_end]
    word = after.lstrip(" ").split(" ", 1)[0]
    start = m.end() + len(after) - len(after.lstrip(" "))
    if not word or not unlabelled(start, start + len(word)):
        return None
    return f"{m.group()} {word}", line, line.tokens_in(m.start(), start + len(word))


_REGISTER = re.compile(
    r"\b(?:HRB|HRA|SIRE[NT]|RCS|KvK|UEN|ABN|CIF|NIF|P\.?\s?IVA|Co\.?\s?Reg(?:\.|istration)?)\b",
    re.IGNORECASE,
)


_DOMAIN = re.compile(r"(?:@|www\.|https?://)([a-z0-9-]+(?:\.[a-z0-9-]+)*)\.[a-z]{2,}", re.I)


def _domains(ctx: Context, region: set[int]) -> set[str]:
    """The labels of e-mail and web domains on the page, outside the buyer's block."""
    out: set[str] = set()
    for line in ctx.layout.lines:
        for m in _DOMAIN.finditer(line.text):
            tokens = line.tokens_in(m.start(), m.end())
            if tokens and all(id(t) in region for t in tokens):
                continue  # the buyer's own e-mail
            out.update(p.casefold() for p in m.group(1).split(".") if len(p) >= 4)
    return out


def _in_domain(name: str, domains: set[str]) -> bool:
    """Whether the name's first word (4 letters or more), or all its words run together, is a
    label of one of ``domains``."""
    words = [w for w in name_key(name).split() if len(w) >= 4]
    joined = "".join(name_key(name).split())
    return bool(words) and (words[0] in domains or joined in domains)


Legal = dict[int, list[tuple[float, float]]]  # line index -> the x-spans of its legal data
COLUMN_SLACK = 20.0  # points: a column's lines start and end a little apart
FOOT_SHARE = 0.85  # below this share of the page's height: its foot


def _legal_lines(ctx: Context) -> Legal:
    """Lines with a firm's own legal data: a VAT or tax number, a register entry, bank
    details, managing directors (not the buyer's VAT number); on each, the spans of the
    column segments that hold it."""
    footer = section_matcher("lines", ctx.lang)
    out: Legal = {}
    for line in ctx.layout.lines:
        hits = ctx.hits[line.index]
        if any(h.field == "buyer_tax_id" for h in hits):
            continue
        starts = [h.start for h in hits if h.field == "tax_id"]
        starts += [m.start() for m in _REGISTER.finditer(line.text)]
        starts += [h.start for h in footer.find(line.text) if h.field == "footer"]
        for start in starts:
            tokens = line.tokens_in(*segment_bounds(line, start))
            if tokens:
                out.setdefault(line.index, []).append((tokens[0].x0, tokens[-1].x1))
    return out


def _near(legal: Legal, line: Line, tokens: list[Token] | None = None) -> bool:
    """Whether legal data stands within two lines of ``line`` and in the column of ``tokens``
    (by default: the line's first column segment). A VAT number in the seller's column beside
    the window does not sign the name in the window."""
    if tokens is None:
        tokens = line.tokens_in(0, segment_bounds(line, 0)[1])
    if not tokens:
        return False
    x0, x1 = tokens[0].x0, tokens[-1].x1
    for i in range(line.index - 2, line.index + 3):
        for a, b in legal.get(i, ()):
            if i == line.index or (a < x1 + COLUMN_SLACK and b > x0 - COLUMN_SLACK):
                return True
    return False


def _recipients(
    ctx: Context, suffixed: list[tuple[str, Line, list[Token]]], legal: Legal
) -> list[tuple[str, Line, list[Token]]]:
    """The names over an address block in an envelope window (:func:`_window_address`)
    while another firm signs the page (its VAT number, register entry or bank details beside
    it): the recipient's, never the issuer's."""
    signing = {name_key(n) for n, line, tokens in suffixed if _near(legal, line, tokens)}
    return [
        (name, line, tokens)
        for name, line, tokens in suffixed
        if not _near(legal, line, tokens)
        and signing - {name_key(name)}
        and not _party_labelled(ctx, line)
        and _opens_line(line, tokens)
        and _window_address(ctx, line)
    ]


def _opens_line(line: Line, tokens: list[Token]) -> bool:
    """Whether ``tokens`` stand in ``line``'s first column segment, as a window's block does
    (the columns beside it hold the invoice's data; a name in the third column, over the
    seller's own address, is no window's)."""
    first = {id(t) for t in line.tokens_in(0, segment_bounds(line, 0)[1])}
    return bool(tokens) and id(tokens[0]) in first


def _party_labelled(ctx: Context, line: Line) -> bool:
    """Whether a party label ("Verkäufer:", "Bill to") heads the block ``line`` starts: on
    it or on one of the two lines above. Such a block is read by its label, not as a window."""
    lines = ctx.layout.lines[max(0, line.index - 2) : line.index + 1]
    return any(
        h.field in PARTY_LABELS
        for other in lines
        if other.page == line.page
        for h in ctx.hits[other.index]
    )


WINDOW_LINES = 4  # lines under a recipient's name: attention line, street, post code and town


def _window_lines(ctx: Context, line: Line) -> list[Line]:
    """The lines right under ``line`` that a window block may hold (same page, close)."""
    out = []
    for other in ctx.layout.lines[line.index + 1 : line.index + 1 + WINDOW_LINES]:
        if other.page != line.page or other.top - line.bottom > (WINDOW_LINES + 1) * line.height:
            break
        out.append(other)
    return out


def _window_address(ctx: Context, line: Line) -> bool:
    """Whether an address (two street, post code or town lines) follows ``line`` in its column
    within a few lines: the recipient's block in an envelope window ("z. Hd. …" or "Attn …"
    may come first), when the sender signs elsewhere. Only each line's first column segment
    counts: the columns beside an address window hold the invoice's own data."""
    under = _window_lines(ctx, line)
    return sum(_address_like(other.text.split("\t")[0]) for other in under) >= 2


def _window_block(ctx: Context, line: Line) -> set[int]:
    """The tokens of the recipient's block that starts at ``line``: its first column segment
    and theirs on the lines of the window (a VAT number printed there is the recipient's)."""
    found: set[int] = set()
    for other in [line, *_window_lines(ctx, line)]:
        found.update(id(t) for t in other.tokens_in(0, segment_bounds(other, 0)[1]))
    return found


# A DIN 5008 / ISO letter: A4 or US Letter, its address window in the left third of the page,
# from 27 mm (form A) to about 90 mm (form B's window bottom) from the top.
LETTER_SIZES = ((595.0, 842.0), (612.0, 792.0))
WINDOW_TOP = (0.09, 0.32)  # share of the page's height
WINDOW_LEFT = 0.35  # share of the page's width


def _din_window(ctx: Context, line: Line, legal: Legal) -> bool:
    """Whether ``line`` heads an address block in a letter's address window under a letterhead
    of its own: a letter-sized page, the block where the window is (left, in the upper third),
    an address under it, no legal data of its own beside it, no party label over it, and a
    name line above it at the head of the page (the letterhead). Such a name is the
    addressee's as often as the sender's: a sender that prints no legal form, no footer and
    no sender line leaves only its letterhead, and the name in the window is its customer."""
    page = next((p for p in ctx.document.pages if p.number == line.page), None)
    if page is None or not any(
        abs(page.width - w) < 12 and abs(page.height - h) < 12 for w, h in LETTER_SIZES
    ):
        return False
    top = line.top / page.height
    if not WINDOW_TOP[0] <= top <= WINDOW_TOP[1] or line.tokens[0].x0 > WINDOW_LEFT * page.width:
        return False
    if _near(legal, line) or _party_labelled(ctx, line) or not _window_address(ctx, line):
        return False
    return any(h[3].index < line.index for h in header_names(ctx))


def _wrapped_name(
    ctx: Context, line: Line, m: re.Match[str]
) -> tuple[str, Line, list[Token]] | None:
    """A legal form alone at the start of a line, its name on the line above ("NANDO'S
    CHICKENLAND MALAYSIA" / "SDN BHD"): the name wrapped before its legal form."""
    above = ctx.layout.lines[line.index - 1]
    if above.page != line.page or ctx.hits[above.index] or line.text[m.end() :].strip(" .,\t"):
        return None
    text = above.text[: segment_bounds(above, 0)[1]].strip(_LEAD_PUNCT)
    name = _name_text(text)
    if not name or len(name.split()) > 6 or not_an_organisation(name):
        return None
    start = above.text.find(name)
    tokens = above.tokens_in(start, start + len(name)) + line.tokens_in(m.start(), m.end())
    return f"{name} {m.group()}", line, tokens


_CAPITAL = re.compile(r"\b(?:capital|stammkapital|grundkapital|capitale)\b", re.IGNORECASE)
STATEMENT_LINES = 2  # lines above a legal statement where its firm's name may stand


def _named_above_statement(
    ctx: Context, line: Line, m: re.Match[str]
) -> tuple[str, Line, list[Token]] | None:
    """A line of legal data that opens with a legal form and states the firm's capital ("Sarl
    au capital de 10 000 € - RCS Paris B 530 848 134") states it of the firm named on a line
    of its own just above it (a footer: "NETPRESSE" / "Siège social : …" / "Sarl au capital
    …"); address lines between them are passed over."""
    if not _CAPITAL.search(line.text[m.end() :]):
        return None
    for above in ctx.layout.lines[max(0, line.index - STATEMENT_LINES) : line.index][::-1]:
        if above.page != line.page or (ctx.hits[above.index] and not _address_like(above.text)):
            return None
        text = above.text.strip(_LEAD_PUNCT)
        if "\t" in text or _address_like(text) or ":" in text:
            continue  # "Siège social : 16 rue …": the firm's address, under its name
        name = _name_text(text)
        if not name or len(name.split()) > 4 or not _NAME_CHARS.match(name):
            return None
        if not_an_organisation(name) or any(ch.isdigit() for ch in name):
            return None
        start = above.text.find(name)
        return name, above, above.tokens_in(start, start + len(name))
    return None


def _sender_line(ctx: Context) -> tuple[str, Line] | None:
    """The window-envelope sender line near the top of page 1: "Name • Street 1 • 12345 Town"."""
    first_page = ctx.layout.lines[0].page if ctx.layout.lines else None
    for line in ctx.layout.lines:
        if line.page != first_page or ctx.layout.relative_top(line) > 0.45:
            break
        segment = line.text[: segment_bounds(line, 0)[1]]
        parts = _SEPARATORS.split(segment)
        if len(parts) >= 3 and any(ch.isdigit() for ch in "".join(parts[1:])):
            if tells_time(segment):
                continue  # "SUN - THU: 1000 HRS - 2200 HRS": opening hours, not a sender
            name = _name_text(parts[0])
            if (
                name
                and len(name.split()) <= 6
                and ":" not in name
                and not not_an_organisation(name)
            ):
                return name, line  # later such lines are delivery addresses
    return None


def _address_under(ctx: Context, line: Line) -> set[int]:
    """Tokens of the recipient address printed under a sender line (the buyer's block)."""
    first = segment_bounds(line, 0)
    tokens = line.tokens_in(*first)
    x0, x1 = tokens[0].x0 - 2, tokens[-1].x1 + 2
    found: set[int] = set()
    for other, inside in ctx.layout.below(line, x0, x1, max_lines=6, max_gap=PARTY_GAP):
        if any(_label_like(ctx, other, h) for h in ctx.hits[other.index]):
            break  # the letterhead's own data ("TVA : …"), not an address
        found.update(id(t) for t in inside)
    return found


_NAME_CHARS = re.compile(r"^[^\W\d_][\w&'’.()/ -]*$")
_CONTINUED = re.compile(r"(?:&|\band|\bund|\bet|-)$", re.IGNORECASE)
_CONTACT = re.compile(r"\b(?:tel|phone|fax|gst|vat|reg|co\.? ?no|company no|hp|mobile)\b", re.I)


@lru_cache(maxsize=1)
def _business_words() -> re.Pattern[str]:
    text = _ORGANISATIONS.read_text(encoding="utf-8")
    raw = compiled.data(b"organisations-yaml\0" + text.encode(), partial(yamlfile.load, text))
    words = sorted({str(w).casefold() for w in raw["business_words"]}, key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, words)) + r")(?!\w)", re.I)


def _address_like(text: str) -> bool:
    """A line of an address or contact block: a street line, a post code, a phone number."""
    if _REG_NUMBER_LINE.match(text) or _CONTACT.search(text):
        return True
    return bool(re.search(r"\d", text)) and (
        "," in text
        or bool(re.search(r"\b\d{4,6}\b", text))
        or bool(_ADDRESS_WORD.search(text))
        or bool(_POST_CODE.search(text))
    )


def _opens_address(ctx: Context, line: Line, segment: str) -> bool:
    """Whether ``segment``, a line's first, is an address's first part: it ends in a comma and
    the next line is an address line ("Subang Perdana," / "40150 Shah Alam, Selangor"). A
    shop's or firm's name does not end in a comma; a part of an address that goes on does."""
    following = ctx.layout.lines[line.index + 1 : line.index + 2]
    return (
        segment.rstrip().endswith(",")
        and bool(following)
        and following[0].page == line.page
        and _address_like(following[0].text)
    )


LEGAL_FORM_NOTE = "name with a legal form"
# The head of a page, where a letterhead or a receipt's shop name stands: its first lines, in
# the top of the page.
HEAD_LINES, HEAD_SHARE = 6, 0.3


def in_head(ctx: Context, line: Line) -> bool:
    return line.index < HEAD_LINES and ctx.layout.relative_top(line) <= HEAD_SHARE


def header_names(ctx: Context) -> list[tuple[str, float, list[Token], Line]]:
    """Name lines at the head of page 1 (a receipt's store name, a letterhead without a legal
    form): short lines of letters, holding no label, that are not a phrase, an address or a
    time, standing right above the header's address or contact block.

    The lines of that name block score higher when the block names a kind of business
    ("HARDWARE TRADING") and when the address block follows it at once; the first line of the
    block a little higher still (a second line is often a descriptor: "BISTRO & CAFE"). A name
    broken over two lines ("HOME MASTER HARDWARE &" / "ELECTRICAL", "ENTERPRISE (SETIA" /
    "ALAM) SDN BHD") is joined; a line whose brackets no line next to it balances is a part
    of a name, not one.
    """
    lines = ctx.layout.lines
    if not lines:
        return []
    first_page = lines[0].page
    stop = all_stopwords()
    names: list[tuple[str, list[Token], Line]] = []
    address_at: int | None = None
    unread: set[int] = set()  # lines without a letter: no name, and no gap in the name block
    for line in lines[:HEAD_LINES]:
        if line.page != first_page or not in_head(ctx, line):
            break
        begin, end = segment_bounds(line, 0)
        while end < len(line.text) and not any(ch.isalnum() for ch in line.text[begin:end]):
            begin, end = segment_bounds(line, end + 1)  # a speck read before the line: no column
        segment = line.text[begin:end]
        # Stars around a receipt's title are decoration ("* THAI DELICIOUS RESTAURANT *").
        text = _REG_NUMBER_AFTER.sub("", segment).strip(_LEAD_PUNCT + "*")
        if not names and not any(ch.isalpha() for ch in text) and _REG_NUMBER_LINE.match(text):
            # A number alone above every name (a scan's stamped file number, a document
            # number): no registration under a name, so no address block yet.
            unread.add(line.index)
            continue
        if _address_like(text) or _opens_address(ctx, line, segment):
            address_at = line.index
            break  # the header's address block: the name stands above it
        if not any(ch.isalpha() for ch in line.text):
            # A registration number OCR garbled ("7:77 77" for "002065464-X") between the
            # shop's name and its address: it keeps them apart no more than the number did.
            unread.add(line.index)
            continue
        words = text.split()
        if (
            not words
            or len(words) > 6
            or ctx.hits[line.index]
            or not _NAME_CHARS.match(text)
            or not_an_organisation(text)
            or sum(w.casefold() in stop for w in words) >= 2
        ):
            continue
        start = begin + segment.find(text)
        tokens = line.tokens_in(start, start + len(text))
        legal_form_only = bool(legal_suffix_regex().fullmatch(text.rstrip(".")))
        closes = _open_brackets(text) < 0 and bool(names) and _open_brackets(names[-1][0]) > 0
        joined = bool(names) and (
            bool(_CONTINUED.search(names[-1][0])) or legal_form_only or closes
        )
        if names and names[-1][2].index == line.index - 1 and joined:
            text = f"{names[-1][0]} {text}"  # "HOME MASTER HARDWARE &" + "ELECTRICAL"
            tokens = names[-1][1] + tokens
            names[-1] = (text, tokens, line)
            continue
        names.append((text, tokens, line))
    block: list[tuple[str, list[Token], Line]] = []
    for name in reversed(names):  # the run of name lines right above the address block
        upper = block[0][2].index - 1 if block else (address_at or 0) - 1
        while upper in unread:
            upper -= 1
        if address_at is None or name[2].index != upper:
            break
        block.insert(0, name)
    bonus = 0.0
    if block:
        bonus = 1.1 + (1.1 if any(_business_words().search(t) for t, _, _ in block) else 0.0)
    found = []
    for text, tokens, line in names:
        if _inside_brackets(text) or _open_brackets(text) > 0:
            continue  # "ALAM) SDN BHD" without the line that opens its bracket: a name's part
        inside = any(line is b[2] for b in block)
        score = 0.9 + (bonus if inside else 0.0)
        if inside and line is block[0][2]:
            score += 0.3
        found.append((text, score, tokens, line))
    return found


def _vendor(
    ctx: Context,
    buyer: Extracted | None,
    region: set[int],
    sender: tuple[str, Line] | None,
    seller: PartyBox | None,
    suffixed: list[tuple[str, Line, list[Token]]],
    legal: Legal,
) -> Extracted | None:
    buyer_keys = {name_key(str(buyer.value))} if buyer else set()
    for name, _line, tokens in suffixed:
        if tokens and all(id(t) in region for t in tokens):
            buyer_keys.add(name_key(name))
    buyer_keys.discard("")
    candidates: list[Candidate] = []

    def add(name: str, score: float, tokens: list[Token], order: int, note: str) -> None:
        key = name_key(name)
        if not key or key in buyer_keys or any(id(t) in region for t in tokens) or not tokens:
            return
        if not_an_organisation(name):
            return  # "(c) AWV e.V.", an address line, opening hours: never the vendor
        candidates.append(Candidate(name, score, ctx.layout.evidence(tokens, name, note), order))

    seller_labels = [(line, hit) for line, hit in ctx.labelled(["vendor"])]
    for line in ctx.layout.lines:
        for hit in ctx.hits[line.index]:
            joined = _broken_label(ctx, line, hit)
            if joined is not None and joined.field == "vendor":
                seller_labels.append((line, joined))
    for line, hit in seller_labels:
        if _label_like(ctx, line, hit):
            near = _name_near(ctx, line, hit, {"name"})
            if near is not None:
                name, window, start, end = near
                bonus = 0.3 if legal_suffix_regex().search(name) else 0.0
                add(name, 3.0 + bonus, window.tokens(start, end), line.index, f"label: {hit.text}")
    if seller is not None and seller.name is not None:
        name, window, start, end = seller.name
        bonus = 0.3 if legal_suffix_regex().search(name) else 0.0
        add(name, 3.0 + bonus, window.tokens(start, end), window.line.index, _box_note(seller))
    if sender is not None:
        # The sender line's first part is the sender's name, or a descriptor printed there
        # instead ("Illustration and design · 3 Canal Yard · …"): without a legal form it
        # weighs less than a firm's name elsewhere on the page.
        name, line = sender
        score = 3.0 if legal_suffix_regex().search(name) else 1.2
        add(name, score, line.tokens_in(0, len(name)), line.index, "sender line")
    first_page = ctx.layout.lines[0].page if ctx.layout.lines else None
    counts: dict[str, int] = {}
    for name, _line, _tokens in suffixed:
        counts[name_key(name)] = counts.get(name_key(name), 0) + 1
    earliest = next((line.index for _n, line, _t in suffixed if line.page == first_page), None)
    recipients = {id(line) for _n, line, _t in _recipients(ctx, suffixed, legal)}
    for name, line, tokens in suffixed:
        score = 1.5 + 0.4 * min(counts[name_key(name)] - 1, 2)
        if line.page == first_page and ctx.layout.relative_top(line) < 0.3:
            score += 0.8
            if line.index == earliest:
                score += 0.3  # the letterhead comes before any other name on the page
        start, end = segment_bounds(line, line.text.find(name))
        own = _REG_NUMBER_AFTER.sub("", line.text[start:end]).strip(" .,")
        if own == name.strip(" .,"):
            score += 0.3  # a name on a line of its own, as in a letterhead or signature
        rest = own[len(name.strip(" .,")) :].strip(" ,·|•-–")
        if _near(legal, line, tokens):
            score += 1.0  # its VAT number, register entry or bank details beside it
        elif ctx.layout.relative_top(line) > FOOT_SHARE and rest and _address_like(rest):
            score += 1.0  # the page's foot: the firm with its address, as it signs its pages
        elif id(line) in recipients:
            score -= 1.0  # a name over an address block, while another firm signs the page
        add(name, score, tokens, line.index, LEGAL_FORM_NOTE)
    windowed = {line.index for _n, line, _t in suffixed if _din_window(ctx, line, legal)}
    header_rival = 0.0
    if not candidates:
        header = sorted(header_names(ctx), key=lambda h: -h[1])
        for name, score, tokens, line in header:
            add(name, score, tokens, line.index, "name at the head of the page")
        if len(header) > 1:
            header_rival = header[1][1]
    # A name that the page's e-mail or web domain spells is more certain (hetzner.com).
    domains = _domains(ctx, region)
    if domains:
        candidates = [
            Candidate(c.value, c.score + 0.5, c.evidence, c.order)
            if _in_domain(str(c.value), domains)
            else c
            for c in candidates
        ]
    # The same name found by several clues is more certain.
    by_key: dict[str, float] = {}
    for c in candidates:
        by_key[name_key(str(c.value))] = by_key.get(name_key(str(c.value)), 0.0) + 0.2
    chosen = best(
        Candidate(c.value, c.score + by_key[name_key(str(c.value))] - 0.2, c.evidence, c.order)
        for c in candidates
    )
    if chosen is None:
        return None
    confidence = min(0.95, chosen.score / 3.5)
    if header_rival and chosen.score - header_rival < 0.5:
        confidence = min(confidence, 0.45)  # two header lines nearly as likely: which is it?
    if chosen.order in windowed and chosen.evidence.note == LEGAL_FORM_NOTE:
        confidence = min(confidence, 0.45)  # the letter's addressee, or a sender without data
        for name, score, tokens, line in header_names(ctx):
            if line.index < chosen.order:
                add(name, score, tokens, line.index, "name at the head of the page")
    found = chosen.extracted(confidence)
    others: dict[str, Extracted] = {}
    for c in sorted(candidates, key=lambda c: (-c.score, c.order)):
        key = name_key(str(c.value))
        if key != name_key(str(chosen.value)) and key not in others and len(others) < 3:
            others[key] = c.extracted(min(confidence, c.score / 3.5))
    ctx.readings["vendor"] = (found, *others.values())
    return found


def _tax_id(ctx: Context, region: set[int]) -> Extracted | None:
    buyer_ids = set()
    for line, hit in ctx.labelled(["buyer_tax_id"]):
        m = _TAX_ID.search(ctx.right(line, hit).text)
        if m:
            buyer_ids.add(m.group().replace(" ", ""))
    candidates: list[Candidate] = []
    for line, hit in ctx.labelled(["tax_id"]):
        if any(id(t) in region for t in line.tokens_in(hit.start, hit.end)):
            continue
        window = ctx.right(line, hit)
        text = window.text.split("\t")[0] if window.text.strip(_LEAD_PUNCT + " \t")[:1] else ""
        if not text.strip(_LEAD_PUNCT):
            parts = window.text.split("\t")
            text = parts[1] if len(parts) > 1 else ""
        offset = window.text.find(text) if text else 0
        m = _TAX_ID.search(text.lstrip(_LEAD_PUNCT))
        if m is None:
            continue
        value = re.split(r"\s{2,}", m.group().strip(" ./-"))[0]
        if sum(ch.isdigit() for ch in value) < 5 or value.replace(" ", "") in buyer_ids:
            continue
        start = offset + (len(text) - len(text.lstrip(_LEAD_PUNCT))) + m.start()
        score = 2.0 if re.match(r"[A-Z]{2}", value) else 1.0
        if ctx.layout.relative_top(line) > 0.75:
            score += 0.5  # the vendor's own identifiers sit in its letterhead or footer
        candidates.append(
            Candidate(
                value,
                score,
                ctx.evidence(window, start, start + len(value), f"label: {hit.text}"),
                line.index,
            )
        )
    chosen = best(candidates)
    return chosen.extracted(0.4 + 0.2 * chosen.score) if chosen else None


def _box_note(box: PartyBox) -> str:
    return f"label: {box.heading.text}; in its box of the form"


def _boxed(ctx: Context, box: PartyBox) -> Extracted | None:
    """The name read in a party box of a grid (see :mod:`.party_grid`)."""
    if box.name is None:
        return None
    name, window, start, end = box.name
    return Extracted(name, ctx.evidence(window, start, end, _box_note(box)), 0.85)


def _window_buyer(
    ctx: Context, suffixed: list[tuple[str, Line, list[Token]]], legal: Legal
) -> tuple[Extracted | None, set[int]]:
    """The recipient in the envelope window of page 1's upper half (:func:`_recipients`), and
    the tokens of its block (the buyer's area)."""
    first_page = ctx.layout.lines[0].page if ctx.layout.lines else None
    for name, line, tokens in _recipients(ctx, suffixed, legal):
        if line.page == first_page and ctx.layout.relative_top(line) < 0.5:
            note = "name over the address in the envelope window; another firm signs the page"
            found = Extracted(name, ctx.layout.evidence(tokens, name, note), 0.6)
            return found, _window_block(ctx, line)
    return None, set()


def extract_parties(ctx: Context) -> dict[str, Extracted | None]:
    """``vendor``, ``vendor_tax_id`` and ``bill_to`` of an invoice."""
    buyer, region = _bill_to(ctx)
    boxes = party_boxes(ctx)
    if "bill_to" in boxes:
        box = boxes["bill_to"]
        buyer = _boxed(ctx, box) or buyer
        region |= {id(t) for line in ctx.layout.lines for t in line.tokens if box.holds(t)}
    sender = _sender_line(ctx)
    if sender is not None:
        region |= _address_under(ctx, sender[1])
    suffixed = _suffix_names(ctx, all_stopwords() - _CONNECTORS)
    legal = _legal_lines(ctx)  # read once: the vendor's and the recipient's search both ask
    recipient, block = _window_buyer(ctx, suffixed, legal)
    region |= block
    buyer = buyer or recipient
    return {
        "vendor": _vendor(ctx, buyer, region, sender, boxes.get("vendor"), suffixed, legal),
        "vendor_tax_id": _tax_id(ctx, region),
        "bill_to": buyer,
    }
