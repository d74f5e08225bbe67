"""Loading program data (:mod:`coop_rules.programs.model`): the activity matrix per fiscal
year, program profiles, claiming calendars and the word lists that classify invoice lines, read
from YAML and validated.

The files live beside the rules (``rules/matrix/``, ``rules/programs/``, ``rules/calendars/``,
``rules/lexicon/``); every ``--rules DIR`` may add its own in the same sub-folders, and a later
folder's entry replaces an earlier one with the same key (a profile's code, a matrix's family
and fiscal year, a calendar's id). So another vendor's co-op program is a profile, a matrix and
a calendar file, without code. Every mistake in any file is reported at once, each as
``file:line: key: what is expected``, like the rule loader does.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from coop_rules import yamlfile
from coop_rules.bundled import RULES_DIR
from coop_rules.claim.manifest import PoeSubtype
from coop_rules.errors import ConfigurationError, Problem
from coop_rules.i18n import DEFAULT_LANG, LANGUAGES
from coop_rules.i18n.shown import Texts
from coop_rules.money import Money
from coop_rules.programs.model import (
    ActivitySpec,
    Calendar,
    Cap,
    LineWords,
    Matrix,
    Profile,
    ProgramData,
    Window,
)

# The sub-folders of a rule folder that hold program data, in the order the rule set digests them.
DATA_FOLDERS = ("matrix", "programs", "calendars", "lexicon")
FISCAL_YEAR = re.compile(r"^FY\d{2}$")
KEBAB = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@functools.lru_cache(maxsize=8)
def _program_data(dirs: tuple[Path, ...]) -> ProgramData:
    problems: list[Problem] = []
    profiles: dict[str, Profile] = {}
    matrices: dict[tuple[str, str], Matrix] = {}
    calendars: dict[str, Calendar] = {}
    line_words = LineWords()
    files: list[tuple[str, str]] = []  # (sub-folder/name, sha256) as the rule set digests them
    for folder in dirs:
        read: dict[str, list[yamlfile.DataFile]] = {sub: [] for sub in DATA_FOLDERS}
        for path in sorted((folder / "programs").glob("*.yaml")):
            if (profile := _load(path, _profile, problems, read["programs"])) is not None:
                profiles[profile.code] = profile
        for path in sorted((folder / "matrix").glob("*.yaml")):
            if (matrix := _load(path, _matrix, problems, read["matrix"])) is not None:
                matrices[(matrix.family, matrix.fiscal_year)] = matrix
        for path in sorted((folder / "calendars").glob("*.yaml")):
            if (calendar := _load(path, _calendar, problems, read["calendars"])) is not None:
                calendars[calendar.id] = calendar
        for path in sorted((folder / "lexicon").glob("*.yaml")):
            if (found := _load(path, _line_words, problems, read["lexicon"])) is not None:
                line_words = _merge_line_words(line_words, found)
        files += [
            (f"{sub}/{Path(f.name).name}", f.sha256) for sub in DATA_FOLDERS for f in read[sub]
        ]
    matrices = _resolve(matrices, problems)
    for profile in profiles.values():
        if profile.calendar not in calendars:
            problems.append(
                Problem(f"{profile.file}: calendar", f"no calendar {profile.calendar!r}")
            )
    if problems:
        raise ConfigurationError("program data", problems)
    return ProgramData(
        tuple(sorted(profiles.values(), key=lambda p: p.code)),
        matrices,
        calendars,
        line_words,
        tuple(files),
    )


def load_program_data(extra_dirs: Iterable[Path] = ()) -> ProgramData:
    """The bundled program data, then each extra folder's (cached per list of folders).

    Raises:
        ConfigurationError: one or more files are wrong; every problem is listed.
    """
    return _program_data((RULES_DIR, *(Path(d).resolve() for d in extra_dirs)))


def _resolve(
    matrices: dict[tuple[str, str], Matrix], problems: list[Problem]
) -> dict[tuple[str, str], Matrix]:
    """Expand each ``based_on`` matrix: the earlier year's rows, minus ``removed``, plus its own."""
    done: dict[tuple[str, str], Matrix] = {}

    def full(key: tuple[str, str], seen: tuple[tuple[str, str], ...]) -> Matrix | None:
        if key in done:
            return done[key]
        matrix = matrices[key]
        if matrix.based_on is None:
            done[key] = matrix
            return matrix
        base_key = (matrix.family, matrix.based_on)
        if base_key not in matrices or base_key in seen:
            what = "a cycle" if base_key in seen else "no such matrix"
            problems.append(Problem(f"{matrix.file}: based_on", f"{matrix.based_on}: {what}"))
            return None
        base = full(base_key, (*seen, key))
        if base is None:
            return None
        rows = {k: v for k, v in base.activities.items() if k not in matrix.removed}
        done[key] = Matrix(
            matrix.family, matrix.fiscal_year, matrix.file, {**rows, **matrix.activities}
        )
        return done[key]

    return {key: m for key in matrices if (m := full(key, ())) is not None}


