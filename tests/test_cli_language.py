"""The command line's own words follow ``--lang``: manifest problems, the batch summary."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from coop_rules.cli import main

from .conftest import FIXTURES
from .english import english_in


def _broken_claim(tmp_path: Path) -> Path:
    folder = tmp_path / "claim"
    shutil.copytree(FIXTURES / "dt01-late-submission", folder)
    manifest = folder / "claim.yaml"
    text = manifest.read_text(encoding="utf-8").replace("currency: EUR", "currency: euro", 1)
    manifest.write_text(text.replace("role: invoice", "role: rechnung", 1), encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("de", ["2 Probleme", "muss dem Muster", "(angegeben: 'euro')", "muss einer dieser Werte"]),
        ("ko", ["문제 2건", "형식과 일치해야 합니다", "다음 값 중 하나여야 합니다"]),
    ],
)
def test_manifest_problems_in_the_language(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, lang: str, expected: list[str]
) -> None:
    assert main(["check", str(_broken_claim(tmp_path)), "--lang", lang]) == 2
    err = capsys.readouterr().err
    for text in expected:
        assert text in err, err
    # Field paths stay as they are (the manifest's keys); everything else is the language's.
    assert "funds.currency:" in err and "documents[0].role:" in err
    messages = [line.split(": ", 1)[1] for line in err.splitlines()[1:]]
    values = ["invoice, csr, poe, metrics, other", "euro"]  # what the manifest must hold, as is
    assert english_in(f"<p>{' '.join(messages)}</p>", lang, values) == {}, err


def test_manifest_problems_stay_english_by_default(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["check", str(_broken_claim(tmp_path))]) == 2
    err = capsys.readouterr().err
    assert "claim.yaml: 2 problems" in err and "(got 'euro')" in err


def test_batch_summary_in_the_language(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    claims = [str(FIXTURES / "compliant"), str(FIXTURES / "dt01-late-submission")]
    out = tmp_path / "out"
    args = ["check", *claims, "--out", str(out), "--jobs", "1", "--today", "2024-07-20"]
    main([*args, "--lang", "de"])
    err = capsys.readouterr().err
    assert f"2 Anträge: 1 nicht bestanden, 1 bestanden; Warteschlange in {out}" in err, err
    main([*args, "--lang", "de"])  # again: both reports are reused
    assert "(2 unverändert, nicht erneut geprüft)" in capsys.readouterr().err
