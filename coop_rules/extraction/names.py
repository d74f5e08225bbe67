"""Company names and tax IDs as every comparison of parties sees them: whether the vendor is the
partner and whether an invoice is billed to the partner (``facts/document_values.py``), the
ledger's duplicate keys (``ledger/entry.py``) and the e-invoice's cross-check with the page
(``einvoice_check.py``). One vendor is the same company under every rule, or under none.

A company name's key drops its legal form — the per-language legal suffixes of
``extraction/data/<lang>.yaml`` (GmbH, B.V., Ltd, S.r.l., 株式会社, 주식회사, 有限公司 …) and
the forms of a few languages without a file there (Oy, AB, AS, K.K., Pty) — and its case,
width, punctuation and spacing: "CONTOSO Deutschland GmbH" and "Contoso-Deutschland" have the
same key. A tax ID is compared without separators or case, with or without its two-letter
country prefix ("DE 123 456 789" = "123456789").
"""

from __future__ import annotations

import re
import unicodedata

from coop_rules.extraction.lexicon import fold_label, legal_suffix_regex

# Legal forms of languages the lexicon has no file for (Finnish, Swedish, Norwegian/Danish,
# romanised Japanese, Australian): they were always dropped from names compared with a partner.
_OTHER_FORMS = re.compile(r"\b(?:oy|ab|as|k\.?k|pty)\b\.?", re.IGNORECASE)


def company_key(name: str) -> str:
    """The key two names of the same company share ("" when nothing but a legal form is left)."""
    text = unicodedata.normalize("NFKC", name)
    text = _OTHER_FORMS.sub(" ", legal_suffix_regex().sub(" ", text))
    return re.sub(r"[\W_]+", "", text.casefold())


def same_company(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` name the same company (equal, non-empty keys)."""
    key = company_key(a)
    return bool(key) and key == company_key(b)


def tax_id_key(tax_id: str) -> str:
    """A tax ID without separators, spaces or case."""
    return re.sub(r"[^0-9A-Z]", "", unicodedata.normalize("NFKC", tax_id).upper())


def same_tax_id(a: str, b: str) -> bool:
    """Whether two tax IDs are the same, one of them perhaps without its country prefix."""
    x, y = tax_id_key(a), tax_id_key(b)
    if not x or not y:
        return False
    return x == y or (x[2:] == y and x[:2].isalpha()) or (y[2:] == x and y[:2].isalpha())


def name_key(name: str) -> str:
    """A name's words without legal form or punctuation, spaced (extraction compares candidate
    parties with it and measures near names on it)."""
    stripped = legal_suffix_regex().sub(" ", name)
    return " ".join(re.sub(r"[^\w]+", " ", fold_label(stripped)).split())
