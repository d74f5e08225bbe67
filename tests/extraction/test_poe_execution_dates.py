"""Which date a proof of execution is dated by: its subtype and the words around each date."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from coop_rules.extraction import extract_file


def write_pdf(path: Path, lines: list[str], font: str = "Helvetica") -> Path:
    page = canvas.Canvas(str(path), pagesize=A4)
    if font != "Helvetica":
        pdfmetrics.registerFont(UnicodeCIDFont(font))
    page.setFont(font, 11)
    for i, text in enumerate(lines):
        page.drawString(50, 800 - 24 * i, text)
    page.save()
    return path


def test_a_scripts_version_date_is_not_its_execution_date(tmp_path: Path) -> None:
    path = write_pdf(
        tmp_path / "script.pdf",
        [
            "Telemarketing call script - Contoso Cloud Weeks",
            "Version 2.1 of 15.01.2024",
            "Hello, this is Contoso calling about Microsoft 365.",
        ],
    )
    doc = extract_file(path, role="poe")
    assert "execution_date" not in doc.fields
    assert "execution_candidates" not in doc.fields


def test_a_registration_confirmation_is_dated_by_its_event(tmp_path: Path) -> None:
    path = write_pdf(
        tmp_path / "registration.pdf",
        [
            "Registration confirmation",
            "Registered on: 02.02.2024",
            "Event date: 12.03.2024",
            "Microsoft AI Tour Berlin",
        ],
    )
    doc = extract_file(path, role="poe")
    assert doc.value("execution_date") == date(2024, 3, 12)
    assert "Event date" in doc.fields["execution_date"].evidence.text or (
        doc.fields["execution_date"].evidence.note or ""
    )


def test_an_invitation_prefers_the_event_date_to_the_send_date(tmp_path: Path) -> None:
    path = write_pdf(
        tmp_path / "invitation.pdf",
        [
            "Invitation - you are invited",
            "Sent: 01.02.2024",
            "Event date: 14.03.2024",
            "Agenda and registration below",
        ],
    )
    doc = extract_file(path, role="poe")
    assert doc.value("poe_subtype") == "invitation"
    assert doc.value("execution_date") == date(2024, 3, 14)


def test_a_german_invitation_with_veranstaltungsdatum_and_stand(tmp_path: Path) -> None:
    path = write_pdf(
        tmp_path / "einladung.pdf",
        [
            "Einladung zum Kundenseminar",
            "Stand: 10.01.2024",
            "Veranstaltungsdatum: 21.03.2024",
        ],
    )
    doc = extract_file(path, role="poe")
    assert doc.value("execution_date") == date(2024, 3, 21)


def test_a_japanese_agenda_with_kaisaibi(tmp_path: Path) -> None:
    path = write_pdf(
        tmp_path / "agenda.pdf",
        ["セミナーのご案内", "登録日: 2024年2月1日", "開催日: 2024年3月15日"],
        font="HeiseiKakuGo-W5",
    )
    doc = extract_file(path, role="poe")
    assert doc.value("execution_date") == date(2024, 3, 15)


def test_several_unlabelled_dates_are_candidates_not_a_guess(tmp_path: Path) -> None:
    path = write_pdf(
        tmp_path / "flyer.pdf",
        ["Cloud Weeks flyer", "Offer valid 12.03.2024", "Printed 15.02.2024 Contoso"],
    )
    doc = extract_file(path, role="poe")
    assert "execution_date" not in doc.fields
    found = doc.fields["execution_candidates"]
    assert {found.value, *found.alternatives} == {date(2024, 2, 15), date(2024, 3, 12)}
    assert found.value == date(2024, 2, 15)  # earliest first
    assert "none labelled" in (found.evidence.note or "")


@pytest.mark.parametrize("label", ["Date", "Datum"])
def test_one_bare_date_is_the_execution_date(tmp_path: Path, label: str) -> None:
    path = write_pdf(tmp_path / "photo-report.pdf", ["Photo report", f"{label}: 18.03.2024"])
    doc = extract_file(path, role="poe")
    assert doc.value("execution_date") == date(2024, 3, 18)
    assert "execution_candidates" not in doc.fields
