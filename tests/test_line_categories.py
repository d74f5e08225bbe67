"""R14: which expense categories an invoice line names (precision of the line words)."""

from __future__ import annotations

import pytest

from coop_rules.facts.document_values import _categories
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
