"""Masking of personal numbers wherever the full value is not needed."""
from __future__ import annotations


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
