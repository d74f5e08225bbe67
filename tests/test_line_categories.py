"""R14: which expense categories an invoice line names (precision of the line words)."""

from __future__ import annotations

import pytest

from coop_rules.facts.document_values import _categories, names_alcohol
from coop_rules.programs import load_program_data

CATEGORIES = load_program_data().line_words.categories


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # a stand's banner is event material (and its artwork creative work), not media
        ("Roll-up banner artwork", {"event-services", "creative"}),
        ("Display-Banner 728×90 (Leaderboard)", {"media"}),
        ("Laptop Contoso Pro 14 for the demo pool", {"hardware"}),
        ("Exhibition stand construction, 3 days", {"event-services"}),
        ("Roll-up-Banner Druck", {"event-services", "printing"}),
    ],
)
def test_a_line_names_its_categories(line: str, expected: set[str]) -> None:
    assert _categories(line, CATEGORIES) == expected


@pytest.mark.parametrize(
    ("line", "certain"),
    [
        ("Display-Banner 728×90 (Leaderboard)", set()),  # banner: media or a stand's banner
        ("Ad serving fee (per 1,000 impressions)", {"media"}),
        ("Laptop Contoso Pro 14", {"hardware"}),
        ("Notebook A5, 100 pages", set()),
    ],
)
def test_certain_words_only(line: str, certain: set[str]) -> None:
    uncertain = load_program_data().line_words.uncertain
    assert _categories(line, CATEGORIES, uncertain) == certain


@pytest.mark.parametrize(
    "line",
    [
        "Wein und Bier, pauschal",
        "inklusive Sektempfang und Weinbegleitung (Riesling, Spätburgunder)",
        "Rotwein (Hauswein), 12 Flaschen",
        "Open bar: beer, wine and spirits",
        "Champagne reception for 40 guests",
        "Vin rouge et bières pression",
        "Cerveza artesanal y vino",
        "Huiswijn en speciaalbier",
        "生ビール・ワイン飲み放題",
        "맥주 및 와인",
        "啤酒與葡萄酒",
        "Wein, alkoholfreie Getränke",  # the wine is still wine
    ],
)
def test_alcohol_in_any_language(line: str) -> None:
    assert names_alcohol(line, load_program_data().line_words)


@pytest.mark.parametrize(
    "line",
    [
        "Tischwäsche weinrot, Stehtische mit Hussen",
        "Wine-red tablecloths for 12 tables",
        "Weinberg Hotel, Saalmiete 14.03.2024",
        "Alkoholfreie Cocktails und Säfte",
        "Non-alcoholic beer and soft drinks",
        "Cocktails ohne Alkohol",
        "Spanferkel vom Schwein, Wildschwein-Ragout",
        "Insektenschutz für die Terrasse",
        "ノンアルコールビール",
        "무알코올 맥주",
        "無酒精飲料",
        "酒店住宿兩晚",  # a hotel, not alcohol
        "Kaffee, Wasser, Säfte",
    ],
)
def test_no_alcohol(line: str) -> None:
    assert not names_alcohol(line, load_program_data().line_words)
