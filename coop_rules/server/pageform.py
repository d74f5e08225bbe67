"""The self-check page's form as a claim manifest, and the program data the form offers.

The page sends its fields as they were typed — ``{"funds.earned": "27.077,60",
"attendees[0].cost.amount": "5.800", "documents[2].subtype": "photo", ...}``, one name per
manifest field path, list items numbered — and :func:`manifest_from_form` turns them into the
manifest the API takes. Amounts are read in the page's language (:func:`parse_amount`: German
``27.077,60``, English ``27,077.60``); an empty field is left out; a claim without an ID is a
draft; a currency left empty is the claimed one (the claimed currency the funds'). Every
problem, the form's and the manifest's, names the form field to correct.

:func:`page_programs` is what the form offers per program and fiscal year: the activity matrix's
activities with their names in the page's language, and which of them need attendees, metrics or
a pre-approval (read from the matrix, so a new matrix row needs no change here).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from pydantic import ValidationError

from coop_rules.claim.manifest import Manifest
from coop_rules.errors import Problem
from coop_rules.i18n import format_number, translate
from coop_rules.i18n.shown import term
from coop_rules.programs import ActivitySpec, load_program_data
from coop_rules.server.errors import ApiError, TypedProblem
from coop_rules.server.i18n import strings
from coop_rules.server.manifests import localised_problems

# The fields a claim cannot be checked without (the claim ID is not one: see DRAFT).
REQUIRED = (
    "partner.legal_name",
    "program.code",
    "usage_period.start",
    "usage_period.end",
    "funds.earned",
    "funds.currency",
    "claimed.amount",
    "activity.type",
    "activity.start",
    "activity.end",
)
# Amounts typed in the page's language (besides every ``….amount``).
_AMOUNTS = {"funds.earned", "funds.already_claimed", "funds.remaining"}
# Yes/no choices that may also be left to the program's profile (empty: not stated).
FLAGS = ("program.surface", "program.requires_preapproval", "program.requires_tax_invoice")
# Lists typed one item a line.
_LINES = {"partner.aliases"}
_LISTS = ("documents", "attendees", "metrics")
_NAME = re.compile(r"^(?P<head>[a-z_]+)(?:\[(?P<index>\d{1,4})\])?(?P<rest>(?:\.[a-z_]+)*)$")
_SPACES = re.compile(r"[\s\u00a0\u202f]")
_FILE = re.compile(r"^files\[(\d+)\]$")


class FormProblems(Exception):
    """The form's problems, each naming its form field."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


@cache
def number_marks(lang: str) -> tuple[str, str]:
    """The decimal and grouping marks of ``lang`` (``(",", ".")`` in German), as reports write."""
    written = format_number(Decimal("1234.5"), lang)
    return written[-3], written[1]


def parse_amount(text: str, lang: str) -> Decimal:
    """An amount as a partner types it on a page in ``lang``.

    A mark followed by other than three digits, or the last of two different marks, can only
    be the decimal mark (``27077,60``, ``27,077.60``); a single mark before three digits is
    read the way ``lang`` writes (``1.500`` is 1500 in German, 1.5 in English). Spaces group
    too. Anything else is refused, never guessed.

    Raises:
        ValueError: not an amount.
    """
    compact = _SPACES.sub("", text)
    sign = "-" if compact.startswith("-") else ""
    digits = compact.removeprefix("-")
    if not re.fullmatch(r"[0-9.,]+", digits) or not digits[0].isdigit():
        raise ValueError(text)
    decimal_mark, group_mark = number_marks(lang)
    marks = [c for c in digits if c in ".,"]
    if not marks:
        return Decimal(sign + digits)
    last = marks[-1]
    head, _, tail = digits.rpartition(last)
    if not tail:
        raise ValueError(text)
    if len(set(marks)) == 2 or (
        marks.count(last) == 1 and (len(tail) != 3 or last == decimal_mark)
    ):
        group = "," if last == "." else "."
        if last in head or not _grouped(head, group):
            raise ValueError(text)
        return _decimal(sign + head.replace(group, "") + "." + tail, text)
    if (last != group_mark and marks.count(last) > 1) or not _grouped(digits, last):
        raise ValueError(text)
    return _decimal(sign + digits.replace(last, ""), text)


def _grouped(digits: str, mark: str) -> bool:
    """``digits`` is ungrouped, or grouped by ``mark`` in threes (``27.077``, ``1.234.567``)."""
    if mark not in digits:
        return digits.isdigit()
    first, *rest = digits.split(mark)
    return 1 <= len(first) <= 3 and first.isdigit() and all(len(g) == 3 for g in rest)


