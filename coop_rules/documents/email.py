"""Read an e-mail (.eml): its headers (the Date header dates a mailing) and its plain text."""

from __future__ import annotations

from email import policy
from email.parser import BytesParser
from pathlib import Path

from coop_rules.documents.limits import DEFAULT_LIMITS, Limits
from coop_rules.documents.model import Document, DocumentError, ProblemKind
from coop_rules.documents.sniff import EMAIL

MAX_BYTES = 20 * 1024 * 1024
KEPT_HEADERS = ("Date", "From", "To", "Subject")


def read_email(path: Path, display_path: str, limits: Limits = DEFAULT_LIMITS) -> Document:
    if path.stat().st_size > MAX_BYTES:
        raise DocumentError(ProblemKind.TOO_LARGE, f"larger than {MAX_BYTES // 2**20} MiB")
    with path.open("rb") as handle:
        message = BytesParser(policy=policy.default).parse(handle)
    headers = {name: str(message[name]) for name in KEPT_HEADERS if message[name] is not None}
    body = message.get_body(preferencelist=("plain", "html"))
    text = body.get_content() if body is not None else ""
    if len(text) > limits.max_chars:
        raise DocumentError(
            ProblemKind.TOO_LARGE, f"more than {limits.max_chars:,} characters of text"
        )
    if not headers and not text.strip():
        raise DocumentError(ProblemKind.EMPTY, "no headers and no text")
    return Document(path=display_path, media_type=EMAIL, headers=headers, text=text)
