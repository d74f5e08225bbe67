"""Receipts: the shop named at the head of a till receipt, and the company that runs it.

A till receipt prints the shop's name as its title, at the head of the page above the
address: the name the customer bought from ("DOMINO'S PIZZA"). The company that operates the
shop may be named further down with its legal form ("DOMMAL FOOD SERVICES SDN BHD"), and the
invoice rules, which prefer a name with a legal form, would take that one. Where the company
with the legal form stands at the head itself (a brand or a stamp above it: "MYDIN" / "TRI
SHAAS SDN BHD (728515-N)"), it is the name as printed at the head and stays the vendor.

So on a till receipt (:func:`~.classify.till_receipt`) whose vendor was read as a name with a
legal form printed below the head of the page and none of the name lines at the head, the
head's name (the line right above
the address block, :func:`~.parties.header_names`) is the vendor, and the company with the
legal form is kept as the other reading. The SROIE receipts (``corpus-extra``) are annotated
by this convention: their company is the name printed at the head.
"""

from __future__ import annotations

from dataclasses import replace

from coop_rules.evidence import Extracted
from coop_rules.extraction.classify import till_receipt
from coop_rules.extraction.fields import Context
from coop_rules.extraction.layout import Line
from coop_rules.extraction.names import name_key
from coop_rules.extraction.parties import LEGAL_FORM_NOTE, header_names, in_head

SHOP_NOTE = "shop name at the head of the receipt"
HEAD_BLOCK = 2.0  # header_names' score of a name line right above the address block


def shop_name(ctx: Context, vendor: Extracted | None) -> Extracted | None:
    """The shop's name at the head of a till receipt where ``vendor`` is a company with a
    legal form named elsewhere on it (see the module docstring); None where that is not so."""
    if vendor is None or not (vendor.evidence.note or "").startswith(LEGAL_FORM_NOTE):
        return None
    line = _line_of(ctx, vendor)
    if line is None or in_head(ctx, line):
        return None
    names = header_names(ctx)
    chosen = name_key(str(vendor.value))
    if not chosen or any(_same(name_key(name), chosen) for name, *_ in names):
        return None
    head = [n for n in names if n[1] >= HEAD_BLOCK]
    if not head or not till_receipt(ctx.layout, ctx.lang):
        return None
    text, _score, tokens, _line = max(head, key=lambda n: (n[1], -n[3].index))
    evidence = ctx.layout.evidence(tokens, text, SHOP_NOTE)
    shop = Extracted(text, evidence, vendor.confidence)
    others = ctx.readings.get("vendor", (vendor,))[1:]
    ctx.readings["vendor"] = (shop, replace(vendor, confidence=vendor.confidence - 0.1), *others)
    return shop


def _line_of(ctx: Context, found: Extracted) -> Line | None:
    """The line of the layout that ``found``'s evidence box starts on."""
    box = found.evidence.box
    if box is None:
        return None
    middle = (box[1] + box[3]) / 2
    for line in ctx.layout.lines:
        if (
            line.page == found.evidence.page
            and line.top <= middle <= line.bottom
            and any(t.x0 <= box[0] + 1 and box[0] - 1 <= t.x1 for t in line.tokens)
        ):
            return line
    return None


def _same(a: str, b: str) -> bool:
    """Whether two name keys name the same firm (one holds the other: a name split over lines
    at the head, "AIK HUAT HARDWARE" of "AIK HUAT HARDWARE ENTERPRISE (SETIA ALAM) SDN BHD")."""
    return bool(a) and (a in b or b in a)
