"""The claim manifest (``claim.yaml`` or ``claim.json``): what the partner states about a claim.

Validated with pydantic so that every problem is reported at once with its field path. The JSON
Schema printed by ``coop-rules schema manifest`` is generated from these models. Amounts are
written as ``{amount, currency}`` (``Written.Money``) and read as :class:`coop_rules.money.Money`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import reprlib
from datetime import date
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetPydanticSchema,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError, core_schema

from coop_rules import yamlfile
from coop_rules.errors import ConfigurationError, CoopRulesError, Problem
from coop_rules.i18n.shown import Phrase
from coop_rules.money import Money

MANIFEST_NAMES = ("claim.yaml", "claim.yml", "claim.json")
# A manifest of a hundred documents is a few KB; a bigger file is a mistake or an attack, and
# is refused before a parser sees it.
MAX_MANIFEST_BYTES = 1024 * 1024

Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code, e.g. EUR")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Written:
    """The written form of a value type: a model that validates what the partner writes, and
    that the manifest's fields turn into the value type (see ``WrittenMoney``).

    It is named like its value type, in this namespace, because pydantic names a model's class
    in the JSON Schema (``$defs``) and in error messages ("… or instance of Money"); a
    NamedTuple field would be a JSON array in the schema.
    """

    class Money(_Model):
        """An amount in a currency. Amounts are decimal strings (``"1234.50"``) or integers."""

        amount: Decimal = Field(description='decimal amount, e.g. "1234.50"')
        currency: Currency

        @field_validator("amount", mode="before")
        @classmethod
        def _no_binary_floats(cls, value: Any) -> Any:
            # YAML turns 1234.5 into a float; its repr is exact enough for money written by
            # hand, but anything with more than 2 decimals is suspicious and refused.
            if isinstance(value, float):
                text = repr(value)
                if "e" in text.lower() or len(text.partition(".")[2]) > 2:
                    raise ValueError('write the amount as a quoted decimal string, e.g. "1234.50"')
                return Decimal(text)
            return value


# A manifest field of money: written as ``{amount, currency}``, read as Money.
WrittenMoney = Annotated[
    Money,
    GetPydanticSchema(
        lambda _, handler: core_schema.no_info_after_validator_function(
            lambda written: Money(written.amount, written.currency),
            handler(Written.Money),
            serialization=core_schema.plain_serializer_function_ser_schema(
                lambda money: Written.Money(amount=money.amount, currency=money.currency)
            ),
        )
    ),
]


# The error type of an end before its start: problems name the period's ``end`` (the field to
# correct) and quote the two dates, not the period's mapping.
END_BEFORE_START = "end_before_start"


def _check_order(start: date, end: date) -> None:
    if end < start:
        raise PydanticCustomError(
            END_BEFORE_START,
            "end {end} is before start {start}",
            {"start": start.isoformat(), "end": end.isoformat()},
        )


class Period(_Model):
    start: date
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        _check_order(self.start, self.end)
        return self


class ClaimingWindow(_Model):
    opens: date | None = None
    closes: date | None = None


class Partner(_Model):
    legal_name: str = Field(min_length=1)
    aliases: list[str] = Field(default_factory=list)
    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$", description="ISO 3166 alpha-2")
    tax_id: str | None = None
    partner_id: str | None = None


class Program(_Model):
    code: str = Field(min_length=1)
    surface: bool = False
    threshold: WrittenMoney | None = None
    requires_preapproval: bool = False
    requires_tax_invoice: bool = False
    fiscal_year: str | None = Field(default=None, pattern=r"^FY\d{2}$", description="e.g. FY25")


class Funds(_Model):
    currency: Currency
    earned: Decimal
    already_claimed: Decimal = Decimal(0)
    remaining: Decimal | None = Field(
        default=None, description="if omitted: earned minus already claimed"
    )


class Activity(_Model):
    type: str = Field(min_length=1, description="activity type from the matrix, kebab-case")
    name: str | None = None
    start: date
    end: date
    description: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Activity:
        _check_order(self.start, self.end)
        return self


class Attendee(_Model):
    name: str
    cost: WrittenMoney | None = None


class PreApproval(_Model):
    id: str
    date: date


class Role(StrEnum):
    INVOICE = "invoice"
    CSR = "csr"
    POE = "poe"
    METRICS = "metrics"
    OTHER = "other"


class PoeSubtype(StrEnum):
    COMMUNICATION = "communication"  # the final piece: ad, mailer, brochure
    SCREENSHOT = "screenshot"
    URL = "url"
    INVITATION = "invitation"
    AGENDA = "agenda"
    PHOTO = "photo"
    EMAIL = "email"
    DISTRIBUTION = "distribution"  # postmark, dated e-mail header
    SCRIPT = "script"
    ATTENDEE_LIST = "attendee-list"
    TERMS = "terms"
    DELIVERABLE = "deliverable"
    ITINERARY = "itinerary"
    SPECIFICATION = "specification"  # specs of in-house demo units
    DELIVERY = "delivery"  # proof of delivery (demo units from a third party)
    SOW = "sow"  # statement of work (SEO)
    OTHER = "other"


class DocumentEntry(_Model):
    path: str = Field(min_length=1, description="relative to the claim folder")
    role: Role
    subtype: PoeSubtype | None = Field(default=None, description="for role poe")
    note: str | None = Field(default=None, description="the partner's explanatory note")
    date: dt.date | None = Field(
        default=None, description="the document's date as entered by the partner (R6)"
    )
    amount: WrittenMoney | None = Field(
        default=None, description="the document's amount as entered by the partner (R6)"
    )

    @field_validator("path")
    @classmethod
    def _inside_folder(cls, value: str) -> str:
        if Path(value).is_absolute() or ".." in Path(value).parts:
            raise ValueError("must be a path inside the claim folder")
        return value


class Manifest(_Model):
    """A co-op claim as the partner states it."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="coop-rules claim manifest")

    claim_id: str = Field(min_length=1)
    partner: Partner
    program: Program
    usage_period: Period
    claiming_window: ClaimingWindow | None = None
    funds: Funds
    activity: Activity
    claimed: WrittenMoney
    metrics: dict[str, int | Decimal] = Field(default_factory=dict)
    attendees: list[Attendee] = Field(default_factory=list)
    preapproval: PreApproval | None = None
    submission_date: date | None = Field(default=None, description="defaults to today")
    documents: list[DocumentEntry] = Field(default_factory=list)

    @model_validator(mode="after")
    def _documents_unique(self) -> Manifest:
        seen: set[str] = set()
        for entry in self.documents:
            if entry.path in seen:
                raise ValueError(f"document {entry.path!r} is listed twice")
            seen.add(entry.path)
        return self


