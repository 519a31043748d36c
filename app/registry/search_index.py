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

from sqlalchemy import column, or_, select, table
from sqlalchemy.sql.elements import ColumnElement

from app.extensions import db
from app.registry.models import Resident

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
        return Resident.name.contains(text, autoescape=True)
    return Resident.id.in_(_matching_ids(NAME_INDEX, _phrase(characters)))


def number_condition(digits: str) -> ColumnElement[bool]:
    """Residents whose ID or phone number contains `digits` (0-9 and X).
    Shorter than a trigram, only the end of the ID number is looked at (the last
    digit or two), which needs no index to be useful."""
    if len(digits) < TRIGRAM:
        return Resident.id_number.endswith(digits, autoescape=True)
    if not _has_full_text():
        return or_(Resident.id_number.contains(digits, autoescape=True),
                   Resident.phone.contains(digits, autoescape=True))
    return Resident.id.in_(_matching_ids(NUMBER_INDEX, _phrase([digits])))
