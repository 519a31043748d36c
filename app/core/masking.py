"""Masking of personal numbers wherever the full value is not needed.

`mask_phone` and `mask_id_number` mask a number kept in its own field. `mask_numbers`
is the one pass over free text (descriptions, results, notes, minutes …): every
18-character resident ID number and every 11-digit mobile typed into it is masked
the same way. Prints, exports, the public side and the screens of those who may not
see full numbers all use it (docs/features.md, "Free text in prints and exports")."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar


def mask_phone(value: str | None) -> str:
    """138****5678 for mobiles; landlines keep the area code and last 2 digits."""
    if not value:
        return ""
    digits = value.strip()
    if len(digits) == 11 and digits.isdigit():
        return f"{digits[:3]}****{digits[-4:]}"
    if len(digits) <= 4:
        return "*" * len(digits)
    return digits[:4] + "*" * (len(digits) - 6) + digits[-2:]


def mask_id_number(value: str | None) -> str:
    """Keep the first 6 (region) and last 4 characters: 610102********123X."""
    if not value:
        return ""
    if len(value) <= 10:
        return value[:2] + "*" * (len(value) - 2)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


# Numbers as people type them into free text: digits ASCII or full-width (\d is
# Unicode), a resident ID whole or as region / birth date / rest, a mobile whole, as
# 3-4-4 or behind +86, with a space, a hyphen or an ideographic space between groups.
# Neither may touch another digit: a 15-digit grid code, a 20-digit order number or a
# 13-digit matter number is left as it is.
_SEP = r"[ \u00a0\u3000\-\u2010-\u2015\uff0d]?"
_CHECK = r"[0-9Xx\uff10-\uff19\uff38\uff58]"
_NUMBERS = re.compile(
    rf"(?<!\d)(?:(?P<id1>\d{{6}}){_SEP}(?P<id2>\d{{8}}){_SEP}(?P<id3>\d{{3}}{_CHECK})(?!\d)"
    rf"|(?:[+\uff0b]?[8\uff18][6\uff16]{_SEP})?(?P<m1>[1\uff11][3-9\uff13-\uff19]\d){_SEP}(?P<m2>\d{{4}}){_SEP}"
    rf"(?P<m3>\d{{4}})(?!\d))"
)


def _masked_match(match: re.Match) -> str:
    if match.group("id1"):
        return mask_id_number(match.group("id1") + match.group("id2") + match.group("id3"))
    return mask_phone(match.group("m1") + match.group("m2") + match.group("m3"))


def mask_numbers(text: str | None) -> str:
    """Free text with every ID number and mobile in it masked (610102********123X,
    138****5678); everything else as written. Masked text passes unchanged."""
    if not text:
        return ""
    if len(text) < 11:
        return text
    return _NUMBERS.sub(_masked_match, text)


# Set while a print is rendered (app.printing.pdf.prepare_print): every value a print
# template outputs is masked, whoever prints (app.core.rendering).
_printing: ContextVar[bool] = ContextVar("gridbook_printing", default=False)


@contextmanager
def printing() -> Iterator[None]:
    token = _printing.set(True)
    try:
        yield
    finally:
        _printing.reset(token)


def is_printing() -> bool:
    return _printing.get()