def find_manifest(folder: Path) -> Path:
    """The manifest file of a claim folder.

    Raises:
        CoopRulesError: the folder does not exist, or has no manifest.
    """
    if not folder.exists():
        raise CoopRulesError(f"{folder}: no such folder")
    for name in MANIFEST_NAMES:
        candidate = folder / name
        if candidate.is_file():
            return candidate
    raise CoopRulesError(
        f"{folder}: no claim manifest (expected one of {', '.join(MANIFEST_NAMES)})"
    )


def load_manifest(path: Path) -> Manifest:
    """Parse and validate a manifest, reporting every problem at once.

    Raises:
        ConfigurationError: the file is not valid YAML/JSON or breaks the schema.
    """
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_MANIFEST_BYTES + 1)
        if len(raw) > MAX_MANIFEST_BYTES:
            limit = f"{MAX_MANIFEST_BYTES // 1024 // 1024} MB"
            raise ConfigurationError(
                str(path), [Problem("(file)", f"larger than {limit}: not a claim manifest")]
            )
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CoopRulesError(f"{path}: cannot read the manifest: {exc}") from exc
    try:
        data = json.loads(text) if path.suffix == ".json" else yamlfile.load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise ConfigurationError(str(path), [Problem("(file)", _syntax_message(exc))]) from None
    if not isinstance(data, dict):
        raise ConfigurationError(str(path), [Problem("(file)", "expected a mapping of fields")])
    try:
        return Manifest.model_validate(data)
    except ValidationError as exc:
        raise ConfigurationError(str(path), _problems(exc)) from None