class _Reader:
    """One program data file as read (:class:`~coop_rules.yamlfile.DataFile`), and the
    problems found in it."""

    def __init__(self, file: yamlfile.DataFile, problems: list[Problem]) -> None:
        self.problems, self.lines, self.data = problems, file.lines, file.data
        self.name = file.name
        self.line = file.line

    def problem(self, at: tuple[str, ...], message: str) -> None:
        key = ".".join(at) or "(file)"
        self.problems.append(Problem(f"{self.name}:{self.line(at)}: {key}", message))

    def mapping(self, value: Any, at: tuple[str, ...], keys: Iterable[str]) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.problem(at, "expected a mapping")
            return {}
        allowed = set(keys)
        for key in sorted(set(map(str, value)) - allowed):
            self.problem((*at, key), f"unknown key (expected one of: {', '.join(sorted(allowed))})")
        return {str(k): v for k, v in value.items()}

    def required(self, data: dict[str, Any], at: tuple[str, ...], key: str) -> Any:
        if data.get(key) is None:
            self.problem((*at, key), "required key is missing")
        return data.get(key)

    def strings(self, value: Any, at: tuple[str, ...], *, kebab: bool = False) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
            self.problem(at, "expected a list of words")
            return ()
        for i, item in enumerate(value):
            if kebab and not KEBAB.match(str(item)):
                self.problem((*at, str(i)), f"{item!r} is not a kebab-case id")
        return tuple(str(v) for v in value)

    def money(self, value: Any, at: tuple[str, ...]) -> Money | None:
        match = re.fullmatch(r"(\d+(?:\.\d+)?) ([A-Z]{3})", str(value).strip())
        if value is None or isinstance(value, bool) or not match:
            self.problem(
                at, f'expected an amount with its currency like "18750.00 USD", got {value!r}'
            )
            return None
        return Money(Decimal(match.group(1)), match.group(2))

    def decimal(self, value: Any, at: tuple[str, ...]) -> Decimal | None:
        try:
            if isinstance(value, bool):
                raise InvalidOperation
            return Decimal(str(value))
        except InvalidOperation:
            self.problem(at, f"expected a number, got {value!r}")
            return None

    def texts(self, value: Any, at: tuple[str, ...]) -> Texts | None:
        """A text, or a mapping of language tags to it (``{en: …, de: …}``; English required)."""
        if value is None:
            return None
        if isinstance(value, str | int):
            return Texts.of(" ".join(str(value).split()))
        if not isinstance(value, dict):
            self.problem(at, "expected a text, or a mapping of language tags to texts")
            return None
        texts = {}
        for lang, text in value.items():
            if lang not in LANGUAGES:
                self.problem((*at, str(lang)), f"not a language ({', '.join(LANGUAGES)})")
            elif not isinstance(text, str) or not text.strip():
                self.problem((*at, str(lang)), "expected a non-empty text")
            else:
                texts[str(lang)] = " ".join(text.split())
        if DEFAULT_LANG not in value:
            self.problem(at, f"the {DEFAULT_LANG} text is required (it stands in for the others)")
            return None
        return Texts.of(texts)

    def boolean(self, data: dict[str, Any], at: tuple[str, ...], key: str) -> bool:
        value = data.get(key, False)
        if not isinstance(value, bool):
            self.problem((*at, key), f"expected true or false, got {value!r}")
            return False
        return value

    def day(self, value: Any, at: tuple[str, ...]) -> date:
        if not isinstance(value, date):
            self.problem(at, f"expected a date like 2024-08-15, got {value!r}")
            return date.min
        return value


def _shown(path: Path) -> str:
    """A data file's path as problems and evidence show it: relative to the bundled data."""
    try:
        return path.resolve().relative_to(RULES_DIR.parent).as_posix()
    except ValueError:
        return str(path)


def _load(
    path: Path,
    build: Callable[[_Reader], Any],
    problems: list[Problem],
    read: list[yamlfile.DataFile],
) -> Any:
    file = yamlfile.read(path, problems, _shown(path))
    if file is None:
        return None
    read.append(file)
    before = len(problems)
    result = build(_Reader(file, problems))
    return result if len(problems) == before else None


