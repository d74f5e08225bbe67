"""Company names and tax IDs as every comparison of parties sees them.

A company name is compared without its legal form (GmbH, Ltd, 株式会社, 주식회사 …),
punctuation, case, width or spacing; a tax ID without separators or case.
"""

from __future__ import annotations

import re
import unicodedata

_LEGAL_SUFFIX = re.compile(
    r"\b(gmbh|ag|kg|ug|se|ltd|limited|llc|inc|corp|corporation|co|plc|bv|b\.v|nv|sa|sas|sarl|"
    r"srl|spa|oy|ab|as|kk|pty)\b\.?|株式会社|有限会社|주식회사|\(주\)|㈜|股份有限公司|有限公司",
    re.IGNORECASE,
)


def normal_name(name: str) -> str:
    """A company name without legal suffix, punctuation, case or spacing differences."""
    text = unicodedata.normalize("NFKC", name).casefold()
    text = _LEGAL_SUFFIX.sub(" ", text)
    return re.sub(r"[\W_]+", "", text)


def normal_tax_id(tax_id: str) -> str:
    """A tax ID without separators or case ("DE 123.456.789" = "de123456789")."""
    return re.sub(r"[^0-9A-Z]", "", tax_id.upper())