def _decimal(text: str, original: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValueError(original) from None


def on_document_rows(error: ApiError) -> ApiError:
    """An upload's problems (``files[2]``: a file name refused) on the form's document rows
    (``documents[2].role``, the row's first field, labelled with the file's name): the page
    sends its files in the order of its rows."""
    problems = [
        replace(p, location=f"documents[{m[1]}].role") if (m := _FILE.match(p.location)) else p
        for p in error.problems
    ]
    return ApiError(error.status, error.code, error.message, problems, error.headers)


# -- the form -> the manifest ------------------------------------------------------------------


class _Reader:
    """One form being read in its page's language, and the problems found on the way (one a
    field)."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.t = strings(lang)
        self.problems: list[Problem] = []

    def problem(self, field: str, key: str, kind: str, value: str | None = None) -> None:
        """Note a problem at ``field``: ``key`` a sentence of the manifest's problems
        (``manifest_problem.*``, the CLI's) or, for what only the form can get wrong, of the
        page's (``problem_*``); ``value``: the text given, quoted after it."""
        if any(p.location == field for p in self.problems):
            return  # one problem a field: the first (an amount not read is not also missing)
        if key.startswith("problem_"):
            example = format_number(Decimal("27077.6"), self.lang)
            message = self.t[key].format(example=example)
        else:
            message = translate(f"manifest_problem.{key}", self.lang)
        if value is not None:
            given = repr(value)
            message = translate("manifest_problem.got", self.lang, problem=message, value=given)
        self.problems.append(TypedProblem(field, message, kind))

    def amount(self, field: str, text: str) -> Decimal | None:
        try:
            return parse_amount(text, self.lang)
        except ValueError:
            self.problem(field, "problem_amount", "decimal_parsing", text)
            return None

    def number(self, field: str, text: str) -> int | str | None:
        found = self.amount(field, text)
        if found is None:
            return None
        # A count stays a whole number; a rate keeps its decimals as written ("0.38").
        return int(found) if "." not in str(found) else str(found)


def manifest_from_form(
    form: Mapping[str, Any], lang: str, uploaded: Iterable[str] = ()
) -> dict[str, Any]:
    """The manifest the page's ``form`` fields state (see the module's docstring).

    ``uploaded``: the names of the files sent with it; without any, the form has a problem.

    Raises:
        FormProblems: every problem of the form and of the manifest, by form field.
    """
    reader = _Reader(lang)
    fields = {str(k): str(v).strip() for k, v in form.items() if str(v).strip()}
    for name in REQUIRED:
        if name not in fields:
            reader.problem(name, "missing", "missing")
    if not list(uploaded):
        reader.problem("files", "problem_no_documents", "missing")
    tree, rows = _tree(fields, reader)
    manifest = _manifest(tree, reader)
    if "metrics" in tree:
        manifest["metrics"] = _metrics(tree, rows["metrics"], reader)
    where = _form_paths(rows, tree)
    try:
        Manifest.model_validate(manifest)
    except ValidationError as exc:
        reported = [p.location for p in reader.problems]
        for problem in localised_problems(exc, lang):
            field = _form_field(problem.location, where)
            if not any(_covers(field, other) for other in reported):
                reader.problems.append(TypedProblem(field, problem.message, problem.type))
    if reader.problems:
        raise FormProblems(reader.problems)
    return manifest


def _tree(fields: dict[str, str], reader: _Reader) -> tuple[dict[str, Any], dict[str, list[int]]]:
    """The fields nested by their names (list items by index), and each list's form indexes."""
    tree: dict[str, Any] = {}
    items: dict[str, dict[int, dict[str, Any]]] = {name: {} for name in _LISTS}
    for name, text in fields.items():
        match = _NAME.match(name)
        if match is None or (match["index"] is not None) != (match["head"] in _LISTS):
            reader.problem(name, "unknown_field", "extra_forbidden")
            continue
        value = _value(name, text, reader)
        if value is None:
            continue
        node = (
            tree
            if match["index"] is None
            else items[match["head"]].setdefault(int(match["index"]), {})
        )
        path = ([match["head"]] if match["index"] is None else []) + [
            p for p in match["rest"].split(".") if p
        ]
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = value
    rows = {name: sorted(found) for name, found in items.items()}
    for name, indexes in rows.items():
        if indexes:
            tree[name] = [items[name][i] for i in indexes]
    return tree, rows


def _value(name: str, text: str, reader: _Reader) -> Any:
    """A field's value as the manifest writes it (None: refused, the problem noted)."""
    last = name.rsplit(".", 1)[-1]
    if name in _AMOUNTS or last == "amount":
        found = reader.amount(name, text)
        return None if found is None else str(found)
    if name.startswith("metrics[") and last == "value":
        return reader.number(name, text)
    if last == "currency":
        return text.upper()
    if name in FLAGS:
        return {"true": True, "false": False}.get(text, text)  # else the manifest's problem
    if name in _LINES:
        return [line.strip() for line in text.splitlines() if line.strip()]
    return text


def _manifest(tree: dict[str, Any], reader: _Reader) -> dict[str, Any]:
    """The nested fields completed: a draft's ID, the currencies left empty, no proof type
    where the document is no proof."""
    manifest = dict(tree)
    manifest.setdefault("claim_id", reader.t["claim_id_draft"])
    funds_currency = tree.get("funds", {}).get("currency")
    if "claimed" in tree and funds_currency:
        manifest["claimed"] = {"currency": funds_currency} | tree["claimed"]
    currency = manifest.get("claimed", {}).get("currency")
    for item in (*tree.get("attendees", ()), *tree.get("documents", ())):
        money = item.get("cost") or item.get("amount")
        if isinstance(money, dict) and "amount" in money and currency:
            money.setdefault("currency", currency)
    for document in tree.get("documents", ()):
        if document.get("role") != "poe":
            document.pop("subtype", None)  # a proof type only for proofs
    return manifest


def _form_paths(rows: dict[str, list[int]], tree: dict[str, Any]) -> dict[str, str]:
    """Manifest paths -> the form's: ``attendees[0]`` -> ``attendees[2]`` when the form's first
    two rows were left empty, ``metrics.clicks`` -> ``metrics[1].value``."""
    where = {
        f"{name}[{position}]": f"{name}[{index}]"
        for name in ("documents", "attendees")
        for position, index in enumerate(rows[name])
    }
    for index, row in zip(rows["metrics"], tree.get("metrics", ()), strict=True):
        where.setdefault(f"metrics.{row.get('key')}", f"metrics[{index}].value")
    return where


def _metrics(tree: dict[str, Any], rows: list[int], reader: _Reader) -> dict[str, Any]:
    """The metric rows as the manifest's mapping; a half-filled or repeated row is a problem."""
    metrics: dict[str, Any] = {}
    seen: set[str] = set()
    for index, row in zip(rows, tree.get("metrics", ()), strict=True):
        for part in ("key", "value"):
            if part not in row:
                reader.problem(f"metrics[{index}].{part}", "missing", "missing")
        if "key" in row and row["key"] in seen:
            reader.problem(f"metrics[{index}].key", "problem_repeated", "repeated", row["key"])
        elif "key" in row and "value" in row:
            metrics[row["key"]] = row["value"]
        seen.add(row.get("key", ""))
    return metrics


def _form_field(location: str, where: dict[str, str]) -> str:
    match = re.match(r"^(?:(?:documents|attendees)\[\d+\]|metrics\.[^.]+$)", location)
    if match and match[0] in where:
        return where[match[0]] + location[match.end() :]
    return location


def _covers(field: str, reported: str) -> bool:
    """A manifest problem at ``field`` says no more than the form's problem at ``reported``
    (``usage_period`` missing, when ``usage_period.start`` is already said to be)."""
    return reported == field or reported.startswith((field + ".", field + "["))


# -- what the form offers ------------------------------------------------------------------------


def needs_attendees(activity: ActivitySpec) -> bool:
    """The activity's row counts or caps attendees (a per-person cap, a number of attendees, an
    attendees metric, which the manifest's attendees list states)."""
    caps = [c for c in (activity.cap, activity.surface_cap) if c is not None]
    counted = any(c.per_person is not None or c.max_attendees is not None for c in caps)
    return counted or any("attendees" in group for group in activity.metrics)


@cache
def page_programs(lang: str) -> dict[str, Any]:
    """The programs, calendars and activity matrices as the page offers them, in ``lang``."""
    data = load_program_data()
    matrices: dict[str, dict[str, list[dict[str, Any]]]] = {}
    metric_keys: set[str] = set()
    for (family, year), matrix in sorted(data.matrices.items()):
        matrices.setdefault(family, {})[year] = [
            {
                "id": spec.id,
                "name": spec.title.text(lang),
                "attendees": needs_attendees(spec),
                "metrics": [list(g) for g in spec.metrics],
                "preapproval": spec.preapproval,
            }
            for spec in matrix.activities.values()
        ]
        metric_keys.update(
            k for spec in matrix.activities.values() for g in spec.metrics for k in g
        )
    return {
        "profiles": [
            {
                "code": p.code,
                "name": p.name,
                "matrix": p.matrix,
                "fiscal_year_starts": data.calendars[p.calendar].fiscal_year_starts,
                "preapproval": p.requires_preapproval,
            }
            for p in data.profiles
        ],
        "default": {
            "matrix": "microsoft",
            "fiscal_year_starts": data.calendars["microsoft"].fiscal_year_starts,
        },
        "matrices": matrices,
        "metrics": {key: term("metric", key, lang) for key in sorted(metric_keys)},
    }