def _profile(r: _Reader) -> Profile | None:
    keys = [
        "code",
        "name",
        "surface",
        "tags",
        "thresholds",
        "requires_preapproval",
        "requires_tax_invoice",
        "calendar",
        "matrix",
    ]
    data = r.mapping(r.data, (), keys)
    code, name = r.required(data, (), "code"), r.required(data, (), "name")
    thresholds = data.get("thresholds") or []
    if not isinstance(thresholds, list):
        r.problem(("thresholds",), "expected a list of amounts, one per currency")
        thresholds = []
    money = [r.money(t, ("thresholds", str(i))) for i, t in enumerate(thresholds)]
    if code is None or name is None:
        return None
    return Profile(
        code=str(code),
        name=str(name),
        file=r.name,
        surface=r.boolean(data, (), "surface"),
        tags=r.strings(data.get("tags"), ("tags",), kebab=True),
        thresholds=tuple(m for m in money if m is not None),
        requires_preapproval=r.boolean(data, (), "requires_preapproval"),
        requires_tax_invoice=r.boolean(data, (), "requires_tax_invoice"),
        calendar=str(data.get("calendar") or "microsoft"),
        matrix=str(data.get("matrix") or "microsoft"),
    )


_SUBTYPES = {str(s) for s in PoeSubtype}
_ACTIVITY_KEYS = [
    "name",
    "proof",
    "metrics",
    "metrics_document",
    "categories",
    "cap",
    "surface_cap",
    "excluded_for",
    "preapproval",
    "review",
]
_CAP_KEYS = [
    "group",
    "amount",
    "percent_of_earned",
    "at_least",
    "per_person",
    "max_attendees",
    "unlimited",
]


def _matrix(r: _Reader) -> Matrix | None:
    data = r.mapping(r.data, (), ("matrix", "fiscal_year", "based_on", "removed", "activities"))
    based_on = data.get("based_on")
    if based_on is not None and not FISCAL_YEAR.match(str(based_on)):
        r.problem(("based_on",), f"{based_on!r} is not a fiscal year like FY24")
    year = str(r.required(data, (), "fiscal_year"))
    if not FISCAL_YEAR.match(year):
        r.problem(("fiscal_year",), f"{year!r} is not a fiscal year like FY25")
    activities = r.mapping(data.get("activities"), ("activities",), data.get("activities") or {})
    specs = {}
    for key, raw in activities.items():
        at = ("activities", key)
        if not KEBAB.match(key):
            r.problem(at, f"{key!r} is not a kebab-case activity id")
        row = r.mapping(raw, at, _ACTIVITY_KEYS)
        proof = []
        for i, group in enumerate(row.get("proof") or []):
            subtypes = r.strings(
                group if isinstance(group, list) else [group], (*at, "proof", str(i))
            )
            for subtype in subtypes:
                if subtype not in _SUBTYPES:
                    r.problem(
                        (*at, "proof", str(i)),
                        f"{subtype!r} is not a PoE subtype ({', '.join(sorted(_SUBTYPES))})",
                    )
            proof.append(subtypes)
        names = r.texts(row.get("name"), (*at, "name"))
        reviews = r.texts(row.get("review"), (*at, "review"))
        specs[key] = ActivitySpec(
            id=key,
            name=names.text(DEFAULT_LANG) if names else key,
            file=r.name,
            line=r.line(at),
            proof=tuple(proof),
            metrics=tuple(
                r.strings(g if isinstance(g, list) else [g], (*at, "metrics", str(i)))
                for i, g in enumerate(row.get("metrics") or [])
            ),
            metrics_document=row.get("metrics_document", True) is not False,
            categories=r.strings(row.get("categories"), (*at, "categories"), kebab=True),
            cap=_cap(r, row.get("cap"), (*at, "cap")),
            surface_cap=_cap(r, row.get("surface_cap"), (*at, "surface_cap")),
            excluded_for=r.strings(row.get("excluded_for"), (*at, "excluded_for"), kebab=True),
            preapproval=r.boolean(row, at, "preapproval"),
            review=reviews.text(DEFAULT_LANG) if reviews else None,
            name_texts=names,
            review_texts=reviews,
        )
    return Matrix(
        str(data.get("matrix") or "microsoft"),
        year,
        r.name,
        specs,
        str(based_on) if based_on else None,
        r.strings(data.get("removed"), ("removed",), kebab=True),
    )


