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

PostgreSQL gets two kinds of index of its own (migration 3280a3bf29ce, PostgreSQL
only), because its pg_trgm cannot answer a two-character name (a trigram needs three
characters, and most names are two or three):

- ix_resident_name_chars, a GIN index over the name's characters
  (string_to_array(lower(name), NULL)): 王萍 is first narrowed to the names holding
  both 王 and 萍 (an index look-up), then matched as a run by ILIKE — 67 ms → 0.8 ms on
  the county's 200,000 residents;
- ix_resident_id_tail / ix_resident_phone_tail, B-tree indexes over the reversed
  numbers (text_pattern_ops): "ends with 4321" is "reversed, starts with 1234", a
  range look-up;
- for the household numbers and addresses and the buildings' numbers and addresses
  (the search box's households), a pg_trgm GIN index each, which answers ILIKE of
  three characters or more as it is written, and a characters index like the
  names' for one or two (`contains_condition`): 35 ms → under 1 ms on 60,000
  households.

Each condition answers "which resident ids match"; the caller's statement keeps
the scope.
"""

from __future__ import annotations

from sqlalchemy import Text, and_, column, func, literal, null, or_, select, table
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql.elements import ColumnElement

from app.extensions import db
from app.registry.people.models import Resident

NAME_INDEX = "resident_name_fts"
NUMBER_INDEX = "resident_number_fts"
TRIGRAM = 3
# Built by migration 3280a3bf29ce on PostgreSQL only (migrations/env.py leaves them out
# of the comparison with the models, which describe both engines).
TEXT_COLUMNS = (
    ("household", "household_number"),
    ("household", "address_text"),
    ("building", "number"),
    ("building", "address"),
)
POSTGRESQL_SEARCH_INDEXES = (
    "ix_resident_name_chars",
    "ix_resident_id_tail",
    "ix_resident_phone_tail",
    *(f"ix_{table}_{column}_{kind}" for table, column in TEXT_COLUMNS for kind in ("trgm", "chars")),
)


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def on_postgresql() -> bool:
    return _dialect() == "postgresql"


def _has_full_text() -> bool:
    return _dialect() == "sqlite"


def _characters(text_column):
    """The expression the *_chars indexes hold (a query must write it the same)."""
    return func.string_to_array(func.lower(text_column), null(), type_=postgresql.ARRAY(Text))


def _holding_characters_of(text_column, text: str) -> ColumnElement[bool]:
    wanted = sorted({ch.lower() for ch in text if not ch.isspace()})
    return _characters(text_column).contains(literal(wanted, postgresql.ARRAY(Text)))


def contains_condition(text_column, text: str) -> ColumnElement[bool]:
    """`text_column` contains `text`, Latin letters in either case (ILIKE; SQLite's
    LIKE). On PostgreSQL a pattern of three characters or more is answered by the
    column's pg_trgm index as written; a shorter one first by its characters index."""
    contains = text_column.icontains(text, autoescape=True)
    if _dialect() != "postgresql" or len(text) >= TRIGRAM or not text.strip():
        return contains
    return and_(_holding_characters_of(text_column, text), contains)


def _ends_with(number_column, digits: str) -> ColumnElement[bool]:
    """The number ends with `digits` (0-9 and X only, so nothing to escape)."""
    if _dialect() == "postgresql":
        return func.reverse(number_column).like(digits[::-1] + "%")
    return number_column.endswith(digits, autoescape=True)


def _phrase(tokens: list[str]) -> str:
    """An FTS5 phrase: the tokens in a row, quotes doubled."""
    return '"' + " ".join(tokens).replace('"', '""') + '"'


def _matching_ids(index: str, match: str):
    fts = table(index, column("rowid"))
    return select(fts.c.rowid).where(column(index).op("MATCH")(match))


def name_condition(text: str) -> ColumnElement[bool]:
    """Residents whose name contains `text` (any run of characters)."""
    characters = [ch for ch in text if ch.isalnum()]
    # ILIKE on PostgreSQL, as SQLite's LIKE: Latin letters in either case.
    contains = Resident.name.icontains(text, autoescape=True)
    if not characters:
        return contains
    if _dialect() == "postgresql":
        return and_(_holding_characters_of(Resident.name, text), contains)
    if not _has_full_text():
        return contains
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
        and_(func.length(Resident.id_number).in_(WHOLE_ID_LENGTHS), _ends_with(Resident.id_number, digits)),
        and_(func.length(Resident.phone) == MOBILE_LENGTH, _ends_with(Resident.phone, digits)),
    )
    if len(digits) < TRIGRAM or not _has_full_text():
        return ends
    # The trigram index narrows a county to the few containing the digits.
    return and_(Resident.id.in_(_matching_ids(NUMBER_INDEX, _phrase([digits]))), ends)
