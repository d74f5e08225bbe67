"""The JSON answers of the small routes, as pydantic models: named, typed schemas for clients.

The routes build these answers from the core's own JSON (``rule_json``, ``StoredFile.to_json``);
the models only describe them in the OpenAPI document and check them on the way out, so a
change on one side that the other does not follow fails the tests instead of a client.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from coop_rules.i18n import LANGUAGES
from coop_rules.rulebook import Severity

Language = Literal[LANGUAGES]  # type: ignore[valid-type]


class Health(BaseModel):
    """Alive, and how full the service is."""

    status: Literal["ok"]
    version: str
    checks_inside: int = Field(description="checks running or waiting for a slot")
    capacity: int = Field(description="checks the service admits at once (running + waiting)")
    uploads_inside: int = Field(description="request bodies held on disk now")
    ledger: Literal["sqlite", "postgresql"] | None = Field(
        description="the kind of ledger checks compare with (None: no ledger)"
    )


class StoredFile(BaseModel):
    """A document uploaded for a later check."""

    id: str = Field(description="to list in the `files` of a JSON `POST /v1/checks`")
    name: str
    size: int = Field(description="bytes")
    expires_in: int = Field(description="seconds until the service forgets the file")


class StoredFiles(BaseModel):
    files: list[StoredFile]


class RuleDocs(BaseModel):
    """A rule's documentation, in fixed sections."""

    what: str
    why: str
    fail: str
    pass_: str = Field(alias="pass")


class Rule(BaseModel):
    """One rule of the catalogue, as ``coop-rules rule CODE --format json`` gives it."""

    code: str = Field(examples=["DT01"])
    name: str = Field(description="the problem it finds, in kebab-case")
    severity: Severity
    requirement: str
    subject: Literal["claim", "document"]
    where: str | None = Field(description="the condition a subject must meet to be checked")
    when: str = Field(description="the condition that makes a finding")
    params: dict[str, bool | int | str] = Field(
        description='the rule\'s parameters with their types (money as `"18750.00 USD"`, '
        "dates as ISO strings)"
    )
    message: str = Field(description="the finding's message template, in `lang`")
    hint: str = Field(description="what to do about a finding, in `lang`")
    docs: RuleDocs
    lang: Language = Field(description="the language of `title`, `message` and `hint`")
    title: str


class Rules(BaseModel):
    rules: list[Rule]
