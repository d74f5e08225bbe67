"""A fixture claim as a partner types it into the self-check page, in the page's language.

:func:`typed_form` gives the page's field names and the text a partner would type: amounts the
way the language writes them (German ``27.077,60``), aliases one a line, only the sections the
page shows for the claim's activity (attendees, results, pre-approval) and the claimed
currency only where it differs from the funds'. The browser tests type these values into the
page; the HTTP tests send them as the page does.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from coop_rules.server.pageform import page_programs

# How each page language writes 1234567.5 (decimal mark, grouping mark): written out here,
# not taken from the code under test.
MARKS = {
    "en": (".", ","),
    "de": (",", "."),
    "ko": (".", ","),
    "ja": (".", ","),
    "zh-Hant": (".", ","),
}


def typed_amount(value: Any, lang: str) -> str:
    """``27077.60`` as typed on a page in ``lang``: ``27,077.60`` or ``27.077,60``."""
    decimal_mark, group_mark = MARKS[lang]
    text = str(Decimal(str(value)))
    whole, _, fraction = text.partition(".")
    grouped = f"{int(whole):,}".replace(",", group_mark)
    return grouped + (decimal_mark + fraction if fraction else "")


def shown_sections(manifest: dict[str, Any]) -> set[str]:
    """The optional sections the page shows for the manifest's activity (as the matrix says)."""
    programs = page_programs("en")
    year = manifest["program"].get("fiscal_year")
    assert year, "the fixture claims state their fiscal year"
    (activity,) = [
        a
        for a in programs["matrices"]["microsoft"][year]
        if a["id"] == manifest["activity"]["type"]
    ]
    shown = {name for name in ("attendees", "preapproval") if activity[name]}
    if activity["metrics"]:
        shown.add("metrics")
    return shown


def typed_form(manifest: dict[str, Any], lang: str) -> dict[str, str]:
    """The page's fields for ``manifest`` as typed in ``lang`` (empty fields left out)."""
    a = lambda value: typed_amount(value, lang)  # noqa: E731
    m = manifest
    form: dict[str, str] = {"claim_id": m["claim_id"]}
    partner = m["partner"]
    form["partner.legal_name"] = partner["legal_name"]
    if partner.get("aliases"):
        form["partner.aliases"] = "\n".join(partner["aliases"])
    for key in ("tax_id", "country", "partner_id"):
        if partner.get(key):
            form[f"partner.{key}"] = str(partner[key])
    program = m["program"]
    form["program.code"] = program["code"]
    if program.get("fiscal_year"):
        form["program.fiscal_year"] = program["fiscal_year"]
    for key in ("surface", "requires_preapproval", "requires_tax_invoice"):
        if key in program:
            form[f"program.{key}"] = "true" if program[key] else "false"
    if program.get("threshold"):
        form["program.threshold.amount"] = a(program["threshold"]["amount"])
        form["program.threshold.currency"] = program["threshold"]["currency"]
    for part in ("start", "end"):
        form[f"usage_period.{part}"] = m["usage_period"][part]
        form[f"activity.{part}"] = m["activity"][part]
    for part, value in (m.get("claiming_window") or {}).items():
        form[f"claiming_window.{part}"] = value
    funds = m["funds"]
    form["funds.currency"] = funds["currency"]
    for key in ("earned", "already_claimed", "remaining"):
        if funds.get(key) is not None:
            form[f"funds.{key}"] = a(funds[key])
    form["claimed.amount"] = a(m["claimed"]["amount"])
    if m["claimed"]["currency"] != funds["currency"]:
        form["claimed.currency"] = m["claimed"]["currency"]
    for key in ("type", "name", "description"):
        if m["activity"].get(key):
            form[f"activity.{key}"] = m["activity"][key]
    if m.get("submission_date"):
        form["submission_date"] = m["submission_date"]
    shown = shown_sections(m)
    if "metrics" in shown:
        for index, (key, value) in enumerate(m.get("metrics", {}).items()):
            form[f"metrics[{index}].key"] = key
            form[f"metrics[{index}].value"] = a(value)
    if "attendees" in shown:
        for index, attendee in enumerate(m.get("attendees", [])):
            form[f"attendees[{index}].name"] = attendee["name"]
            if attendee.get("cost"):
                form[f"attendees[{index}].cost.amount"] = a(attendee["cost"]["amount"])
                form[f"attendees[{index}].cost.currency"] = attendee["cost"]["currency"]
    if "preapproval" in shown and m.get("preapproval"):
        form["preapproval.id"] = m["preapproval"]["id"]
        form["preapproval.date"] = m["preapproval"]["date"]
    for index, document in enumerate(m["documents"]):
        for key in ("path", "role", "subtype", "note", "date"):
            if document.get(key):
                form[f"documents[{index}].{key}"] = document[key]
        if document.get("amount"):
            form[f"documents[{index}].amount.amount"] = a(document["amount"]["amount"])
            form[f"documents[{index}].amount.currency"] = document["amount"]["currency"]
    return form


def findings_of(report_json: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """A report's findings as compared across the page and the CLI: code, severity, outcome
    and subject (the claim or the document), sorted."""
    return sorted(
        (f["code"], f["severity"], f["outcome"], f["subject"]) for f in report_json["findings"]
    )
