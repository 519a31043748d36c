"""Full-text indexes behind the search box, so that finding a person in a county of
200,000 does not read 200,000 rows.

SQLite keeps two contentless FTS5 tables beside `resident`, filled by triggers
(migration b7c3e1f20a54), so every way of writing residents — forms, imports, bulk
loads, the sqlite3 shell — keeps them right:

- resident_name_fts: the name with a space between characters ("王 小 明"), so
  that a phrase query matches any run of characters: 小明 finds 王小明, and
  two-character names work (the trigram tokenizer needs three);
- resident_number_fts: ID and phone numbers under the trigram tokenizer, so the
  last four digits of an ID or a phone number are an index look-up.

Each condition answers "which resident ids match"; the caller's statement keeps
the scope. Other databases (PostgreSQL) get the plain LIKE conditions.
"""

from __future__ import annotations

from sqlalchemy import and_, column, func, or_, select, table
from sqlalchemy.sql.elements import ColumnElement

from app.extensions import db
from app.registry.people.models import Resident

NAME_INDEX = "resident_name_fts"
NUMBER_INDEX = "resident_number_fts"
TRIGRAM = 3


def _has_full_text() -> bool:
    return db.session.get_bind().dialect.name == "sqlite"


def _phrase(tokens: list[str]) -> str:
    """An FTS5 phrase: the tokens in a row, quotes doubled."""
    return '"' + " ".join(tokens).replace('"', '""') + '"'


def _matching_ids(index: str, match: str):
    fts = table(index, column("rowid"))
    return select(fts.c.rowid).where(column(index).op("MATCH")(match))


def name_condition(text: str) -> ColumnElement[bool]:
    """Residents whose name contains `text` (any run of characters)."""
    characters = [ch for ch in text if ch.isalnum()]
    if not characters or not _has_full_text():
        # ILIKE on PostgreSQL, as SQLite's LIKE: Latin letters in either case.
        return Resident.name.icontains(text, autoescape=True)
    return Resident.id.in_(_matching_ids(NAME_INDEX, _phrase(characters)))


# What a search may match in a number is what every masked view shows of it
# (app/core/masking.py): the last 4 characters of a resident ID number (15 or 18
# long) and of a mobile (11 digits). Matching any other run of digits would let
# anyone recover the hidden digits by asking one digit at a time (a masked phone
# came back whole in 36 searches). A whole number matches only itself.
VISIBLE_TAIL = 4
WHOLE_ID_LENGTHS = (15, 18)
MOBILE_LENGTH = 11


def number_condition(digits: str) -> ColumnElement[bool] | None:
    """Residents whose number `digits` (0-9 and X) is — a whole ID or mobile number —
    or whose ID or mobile ends with it (up to the 4 characters masks show). None
    for any other fragment: it matches nobody."""
    if len(digits) in WHOLE_ID_LENGTHS:
        return Resident.id_number == digits
    if len(digits) == MOBILE_LENGTH and digits.isdigit():
        return Resident.phone == digits
    if len(digits) > VISIBLE_TAIL:
        return None
    ends = or_(
        and_(
            func.length(Resident.id_number).in_(WHOLE_ID_LENGTHS), Resident.id_number.endswith(digits, autoescape=True)
        ),
        and_(func.length(Resident.phone) == MOBILE_LENGTH, Resident.phone.endswith(digits, autoescape=True)),
    )
    if len(digits) < TRIGRAM or not _has_full_text():
        return ends
    # The trigram index narrows a county to the few containing the digits.
    return and_(Resident.id.in_(_matching_ids(NUMBER_INDEX, _phrase([digits]))), ends)
