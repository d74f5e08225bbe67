"""Claims built around real invoices, checked as a reviewer would: false alarms per rule.

Run from the repo root as::

    python bench/corpus_claims.py [--corpus DIR ...] [--out DIR] [--json FILE] [--keep]

Each claim takes one or two real invoices of the shared corpora (``../shared/corpus``,
``../shared/corpus-extra``: third-party documents, not made for this project) and puts a claim
around them the way a partner would: a partner in one of thirteen countries (the invoices'
addressee, as printed), its usage period and activity around the invoices' dates, funds in the
invoices' currency, the claimed amount the invoices' total, and proofs of execution written in
the partner's language (eight languages: one-page PDFs drawn here, an e-mail with its header).
The claim's manifest is written as a partner fills it in: the activity type fits what the
invoices bill.

Every scenario gives a *compliant* claim and a *breaking* one, changed in one requirement only
(late submission, invoice outside the usage period, claimed more than documented, …; the rule
expected to fire is named). The report lists, per claim, the verdict and every error and
warning; then the false alarms per rule (an error or warning on a compliant claim; on a
breaking claim, a rule its change does not explain that did not fire on its compliant twin) and
the verdicts: compliant claims that pass, breaking claims whose expected rule fired.

The documents are never changed; the proofs are drawn deterministically, so two runs give the
same claims. Nothing in a claim is made to suit a rule: a finding on a compliant claim is
either a false alarm of the rules' judgement or an extraction miss (the JSON output keeps each
finding's message and evidence to tell which).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import yaml
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPORA = (REPO.parent / "shared" / "corpus", REPO.parent / "shared" / "corpus-extra")

REPORT_LANGS = {"en", "de", "ja", "ko", "zh-Hant"}  # the rule book's message languages
# A font per language that maps its text back to Unicode (reportlab's CID fonts for CJK).
FONTS = {"ja": "HeiseiKakuGo-W5", "ko": "HYGothic-Medium", "zh-Hant": "MSung-Light"}


# ------------------------------------------------------------------------------ proof texts

# Per language: how a date is printed, and the title and date label of each kind of proof.
MONTHS_EN = "January February March April May June July August September October November December"


def _en_us(d: date) -> str:
    return f"{MONTHS_EN.split()[d.month - 1]} {d.day}, {d.year}"


DATE_FORMATS = {
    "en-US": _en_us,
    "en": lambda d: f"{d.day:02d}/{d.month:02d}/{d.year}",  # the UK's and Ireland's order
    "de": lambda d: f"{d.day:02d}.{d.month:02d}.{d.year}",
    "fr": lambda d: f"{d.day:02d}/{d.month:02d}/{d.year}",
    "nl": lambda d: f"{d.day:02d}-{d.month:02d}-{d.year}",
    "es": lambda d: f"{d.day:02d}/{d.month:02d}/{d.year}",
    "ja": lambda d: f"{d.year}年{d.month}月{d.day}日",
    "ko": lambda d: f"{d.year}년 {d.month}월 {d.day}일",
    "zh-Hant": lambda d: f"{d.year}年{d.month}月{d.day}日",
}

# subtype -> (title, date label, body line); "{activity}" is the activity's name.
PROOF_TEXTS: dict[str, dict[str, tuple[str, str, str]]] = {
    "en": {
        "invitation": ("Invitation", "Event date:", "You are invited to {activity}."),
        "photo": ("Event photos", "Event date:", "Photos taken at {activity}."),
        "screenshot": ("Campaign page", "Published:", "{activity} - our offer online."),
        "specification": ("Product specification", "Date:", "Demo units for {activity}."),
        "delivery": ("Delivery note", "Delivered on:", "Demo units for {activity}."),
        "itinerary": ("Travel itinerary", "Departure:", "Travel to {activity}."),
    },
    "de": {
        "invitation": ("Einladung", "Veranstaltungsdatum:", "Wir laden Sie ein: {activity}."),
        "photo": ("Fotodokumentation", "Veranstaltungsdatum:", "Fotos von {activity}."),
        "screenshot": ("Kampagnenseite", "Veröffentlicht am:", "{activity} - unser Angebot."),
        "specification": ("Produktdatenblatt", "Datum:", "Vorführgeräte für {activity}."),
        "delivery": ("Lieferschein", "Lieferdatum:", "Vorführgeräte für {activity}."),
        "itinerary": ("Reiseplan", "Abreise:", "Reise zu {activity}."),
    },
    "fr": {
        "invitation": ("Invitation", "Date de l'événement :", "Vous êtes invités : {activity}."),
        "photo": ("Photos de l'événement", "Date de l'événement :", "Photos de {activity}."),
        "screenshot": ("Page de la campagne", "Publié le :", "{activity} - notre offre."),
        "specification": ("Fiche produit", "Date :", "Appareils de démonstration, {activity}."),
        "delivery": ("Bon de livraison", "Livré le :", "Appareils de démonstration, {activity}."),
        "itinerary": ("Itinéraire", "Départ :", "Voyage pour {activity}."),
    },
    "nl": {
        "invitation": ("Uitnodiging", "Datum evenement:", "U bent uitgenodigd: {activity}."),
        "photo": ("Foto's van het evenement", "Datum evenement:", "Foto's van {activity}."),
        "screenshot": ("Campagnepagina", "Gepubliceerd op:", "{activity} - ons aanbod."),
        "specification": ("Productspecificatie", "Datum:", "Demotoestellen voor {activity}."),
        "delivery": ("Pakbon", "Geleverd op:", "Demotoestellen voor {activity}."),
        "itinerary": ("Reisschema", "Vertrek:", "Reis naar {activity}."),
    },
    "es": {
        "invitation": ("Invitación", "Fecha del evento:", "Le invitamos a {activity}."),
        "photo": ("Fotos del evento", "Fecha del evento:", "Fotos de {activity}."),
        "screenshot": ("Página de la campaña", "Publicado el:", "{activity} - nuestra oferta."),
        "specification": ("Ficha técnica", "Fecha:", "Equipos de demostración, {activity}."),
        "delivery": ("Albarán de entrega", "Entregado el:", "Equipos de demostración."),
        "itinerary": ("Itinerario", "Salida:", "Viaje a {activity}."),
    },
    "ja": {
        "invitation": ("ご招待状", "開催日：", "{activity}にご招待いたします。"),
        "photo": ("イベント写真", "開催日：", "{activity}の写真です。"),
        "screenshot": ("キャンペーンページ", "公開日：", "{activity}のご案内。"),
        "specification": ("製品仕様書", "日付：", "{activity}のデモ機。"),
        "delivery": ("納品書", "納品日：", "{activity}のデモ機。"),
        "itinerary": ("旅程表", "出発日：", "{activity}への出張。"),
    },
    "ko": {
        "invitation": ("초대장", "행사일:", "{activity}에 초대합니다."),
        "photo": ("행사 사진", "행사일:", "{activity} 사진입니다."),
        "screenshot": ("캠페인 페이지", "게시일:", "{activity} 안내."),
        "specification": ("제품 사양서", "날짜:", "{activity} 데모 장비."),
        "delivery": ("납품서", "납품일:", "{activity} 데모 장비."),
        "itinerary": ("여행 일정표", "출발일:", "{activity} 출장."),
    },
    "zh-Hant": {
        "invitation": ("邀請函", "活動日期：", "誠摯邀請您參加{activity}。"),
        "photo": ("活動照片", "活動日期：", "{activity}活動照片。"),
        "screenshot": ("活動網頁", "發布日期：", "{activity}優惠資訊。"),
        "specification": ("產品規格書", "日期：", "{activity}展示機。"),
        "delivery": ("交貨單", "交貨日期：", "{activity}展示機。"),
        "itinerary": ("行程表", "出發日期：", "{activity}差旅。"),
    },
}
NOTES = {
    "invoice": "Invoice for the activity, as received from the vendor.",
    "invitation": "Invitation sent to our customers, with the event date.",
    "photo": "Photos taken at the event.",
    "screenshot": "Screenshot of the published page.",
    "specification": "Specification of the demo units.",
    "delivery": "Delivery note of the demo units.",
    "itinerary": "Travel itinerary of our attendee.",
    "email": "The invitation e-mail as sent, with its header.",
}


# ------------------------------------------------------------------------------- scenarios


@dataclass(frozen=True)
class Proof:
    subtype: str
    offset_days: int = 2  # its date: this many days after the activity starts


@dataclass(frozen=True)
class Scenario:
    """A compliant claim: who claims, in which language, for what, with which invoices."""

    id: str
    country: str
    lang: str  # the proofs' language (and the report's)
    partner: str  # the invoices' addressee as printed
    activity: str
    activity_name: str
    invoices: tuple[str, ...]  # corpus paths (folder/file)
    proofs: tuple[Proof, ...]
    metrics: dict[str, int] = field(default_factory=dict)
    attendees: tuple[tuple[str, str], ...] = ()  # (name, cost in the claim's currency)
    date_style: str = ""  # DATE_FORMATS key when not the language


FERD, PARSEE = "corpus/ferd-zugferd-samples/", "corpus/parsee-invoices/"
FACTURX, MISC, I2D = "corpus/facturx-fr/", "corpus/zugferd-misc/", "corpus/invoice2data/"
SEO = (Proof("screenshot"),)
ADS = (Proof("screenshot"),)
EVENT = (Proof("invitation", 0), Proof("photo", 0))
DEMO = (Proof("specification", 0), Proof("delivery", 1))
CONFERENCE = (Proof("invitation", 0), Proof("itinerary", 0))

SCENARIOS = (
    Scenario(
        "de-seminar-two-invoices",
        "DE",
        "de",
        "Kunden AG Mitte",
        "customer-seminars",
        "Kundenseminar Cloud-Arbeitsplatz",
        (FERD + "zugferd_2p2_EN16931_Rabatte.pdf", FERD + "zugferd_2p2_EN16931_Einfach.pdf"),
        EVENT,
        {"attendees": 38},
    ),
    Scenario(
        "de-website-hosting",
        "DE",
        "de",
        "Hetzner customer",
        "partner-website-seo",
        "Partner-Website Microsoft 365",
        (MISC + "Hetzner_2016-01-19_R0005532486.pdf",),
        SEO,
        {"visits": 5120},
    ),
    Scenario(
        "at-seminar-design",
        "AT",
        "de",
        "Theodor Est",
        "customer-seminars",
        "Kundenabend Azure",
        (MISC + "MustangGnuaccountingBeispielRE-20140519_499.pdf",),
        EVENT,
        {"attendees": 24},
    ),
    Scenario(
        "ch-conference-travel",
        "CH",
        "de",
        "Liselotte Müllermann",
        "microsoft-hosted-conferences",
        "Microsoft Inspire",
        (FERD + "zugferd_2p2_EN16931_OEPNV.pdf",),
        CONFERENCE,
        attendees=(("Jonas Meier", "9.00"),),
    ),
    Scenario(
        "fr-seminar-catering",
        "FR",
        "fr",
        "Ma jolie boutique",
        "customer-seminars",
        "Matinée Microsoft 365",
        (FACTURX + "FNFE2017_Facture_FR_BASICWL.pdf",),
        EVENT,
        {"attendees": 30},
    ),
    Scenario(
        "be-press-ad",
        "BE",
        "fr",
        "Netpresse customer",
        "digital-advertising",
        "Annonce Microsoft Teams",
        (I2D + "NetpresseInvoice.pdf",),
        ADS,
        {"clicks": 240},
    ),
    Scenario(
        "nl-demo-units",
        "NL",
        "nl",
        "Coolblue klant",
        "demo-units",
        "Demotoestellen Surface",
        (I2D + "coolblue1.pdf",),
        DEMO,
    ),
    Scenario(
        "gb-ad-design",
        "GB",
        "en",
        "SimFin Analytics GmbH",
        "digital-advertising",
        "Azure infographic campaign",
        (PARSEE + "fiver-march-FI15636047324.pdf",),
        ADS,
        {"clicks": 1310},
    ),
    Scenario(
        "ie-sponsored-ads",
        "IE",
        "en",
        "SimFin Analytics GmbH",
        "digital-advertising",
        "Sponsored Microsoft 365 listings",
        (PARSEE + "Rechnung_Indeed.com.pdf",),
        ADS,
        {"clicks": 860},
    ),
    Scenario(
        "us-website-tool",
        "US",
        "en",
        "SimFin Analytics GmbH",
        "partner-website-seo",
        "Website onboarding for Microsoft 365",
        (PARSEE + "Userpilot-Invoice-5340DF53-0001.pdf",),
        SEO,
        {"visits": 2300},
        date_style="en-US",
    ),
    Scenario(
        "es-seminar-catering",
        "ES",
        "es",
        "Me gusta olive",
        "customer-seminars",
        "Jornada Microsoft 365",
        (FACTURX + "FNFE2017_Facture_UE_BASICWL.pdf",),
        EVENT,
        {"attendees": 45},
    ),
    Scenario(
        "jp-website-wiki",
        "JP",
        "ja",
        "SimFin Analytics GmbH",
        "partner-website-seo",
        "パートナーサイト Microsoft 365",
        (PARSEE + "Atlassian_PaymentConfirmation_AT-215508940.pdf",),
        SEO,
        {"visits": 980},
    ),
    Scenario(
        "kr-website-analytics",
        "KR",
        "ko",
        "SimFin Analytics GmbH",
        "partner-website-seo",
        "파트너 웹사이트 Microsoft 365",
        (PARSEE + "squeaky-april-Invoice-42A5DE55-0071.pdf",),
        SEO,
        {"visits": 1450},
    ),
    Scenario(
        "tw-job-ad",
        "TW",
        "zh-Hant",
        "SimFin Analytics GmbH",
        "digital-advertising",
        "Microsoft 365 線上廣告",
        (PARSEE + "FV_FS_22_09_51.pdf",),
        ADS,
        {"clicks": 410},
    ),
    Scenario(
        "de-website-consent",
        "DE",
        "de",
        "SimFin Analytics GmbH",
        "partner-website-seo",
        "Partner-Website Datenschutz",
        (PARSEE + "ccm19-invoice-november-70128793.pdf",),
        SEO,
        {"visits": 3100},
    ),
    Scenario(
        "fr-seminar-supplies",
        "FR",
        "fr",
        "LE CLIENT",
        "customer-seminars",
        "Atelier Microsoft Copilot",
        ("corpus-extra/horstoeko-extra/horstoeko_pdf_fx_minimum_1.pdf",),
        EVENT,
        {"attendees": 18},
    ),
    Scenario(
        "de-seminar-ezb",
        "DE",
        "de",
        "Kunden AG Mitte",
        "customer-seminars",
        "Kundentag Surface",
        ("corpus-extra/mustang-extra/mustang_EN16931_Einfach.pdf",),
        EVENT,
        {"attendees": 52},
    ),
)


# --------------------------------------------------------------------------- the breaks


@dataclass(frozen=True)
class Claim:
    """One claim as built: the manifest's values the breaks change."""

    scenario: Scenario
    currency: str
    total: Decimal
    invoice_dates: tuple[date, ...]
    usage: tuple[date, date]
    activity: tuple[date, date]
    submission: date
    earned: Decimal
    already_claimed: Decimal = Decimal(0)
    claimed: Decimal | None = None
    funds_currency: str | None = None
    proofs: tuple[Proof, ...] | None = None
    metrics: dict[str, int] | None = None
    expect: str | None = None  # the rule a breaking claim should fire
    follows: tuple[str, ...] = ()  # rules that fire as a consequence of the same change
    breaks: str = ""

    @property
    def id(self) -> str:
        return self.scenario.id + (f"--{self.breaks}" if self.breaks else "")


