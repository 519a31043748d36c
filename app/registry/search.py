"""Finding people: by Chinese name (two characters included), pinyin initials or
full pinyin, and fragments of ID or phone numbers — always inside the user's scope.

SQLite's trigram index needs three characters, and most Chinese names have two, so
names are matched with LIKE on the (indexed, grid-limited) name column; Latin
letters go to the pinyin columns, digits to ID and phone numbers."""
from __future__ import annotations

import re

from sqlalchemy import Select, or_

from app.core.identity import normalise_text_digits
from app.registry.models import Resident

LATIN = re.compile(r"^[a-z]+$")
NUMBERISH = re.compile(r"^[0-9X]+$")


def resident_query_condition(text: str):
    """The WHERE condition for what someone typed into the search box, or None."""
    query = normalise_text_digits(text).strip()
    if not query:
        return None
    lowered = query.lower()
    if LATIN.match(lowered):
        # zs → 张三 (initials), zhangs / zhangsan → 张三 (full pinyin prefix)
        return or_(Resident.name_initials.startswith(lowered, autoescape=True),
                   Resident.name_pinyin.startswith(lowered, autoescape=True))
    upper = query.upper()
    if NUMBERISH.match(upper):
        if len(upper) < 3:
            return Resident.id_number.endswith(upper, autoescape=True)
        return or_(Resident.id_number.contains(upper, autoescape=True),
                   Resident.phone.contains(upper, autoescape=True))
    return Resident.name.contains(query, autoescape=True)


def search_residents(statement: Select, text: str) -> Select:
    condition = resident_query_condition(text)
    return statement if condition is None else statement.where(condition)
