"""Date parsing, including ambiguity, CJK formats and eras (coop_rules.extraction.dates)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coop_rules.extraction.parsing import find_dates, parse_date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-15", date(2024, 3, 15)),
        ("2024/3/15", date(2024, 3, 15)),
        ("15.03.2024", date(2024, 3, 15)),
        ("26.10.22", date(2022, 10, 26)),
        ("31/08/2022", date(2022, 8, 31)),
        ("04/13/2024", date(2024, 4, 13)),
        ("20-10-2015", date(2015, 10, 20)),
        ("19 april 2014", date(2014, 4, 19)),
        ("April 19, 2014", date(2014, 4, 19)),
        ("19. April 2014", date(2014, 4, 19)),
        ("7. Mai 2014", date(2014, 5, 7)),
        ("19 avril 2014", date(2014, 4, 19)),
        ("1er mars 2024", date(2024, 3, 1)),
        ("29 maart 2014", date(2014, 3, 29)),
        ("15 de marzo de 2024", date(2024, 3, 15)),
        ("15 marzo 2024", date(2024, 3, 15)),
        ("15 de março de 2024", date(2024, 3, 15)),
        ("28-Dec-2022", date(2022, 12, 28)),
        ("Dec 28, 2022", date(2022, 12, 28)),
        ("Date issued: Mar 4, 2023", date(2023, 3, 4)),
        ("2024年3月15日", date(2024, 3, 15)),
        ("２０２４年３月１５日", date(2024, 3, 15)),
        ("2024. 3. 15.", date(2024, 3, 15)),
        ("2024년 3월 15일", date(2024, 3, 15)),
        ("民國113年3月15日", date(2024, 3, 15)),
        ("民国113年3月15日", date(2024, 3, 15)),
        ("令和6年3月15日", date(2024, 3, 15)),
    ],
)
def test_parse_date(text: str, expected: date) -> None:
    reading = parse_date(text)
    assert reading is not None
    assert reading.value == expected
    assert not reading.ambiguous


def test_ambiguous_date_keeps_both_readings() -> None:
    reading = parse_date("03/04/2024")
    assert reading is not None and reading.ambiguous
    assert {reading.value, *reading.alternatives} == {date(2024, 4, 3), date(2024, 3, 4)}
    # English alone does not say which order (en-GB vs en-US).
    english = parse_date("03/04/2024", lang="en")
    assert english is not None and english.ambiguous


@pytest.mark.parametrize("lang", ["de", "fr", "nl", "es", "it", "pt"])
def test_day_first_languages_decide_the_order(lang: str) -> None:
    reading = parse_date("03/04/2024", lang=lang)
    assert reading is not None
    assert reading.value == date(2024, 4, 3) and not reading.ambiguous


def test_explicit_hints_and_dots() -> None:
    month_first = parse_date("03/04/2024", dayfirst=False)
    assert month_first is not None and month_first.value == date(2024, 3, 4)
    assert not month_first.ambiguous
    dotted = parse_date("03.04.2024")  # dots are day-first wherever they are written
    assert dotted is not None and dotted.value == date(2024, 4, 3) and not dotted.ambiguous


def test_roc_years_need_context_unless_the_era_is_named() -> None:
    assert parse_date("113年3月15日") is None
    assert parse_date("113年3月15日", roc=True).value == date(2024, 3, 15)  # type: ignore[union-attr]
    assert parse_date("113/03/15", lang="zh-Hant").value == date(2024, 3, 15)  # type: ignore[union-attr]


def test_impossible_and_partial_dates_are_not_dates() -> None:
    assert parse_date("31/02/2024") is None
    assert parse_date("March 2024") is None
    assert parse_date("Total 1.234,56") is None


def test_find_dates_reads_ranges_and_spans() -> None:
    text = "Leistung 01.05.14-31.05.14, Rechnung vom 19.05.2014"
    found = find_dates(text)
    assert [d.value for d in found] == [date(2014, 5, 1), date(2014, 5, 31), date(2014, 5, 19)]
    assert text[found[2].start : found[2].end] == "19.05.2014"


@given(st.text(max_size=80))
def test_parse_date_never_raises(text: str) -> None:
    for lang in (None, "en", "de", "zh-Hant"):
        reading = parse_date(text, lang=lang)
        assert reading is None or reading.start < reading.end


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2089, 12, 31)))
def test_iso_and_german_dates_round_trip(value: date) -> None:
    assert parse_date(value.isoformat()).value == value  # type: ignore[union-attr]
    assert parse_date(value.strftime("%d.%m.%Y")).value == value  # type: ignore[union-attr]
    assert parse_date(f"{value.year}年{value.month}月{value.day}日").value == value  # type: ignore[union-attr]