def _late(c: Claim) -> Claim:
    return replace(c, submission=c.usage[1] + timedelta(days=75), expect="DT01", breaks="late")


def _over_documents(c: Claim) -> Claim:
    more = (c.total * Decimal("1.25")).quantize(Decimal("0.01"))
    return replace(c, claimed=more, expect="AM04", breaks="over-documents")


def _over_funds(c: Claim) -> Claim:
    half = (c.total / 2).quantize(Decimal("0.01"))
    return replace(c, already_claimed=c.earned - half, expect="AM01", breaks="over-funds")


def _no_proof(c: Claim) -> Claim:
    return replace(c, proofs=(), expect="DC03", follows=("AC01",), breaks="no-proof")


def _no_metrics(c: Claim) -> Claim:
    return replace(c, metrics={}, expect="AC02", breaks="no-metrics")


def _invoice_outside(c: Claim) -> Claim:
    """The usage period (and the activity in it) a half-year later than the invoices."""
    start = _half_year(c.usage[1] + timedelta(days=1))
    activity = (start[0] + timedelta(days=10), start[0] + timedelta(days=40))
    return replace(
        c,
        usage=start,
        activity=activity,
        submission=start[1] + timedelta(days=20),
        expect="DT04",
        follows=("DT07",),  # the service period the invoice bills moves out too
        breaks="invoice-outside-period",
    )


