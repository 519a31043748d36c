"""Personal data out of the free text the public and Open311 see: ID numbers, phone
numbers and e-mail addresses masked, and the names a matter knows (reporter, linked
residents, people involved, staff who took its steps) cut to their first character.
A name the matter does not know cannot be recognised."""

from __future__ import annotations

import re

from app.core.masking import mask_id_number, mask_numbers, mask_phone
from app.matters.models import Matter

# Beyond what every output masks (app.core.masking.mask_numbers): first-generation
# 15-digit ID numbers (inside the application a 15-digit run is a grid code),
# landlines and e-mail addresses.
_OLD_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{15}(?![0-9A-Za-z])")
_LANDLINE = re.compile(r"(?<!\d)(0\d{2,3})-?(\d{7,8})(?!\d)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Separators between names in 涉及人员: ASCII and full-width commas, 、, semicolons, brackets.
_NAME_SPLIT = re.compile(r"[\s,;/|()\uff0c\u3001\uff1b\uff08\uff09]+")


def mask_name(name: str) -> str:
    name = name.strip()
    return name[:1] + "*" * (len(name) - 1) if len(name) > 1 else name


def personal_names(matter: Matter) -> set[str]:
    """Names that may turn up in a matter's free text: the reporter, the residents
    and people involved, and the staff who took its steps."""
    names = {matter.reporter_name, *(r.name for r in matter.residents)}
    names.update(_NAME_SPLIT.split(matter.involved_text or ""))
    for user in [matter.reporter, matter.first_receiver, matter.dispatcher, *(s.actor for s in matter.steps)]:
        if user is not None:
            names.update((user.display_name or "", user.username or ""))
    return {n.strip() for n in names if n and len(n.strip()) >= 2}


def mask_text(text: str, names: set[str] | frozenset[str] = frozenset()) -> str:
    """Free text as the public may see it: ID numbers, phone numbers and e-mail
    addresses masked, and the given names shortened to their first character."""
    if not text:
        return ""
    text = mask_numbers(text)
    text = _OLD_ID_NUMBER.sub(lambda m: mask_id_number(m.group(0)), text)
    text = _LANDLINE.sub(lambda m: mask_phone(f"{m.group(1)}-{m.group(2)}"), text)
    text = _EMAIL.sub(lambda m: "***@" + m.group(0).rsplit("@", 1)[1], text)
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, mask_name(name))
    return text


def public_result(matter: Matter) -> str:
    return mask_text(matter.result, personal_names(matter))