def _cap(r: _Reader, raw: Any, at: tuple[str, ...]) -> Cap | None:
    if raw is None:
        return None
    row = r.mapping(raw, at, _CAP_KEYS)
    group = str(r.required(row, at, "group"))

    def money(key: str) -> Money | None:
        return r.money(row[key], (*at, key)) if row.get(key) is not None else None

    percent = (
        r.decimal(row["percent_of_earned"], (*at, "percent_of_earned"))
        if "percent_of_earned" in row
        else None
    )
    attendees = row.get("max_attendees")
    if attendees is not None and (not isinstance(attendees, int) or isinstance(attendees, bool)):
        r.problem((*at, "max_attendees"), f"expected a whole number, got {attendees!r}")
        attendees = None
    cap = Cap(
        group=group,
        amount=money("amount"),
        percent_of_earned=percent,
        at_least=money("at_least"),
        per_person=money("per_person"),
        max_attendees=attendees,
        unlimited=r.boolean(row, at, "unlimited"),
    )
    if not cap.unlimited and "amount" not in row and "percent_of_earned" not in row:
        r.problem(at, "a cap needs amount, percent_of_earned, or unlimited: true")
    return cap


def _calendar(r: _Reader) -> Calendar | None:
    data = r.mapping(r.data, (), ("calendar", "fiscal_year_starts", "periods"))
    ident = str(r.required(data, (), "calendar"))
    starts = data.get("fiscal_year_starts", 7)
    if not isinstance(starts, int) or not 1 <= starts <= 12:
        r.problem(("fiscal_year_starts",), f"expected a month number 1–12, got {starts!r}")
        starts = 7
    windows = []
    for period, raw in r.mapping(
        data.get("periods"), ("periods",), data.get("periods") or {}
    ).items():
        at = ("periods", period)
        row = r.mapping(raw, at, ("usage", "window"))
        usage, window = row.get("usage"), row.get("window")
        if not (isinstance(usage, list) and len(usage) == 2):
            r.problem((*at, "usage"), "expected [first day, last day] of the usage period")
            continue
        if not (isinstance(window, list) and len(window) == 2):
            r.problem((*at, "window"), "expected [opens, closes] of the claiming window")
            continue
        days = [
            r.day(v, (*at, k)) for k, pair in (("usage", usage), ("window", window)) for v in pair
        ]
        if days[1] < days[0] or days[3] < days[2]:
            r.problem(at, "a period ends before it starts")
        usage_start, usage_end, opens, closes = days
        windows.append(Window(period, usage_start, usage_end, opens, closes, r.name, r.line(at)))
    return Calendar(ident, starts, r.name, tuple(windows))


def _line_words(r: _Reader) -> LineWords:
    keys = (
        "alcohol",
        "not_alcohol",
        "drinks",
        "folio_extras",
        "travel_extras",
        "categories",
        "uncertain",
        "vat_rates",
    )
    data = r.mapping(r.data, (), keys)
    categories = {
        name: r.strings(words, ("categories", name))
        for name, words in r.mapping(
            data.get("categories") or {}, ("categories",), data.get("categories") or {}
        ).items()
    }
    rates = [r.decimal(v, ("vat_rates", str(i))) for i, v in enumerate(data.get("vat_rates") or [])]
    return LineWords(
        alcohol=r.strings(data.get("alcohol"), ("alcohol",)),
        not_alcohol=r.strings(data.get("not_alcohol"), ("not_alcohol",)),
        drinks=r.strings(data.get("drinks"), ("drinks",)),
        folio_extras=r.strings(data.get("folio_extras"), ("folio_extras",)),
        travel_extras=r.strings(data.get("travel_extras"), ("travel_extras",)),
        categories=categories,
        uncertain=r.strings(data.get("uncertain"), ("uncertain",)),
        vat_rates=tuple(v for v in rates if v is not None),
    )


def _merge_line_words(a: LineWords, b: LineWords) -> LineWords:
    """Word lists add up across folders (a partner adds words, never has to repeat ours)."""
    categories = dict(a.categories)
    for name, words in b.categories.items():
        categories[name] = (*categories.get(name, ()), *words)
    return LineWords(
        alcohol=(*a.alcohol, *b.alcohol),
        not_alcohol=(*a.not_alcohol, *b.not_alcohol),
        drinks=(*a.drinks, *b.drinks),
        folio_extras=(*a.folio_extras, *b.folio_extras),
        travel_extras=(*a.travel_extras, *b.travel_extras),
        categories=categories,
        uncertain=(*a.uncertain, *b.uncertain),
        vat_rates=(*a.vat_rates, *b.vat_rates),
    )
