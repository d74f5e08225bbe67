"""CSR (Certification Statement and Report) fields, from a workbook or a PDF.

A CSR is an in-house cost sheet: hours × rates, a total, the period of work, and a signed
certification. Labels (section ``csr`` of ``data/*.yaml``): ``Total`` (the largest totalled
amount: a grand total under subtotals), ``Period of work`` followed by two dates or a range
(``2024-01-01 – 2024-03-31``), or ``From``/``To`` dates; ``Signed by``/``Name``, ``Title``,
``Date`` of the signature (the date label nearest after the signatory). In a workbook a value
sits in a cell right of or below its label cell, and typed cells (dates, numbers) are taken as
typed.
"""

from __future__ import annotations

from datetime import date

from coop_rules.evidence import Extracted
from coop_rules.extraction.fields import Candidate, Context, Window, best, segment_bounds
from coop_rules.extraction.values import (
    currency,
    date_candidates,
    label_note,
    labelled_amount,
)

_PUNCT = " \t:;,.-–"


def _period(ctx: Context) -> dict[str, Extracted]:
    """Start and end of the period of work: a labelled pair or range, else From/To labels."""
    out: dict[str, Extracted] = {}
    for line, hit in ctx.labelled(["period"]):
        window = ctx.right(line, hit, passable=["period_start", "period_end"])
        dates = ctx.dates(window.text)
        tokens = window.tokens(0, len(window.text))
        natives = [t for t in tokens if isinstance(t.native, date)]
        if len(natives) >= 2:  # two date cells right of "Period of work"
            for name, token in (("period_start", natives[0]), ("period_end", natives[1])):
                assert isinstance(token.native, date)
                out[name] = Extracted(
                    token.native, ctx.layout.evidence([token], token.text, label_note(hit)), 0.9
                )
            return out
        if len(dates) >= 2:
            for name, reading in (("period_start", dates[0]), ("period_end", dates[1])):
                out[name] = Candidate(
                    reading.value,
                    1.0,
                    ctx.evidence(window, reading.start, reading.end, label_note(hit)),
                    line.index,
                    reading.alternatives,
                ).extracted(0.5 if reading.ambiguous else 0.85)
            return out
    for name in ("period_start", "period_end"):
        found = date_candidates(ctx, {name: 1.0})
        chosen = best(d.candidate for d in found)
        if chosen is not None:
            out[name] = chosen.extracted(0.5 if chosen.alternatives else 0.8)
    return out


SIGNATORY_TIERS = {"signatory": 2.0, "signatory_generic": 1.0}
TITLE_TIERS = {"signatory_title": 2.0, "title_generic": 1.0}


def _text_value(
    ctx: Context, tiers: dict[str, float], person: bool, near: int | None = None
) -> tuple[Extracted, int] | None:
    """A name or title right of (or under) its label, with the label's line index.

    Stronger labels win ("Signed by" over a table's "Name" column); with ``near`` (the
    signatory's line) the closest label wins, since the signature block keeps them together.
    """
    candidates: list[tuple[float, Extracted, int]] = []
    for line, hit in ctx.labelled(tiers):
        windows: list[Window] = [ctx.right(line, hit)]
        if not windows[0].text.strip(_PUNCT):
            windows = list(ctx.below(line, hit, max_lines=2))
        for window in windows:
            first = window.text.lstrip(_PUNCT)
            start = len(window.text) - len(first)
            end = segment_bounds(window.line, window.start + start)[1] - window.start
            value = window.text[start:end].strip(_PUNCT)
            letters = sum(ch.isalpha() for ch in value)
            if letters < 2 or (person and any(ch.isdigit() for ch in value)):
                continue
            score = tiers[hit.field] - (0.3 if window.below else 0.0)
            if near is not None:
                score -= 0.1 * min(abs(line.index - near), 10)
            found = Extracted(
                value,
                ctx.evidence(window, start, start + len(value), label_note(hit)),
                0.5 + 0.15 * tiers[hit.field],
            )
            candidates.append((score, found, line.index))
            break
    if not candidates:
        return None
    _, found, index = max(candidates, key=lambda item: (item[0], -item[2]))
    return found, index


def extract_csr(ctx: Context) -> dict[str, Extracted]:
    """CSR fields found in ``ctx`` (absent when not found)."""
    fields: dict[str, Extracted] = {}
    total = labelled_amount(ctx, {"total": 2.0})
    if total is not None:
        fields["total"] = total.value
    found_currency = currency(ctx, total)
    if found_currency is not None:
        fields["currency"] = found_currency
    fields.update(_period(ctx))
    signatory = _text_value(ctx, SIGNATORY_TIERS, person=True)
    if signatory is not None:
        fields["signatory"] = signatory[0]
    title = _text_value(ctx, TITLE_TIERS, person=False, near=signatory[1] if signatory else None)
    if title is not None:
        fields["signatory_title"] = title[0]
    # The signature date is the date label nearest after the signatory (the signature block);
    # without a signatory, the last dated label of the sheet.
    anchor = signatory[1] if signatory else -1
    dated = date_candidates(ctx, {"signature_date": 1.0})
    after = [d for d in dated if d.candidate.order >= anchor] or dated
    if after:
        pick = min(after, key=lambda d: d.candidate.order) if signatory else after[-1]
        fields["signature_date"] = pick.candidate.extracted(0.5 if pick.reading.ambiguous else 0.8)
    return fields