def _other_funds_currency(c: Claim) -> Claim:
    other = "USD" if c.currency != "USD" else "EUR"
    return replace(c, funds_currency=other, expect="AM02", breaks="funds-currency")


BREAKS = (_late, _over_documents, _over_funds, _no_proof, _invoice_outside, _other_funds_currency)


def _half_year(day: date) -> tuple[date, date]:
    if day.month <= 6:
        return date(day.year, 1, 1), date(day.year, 6, 30)
    return date(day.year, 7, 1), date(day.year, 12, 31)


def _truth(corpora: tuple[Path, ...]) -> dict[str, dict[str, Any]]:
    """The truth rows by ``corpus-name/folder/file``."""
    rows: dict[str, dict[str, Any]] = {}
    for corpus in corpora:
        for truth in sorted(corpus.glob("*/truth.jsonl")):
            for line in truth.read_text(encoding="utf-8").splitlines():
                row = json.loads(line)
                row["path"] = truth.parent / row["file"]
                rows[f"{corpus.name}/{truth.parent.name}/{row['file']}"] = row
    return rows


EARNED = {"EUR": Decimal(40000), "USD": Decimal(40000), "INR": Decimal(3000000)}


def base_claim(s: Scenario, truth: dict[str, dict[str, Any]]) -> Claim:
    """The compliant claim: usage period, activity and submission around the invoices' dates."""
    rows = [truth[p] for p in s.invoices]
    currencies = {r["currency"] for r in rows}
    if len(currencies) != 1:
        raise ValueError(f"{s.id}: invoices in several currencies")
    dates = tuple(date.fromisoformat(r["date"]) for r in rows)
    usage = _half_year(min(dates))
    first, last = min(dates), max(dates)
    activity = (max(usage[0], first - timedelta(days=20)), min(usage[1], last + timedelta(days=3)))
    total = sum((abs(Decimal(r["total"])) for r in rows), Decimal(0))
    currency = currencies.pop()
    return Claim(
        s,
        currency,
        total,
        dates,
        usage,
        activity,
        submission=usage[1] + timedelta(days=20),
        earned=EARNED.get(currency, Decimal(40000)),
    )


