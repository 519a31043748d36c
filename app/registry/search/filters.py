"""Finding people and households — the list pages and the exports share these filters.

People: by Chinese name (two characters included), pinyin initials or
full pinyin, and fragments of ID or phone numbers — always inside the user's scope.

Chinese text goes to the name index, Latin letters to the pinyin columns (as
prefixes, which their B-tree indexes answer) and to the name index (foreign names),
digits to the ID and phone number index — see search_index.py."""

from __future__ import annotations

import re

from sqlalchemy import Select, and_, false, or_, select, union

from app.core.identity import normalise_text_digits
from app.org.models import Building
from app.registry.people import reference
from app.registry.people.models import CareTag, Household, Resident
from app.registry.search.index import contains_condition, name_condition, number_condition, on_postgresql
from app.registry.settings.visit_classes import LEVELS

LATIN = re.compile(r"^[a-z]+$")
NUMBERISH = re.compile(r"^[0-9X]+$")
ID_FRAGMENT = re.compile(r"^[0-9X]{6,}$")


def resident_query_condition(text: str):
    """The WHERE condition for what someone typed into the search box, or None."""
    query = normalise_text_digits(text).strip()
    if not query:
        return None
    lowered = query.lower()
    if LATIN.match(lowered):
        # zs → 张三 (initials), zhangs / zhangsan → 张三 (full pinyin prefix), john → JOHN SMITH
        return or_(
            starts_with(Resident.name_initials, lowered),
            starts_with(Resident.name_pinyin, lowered),
            name_condition(lowered),
        )
    upper = query.upper()
    if NUMBERISH.match(upper):
        # A fragment masks hide (not a whole number, not the last 4) matches nobody.
        condition = number_condition(upper)
        return condition if condition is not None else false()
    return name_condition(query)


def starts_with(column, prefix: str):
    """column LIKE 'prefix%' written as a range, which any B-tree index answers
    (SQLite uses an index for LIKE only under rules its case-folding LIKE breaks)."""
    successor = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return and_(column >= prefix, column < successor)


def search_residents(statement: Select, text: str) -> Select:
    condition = resident_query_condition(text)
    return statement if condition is None else statement.where(condition)


def filter_residents(
    statement: Select,
    *,
    query: str = "",
    grid_id: int | None = None,
    tag_id: int | None = None,
    status: str | None = "active",
) -> Select:
    """The resident list's filters (search box, grid, care tag, status)."""
    statement = search_residents(statement, query)
    if grid_id:
        statement = statement.where(Resident.grid_id == grid_id)
    if tag_id:
        statement = statement.where(Resident.tags.any(CareTag.id == tag_id))
    if status in reference.RESIDENT_STATUSES:
        statement = statement.where(Resident.status == status)
    # Names in pinyin order (李四, 王五, 张三) by the stored key search uses, so the
    # database pages them (see app.org.ordering); the name itself breaks ties.
    return statement.order_by(Resident.grid_id, Resident.name_pinyin, Resident.name, Resident.id)


def filter_households(
    statement: Select,
    *,
    query: str = "",
    grid_id: int | None = None,
    household_type: str = "",
    visit_class: int | None = None,
    closed: bool = False,
) -> Select:
    """The household list's filters. The outer statement carries the scope, so the
    building and head look-ups need none of their own."""
    if query:
        # The head is found the way a person is: name, pinyin, ID or phone fragment.
        heads = select(Resident.id).where(resident_query_condition(query))
        if ID_FRAGMENT.match(normalise_text_digits(query).upper()):
            # Six or more digits are part of an ID or phone number, never of a household
            # number or an address: look at heads only, instead of reading every address.
            statement = statement.where(Household.head_id.in_(heads))
        else:
            buildings = select(Building.id).where(
                or_(contains_condition(Building.address, query), contains_condition(Building.number, query))
            )
            ways = (
                contains_condition(Household.household_number, query),
                contains_condition(Household.address_text, query),
                Household.building_id.in_(buildings),
                Household.head_id.in_(heads),
            )
            if on_postgresql():
                # Each way by its own index, then together: written as one OR,
                # PostgreSQL walked the county's households in list order testing each
                # against the look-ups (50 ms). SQLite does better with the OR (17 ms
                # against 38 for a grid worker).
                statement = statement.where(Household.id.in_(union(*(select(Household.id).where(w) for w in ways))))
            else:
                statement = statement.where(or_(*ways))
    if grid_id:
        statement = statement.where(Household.grid_id == grid_id)
    if household_type in reference.HOUSEHOLD_TYPES:
        statement = statement.where(Household.household_type == household_type)
    if visit_class in LEVELS:
        statement = statement.where(Household.visit_class == visit_class)
    if not closed:
        statement = statement.where(Household.status == "active")
    return statement.order_by(Household.grid_id, Household.household_number, Household.id)