def manifest_schema() -> dict[str, Any]:
    """The JSON Schema of a manifest (``coop-rules schema manifest``, the service's OpenAPI)."""
    return Manifest.model_json_schema()


def _syntax_message(exc: Exception) -> str:
    mark = getattr(exc, "problem_mark", None)
    if mark is not None:
        what = getattr(exc, "problem", exc)
        return f"invalid YAML at line {mark.line + 1}, column {mark.column + 1}: {what}"
    if isinstance(exc, json.JSONDecodeError):
        return f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
    return f"invalid file: {exc}"


# What a problem quotes of the value it got: bounded, because a YAML alias bomb ("billion
# laughs") is a tiny file whose value prints as hundreds of megabytes.
_SHORT = reprlib.Repr()
_SHORT.maxlevel, _SHORT.maxlist, _SHORT.maxdict, _SHORT.maxstring, _SHORT.maxother = 2, 4, 4, 80, 80


def _problems(exc: ValidationError) -> list[Problem]:
    problems = []
    for error in exc.errors():
        location = (
            "".join(
                f"[{part}]" if isinstance(part, int) else f".{part}" for part in error["loc"]
            ).lstrip(".")
            or "(top level)"
        )
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown field"
        elif error["type"] == "missing":
            message = "required field is missing"
        elif error["type"] == END_BEFORE_START:
            location = f"{location}.end" if location != "(top level)" else "end"
        elif "input" in error and error["type"] not in ("missing",):
            message = f"{message} (got {_SHORT.repr(error['input'])})"
        problems.append(Problem(location, message, shown=_shown(error)))
    return problems


# pydantic error type -> the catalogue's sentence for it (``manifest_problem.*``): the one
# source of these sentences, for the CLI's ``--lang`` and for the service and its page, which
# name the field to correct each their own way (a manifest path, a form field).
_MESSAGES = {
    "missing": "missing",
    "string_pattern_mismatch": "pattern",
    "date_parsing": "date",
    "date_from_datetime_parsing": "date",
    "date_from_datetime_inexact": "date",
    "date_type": "date",
    "decimal_parsing": "decimal",
    "decimal_type": "decimal",
    "enum": "enum",
    "extra_forbidden": "unknown_field",
    END_BEFORE_START: "end_before_start",
}
# Their message does not quote the value given.
_NO_INPUT = {"missing", "extra_forbidden", END_BEFORE_START}


def _shown(error: Any) -> Phrase | None:
    """A validation error's message in the catalogues' words, where they have it."""
    key = _MESSAGES.get(error["type"])
    if key is None:
        return None
    context = error.get("ctx") or {}
    if key == "enum":
        choices = re.findall(r"'([^']*)'", str(context.get("expected", "")))
        if not choices:
            return None
        problem = Phrase.of("manifest_problem.enum", expected=", ".join(choices))
    elif key == "end_before_start":
        start, end = (date.fromisoformat(context[k]) for k in ("start", "end"))
        problem = Phrase.of("manifest_problem.end_before_start", start=start, end=end)
    else:
        problem = Phrase.of(f"manifest_problem.{key}", pattern=context.get("pattern", ""))
    if error["type"] in _NO_INPUT or "input" not in error:
        return problem
    return Phrase.of("manifest_problem.got", problem=problem, value=_SHORT.repr(error["input"]))