def claims(truth: dict[str, dict[str, Any]]) -> list[Claim]:
    """Every scenario compliant, and once broken (the breaks taken in turn)."""
    out: list[Claim] = []
    for i, scenario in enumerate(SCENARIOS):
        base = base_claim(scenario, truth)
        out += [base, BREAKS[i % len(BREAKS)](base)]
    return out


# ---------------------------------------------------------------------------- the writing


def write_claim(c: Claim, truth: dict[str, dict[str, Any]], root: Path) -> Path:
    s = c.scenario
    folder = root / c.id
    folder.mkdir(parents=True)
    documents: list[dict[str, Any]] = []
    for path in s.invoices:
        source = truth[path]["path"]
        shutil.copyfile(source, folder / source.name)
        documents.append({"path": source.name, "role": "invoice", "note": NOTES["invoice"]})
    proofs = s.proofs if c.proofs is None else c.proofs
    for proof in proofs:
        name = f"{proof.subtype}.pdf"
        day = c.activity[0] + timedelta(days=proof.offset_days)
        _proof_pdf(folder / name, s, proof.subtype, day)
        documents.append(
            {"path": name, "role": "poe", "subtype": proof.subtype, "note": NOTES[proof.subtype]}
        )
    if proofs and s.activity in ("customer-seminars", "tradeshows"):
        sent = c.activity[0] - timedelta(days=14)
        _invitation_mail(folder / "invitation.eml", s, sent, c.activity[0])
        documents.append(
            {
                "path": "invitation.eml",
                "role": "poe",
                "subtype": "invitation",
                "note": NOTES["email"],
            }
        )
    claimed = c.total if c.claimed is None else c.claimed
    manifest: dict[str, Any] = {
        "claim_id": c.id,
        "partner": {"legal_name": s.partner, "country": s.country},
        "program": {"code": "MCPP-CO-OP", "fiscal_year": "FY24"},
        "usage_period": {"start": c.usage[0], "end": c.usage[1]},
        "funds": {
            "currency": c.funds_currency or c.currency,
            "earned": str(c.earned),
            "already_claimed": str(c.already_claimed),
        },
        "activity": {
            "type": s.activity,
            "name": s.activity_name,
            "start": c.activity[0],
            "end": c.activity[1],
        },
        "claimed": {"amount": str(claimed), "currency": c.currency},
        "submission_date": c.submission,
        "documents": documents,
    }
    metrics = s.metrics if c.metrics is None else c.metrics
    if metrics:
        manifest["metrics"] = metrics
    if s.attendees:
        manifest["attendees"] = [
            {"name": n, "cost": {"amount": cost, "currency": c.currency}} for n, cost in s.attendees
        ]
    (folder / "claim.yaml").write_text(
        yaml.safe_dump(manifest, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    return folder


def _font(lang: str) -> str:
    name = FONTS.get(lang)
    if name is None:
        return "Helvetica"
    if name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(name))
    return name


def _proof_pdf(path: Path, s: Scenario, subtype: str, day: date) -> None:
    title, label, body = PROOF_TEXTS[s.lang][subtype]
    when = DATE_FORMATS[s.date_style or s.lang](day)
    font = _font(s.lang)
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    height = A4[1]
    c.setFont(font, 18)
    c.drawString(60, height - 80, f"{title} - {s.activity_name}")
    c.setFont(font, 11)
    lines = (s.partner, body.format(activity=s.activity_name), f"{label} {when}")
    for i, line in enumerate(lines):
        c.drawString(60, height - 120 - 20 * i, line)
    c.showPage()
    c.save()


def _invitation_mail(path: Path, s: Scenario, day: date, event: date) -> None:
    """The invitation e-mail, sent two weeks before the event, naming the event's date."""
    title, label, body = PROOF_TEXTS[s.lang]["invitation"]
    when = DATE_FORMATS[s.date_style or s.lang](event)
    mail = EmailMessage()
    mail["From"] = f"{s.partner} <events@partner.example>"
    mail["To"] = "customers@partner.example"
    mail["Subject"] = f"{title}: {s.activity_name}"
    mail["Date"] = format_datetime(datetime(day.year, day.month, day.day, 9, 30, tzinfo=UTC))
    mail["Message-ID"] = f"<{s.id}@partner.example>"
    mail.set_content(f"{body.format(activity=s.activity_name)}\n\n{label} {when}\n")
    path.write_bytes(bytes(mail))


# ---------------------------------------------------------------------------- the checking


def run(built: list[tuple[Claim, Path]]) -> list[dict[str, Any]]:
    from coop_rules import check_claim

    results = []
    for c, folder in built:
        lang = c.scenario.lang if c.scenario.lang in REPORT_LANGS else "en"
        report = check_claim(folder, lang=lang, ledger=False)
        findings = [
            {
                "code": f.code,
                "severity": str(f.severity),
                "outcome": str(f.outcome),
                "subject": f.subject,
                "message": f.message,
                "evidence": [e.locator() for e in f.evidence][:4],
            }
            for f in report.findings
        ]
        results.append(
            {
                "claim": c.id,
                "country": c.scenario.country,
                "lang": c.scenario.lang,
                "compliant": c.expect is None,
                "expect": c.expect,
                "follows": list(c.follows),
                "verdict": str(report.verdict),
                "findings": findings,
            }
        )
    return results


def summary(results: list[dict[str, Any]]) -> str:
    """Per claim its verdict and loud findings; then the verdicts and the false alarms: every
    error, action or warning on a compliant claim, and on a breaking claim a rule that neither
    its change explains nor fired on its compliant twin already."""
    lines = []
    false_alarms: Counter[str] = Counter()
    passed = caught = 0
    base_codes: dict[str, set[str]] = {}
    for r in results:
        loud = [f for f in r["findings"] if f["severity"] in ("error", "warning", "action")]
        codes = {f["code"] for f in loud}
        if r["compliant"]:
            passed += r["verdict"] == "pass"
            false_alarms.update(codes)
            base_codes[r["claim"]] = codes
        else:
            caught += r["expect"] in codes
            twin = base_codes.get(r["claim"].split("--")[0], set())
            false_alarms.update(codes - {r["expect"], *r["follows"]} - twin)
        mark = "" if r["compliant"] else f" (expects {r['expect']})"
        lines.append(f"{r['claim']:<48} {r['verdict']:<7} {' '.join(sorted(codes)) or '-'}{mark}")
        lines += [f"    {f['code']} {f['severity']}: {f['message'][:150]}" for f in loud]
    compliant = sum(r["compliant"] for r in results)
    lines.append("")
    lines.append(
        f"compliant claims that pass: {passed} of {compliant}; breaking claims whose rule "
        f"fired: {caught} of {len(results) - compliant}"
    )
    lines.append(
        "false alarms per rule: "
        + (", ".join(f"{code} {n}" for code, n in sorted(false_alarms.items())) or "none")
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, action="append", help="a corpus folder")
    parser.add_argument("--out", type=Path, help="write the claims here (default: a temp folder)")
    parser.add_argument("--json", type=Path, help="write every claim's findings as JSON")
    args = parser.parse_args(argv)
    corpora = tuple(args.corpus or DEFAULT_CORPORA)
    missing = [str(c) for c in corpora if not c.is_dir()]
    if missing:
        print(f"no corpus at {', '.join(missing)}", file=sys.stderr)
        return 2
    truth = _truth(corpora)
    with tempfile.TemporaryDirectory() as scratch:
        root = args.out or Path(scratch)
        if args.out and root.exists():
            shutil.rmtree(root)
        built = [(c, write_claim(c, truth, root)) for c in claims(truth)]
        results = run(built)
    print(summary(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
