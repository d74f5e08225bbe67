"""Label data files and the label matcher (coop_rules.extraction.lexicon)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coop_rules.errors import ConfigurationError
from coop_rules.extraction import lexicon
from coop_rules.extraction.lexicon import (
    detect_language,
    fold,
    fold_label,
    languages,
    legal_suffix_regex,
    section_matcher,
)

REQUIRED = {"en", "de", "fr", "nl", "es", "it", "pt", "ja", "ko", "zh-Hant", "zh-Hans"}
INVOICE_FIELDS = {
    "invoice_number",
    "issue_date",
    "total_gross",
    "total",
    "not_total",
    "subtotal",
    "tax",
    "due_date",
    "service_period",
    "vendor",
    "bill_to",
    "tax_id",
}


def test_every_language_has_the_invoice_csr_and_poe_labels() -> None:
    table = languages()
    assert set(table) >= REQUIRED
    for code, language in table.items():
        assert set(language.sections["invoice"]) >= INVOICE_FIELDS, code
        assert {"total", "signatory", "signature_date"} <= set(language.sections["csr"]), code
        assert language.sections["poe"]["execution_date"], code
        assert language.kinds["invoice"] and language.kinds["quote"], code
        assert {"description", "quantity", "unit_price", "amount"} <= set(
            language.sections["lines"]
        ), code


@pytest.mark.parametrize("code", sorted(REQUIRED))
def test_no_label_means_two_fields_in_one_language(code: str) -> None:
    language = languages()[code]
    for section, fields in language.sections.items():
        seen: dict[str, str] = {}
        for field, words in fields.items():
            for word in words:
                key = fold_label(word)
                assert seen.setdefault(key, field) == field, (code, section, word)


def test_a_yaml_boolean_in_a_word_list_is_a_configuration_error() -> None:
    # YAML reads a bare `no` or `on` as a boolean: the loader must refuse it, not match "False".
    with pytest.raises(ConfigurationError, match="quote it"):
        lexicon._words(["invoice no", False], "data/xx.yaml: invoice.invoice_number")


def test_longest_label_wins_and_labels_are_whole_words() -> None:
    matcher = section_matcher("invoice", "fr")
    hits = matcher.find("TOTAL HT\tTOTAL TVA\tTOTAL TTC")
    assert [(h.field, h.text) for h in hits] == [
        ("subtotal", "TOTAL HT"),
        ("tax", "TOTAL TVA"),
        ("total_gross", "TOTAL TTC"),
    ]
    assert matcher.find("Totalement") == []
    assert [h.field for h in section_matcher("invoice", "de").find("Rechnungssumme Brutto")] == [
        "total_gross"
    ]


def test_folding_tolerates_punctuation_and_split_letters() -> None:
    matcher = section_matcher("invoice", "de")
    assert [h.field for h in matcher.find("USt.-IdNr.: DE123")] == ["tax_id"]
    assert [h.field for h in matcher.find("Ihre USt-IdNr.: DE123")] == ["buyer_tax_id"]
    nl = section_matcher("invoice", "nl")
    hit = nl.find("F actuurnummer: 993548900")[0]  # a drop capital set apart
    assert hit.field == "invoice_number" and hit.text == "F actuurnummer"
    assert fold("R E C H N U N G")[0] == "rechnung"


def test_german_compounds_end_in_a_kind_word() -> None:
    matcher = section_matcher("invoice", "de")
    assert [h.field for h in matcher.find("Baurechnung Nr. 12")][:1] == ["kind:invoice"]
    assert [h.field for h in matcher.find("Stornogutschrift")] == ["kind:credit-note"]


def test_cjk_labels_match_inside_running_text() -> None:
    hits = section_matcher("invoice", "ja").find("合計金額¥123,456 請求日:2024年3月15日")
    assert [h.field for h in hits] == ["total_gross", "issue_date"]
    assert [h.field for h in section_matcher("invoice", "ko").find("합계금액 ￦1,000")] == [
        "total_gross"
    ]


@pytest.mark.parametrize(
    ("name", "suffix"),
    [
        ("Kreativwerk Hamburg GmbH", "GmbH"),
        ("Coolblue B.V.", "B.V."),
        ("Squeaky BV", "BV"),
        ("Atlassian Pty Ltd", "Pty Ltd"),
        ("Au bon moulin SARL", "SARL"),
        ("株式会社サクラ広告", "株式会社"),
        ("주식회사 한빛애드", "주식회사"),
        # countries without a language file (extraction/data/world/organisations.yaml)
        ("Nordlys Reklame ApS", "ApS"),
        ("Nordic Media A/S", "A/S"),
        ("Kampanja Oy", "Oy"),
        ("Agencja Nowa Sp. z o.o.", "Sp. z o.o."),
        ("Kreativa s.r.o.", "s.r.o."),
        ("Hirdetés Kft.", "Kft."),
        ("Oglasi d.o.o.", "d.o.o."),
        ("Reklam Ajansı A.Ş.", "A.Ş."),
    ],
)
def test_legal_suffixes(name: str, suffix: str) -> None:
    match = legal_suffix_regex().search(name)
    assert match is not None and match.group() == suffix


@pytest.mark.parametrize("text", ["Calgary AB T2G 0X8", "Columbia, SC 29201", "Praha 1 as above"])
def test_forms_that_are_also_abbreviations_or_words_are_no_legal_forms(text: str) -> None:
    """Swedish "AB", Romanian "S.C.", Norwegian "AS" and Czech "a.s." are left out: an address
    line of the buyer's window read as a firm would be a wrong vendor."""
    assert legal_suffix_regex().search(text) is None


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Rechnung für Ihre Bestellung. Bitte zahlen Sie den Betrag mit der Referenz.", "de"),
        ("Please pay the amount due for your order with the reference on this invoice.", "en"),
        ("Facture pour votre commande. Merci de régler le montant avec la référence.", "fr"),
        ("Dit is de factuur voor uw bestelling. Betaal het bedrag met de referentie.", "nl"),
        ("請求書 お支払いは下記の口座にお振込みください。", "ja"),
        ("청구서 아래 계좌로 입금해 주시기 바랍니다.", "ko"),
        ("統一發票 營業稅 買受人 統一編號 總計 開立日期", "zh-Hant"),
        ("增值税专用发票 购买方 纳税人识别号 价税合计 开票日期", "zh-Hans"),
        ("R E C H N U N G  Die Rechnung ist für Ihre Unterlagen", "de"),
    ],
)
def test_detect_language(text: str, lang: str) -> None:
    assert detect_language(text) == lang


LANGS = sorted(REQUIRED)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80), st.sampled_from(LANGS))
def test_label_hits_are_ordered_spans_of_the_text(text: str, lang: str) -> None:
    """Any text, any language: hits never raise, never overlap and quote the text exactly."""
    hits = section_matcher("invoice", lang).find(text)
    end = 0
    for hit in hits:
        assert end <= hit.start < hit.end <= len(text)
        assert hit.text == text[hit.start : hit.end]
        end = hit.end


_GERMAN_INVOICE_LABELS = sorted(
    word for field, words in languages()["de"].sections["invoice"].items() for word in words
)


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(_GERMAN_INVOICE_LABELS),
    st.text(alphabet="0123456789 .,:/-€", max_size=12),
    st.text(alphabet="0123456789 .,:/-€", max_size=12),
)
def test_a_label_between_numbers_and_punctuation_is_found(
    label: str, before: str, after: str
) -> None:
    """A label stands out from the numbers around it (``Summe: 1.234,56 €``)."""
    text = f"{before} {label} {after}"
    found = section_matcher("invoice", "de").find(text)
    wanted = fold(label)[0]
    assert any(wanted in fold(hit.text)[0] for hit in found), (text, found)
