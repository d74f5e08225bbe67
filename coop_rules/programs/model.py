"""Program data as the facts stage reads it: activity matrices per fiscal year, program
profiles, claiming calendars and the word lists that classify invoice lines.

:mod:`coop_rules.programs.loading` reads them from YAML and validates them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from coop_rules.i18n.shown import Texts
from coop_rules.money import Money


@dataclass(frozen=True)
class Cap:
    """A cap of one activity, over all claims of its ``group`` in a usage period and program.

    ``amount`` is a fixed cap; ``percent_of_earned`` a share of the earned co-op, raised to
    ``at_least`` where that is larger (demo units: max(10 %, USD 3,000)). ``unlimited`` says the
    program variant lifts the cap (Surface). Conferences add a per-person travel cap and a
    number of attendees.
    """

    group: str
    amount: Money | None = None
    percent_of_earned: Decimal | None = None
    at_least: Money | None = None
    per_person: Money | None = None
    max_attendees: int | None = None
    unlimited: bool = False


@dataclass(frozen=True)
class ActivitySpec:
    """One row of the activity matrix.

    ``proof`` is a list of groups: the claim needs, for each group, one proof-of-execution
    document of one of the group's subtypes. ``metrics`` is a list of groups of alternative
    manifest metric keys (``[calls, calls_made]``): every group needs one of its keys; a
    document with the role ``metrics`` stands for all of them where ``metrics_document`` is
    true.
    """

    id: str
    name: str
    file: str
    line: int
    proof: tuple[tuple[str, ...], ...] = ()
    metrics: tuple[tuple[str, ...], ...] = ()  # every group needed; any key of a group will do
    metrics_document: bool = True
    categories: tuple[str, ...] = ()
    cap: Cap | None = None
    surface_cap: Cap | None = None  # replaces ``cap`` when the program is a Surface program
    excluded_for: tuple[str, ...] = ()  # program tags (``surface-add``) it is not eligible for
    preapproval: bool = False
    review: str | None = None  # what a reviewer must look at that a machine cannot decide
    # ``name`` and ``review`` per language (English always there: it is ``name``/``review``).
    name_texts: Texts | None = None
    review_texts: Texts | None = None

    @property
    def title(self) -> Texts:
        """The activity's display name per language."""
        return self.name_texts or Texts.of(self.name)


@dataclass(frozen=True)
class Matrix:
    family: str  # "microsoft"; another vendor's program names its own
    fiscal_year: str  # "FY25"
    file: str
    activities: dict[str, ActivitySpec] = field(default_factory=dict)
    based_on: str | None = None  # a year's file states what changed since the year it names
    removed: tuple[str, ...] = ()  # activities of ``based_on`` no longer eligible


@dataclass(frozen=True)
class Window:
    """One usage period of a calendar and its claiming window."""

    period: str  # "FY24-H2"
    usage_start: date
    usage_end: date
    opens: date
    closes: date
    file: str
    line: int


@dataclass(frozen=True)
class Calendar:
    id: str
    fiscal_year_starts: int  # month: 7 for Microsoft (FY25 = Jul 2024 – Jun 2025)
    file: str
    periods: tuple[Window, ...] = ()

    def fiscal_year(self, day: date) -> str:
        """The fiscal year a day belongs to, named by the calendar year it ends in."""
        year = day.year + (
            1 if self.fiscal_year_starts > 1 and day.month >= self.fiscal_year_starts else 0
        )
        return f"FY{year % 100:02d}"

    def window(self, usage_start: date, usage_end: date) -> Window | None:
        return next(
            (w for w in self.periods if (w.usage_start, w.usage_end) == (usage_start, usage_end)),
            None,
        )


@dataclass(frozen=True)
class Profile:
    """A program profile; the manifest's ``program.code`` selects it (``MCPP-CO-OP`` also
    matches ``MCPP-CO-OP-FY24``), and values the manifest states win over the profile's."""

    code: str
    name: str
    file: str
    surface: bool = False
    tags: tuple[str, ...] = ()
    thresholds: tuple[Money, ...] = ()  # one per currency
    requires_preapproval: bool = False
    requires_tax_invoice: bool = False
    calendar: str = "microsoft"
    matrix: str = "microsoft"

    def matches(self, code: str) -> bool:
        return code == self.code or code.startswith(self.code + "-")


@dataclass(frozen=True)
class LineWords:
    """Words that classify invoice lines (multilingual; matched case- and width-insensitively)."""

    alcohol: tuple[str, ...] = ()  # "*wein": any compound ending in it (Rotwein, Hauswein)
    # Words that say a line is no alcohol though it names some ("alkoholfreies Bier",
    # "wine-red tablecloth"): they and the word after them are left out; "*schwein": a
    # compound ending in it is no "*wein".
    not_alcohol: tuple[str, ...] = ()
    drinks: tuple[str, ...] = ()  # ambiguous: may or may not include alcohol
    folio_extras: tuple[str, ...] = ()  # hotel folio lines other than room rate and taxes
    travel_extras: tuple[str, ...] = ()  # travel lines other than fares and taxes
    categories: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Category words that may mean another thing ("notebook", "banner"): a line named only by
    # them is uncertain (R14: a warning, not an error).
    uncertain: tuple[str, ...] = ()
    vat_rates: tuple[Decimal, ...] = ()  # percent


@dataclass(frozen=True, eq=False)  # identity: loaded once per list of folders
class ProgramData:
    """All program data in force: profiles, matrices by (family, fiscal year), calendars by id,
    the merged word lists, and the files read ((sub-folder/name, sha256), for the rule set)."""

    profiles: tuple[Profile, ...] = ()
    matrices: dict[tuple[str, str], Matrix] = field(default_factory=dict)
    calendars: dict[str, Calendar] = field(default_factory=dict)
    line_words: LineWords = field(default_factory=LineWords)
    files: tuple[tuple[str, str], ...] = ()

    def profile(self, code: str) -> Profile | None:
        """The profile for a manifest's program code: an exact match, else the longest prefix."""
        found = [p for p in self.profiles if p.matches(code)]
        return max(found, key=lambda p: len(p.code), default=None)
